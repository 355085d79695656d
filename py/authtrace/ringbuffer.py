"""A bounded buffer of events that keeps the newest and counts what it dropped."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from .event import Event


class RingBuffer:
    """Keeps at most ``max_events`` events and ``max_bytes`` of their JSON.

    When either bound is hit the oldest events go first; ``dropped`` and
    ``dropped_bytes`` say how much was lost, so a trace never looks complete
    when it is not. An event larger than ``max_bytes`` on its own is dropped
    (and counted) rather than emptying the whole buffer for it.
    """

    def __init__(self, max_events: int = 10_000, max_bytes: int = 5_000_000) -> None:
        if max_events < 1 or max_bytes < 1:
            raise ValueError("RingBuffer bounds must be positive")
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._items: deque[tuple[Event, int]] = deque()
        self.bytes = 0
        self.dropped = 0
        self.dropped_bytes = 0

    def append(self, event: Event, size: int | None = None) -> None:
        """Keep ``event``; pass ``size`` when its JSON length is already known."""
        size = event.size() if size is None else size
        if size > self.max_bytes:
            self.dropped += 1
            self.dropped_bytes += size
            return
        self._items.append((event, size))
        self.bytes += size
        while len(self._items) > self.max_events or self.bytes > self.max_bytes:
            _, old_size = self._items.popleft()
            self.bytes -= old_size
            self.dropped += 1
            self.dropped_bytes += old_size

    def extend(self, events) -> None:
        for event in events:
            self.append(event)

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Event]:
        return (event for event, _ in self._items)

    def events(self) -> list[Event]:
        return list(self)
