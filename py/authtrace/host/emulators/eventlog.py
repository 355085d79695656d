"""What the emulators saw and did, in order, for tests and the lab to read.

Both emulators append to one :class:`EventLog` so a scenario can be read as a
single timeline (refresh requests, rotations, faults fired, Convex
``Authenticate``/``AuthError`` frames...). Timestamps are wall-clock seconds
from the injected clock, so a test with a fake clock gets fake times.

Tokens never enter the log: callers pass fingerprints, and as a safety net any
string field that looks like a JWT, or whose key names a secret, is replaced by
its fingerprint here.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable

from ...jwt import JWT_RE
from ...redaction import CODE_KEYS, FINGERPRINT_RE, TOKEN_KEYS, fingerprint

DEFAULT_MAX_EVENTS = 10_000


def _scrub(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(key, v) for v in value]
    if not isinstance(value, str) or FINGERPRINT_RE.match(value):
        return value
    k = key.lower()
    if k in TOKEN_KEYS:
        return fingerprint(value)
    if k in CODE_KEYS:
        return fingerprint(value, "code")
    if JWT_RE.search(value):
        return JWT_RE.sub(lambda m: fingerprint(m.group(0)), value)
    return value


class EventLog:
    """A bounded, thread-safe list of events plus named counters.

    ``add`` returns the stored event: ``{"seq", "t", "source", "type", **fields}``.
    ``seq`` grows by one per event and is the cursor for ``list(since=seq)``.
    Every event also bumps the counter ``"<source>.<type>"``; ``incr`` bumps
    any other counter.
    """

    def __init__(self, clock: Callable[[], float] = time.time, max_events: int = DEFAULT_MAX_EVENTS):
        self._clock = clock
        self._events: deque[dict[str, Any]] = deque(maxlen=max_events)
        self._seq = 0
        self._lock = threading.Lock()
        self.counters: dict[str, int] = {}

    def add(self, source: str, type: str, **fields: Any) -> dict[str, Any]:
        clean = {k: _scrub(k, v) for k, v in fields.items()}
        with self._lock:
            self._seq += 1
            event = {"seq": self._seq, "t": self._clock(), "source": source, "type": type, **clean}
            self._events.append(event)
            name = f"{source}.{type}"
            self.counters[name] = self.counters.get(name, 0) + 1
        return event

    def incr(self, name: str, n: int = 1) -> int:
        with self._lock:
            self.counters[name] = self.counters.get(name, 0) + n
            return self.counters[name]

    def list(self, since: int | None = None, *, source: str | None = None, type: str | None = None) -> list[dict[str, Any]]:
        """Events with ``seq > since`` (all if None), optionally filtered, oldest first."""
        with self._lock:
            events = list(self._events)
        return [
            dict(e)
            for e in events
            if (since is None or e["seq"] > since)
            and (source is None or e["source"] == source)
            and (type is None or e["type"] == type)
        ]

    def counters_snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    @property
    def last_seq(self) -> int:
        return self._seq

    def clear(self) -> None:
        """Drop events and counters; ``seq`` keeps growing so old cursors stay valid."""
        with self._lock:
            self._events.clear()
            self.counters.clear()
