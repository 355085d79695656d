"""The fault vocabulary: what the emulators can act out, and the limits on it (pure).

One home for the actions a fault may take, per target, and the parameters each
takes. The emulators' :class:`~authtrace.host.emulators.faults.FaultBoard` arms
them; replay plans (:mod:`authtrace.replay.plan`) name them. ``MAX_WAIT_S`` caps
every wait (``delay``, ``hang``, ``stall``) so that no fault can hold a request or
a socket forever.
"""

from __future__ import annotations

import math
from typing import Any

TARGETS = ("workos", "convex")

# What each target knows how to do; params in brackets.
WORKOS_ACTIONS = {
    "delay": "wait [seconds] then answer normally",
    "hang": "never answer until [max_s] (default 30) passes, then drop the connection",
    "drop": "close the connection without any response (browser: TypeError)",
    "lost-response": "process the request (e.g. rotate the refresh token), then drop the response",
    "no-cors": "answer normally but without CORS headers (browser: TypeError)",
    "status": "answer [status] (408/429/500/502/503/504 or any 4xx/5xx) with a WorkOS-shaped body "
              "(or [body], a JSON object), [retry_after] seconds header",
    "non-json": "answer [status] (default 502) with an HTML body",
    "garbage-200": "answer 200 with a body that is not JSON (client: SyntaxError)",
    "bad-token": "answer 200 with a normal body whose access_token is not a JWT",
    "invalid-grant": "answer 400 invalid_grant [message]",
    "missing-refresh-token": "answer 400 invalid_request 'Missing refresh token.'",
}
CONVEX_ACTIONS = {
    "close": "close the WebSocket with [code] (default 1011) and [reason]",
    "refuse-upgrade": "refuse the WebSocket upgrade with HTTP [status] (default 503)",
    "auth-error": "answer with an AuthError [message] instead of processing",
    "stall": "stop answering on the connection (until [max_s], default 30)",
}
ACTIONS = {"workos": WORKOS_ACTIONS, "convex": CONVEX_ACTIONS}

MAX_WAIT_S = 300.0  # ceiling for delay/hang/stall so nothing waits forever
DEFAULT_HANG_S = 30.0
MAX_RETRY_AFTER_S = 86_400
MAX_TEXT = 1024  # longest string param (a reason, a message)
# Close codes a server cannot put in a close frame (RFC 6455 §7.4.1).
RESERVED_CLOSE_CODES = (1005, 1006, 1015)


class FaultError(ValueError):
    """A fault that cannot be armed (unknown action, unbounded, bad params)."""


def _number(params: dict[str, Any], key: str, default: float | None, lo: float, hi: float) -> float | None:
    value = params.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FaultError(f"{key} must be a number")
    if not lo <= value <= hi:
        raise FaultError(f"{key} must be between {lo:g} and {hi:g}")
    return value


def _status(params: dict[str, Any], action: str, default: int | None) -> int:
    status = params.setdefault("status", default) if default is not None else params.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise FaultError(f"{action} needs params.status, an HTTP error code 400-599")
    return status


def _text(params: dict[str, Any], key: str, action: str) -> None:
    value = params.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
        raise FaultError(f"{action} params.{key} must be a string of at most {MAX_TEXT} characters")


def check_params(target: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` completed with defaults; raises :class:`FaultError` for what cannot be honoured.

    Only the shapes each action reads are checked here; that the whole value is
    plain JSON (finite numbers, valid Unicode, bounded) is the caller's job.
    """
    if not isinstance(target, str) or target not in ACTIONS:
        raise FaultError(f"unknown target {str(target)[:64]!r}; expected one of {', '.join(TARGETS)}")
    if not isinstance(action, str) or action not in ACTIONS[target]:
        raise FaultError(f"unknown {target} action {str(action)[:64]!r}; expected one of {', '.join(ACTIONS[target])}")
    p = dict(params)
    if action == "delay":
        p["seconds"] = _number(p, "seconds", None, 0, MAX_WAIT_S)
        if p["seconds"] is None:
            raise FaultError("delay needs params.seconds")
    elif action in ("hang", "stall"):
        p["max_s"] = _number(p, "max_s", DEFAULT_HANG_S, 0, MAX_WAIT_S)
    elif action == "status":
        _status(p, action, None)
        _number(p, "retry_after", None, 0, MAX_RETRY_AFTER_S)
        if p.get("body") is not None and not isinstance(p["body"], dict):
            raise FaultError("status params.body must be a JSON object")
    elif action == "non-json":
        _status(p, action, 502)
        _number(p, "retry_after", None, 0, MAX_RETRY_AFTER_S)
    elif action == "close":
        code = p.setdefault("code", 1011)
        if (not isinstance(code, int) or isinstance(code, bool) or not 1000 <= code <= 4999
                or code in RESERVED_CLOSE_CODES):
            raise FaultError("close params.code must be a WebSocket close code 1000-4999 a server can send")
        p.setdefault("reason", "")
        _text(p, "reason", action)
        if len(p["reason"].encode("utf-8", "replace")) > 123:
            raise FaultError("close params.reason must fit in a close frame (123 bytes)")
    elif action == "refuse-upgrade":
        _status(p, action, 503)
        _text(p, "body", action)
    elif action in ("auth-error", "invalid-grant"):
        _text(p, "message", action)
        _text(p, "description", action)
        if not isinstance(p.get("authUpdateAttempted", False), bool):
            raise FaultError(f"{action} params.authUpdateAttempted must be true or false")
    return p
