"""``authtrace bench replay``: replay a recorded one-hour session, fast-forwarded.

The session is the ``missing-refresh-token-other-tab`` story at real-world lifetimes,
built in code as a replay plan: 300 s access tokens refreshed every ~290 s for about
an hour; another tab signs out (removing the shared refresh token) at 55 min; the next
refresh is answered ``400 Missing refresh token.``; Convex learns of it when its token
expires; the user sends a message at the end. The replay runs it ``--repeats`` times with
the stock adapter against the lab and the emulators and reports, per run, how long the
replay itself took (from Convex authenticated after sign-in to the end of the hour), the
speed-up over the recording, and the outcome; and whether every run had the same outcome
with the failure recurring. Target: >= 600x (one hour in <= 6 s) on the replay itself;
the start-up around it (Chromium, the lab, Pyodide, sign-in) is reported as wall time.

``--clock virtual`` (default): the hour at its own pace, real 300 s tokens, on
Chromium's virtual time with the emulators' clock in step (:mod:`.virtual_time`).
``--clock real``: the real clock, quiet time divided by ``--speed`` and token time
scaled to 15 s lifetimes (:func:`authtrace.replay.schedule`); ``--compare-real`` adds
one such run to a virtual one, side by side.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from ..replay import FORMAT, faults_from_attempts, schedule, validate_plan

TARGET_SPEEDUP = 600.0  # one hour replayed in at most 6 s (the replay itself; start-up is reported apart)
HOUR_MS = 3_600_000.0


def add_arguments(parser) -> None:
    parser.add_argument("--speed", type=float, default=300.0,
                        help="with --clock real: fast-forward of quiet time (default 300)")
    parser.add_argument("--repeats", type=int, default=10, help="replays of the session (default 10): same outcome?")
    parser.add_argument("--compare-real", action="store_true",
                        help="also replay once on the real clock (--speed), side by side")
    parser.add_argument("--plan-only", action="store_true", help="only the schedule's figures; no browser")
    parser.add_argument("--clock", choices=("real", "virtual"), default="virtual",
                        help="virtual: Chromium's virtual time and the emulators' clock in step (default); "
                             "real: the real clock with quiet time fast-forwarded by --speed")


def one_hour_plan(ttl_s: float = 300.0, duration_ms: float = HOUR_MS) -> dict[str, Any]:
    signed_in = 5_000.0
    attempts = []
    t = signed_in + (ttl_s - 10) * 1000.0
    fail_at = 3_300_000.0 + 5_000.0  # the first refresh after the other tab signed out at 55 min
    while t < fail_at:
        attempts.append({"at_ms": t, "tab": "tab-main", "other_tab": False, "grant_type": "refresh_token",
                         "refresh_token_sent": True, "outcome": {"type": "token"}, "duration_ms": 12.0})
        t += (ttl_s - 10) * 1000.0
    fail_at = t
    attempts.append({"at_ms": fail_at, "tab": "tab-main", "other_tab": False, "grant_type": "refresh_token",
                     "refresh_token_sent": False, "duration_ms": 9.0,
                     "outcome": {"type": "http", "status": 400, "error": "invalid_request",
                                 "description": "Missing refresh token."}})
    identity_expired = fail_at + 10_000.0  # the token it could not refresh expires
    plan = {
        "format": FORMAT,
        "source": {"kind": "synthetic", "scenario": "missing-refresh-token-other-tab", "adapter": "stock",
                   "tab": "tab-main", "tabs": 2, "events": None},
        "app": {"cookie_mode": False},
        "duration_ms": duration_ms,
        "signed_in_ms": signed_in,
        "tokens": {"access_token_ttl_s": ttl_s, "lifetimes_s": [ttl_s]},
        "page": [],
        "attempts": attempts,
        "server": [{"at_ms": identity_expired, "type": "auth-error", "error": "Convex token identity expired",
                    "replayed_by": "token expiry"},
                   {"at_ms": identity_expired + 5, "type": "socket-close", "code": 1005,
                    "replayed_by": "the client, after the AuthError"}],
        "mutations": [{"at_ms": duration_ms - 3_000.0, "udf_path": "messages:send"}],
        "faults": faults_from_attempts(attempts, duration_ms),
        "recorded": {"split_brain_open_at_end": True, "wedged": False,
                     "causes": ["refresh-token-removed-by-other-tab", "split-brain"]},
        "notes": ["synthetic: another tab removed the refresh token at 55 min (not replayed as such; "
                  "the refresh failure it caused is injected)"],
    }
    for i, f in enumerate(plan["faults"], 1):
        f["id"] = f"f{i}"
    return validate_plan(plan)


def _outcome(result: dict[str, Any]) -> dict[str, Any]:
    """The runner's outcome (what ``authtrace replay --repeat`` compares) and the diagnosis causes."""
    return {"recurred": result["recurred"], "split_brain_open": result["split_brain_open"],
            "wedged": result["wedged"], "authkit_user_at_end": result["authkit_user_at_end"],
            "convex_authenticated_at_end": result["convex_authenticated_at_end"], "causes": sorted(result["causes"])}


def longest_server_silence_s(trace_path: str) -> float | None:
    """The longest stretch (page clock) in which the Convex client received nothing from the
    emulator, from its verbose log: the client gives up on a silent server after 60 s."""
    events = json.loads(Path(trace_path).read_text())["events"]
    times = [e["wall"] / 1000 for e in events if e["kind"] == "convex" and e["type"] == "log"
             and str(e["payload"].get("message", "")).startswith("received ws message")]
    return round(max((b - a for a, b in zip(times, times[1:])), default=0.0), 1) if times else None


def main(args) -> dict[str, Any]:
    speed = float(getattr(args, "speed", 300.0))
    clock = getattr(args, "clock", "virtual")
    repeats = max(1, int(getattr(args, "repeats", 10)))
    plan = one_hour_plan()
    sched = schedule(plan, speed)
    figures: dict[str, Any] = {
        "session": "missing-refresh-token-other-tab, 300 s access tokens",
        "recorded_s": round(plan["duration_ms"] / 1000, 1),
        "refresh_attempts_recorded": len(plan["attempts"]),
        "clock": clock,
        "real_clock_schedule": {"speed": speed, "replay_s": round(sched["replay_ms"] / 1000, 2),
                                "fast_forward": sched["fast_forward"],
                                "access_token_ttl_s": sched["access_token_ttl_s"]},
        "target_speedup": TARGET_SPEEDUP,
        "load_average_1min": round(os.getloadavg()[0], 1),
    }
    if getattr(args, "plan_only", False):
        return figures
    from .replay import run

    recorded_s = (plan["duration_ms"] - plan["signed_in_ms"]) / 1000
    runs = []
    for i in range(repeats):
        t0 = time.monotonic()
        result = run(plan, "stock", speed, name=f"bench-replay-1h.r{i + 1}", clock=clock)
        timing = result["timing"]
        runs.append({"wall_s": round(time.monotonic() - t0, 2), "replayed_s": timing["replayed_s"],
                     "speedup_replay": round(recorded_s / timing["replayed_s"], 1),
                     "virtual_time_budgets": timing.get("virtual_time_budgets"),
                     "longest_server_silence_s": longest_server_silence_s(result["trace"]), **_outcome(result),
                     "trace": result["trace"]})
    keys = ("recurred", "split_brain_open", "wedged", "authkit_user_at_end", "convex_authenticated_at_end")
    outcomes = [{k: r[k] for k in keys} for r in runs]
    replayed = sorted(r["replayed_s"] for r in runs)
    median_s = replayed[len(replayed) // 2]
    figures.update({
        "repeats": repeats,
        "replayed_s_median": median_s,
        "replayed_s_max": replayed[-1],
        "speedup_replay_median": round(recorded_s / median_s, 1),
        "wall_s_median": sorted(r["wall_s"] for r in runs)[len(runs) // 2],
        "speedup_total_median": round(plan["duration_ms"] / 1000 / sorted(r["wall_s"] for r in runs)[len(runs) // 2], 1),
        "recurred_runs": sum(r["recurred"] for r in runs),
        "same_outcome_every_run": all(o == outcomes[0] for o in outcomes),
        "same_causes_every_run": all(r["causes"] == runs[0]["causes"] for r in runs),
        "runs": runs,
    })
    if getattr(args, "compare_real", False) and clock != "real":
        t0 = time.monotonic()
        real = run(plan, "stock", speed, name="bench-replay-1h.real", clock="real")
        figures["real_clock_run"] = {"wall_s": round(time.monotonic() - t0, 2),
                                     "replayed_s": real["timing"]["replayed_s"],
                                     "speedup_replay": round(recorded_s / real["timing"]["replayed_s"], 1),
                                     **_outcome(real)}
    figures["meets_target"] = bool(figures["speedup_replay_median"] >= TARGET_SPEEDUP
                                   and figures["recurred_runs"] == repeats and figures["same_outcome_every_run"])
    return figures
