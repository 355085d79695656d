"""Armed faults that both emulators consult before answering a request.

A scenario arms a fault ("the next 2 refreshes get a 503", "drop every
authenticate request for 5 s", "close the Convex socket with 1011"), the
emulator asks the board on each request whether a fault applies
(:meth:`FaultBoard.take`), and the board hands out at most the armed number of
uses. Every fault is bounded: by a count, by a time window, or both; a fault
armed with neither is refused, so a forgotten fault cannot break a whole run.

Matching is by request facts that the emulator supplies: the WorkOS emulator
passes ``path``, ``method`` and ``grant_type``; the Convex emulator passes what
it knows (e.g. ``phase="connect"|"message"``, ``type="Authenticate"``). A
fault's ``match`` is a dict; each key must equal the fact (a list means any
of; a string ending in ``*`` is a prefix). A missing fact never matches.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from .eventlog import EventLog

TARGETS = ("workos", "convex")

# What each target knows how to do; params in brackets.
WORKOS_ACTIONS = {
    "delay": "wait [seconds] then answer normally",
    "hang": "never answer until [max_s] (default 30) passes, then drop the connection",
    "drop": "close the connection without any response (browser: TypeError)",
    "lost-response": "process the request (e.g. rotate the refresh token), then drop the response",
    "no-cors": "answer normally but without CORS headers (browser: TypeError)",
    "status": "answer [status] (408/429/500/502/503/504 or any 4xx/5xx) with a WorkOS-shaped body, [retry_after] seconds header",
    "non-json": "answer [status] (default 502) with an HTML body",
    "garbage-200": "answer 200 with a body that is not JSON (client: SyntaxError)",
    "bad-token": "answer 200 with a normal body whose access_token is not a JWT",
    "invalid-grant": "answer 400 invalid_grant [description]",
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


class FaultError(ValueError):
    """A fault that cannot be armed (unknown action, unbounded, bad params)."""


@dataclass
class Fault:
    id: str
    target: str
    action: str
    match: dict[str, Any] = field(default_factory=dict)
    remaining: int | None = 1  # uses left; None = unlimited within the window
    until: float | None = None  # clock time the fault expires; None = no window
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0
    armed_at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, facts: dict[str, Any]) -> bool:
        for key, want in self.match.items():
            if key not in facts:
                return False
            if not _match_value(want, facts[key]):
                return False
        return True


def _match_value(want: Any, got: Any) -> bool:
    if isinstance(want, list):
        return any(_match_value(w, got) for w in want)
    if isinstance(want, str) and want.endswith("*") and isinstance(got, str):
        return got.startswith(want[:-1])
    return want == got


def _number(params: dict[str, Any], key: str, default: float | None, lo: float, hi: float) -> float | None:
    value = params.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultError(f"{key} must be a number")
    if not lo <= value <= hi:
        raise FaultError(f"{key} must be between {lo:g} and {hi:g}")
    return value


def _check_params(target: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
    p = dict(params)
    if action == "delay":
        p["seconds"] = _number(p, "seconds", None, 0, MAX_WAIT_S)
        if p["seconds"] is None:
            raise FaultError("delay needs params.seconds")
    elif action in ("hang", "stall"):
        p["max_s"] = _number(p, "max_s", DEFAULT_HANG_S, 0, MAX_WAIT_S)
    elif action == "status":
        status = p.get("status")
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise FaultError("status needs params.status, an HTTP error code 400-599")
        _number(p, "retry_after", None, 0, 86_400)
    elif action == "non-json":
        status = p.setdefault("status", 502)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise FaultError("non-json params.status must be 400-599")
    elif action == "close":
        code = p.setdefault("code", 1011)
        if not isinstance(code, int) or isinstance(code, bool) or not (1000 <= code <= 4999):
            raise FaultError("close params.code must be a WebSocket close code 1000-4999")
        if not isinstance(p.setdefault("reason", ""), str):
            raise FaultError("close params.reason must be a string")
    elif action == "refuse-upgrade":
        status = p.setdefault("status", 503)
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise FaultError("refuse-upgrade params.status must be 400-599")
    elif action in ("auth-error", "invalid-grant"):
        msg = p.get("message", p.get("description"))
        if msg is not None and not isinstance(msg, str):
            raise FaultError(f"{action} message must be a string")
    return p


class FaultBoard:
    """The armed faults of one emulator suite; thread-safe.

    The WorkOS emulator, the Convex emulator, the HTTP control API and test
    code may all use one board from different threads.
    """

    def __init__(self, clock: Callable[[], float] = time.time, events: EventLog | None = None):
        self._clock = clock
        self._events = events
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def arm(
        self,
        target: str,
        action: str,
        *,
        match: dict[str, Any] | None = None,
        count: int | None = 1,
        window_s: float | None = None,
        params: dict[str, Any] | None = None,
    ) -> Fault:
        """Arm ``action`` for the next ``count`` matching requests and/or ``window_s`` seconds.

        ``count=None`` with a window means every matching request in the window.
        Raises :class:`FaultError` for anything that cannot be honoured.
        """
        if target not in ACTIONS:
            raise FaultError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")
        if action not in ACTIONS[target]:
            raise FaultError(f"unknown {target} action {action!r}; expected one of {', '.join(ACTIONS[target])}")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise FaultError("count must be a positive integer")
        if window_s is not None and (isinstance(window_s, bool) or not isinstance(window_s, (int, float)) or window_s <= 0):
            raise FaultError("window_s must be a positive number of seconds")
        if count is None and window_s is None:
            raise FaultError("a fault needs a count or a window_s; unbounded faults are refused")
        if match is not None and not isinstance(match, dict):
            raise FaultError("match must be an object of request facts")
        if params is not None and not isinstance(params, dict):
            raise FaultError("params must be an object")
        p = _check_params(target, action, params or {})
        now = self._clock()
        with self._lock:
            fault = Fault(
                id=f"fault_{next(self._ids)}",
                target=target,
                action=action,
                match=dict(match or {}),
                remaining=count,
                until=None if window_s is None else now + window_s,
                params=p,
                armed_at=now,
            )
            self._faults.append(fault)
        if self._events:
            self._events.add("faults", "armed", **_summary(fault))
        return fault

    def _expire(self, now: float) -> None:
        # Called with the lock held.
        keep = []
        for f in self._faults:
            if f.until is not None and now >= f.until:
                if self._events:
                    self._events.add("faults", "expired", id=f.id, fired=f.fired)
                continue
            keep.append(f)
        self._faults = keep

    def take(
        self, target: str, *, explicit: tuple[str, ...] = (), actions: tuple[str, ...] | None = None, **facts: Any
    ) -> Fault | None:
        """Consume one use of the first (oldest) armed fault matching ``facts``.

        ``explicit`` names facts a fault must mention in its ``match`` to be
        considered (the WorkOS emulator passes ``("method",)`` for CORS
        preflights, so "fail the next refresh" is not used up by its OPTIONS).
        ``actions`` limits the search to faults that can happen at this point
        (e.g. only ``refuse-upgrade`` during a WebSocket upgrade); others are
        skipped, not consumed.
        Returns a copy of the fault as it fired (``fired`` counts this use),
        or None when no fault applies.
        """
        with self._lock:
            now = self._clock()
            self._expire(now)
            for f in self._faults:
                if f.target != target or not f.matches(facts):
                    continue
                if any(k not in f.match for k in explicit):
                    continue
                if actions is not None and f.action not in actions:
                    continue
                f.fired += 1
                if f.remaining is not None:
                    f.remaining -= 1
                    if f.remaining <= 0:
                        self._faults.remove(f)
                fired = Fault(**asdict(f))
                break
            else:
                return None
        if self._events:
            self._events.add("faults", "fired", **_summary(fired), facts={k: v for k, v in facts.items() if isinstance(v, (str, int, float, bool))})
        return fired

    def peek(self, target: str, *, actions: tuple[str, ...] | None = None, **facts: Any) -> Fault | None:
        """Like :meth:`take` but uses nothing up."""
        with self._lock:
            self._expire(self._clock())
            for f in self._faults:
                if f.target == target and f.matches(facts) and (actions is None or f.action in actions):
                    return Fault(**asdict(f))
        return None

    def list(self, target: str | None = None) -> list[Fault]:
        """Armed faults still able to fire, oldest first (copies)."""
        with self._lock:
            self._expire(self._clock())
            return [Fault(**asdict(f)) for f in self._faults if target is None or f.target == target]

    def cancel(self, fault_id: str) -> bool:
        with self._lock:
            for f in self._faults:
                if f.id == fault_id:
                    self._faults.remove(f)
                    break
            else:
                return False
        if self._events:
            self._events.add("faults", "cancelled", id=fault_id)
        return True

    def reset(self, target: str | None = None) -> int:
        """Disarm every fault (of ``target``, or all); returns how many were removed."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if target is not None and f.target != target]
            removed = before - len(self._faults)
        if self._events:
            self._events.add("faults", "reset", target=target, removed=removed)
        return removed


def _summary(f: Fault) -> dict[str, Any]:
    return {
        "id": f.id,
        "target": f.target,
        "action": f.action,
        "match": f.match,
        "remaining": f.remaining,
        "until": f.until,
        "params": f.params,
        "fired": f.fired,
    }
