"""The plan's WorkOS faults as page-side fetch injections (pure).

For the debug panel's "replay the recorded refresh attempts in the live tab": the
page's ``fetch`` wrapper (``web/recorder/replay-inject.js``) answers the next refresh
attempts with the recorded outcomes. Each injection::

    {"at_ms": 0.0, "until_ms": 2500.0, "count": null,
     "match": {"method": "POST", "path": "/user_management/authenticate", "grant_type": "refresh_token"},
     "outcome": {"kind": "error", "name": "TypeError", "message": "Failed to fetch"},
     "fault": "f1"}

``at_ms``/``until_ms`` count from the moment the injector is installed (the first
fault starts at 0); ``count`` null = every matching request in the window. Convex
faults and page states cannot be made by a fetch wrapper; they are listed in
``skipped`` by the caller's choice of :func:`page_injections` (``with_skipped=True``).
"""

from __future__ import annotations

from typing import Any

from .. import workos_errors
from ..fault_actions import DEFAULT_HANG_S
from .validate import validate_plan
from .schedule import schedule


def outcome_of(fault: dict[str, Any]) -> dict[str, Any] | None:
    """What the page's fetch returns for a WorkOS fault; None if a fetch wrapper cannot make it."""
    action, params = fault["action"], fault.get("params", {})
    if action in ("drop", "no-cors", "lost-response"):
        return {"kind": "error", "name": "TypeError", "message": "Failed to fetch"}
    if action == "status":
        st = int(params.get("status", 503))
        body = params.get("body") or workos_errors.status_body(st)
        return {"kind": "response", "status": st, "body": body}
    if action == "invalid-grant":
        return {"kind": "response", "status": 400, "body": workos_errors.invalid_grant(params.get("message")).body()}
    if action == "missing-refresh-token":
        return {"kind": "response", "status": 400, "body": workos_errors.MISSING_REFRESH_TOKEN.body()}
    if action == "hang":
        return {"kind": "hang", "ms": round(float(params.get("max_s", DEFAULT_HANG_S)) * 1000.0, 1)}
    if action == "non-json":
        st = int(params.get("status", 502))
        return {"kind": "text", "status": st, "text": workos_errors.gateway_page(st)}
    if action == "garbage-200":
        return {"kind": "text", "status": 200, "text": workos_errors.TRUNCATED_JSON}
    return None


def page_injections(plan: dict[str, Any], speed: float = 1.0, with_skipped: bool = False) -> Any:
    """The plan's WorkOS faults as fetch injections, timed from the first one (see module doc)."""
    validate_plan(plan)
    sched = schedule(plan, speed)
    arms = [s for s in sched["steps"] if s["do"] == "arm" and s["target"] == "workos"]
    out: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    base = arms[0]["at_ms"] if arms else 0.0
    for s in arms:
        outcome = outcome_of({"action": s["action"], "params": s["params"]})
        if outcome is None:
            skipped.append({"fault": s["fault"], "reason": f"{s['action']} cannot be made by a fetch wrapper"})
            continue
        at = round(s["at_ms"] - base, 1)
        until = round(at + (s["window_s"] or 0) * 1000.0, 1) if s.get("window_s") else None
        out.append({"at_ms": at, "until_ms": until, "count": s["count"],
                    "match": {k: v for k, v in s["match"].items() if k in ("method", "path", "grant_type")},
                    "outcome": outcome, "fault": s["fault"]})
    for f in plan.get("faults", []):
        if f["target"] != "workos":
            skipped.append({"fault": f.get("id"), "reason": f"convex {f['action']} happens on the server, not in fetch"})
    for p in plan.get("page", []):
        skipped.append({"page": p["state"], "reason": "page states are not injected; the panel's experiments hide/offline the tab"})
    return (out, skipped) if with_skipped else out
