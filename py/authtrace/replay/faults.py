"""The plan's faults (pure): what the executor arms so the next refresh attempts and the
Convex server get the recorded outcomes.

Faults are windows, not single requests: a run of attempts that failed the same way is
one fault over the run (from just before the first to halfway to the next different
attempt); a terminal answer (``invalid_grant``, ``Missing refresh token.``) holds until
the recording shows a successful refresh, else to the end. Matched by method, path and
grant type, never by bytes.
"""

from __future__ import annotations

from typing import Any

from ..fault_actions import MAX_WAIT_S
from .format import AUTH_PATH, LEAD_MS, TAIL_MS, r as _r


def _fault_of(attempt: dict[str, Any]) -> tuple[str, dict[str, Any], bool] | None:
    """(action, params, terminal) that reproduces this attempt's outcome; None = nothing to inject."""
    o = attempt.get("outcome") or {}
    t = o.get("type")
    if t == "token" or attempt.get("cause") == "offline":
        return None
    if t == "TypeError":
        return "drop", {}, False
    if t == "hang":
        return "hang", {"max_s": round(min(MAX_WAIT_S, max(0.1, float(o.get("ms") or 0) / 1000.0)), 1)}, False
    if t == "error":
        return ("garbage-200", {}, False) if o.get("name") == "SyntaxError" else ("drop", {}, False)
    if t == "http":
        status = o.get("status")
        error = str(o.get("error") or "")
        desc = str(o.get("description") or "")
        if "missing refresh token" in desc.lower():
            return "missing-refresh-token", {}, True
        if error == "invalid_grant":
            return "invalid-grant", ({"message": desc} if desc else {}), True
        if isinstance(status, int) and 400 <= status <= 599:
            return "status", {"status": status}, status in (400, 401, 403)
    return None


def faults_from_attempts(attempts: list[dict[str, Any]], duration_ms: float) -> list[dict[str, Any]]:
    """WorkOS faults that give the next refresh attempts the recorded outcomes (pure).

    Consecutive attempts that failed the same way are one fault window (count unlimited
    inside it; a hang counts each hung attempt); a terminal answer holds until the next
    recorded success, else to the end; a transient one until halfway to the next
    different attempt, else ``TAIL_MS`` after its last attempt."""
    ordered = sorted((a for a in attempts if isinstance(a, dict)), key=lambda a: a["at_ms"])
    faults: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    key: tuple | None = None
    prev_end = 0.0

    def close(next_at: float | None, next_ok_at: float | None) -> None:
        nonlocal run, key
        if not run:
            return
        action, params, terminal = key[0], dict(key[1]), key[2]
        first, last = run[0], run[-1]
        lead = min(LEAD_MS, max(0.0, (first["at_ms"] - run_prev_end[0]) / 2))
        start = max(0.0, first["at_ms"] - lead)
        if action == "hang":
            end = last["at_ms"] + float(params["max_s"]) * 1000.0
            count: int | None = len(run)
        elif terminal:
            end = (next_ok_at + last["at_ms"]) / 2 if next_ok_at is not None else duration_ms
            count = None
        else:
            end = (next_at + last["at_ms"]) / 2 if next_at is not None else last["at_ms"] + TAIL_MS
            count = None
        end = min(max(end, last["at_ms"] + 1.0), duration_ms + TAIL_MS)
        grant = first.get("grant_type") or "refresh_token"
        faults.append({"target": "workos", "action": action, "start_ms": _r(start), "end_ms": _r(end),
                       "count": count, "match": {"method": "POST", "path": AUTH_PATH, "grant_type": grant},
                       "params": params, "attempts": [ordered.index(a) for a in run], "terminal": terminal})
        run, key = [], None

    run_prev_end = [0.0]
    for i, a in enumerate(ordered):
        f = _fault_of(a)
        k = (f[0], tuple(sorted(f[1].items())), f[2], a.get("grant_type")) if f else None
        if k is None or k != key:
            nxt_ok = next((b["at_ms"] for b in ordered[i:] if (b.get("outcome") or {}).get("type") == "token"), None)
            close(a["at_ms"], nxt_ok)
            if k is not None:
                run_prev_end[0] = prev_end
                key = (f[0], tuple(sorted(f[1].items())), f[2], a.get("grant_type"))
                run = [a]
        else:
            run.append(a)
        prev_end = a["at_ms"] + float(a.get("duration_ms") or 0.0)
    close(None, None)
    for f in faults:
        f["params"] = dict(f["params"]) if not isinstance(f["params"], dict) else f["params"]
    return faults


def server_faults(server: list[dict[str, Any]], page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convex faults for the server events the replay does not reproduce by itself (``injected``)."""
    out = []
    for i, s in enumerate(server):
        if s.get("replayed_by") != "injected":
            continue
        at = s["at_ms"]
        if s["type"] == "socket-close":
            if s.get("while_frozen"):
                ends = [p["end_ms"] for p in page if p["state"] == "frozen" and abs(p["end_ms"] - at) <= 250]
                at = max(0.0, (min(ends) if ends else at) - 200.0)
            code = s.get("code")
            code = code if isinstance(code, int) and 1000 <= code <= 4999 and code not in (1005, 1006, 1015) else 1001
            out.append({"target": "convex", "action": "close", "start_ms": _r(at), "end_ms": _r(at), "count": 1,
                        "match": {}, "params": {"code": code}, "server": [i]})
        elif s["type"] == "auth-error":
            out.append({"target": "convex", "action": "auth-error", "start_ms": _r(max(0.0, at - LEAD_MS)),
                        "end_ms": _r(at + LEAD_MS), "count": 1, "match": {"type": "Authenticate"},
                        "params": {"message": s.get("error") or "authtrace replay"}, "server": [i]})
    return out
