"""Re-render at most every ``interval_ms`` however fast events arrive (pure).

The owner calls :meth:`request` on each change; it answers how long to wait
before rendering (0: now), or None when a render is already scheduled. The
owner calls :meth:`done` when it rendered.
"""

from __future__ import annotations


class Throttle:
    def __init__(self, interval_ms: float = 500.0) -> None:
        self.interval_ms = interval_ms
        self.last: float | None = None
        self.scheduled = False

    def request(self, now_ms: float) -> float | None:
        if self.scheduled:
            return None
        self.scheduled = True
        if self.last is None:
            return 0.0
        return max(0.0, self.interval_ms - (now_ms - self.last))

    def done(self, now_ms: float) -> None:
        self.scheduled = False
        self.last = now_ms
