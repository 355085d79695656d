"""How the panel keeps its work from holding the page: renders at most every
``interval_ms`` (:class:`Throttle`, pure), long computations in slices
(:class:`Slices`, through the Page's clock and task queue).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from ..page import Clock


class Throttle:
    """Re-render at most every ``interval_ms`` however fast events arrive.

    The owner calls :meth:`request` on each change; it answers how long to wait
    before rendering (0: now), or None when a render is already scheduled. The
    owner calls :meth:`done` when it rendered.
    """

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


class Slices:
    """Run a computation made of bounded steps (a generator) a slice at a time.

    A slice is a task of its own (``page.soon``): it takes steps until ``budget_ms``
    has passed on the page's monotonic clock (at least one step), then gives the page
    back, so input, rendering and the app's tasks run between two slices. A slice
    therefore lasts about ``budget_ms`` plus one step. On a detached page the clock
    stands still while Python works: there every slice runs to the end, or takes one
    step when ``budget_ms`` is 0.
    """

    def __init__(self, page: Clock, budget_ms: float = 8.0) -> None:
        self.page = page
        self.budget_ms = budget_ms
        self.slices = 0  # slices run so far, all computations together
        self.longest_ms = 0.0  # the longest slice, on the page's clock
        self.longest_steps: list[Any] = []  # what the steps of the longest slice yielded
        self.busy_ms = 0.0  # all slices together

    def run(self, steps: Generator[Any, None, Any], done: Callable[[Any], None],
            failed: Callable[[Exception], None]) -> None:
        """Start ``steps`` in the next slice; ``done(result)`` or ``failed(exc)`` at its end."""

        def slice_() -> None:
            start, taken = self.page.now()[0], []
            try:
                while True:
                    taken.append(next(steps))
                    if self.page.now()[0] - start >= self.budget_ms:
                        break
            except StopIteration as end:
                self._count(start, taken)
                done(end.value)
                return
            except Exception as exc:
                self._count(start, taken)
                failed(exc)
                return
            self._count(start, taken)
            self.page.soon(slice_)

        self.page.soon(slice_)

    def _count(self, start: float, taken: list[Any]) -> None:
        took = self.page.now()[0] - start
        self.slices += 1
        self.busy_ms += took
        if took > self.longest_ms:
            self.longest_ms, self.longest_steps = took, taken
