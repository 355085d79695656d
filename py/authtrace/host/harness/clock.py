"""The emulators' clock for a harness session: the wall clock, plus the jumps of ``sleep()``.

A tab's ``sleep(seconds)`` stands for a machine that slept: the page's ``Date``
and the emulators (token lifetimes, session limits, Convex's timestamps) jump
ahead together, in a moment of real time. Jumps only go forward, so Convex's
commit timestamps stay increasing.
"""

from __future__ import annotations

import threading
import time


class JumpClock:
    def __init__(self) -> None:
        self.offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self.offset

    def jump(self, seconds: float) -> None:
        if not seconds >= 0:
            raise ValueError("the clock only jumps forward")
        with self._lock:
            self.offset += seconds
