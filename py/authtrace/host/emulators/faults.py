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

The actions, their params and limits are the core's vocabulary
(:mod:`authtrace.fault_actions`, shared with replay plans; re-exported here).
A fault's ``match`` and ``params`` must be small plain JSON: they are logged
and sent back by the control API.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from ...fault_actions import ACTIONS, MAX_WAIT_S, TARGETS, FaultError, check_params
from .eventlog import EventLog
from .inputs import BadInput, check_plain

__all__ = ["ACTIONS", "MAX_WAIT_S", "TARGETS", "Fault", "FaultBoard", "FaultError"]

MAX_COUNT = 1_000_000
MAX_WINDOW_S = 86_400.0
MAX_DEPTH = 4  # of a fault's match and params
MAX_SIZE = 16_384  # characters of a fault's match and params as JSON


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
        p = check_params(target, action, _plain(params, "params"))
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT):
            raise FaultError(f"count must be a whole number from 1 to {MAX_COUNT}")
        if window_s is not None and (isinstance(window_s, bool) or not isinstance(window_s, (int, float))
                                     or not 0 < window_s <= MAX_WINDOW_S):  # NaN fails too
            raise FaultError(f"window_s must be a number of seconds > 0 and <= {MAX_WINDOW_S:g}")
        if count is None and window_s is None:
            raise FaultError("a fault needs a count or a window_s; unbounded faults are refused")
        match = _plain(match, "match")
        now = self._clock()
        with self._lock:
            fault = Fault(
                id=f"fault_{next(self._ids)}",
                target=target,
                action=action,
                match=match,
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


def _plain(value: Any, what: str) -> dict[str, Any]:
    """A fault's ``match`` or ``params``: a small object of plain JSON (it is logged and sent back)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FaultError(f"{what} must be an object")
    try:
        check_plain(value, max_depth=MAX_DEPTH, what=what)
        size = len(json.dumps(value))
    except BadInput as exc:
        raise FaultError(str(exc)) from None
    except (TypeError, ValueError, RecursionError):
        raise FaultError(f"{what} must be plain JSON") from None
    if size > MAX_SIZE:
        raise FaultError(f"{what} is larger than {MAX_SIZE} characters as JSON")
    return copy.deepcopy(value)


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
