"""The plan's validator (pure): a plan people edited is replayed as written or refused
with the reason, one line naming the field."""

from __future__ import annotations

import math
from typing import Any

from ..fault_actions import ACTIONS, MAX_WAIT_S
from ..inputs import PLAN_FORMAT_PREFIX
from .format import FORMAT, OUTCOMES, PAGE_STATES, TAIL_MS, NothingToReplay, PlanError


def _num(obj: dict, key: str, where: str, lo: float = 0.0, hi: float = math.inf, required: bool = True) -> float | None:
    if key not in obj:
        if required:
            raise PlanError(f"{where}.{key}: missing")
        return None
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise PlanError(f"{where}.{key}: must be a number, got {v!r}")
    if v < lo or v > hi:
        raise PlanError(f"{where}.{key}: {v} is outside {lo:g}..{hi:g}")
    return float(v)


def _list(plan: dict, key: str) -> list:
    v = plan.get(key, [])
    if not isinstance(v, list):
        raise PlanError(f"{key}: must be a list, got {type(v).__name__}")
    for i, item in enumerate(v):
        if not isinstance(item, dict):
            raise PlanError(f"{key}[{i}]: must be an object, got {type(item).__name__}")
    return v


def validate_plan(plan: Any) -> dict[str, Any]:
    """``plan`` if the executor can replay it as written; else :class:`PlanError` with the reason."""
    if not isinstance(plan, dict):
        raise PlanError(f"a replay plan is a JSON object, got {type(plan).__name__}")
    fmt = plan.get("format")
    if fmt != FORMAT:
        if isinstance(fmt, str) and fmt.startswith(PLAN_FORMAT_PREFIX):
            raise PlanError(f"format {fmt!r} is not supported (this authtrace reads {FORMAT!r})")
        raise PlanError(f'not a replay plan: "format" must be {FORMAT!r}, got {fmt!r}')
    duration = _num(plan, "duration_ms", "plan", lo=1.0, hi=7 * 24 * 3600 * 1000.0)
    _num(plan, "signed_in_ms", "plan", hi=duration)
    tokens = plan.get("tokens")
    if not isinstance(tokens, dict):
        raise PlanError("tokens: must be an object with access_token_ttl_s")
    _num(tokens, "access_token_ttl_s", "tokens", lo=0.001, hi=24 * 3600.0)
    app = plan.get("app", {})
    if not isinstance(app, dict):
        raise PlanError("app: must be an object")
    if "cookie_mode" in app and not isinstance(app["cookie_mode"], bool):
        raise PlanError("app.cookie_mode: must be true or false")

    page = _list(plan, "page")
    for i, p in enumerate(page):
        w = f"page[{i}]"
        if p.get("state") not in PAGE_STATES:
            raise PlanError(f"{w}.state: must be one of {', '.join(PAGE_STATES)}, got {p.get('state')!r}")
        s = _num(p, "start_ms", w, hi=duration)
        e = _num(p, "end_ms", w, hi=duration)
        if e < s:
            raise PlanError(f"{w}: end_ms {e:g} is before start_ms {s:g}")
    for state in PAGE_STATES:
        ivs = sorted((p["start_ms"], p["end_ms"], i) for i, p in enumerate(page) if p["state"] == state)
        for (s1, e1, i1), (s2, _e2, i2) in zip(ivs, ivs[1:]):
            if s2 < e1:
                raise PlanError(f"page[{i2}]: overlaps page[{i1}] (both {state})")

    for i, a in enumerate(_list(plan, "attempts")):
        w = f"attempts[{i}]"
        _num(a, "at_ms", w, hi=duration)
        o = a.get("outcome")
        if not isinstance(o, dict) or o.get("type") not in OUTCOMES:
            raise PlanError(f"{w}.outcome.type: must be one of {', '.join(OUTCOMES)}")
        if o["type"] == "http":
            _num(o, "status", f"{w}.outcome", lo=100, hi=599)
        if o["type"] == "hang":
            _num(o, "ms", f"{w}.outcome", lo=0)

    for i, s in enumerate(_list(plan, "server")):
        w = f"server[{i}]"
        _num(s, "at_ms", w, hi=duration)
        if s.get("type") not in ("auth-error", "socket-close"):
            raise PlanError(f"{w}.type: must be auth-error or socket-close, got {s.get('type')!r}")

    for i, m in enumerate(_list(plan, "mutations")):
        _num(m, "at_ms", f"mutations[{i}]", hi=duration)

    for i, f in enumerate(_list(plan, "faults")):
        _check_fault(f, f"faults[{i}]", duration)

    rec = plan.get("recorded", {})
    if not isinstance(rec, dict):
        raise PlanError("recorded: must be an object")
    if not isinstance(rec.get("causes", []), list) or not all(isinstance(c, str) for c in rec.get("causes", [])):
        raise PlanError("recorded.causes: must be a list of cause ids")
    for k in ("split_brain_open_at_end", "wedged"):
        if k in rec and not isinstance(rec[k], bool):
            raise PlanError(f"recorded.{k}: must be true or false")
    if not (page or plan.get("faults") or plan.get("attempts") or plan.get("server") or plan.get("mutations")):
        raise NothingToReplay("nothing to replay: the plan has no page interval, fault, refresh attempt, "
                              "server event or mutation")
    return plan


def _check_fault(f: dict, w: str, duration: float) -> None:
    target = f.get("target")
    if target not in ACTIONS:
        raise PlanError(f"{w}.target: must be workos or convex, got {target!r}")
    action = f.get("action")
    if action not in ACTIONS[target]:
        raise PlanError(f"{w}.action: {action!r} is not a {target} action the replay can arm "
                        f"({', '.join(ACTIONS[target])})")
    s = _num(f, "start_ms", w, hi=duration)
    e = _num(f, "end_ms", w, hi=duration + TAIL_MS)
    if e < s:
        raise PlanError(f"{w}: end_ms {e:g} is before start_ms {s:g}")
    count = f.get("count", 1)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise PlanError(f"{w}.count: must be a positive integer or null (every matching request in the window)")
    if count is None and e <= s and not (target == "convex" and action == "close"):
        raise PlanError(f"{w}: unbounded (count null and an empty window): give a count or end_ms after start_ms")
    match = f.get("match", {})
    if not isinstance(match, dict):
        raise PlanError(f"{w}.match: must be an object")
    params = f.get("params", {})
    if not isinstance(params, dict):
        raise PlanError(f"{w}.params: must be an object")
    if action == "status":
        st = params.get("status")
        if isinstance(st, bool) or not isinstance(st, int) or not 400 <= st <= 599:
            raise PlanError(f"{w}.params.status: must be an HTTP error status 400..599, got {st!r}")
    for key in ("max_s", "seconds"):
        if key in params:
            _num(params, key, f"{w}.params", lo=0.0, hi=MAX_WAIT_S)
    if action == "close" and "code" in params:
        c = params["code"]
        if isinstance(c, bool) or not isinstance(c, int) or not 1000 <= c <= 4999 or c in (1005, 1006, 1015):
            raise PlanError(f"{w}.params.code: must be a WebSocket close code a server can send, got {c!r}")
