"""What the emulators saw and did, in order, for tests and the lab to read.

Both emulators append to one :class:`EventLog` so a scenario can be read as a
single timeline (refresh requests, rotations, faults fired, Convex
``Authenticate``/``AuthError`` frames...). Timestamps are wall-clock seconds
from the injected clock, so a test with a fake clock gets fake times.

The log holds what anyone sends, so it is bounded and cleaned on the way in:

* every string is cut to :data:`MAX_STRING` characters and every event to a
  budget of :data:`EVENT_BUDGET`; a cut is marked (``…[+N chars]`` in the
  string, ``"truncated": true`` on the event) and never ends inside a token, so
  no prefix of a secret is kept; containers keep :data:`MAX_ITEMS` items and
  :data:`MAX_DEPTH` levels;
* the bounded fields then pass the project's one redactor
  (:func:`authtrace.redaction.redact`), so tokens, codes and cookies are stored
  as fingerprints whatever field they arrive in; bounding first keeps the
  redactor's cost small whatever the input;
* lone surrogates become U+FFFD and non-finite numbers their names, so the log
  always encodes as JSON;
* the log keeps at most ``max_events`` events and ``max_bytes`` of them; the
  oldest go first and are counted in :attr:`EventLog.dropped`.
"""

from __future__ import annotations

import json
import math
import string
import threading
import time
from collections import deque
from typing import Any, Callable

from ...redaction import redact

DEFAULT_MAX_EVENTS = 10_000
DEFAULT_MAX_BYTES = 8 << 20
MAX_STRING = 512
MAX_KEY = 64
MAX_ITEMS = 32
MAX_DEPTH = 4
EVENT_BUDGET = 4096  # characters of strings per event
RESERVED = ("seq", "t", "source", "type", "truncated")
# Characters a token can be made of; a cut backs off over them (see _Bounder.text).
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-_.~+/=%")


class _Bounder:
    """Copies a value into plain, bounded JSON and remembers whether it cut anything."""

    def __init__(self) -> None:
        self.budget = EVENT_BUDGET
        self.truncated = False

    def text(self, value: str, limit: int = MAX_STRING) -> str:
        keep = max(0, min(limit, self.budget))
        if len(value) > keep:
            self.truncated = True
            end = keep
            while end and value[end - 1] in _TOKEN_CHARS:
                end -= 1  # never keep the first part of a token
            value = f"{value[:end]}…[+{len(value) - end} chars]"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.truncated = True
            value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        self.budget -= len(value)
        return value

    def value(self, value: Any, depth: int = 0) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            if value.bit_length() > 64 * 8:
                self.truncated = True
                return "…[big integer]"
            return value
        if isinstance(value, float):
            if math.isfinite(value):
                return value
            self.truncated = True
            return str(value)
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (dict, list, tuple, set, frozenset)):
            if depth >= MAX_DEPTH or self.budget <= 0:
                self.truncated = True
                return "…"
            if isinstance(value, dict):
                items = list(value.items())
                out: Any = {self.text(str(k), MAX_KEY): self.value(v, depth + 1) for k, v in items[:MAX_ITEMS]}
            else:
                seq = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
                items = seq
                out = [self.value(v, depth + 1) for v in seq[:MAX_ITEMS]]
            if len(items) > MAX_ITEMS:
                self.truncated = True
            return out
        return self.text(str(value))


def _keep_numbers(before: Any, after: Any) -> Any:
    """``after`` (redacted) with the numbers, booleans and nulls of ``before`` back in place.

    The redactor fingerprints any value under a secret-named key, so a close
    ``code`` of 1005 would become ``code:…``; here numbers are never secrets
    (tokens and codes are strings).
    """
    if isinstance(before, dict) and isinstance(after, dict):
        return {k: _keep_numbers(before[k], v) if k in before else v for k, v in after.items()}
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [_keep_numbers(b, a) for b, a in zip(before, after)]
    if before is None or isinstance(before, (bool, int, float)):
        return before
    return after


class EventLog:
    """A bounded, thread-safe list of events plus named counters.

    ``add`` returns the stored event: ``{"seq", "t", "source", "type", **fields}``.
    A field named like one of the event's own keys (``type``, ``seq``, …) is
    stored with a trailing underscore (``type_``). ``seq`` grows by one per
    event and is the cursor for ``list(since=seq)``. Every event also bumps the
    counter ``"<source>.<type>"``; ``incr`` bumps any other counter.
    """

    def __init__(self, clock: Callable[[], float] = time.time, max_events: int = DEFAULT_MAX_EVENTS,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self._clock = clock
        self._max_events = max_events
        self._max_bytes = max_bytes
        self._events: deque[tuple[dict[str, Any], int]] = deque()
        self._bytes = 0
        self._seq = 0
        self._lock = threading.Lock()
        self.counters: dict[str, int] = {}
        self.dropped = 0  # events evicted to stay within the bounds

    def add(self, source: str, type: str, /, **fields: Any) -> dict[str, Any]:
        bounder = _Bounder()
        clean = bounder.value({f"{k}_" if k in RESERVED else k: v for k, v in fields.items()})
        clean = _keep_numbers(clean, redact(clean).value)
        if bounder.truncated:
            clean["truncated"] = True
        with self._lock:
            self._seq += 1
            event = {"seq": self._seq, "t": self._clock(), "source": source, "type": type, **clean}
            size = len(json.dumps(event, ensure_ascii=False, default=str))
            self._events.append((event, size))
            self._bytes += size
            while len(self._events) > self._max_events or (self._bytes > self._max_bytes and len(self._events) > 1):
                _, old = self._events.popleft()
                self._bytes -= old
                self.dropped += 1
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
            events = [e for e, _ in self._events]
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

    @property
    def size_bytes(self) -> int:
        """JSON size of the events held (what ``/__authtrace/events`` would send, about)."""
        return self._bytes

    def clear(self) -> None:
        """Drop events and counters; ``seq`` keeps growing so old cursors stay valid."""
        with self._lock:
            self._events.clear()
            self._bytes = 0
            self.dropped = 0
            self.counters.clear()
