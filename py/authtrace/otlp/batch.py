"""The exporter's policy, without I/O: a bounded queue, retry with backoff, sampling (pure).

- :class:`Queue`: what waits to be sent, at most ``max_items``; when full the
  oldest go first (the newest evidence is what a split brain needs) and are counted.
- :class:`Backoff`: the wait after consecutive failures, doubling from ``base_ms`` up
  to ``max_ms``, with jitter so that a fleet of tabs that lost the Collector at once
  does not come back at once. The jitter is drawn from the session id and the
  attempt (the core has no random source); different sessions get different waits.
- :func:`retryable`: the OTLP/HTTP answers worth another try (the specification's
  429, 502, 503, 504, and 408); other 4xx answers drop the batch.
- :func:`sampled`: whether a session is exported at all, the same answer in every
  tab of the session (a hash of ``session.id`` against the rate).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
RETRYABLE = frozenset({408, 429, 502, 503, 504})


def _unit(*parts: object) -> float:
    """A number in [0, 1) from ``parts`` (SHA-256)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:7], "big") / (1 << 56)


def sampled(session_id: str, rate: float) -> bool:
    if rate >= 1:
        return True
    if not rate > 0:  # 0, negative, NaN
        return False
    return _unit("sample", session_id) < rate


def retryable(status: int | None) -> bool:
    """None: the request never got an answer (network error, CORS): worth another try."""
    return status is None or status in RETRYABLE


class Queue(Generic[T]):
    def __init__(self, max_items: int = 5000) -> None:
        self.max_items = max(1, int(max_items))
        self._items: deque[T] = deque()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def push(self, items: Iterable[T]) -> None:
        for item in items:
            if len(self._items) >= self.max_items:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)

    def take(self, n: int) -> list[T]:
        """Up to ``n`` of the oldest items, removed from the queue."""
        return [self._items.popleft() for _ in range(min(n, len(self._items)))]

    def put_back(self, batch: list[T]) -> None:
        """A batch that could not be sent goes back in front (what no longer fits is dropped, oldest first)."""
        room = self.max_items - len(self._items)
        keep = batch[max(0, len(batch) - room):] if room < len(batch) else batch
        self.dropped += len(batch) - len(keep)
        self._items.extendleft(reversed(keep))


class Backoff:
    def __init__(self, base_ms: float = 1000.0, max_ms: float = 60_000.0, seed: str = "") -> None:
        self.base_ms, self.max_ms, self.seed = base_ms, max_ms, seed
        self.failures = 0

    def failed(self) -> float:
        """One more failure in a row: how long to wait before the next attempt (ms)."""
        self.failures += 1
        ceiling = min(self.max_ms, self.base_ms * 2 ** min(self.failures - 1, 30))
        return ceiling * (0.5 + 0.5 * _unit("backoff", self.seed, self.failures))

    def succeeded(self) -> None:
        self.failures = 0
