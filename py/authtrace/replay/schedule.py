"""Fast-forward a replay plan: a pure function of the plan and ``speed``.

Time is cut into stretches, each replayed at its own rate:

* **kept**: ``PROTECT_MS`` either side of every fault (a failed refresh attempt, a
  server event, an armed fault's start/end, a page-state change) -- replayed exactly;
* **token time**: inside hidden/frozen/offline intervals and hangs, and one recorded
  token lifetime after each failure -- scaled like the token lifetime, so a token that
  expired while the tab was hidden (or before Convex noticed the failure) expires in the
  replay too;
* **quiet**: everything else -- divided by ``speed``.

The replay ends ``SETTLE_MS`` after the last fault at the earliest, even when the
recording stopped right after it.

The replay's access-token lifetime is ``max(MIN_TTL_S, recorded / speed)``: authkit-js
refreshes 10 s before expiry (polling every second) and Convex refetches 10 s before
expiry, so a shorter token would be refreshed in a loop. Token time is therefore scaled
by ``replay_ttl / recorded_ttl`` (which is 1 for the lab's 15 s tokens: nothing
token-relative is compressed below what the clients need).
"""

from __future__ import annotations

from typing import Any

from .validate import validate_plan

PROTECT_MS = 2_000.0
MIN_TTL_S = 15.0
MAX_SPEED = 10_000.0
TERMINAL_AFTER_END_S = 60.0  # a terminal answer still holds this long after the replay's end
# A recording often stops a moment after its last fault (the user exported it then);
# the replay runs this long past the last fault so the clients can show the outcome.
SETTLE_MS = 5_000.0


def _fault_times(plan: dict[str, Any]) -> list[float]:
    times = [a["at_ms"] for a in plan.get("attempts", []) if (a.get("outcome") or {}).get("type") != "token"]
    times += [s["at_ms"] for s in plan.get("server", [])]
    for f in plan.get("faults", []):
        times += [f["start_ms"], min(f["end_ms"], plan["duration_ms"])]
    for p in plan.get("page", []):
        times += [p["start_ms"], p["end_ms"]]
    return times


def _union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _inside(t0: float, t1: float, ivs: list[tuple[float, float]]) -> bool:
    mid = (t0 + t1) / 2
    return any(s <= mid <= e for s, e in ivs)


class TimeMap:
    """Piecewise-linear, strictly increasing map from recorded ms to replay ms."""

    def __init__(self, segments: list[dict[str, Any]]) -> None:
        self.segments = segments

    def __call__(self, t: float) -> float:
        if not self.segments:
            return t
        for seg in self.segments:
            if t <= seg["to_ms"]:
                return round(seg["replay_from_ms"] + (max(t, seg["from_ms"]) - seg["from_ms"]) * seg["rate"], 1)
        last = self.segments[-1]
        return round(last["replay_from_ms"] + (last["to_ms"] - last["from_ms"]) * last["rate"] + (t - last["to_ms"]), 1)


def schedule(plan: dict[str, Any], speed: float = 1.0) -> dict[str, Any]:
    """The plan's steps on the replay clock (ms after the replayed sign-in), the replay's
    token lifetime and the stretches with their rates. Deterministic for (plan, speed)."""
    validate_plan(plan)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not (1.0 <= speed <= MAX_SPEED):
        raise ValueError(f"speed must be a number between 1 and {MAX_SPEED:g}, got {speed!r}")
    speed = float(speed)
    start = float(plan["signed_in_ms"])
    duration = float(plan["duration_ms"])
    ttl = float(plan["tokens"]["access_token_ttl_s"])
    replay_ttl = round(max(MIN_TTL_S, ttl / speed), 3)
    token_rate = replay_ttl / ttl
    quiet_rate = 1.0 / speed

    faults = _fault_times(plan)
    kept = _union([(t - PROTECT_MS, t + PROTECT_MS) for t in faults])
    token_time = [(p["start_ms"], p["end_ms"]) for p in plan.get("page", [])]
    for a in plan.get("attempts", []):
        o = a.get("outcome") or {}
        if o.get("type") == "hang":
            token_time.append((a["at_ms"], a["at_ms"] + float(o.get("ms") or 0)))
        if o.get("type") != "token":
            token_time.append((a["at_ms"], a["at_ms"] + ttl * 1000.0))
    for s in plan.get("server", []):
        token_time.append((s["at_ms"], s["at_ms"] + ttl * 1000.0))
        if s.get("replayed_by") == "token expiry":
            # It happens by itself when a token minted about a lifetime earlier expires.
            token_time.append((s["at_ms"] - ttl * 1000.0, s["at_ms"]))
    token_time = _union(token_time)

    cuts = {start, duration}
    for s, e in kept + token_time:
        cuts.update(x for x in (s, e) if start < x < duration)
    cuts = sorted(cuts)
    segments: list[dict[str, Any]] = []
    at = 0.0
    for a, b in zip(cuts, cuts[1:]):
        if _inside(a, b, kept):
            kind, rate = "kept", 1.0
        elif _inside(a, b, token_time):
            kind, rate = "token", max(quiet_rate, token_rate)
        else:
            kind, rate = "quiet", quiet_rate
        if segments and segments[-1]["kind"] == kind:
            seg = segments[-1]
            seg["to_ms"] = b
        else:
            seg = {"kind": kind, "rate": round(rate, 6), "from_ms": a, "to_ms": b, "replay_from_ms": round(at, 1)}
            segments.append(seg)
        at += (b - a) * rate
    tmap = TimeMap(segments)

    def m(t: float) -> float:
        return tmap(max(t, start))

    steps: list[dict[str, Any]] = []
    order = {"close": 0, "unfreeze": 1, "show": 2, "online": 3, "offline": 4, "hide": 5, "freeze": 6,
             "arm": 7, "send": 8, "fault-ended": 9}
    last_fault_end = None
    for p in plan.get("page", []):
        begin, end = {"hidden": ("hide", "show"), "frozen": ("freeze", "unfreeze"),
                      "offline": ("offline", "online")}[p["state"]]
        if p["end_ms"] <= start:
            continue
        steps.append({"at_ms": m(p["start_ms"]), "do": begin})
        if p["end_ms"] < duration:
            steps.append({"at_ms": m(p["end_ms"]), "do": end})
            last_fault_end = max(last_fault_end or 0.0, p["end_ms"])
    for f in plan.get("faults", []):
        if f["end_ms"] < start:
            continue
        s, e = m(f["start_ms"]), m(min(f["end_ms"], duration))
        if f["target"] == "convex" and f["action"] == "close":
            steps.append({"at_ms": s, "do": "close", "fault": f.get("id"), "params": f.get("params", {})})
        else:
            window = round(max(0.0, e - s) / 1000.0 + (0.0 if f["end_ms"] <= duration else
                                                      (f["end_ms"] - duration) / 1000.0), 3)
            if f.get("terminal") and f["end_ms"] >= duration:
                # The session really ended: it stays ended past the replay's end.
                window = round(window + TERMINAL_AFTER_END_S, 3)
            params = dict(f.get("params", {}))
            if f["action"] == "hang" and "max_s" in params:
                # A hang is token time: scaled like the token lifetime.
                params["max_s"] = round(max(0.1, params["max_s"] * max(quiet_rate, token_rate)), 3)
            steps.append({"at_ms": s, "do": "arm", "fault": f.get("id"), "target": f["target"], "action": f["action"],
                          "match": f.get("match", {}), "count": f.get("count", 1), "window_s": window or None,
                          "params": params})
        if not f.get("terminal"):
            last_fault_end = max(last_fault_end or 0.0, min(f["end_ms"], duration))
    for i, mu in enumerate(plan.get("mutations", [])):
        if mu["at_ms"] >= start and mu.get("udf_path") in (None, "messages:send"):
            steps.append({"at_ms": m(mu["at_ms"]), "do": "send", "body": f"replay-{i + 1}"})
    if last_fault_end is not None:
        steps.append({"at_ms": m(last_fault_end), "do": "fault-ended"})
    steps.sort(key=lambda s: (s["at_ms"], order[s["do"]]))
    replay_ms = m(duration)
    last_fault = max((t for t in faults if t <= duration), default=None)
    if last_fault is not None:
        replay_ms = max(replay_ms, round(m(last_fault) + SETTLE_MS, 1))
    recorded_ms = duration - start
    return {
        "speed": speed,
        "recorded_ms": round(recorded_ms, 1),
        "replay_ms": replay_ms,
        "fast_forward": round(recorded_ms / replay_ms, 2) if replay_ms > 0 else 1.0,
        "access_token_ttl_s": replay_ttl,
        "recorded_access_token_ttl_s": ttl,
        "segments": [{**s, "from_ms": round(s["from_ms"], 1), "to_ms": round(s["to_ms"], 1)} for s in segments],
        "steps": steps,
    }
