"""``authtrace bench replay``: replay a recorded one-hour session, fast-forwarded.

The session is the ``missing-refresh-token-other-tab`` story at real-world lifetimes,
built in code as a replay plan: 300 s access tokens refreshed every ~290 s for about
an hour; another tab signs out (removing the shared refresh token) at 55 min; the next
refresh is answered ``400 Missing refresh token.``; Convex learns of it when its token
expires; the user sends a message at the end. The replay runs it with the stock adapter
against the lab and the emulators and reports the wall time and the speed-up over real
time (target >= 60x, counting everything: emulators, lab, Chromium, sign-in).
"""

from __future__ import annotations

import time
from typing import Any

from ..replay import FORMAT, faults_from_attempts, schedule, validate_plan

TARGET_SPEEDUP = 60.0
HOUR_MS = 3_600_000.0


def add_arguments(parser) -> None:
    parser.add_argument("--speed", type=float, default=300.0, help="fast-forward of quiet time (default 300)")
    parser.add_argument("--plan-only", action="store_true", help="only the schedule's figures; no browser")


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


def main(args) -> dict[str, Any]:
    speed = float(getattr(args, "speed", 300.0))
    plan = one_hour_plan()
    sched = schedule(plan, speed)
    figures: dict[str, Any] = {
        "session": "missing-refresh-token-other-tab, 300 s access tokens",
        "recorded_s": round(plan["duration_ms"] / 1000, 1),
        "refresh_attempts_recorded": len(plan["attempts"]),
        "speed": speed,
        "schedule_replay_s": round(sched["replay_ms"] / 1000, 2),
        "schedule_fast_forward": sched["fast_forward"],
        "replay_access_token_ttl_s": sched["access_token_ttl_s"],
        "target_speedup": TARGET_SPEEDUP,
    }
    if getattr(args, "plan_only", False):
        return figures
    from .replay import run

    t0 = time.monotonic()
    result = run(plan, "stock", speed, name="bench-replay-1h")
    wall = time.monotonic() - t0
    figures.update({
        "wall_s": round(wall, 2),
        "replayed_s": result["timing"]["replayed_s"],
        "speedup_total": round(plan["duration_ms"] / 1000 / wall, 1),
        "speedup_replay_only": round((plan["duration_ms"] - plan["signed_in_ms"]) / 1000 / result["timing"]["replayed_s"], 1),
        "recurred": result["recurred"],
        "split_brain_open": result["split_brain_open"],
        "causes": result["causes"],
        "trace": result["trace"],
    })
    figures["meets_target"] = bool(figures["speedup_total"] >= TARGET_SPEEDUP and result["recurred"])
    return figures
