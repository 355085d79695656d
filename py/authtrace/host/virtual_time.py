"""One clock for the page and the emulators: Chromium's virtual time, advanced in budgets.

``Emulation.setVirtualTimePolicy`` makes the page's clock (``Date.now()``,
``performance.now()``, every timer) virtual: with a budget it runs the page's
timers as fast as the CPU allows until that much virtual time has passed, then
pauses; ``pauseIfNetworkFetchesPending`` stops it while a fetch is in flight, so a
refresh takes no virtual time however slow the machine is. The real clients stay
unmodified: they simply live in a faster world.

The emulators run in real time, so they get a :class:`SteppedClock` as their
injected clock (token ``iat``/``exp``, expiry checks, commit timestamps), set to the
page's ``Date.now()`` after each budget. (Virtual time also moves while the page's
tasks run, so a budget is a lower bound on what passed: the page's clock is read,
never computed.) What the page and a server do in real time between two budgets
(a WebSocket frame and its answer) takes no virtual time; a frame is at most one
budget late on the virtual clock, which is why budgets stay short against the
clients' timers (tokens refreshed 10 s before expiry, 60 s server inactivity).
The real backend's Ping after 15 s of silence is real time here, so the driver has
the emulator ping before every budget: the client's 60 s inactivity timer is virtual,
and a Ping every 15 virtual seconds was not enough (a replay saw none for 60 virtual
seconds and reconnected with ``InactiveServer``, which the recording never did).
"""

from __future__ import annotations

import os
import time
from typing import Callable

from .cdp import CDP

MAX_BUDGET_MS = float(os.environ.get("AUTHTRACE_VT_BUDGET_MS", 10_000.0))
TIMEOUT_S = 60.0  # a loaded machine can keep the tab's main thread busy for seconds


class SteppedClock:
    """Wall-clock seconds: real time until the first :meth:`hold`, then the time last held."""

    def __init__(self) -> None:
        self._held: float | None = None

    def __call__(self) -> float:
        held = self._held
        return time.time() if held is None else held

    def hold(self, at: float) -> None:
        self._held = at  # one float: read by the emulators' thread as it is


class VirtualTime:
    """The virtual clock of one tab (a Selenium window handle), on a CDP connection of its own."""

    def __init__(self, driver, handle: str, clock: SteppedClock, ping: Callable[[], None] | None = None) -> None:
        self.cdp = CDP.for_driver(driver)
        self.session = self.cdp.session(handle)
        self.clock = clock
        self.ping = ping
        self.elapsed_ms = 0.0  # virtual time since start()
        self.budgets = 0
        self.running_s = 0.0  # real time the tab took to run its budgets
        self.start_ms = 0.0  # the tab's Date.now() at start()

    def start(self) -> None:
        """Pause the tab's clock where it is and hold the emulators' clock at the same instant."""
        self.cdp.send("Emulation.setVirtualTimePolicy", {"policy": "pause"}, session=self.session, timeout=TIMEOUT_S)
        self.start_ms = self._page_now()
        self.clock.hold(self.start_ms / 1000)

    def _page_now(self) -> float:
        return float(self.cdp.send("Runtime.evaluate", {"expression": "Date.now()", "returnByValue": True},
                                   session=self.session, timeout=TIMEOUT_S)["result"]["value"])

    def advance_to(self, at_ms: float) -> None:
        """Run the tab until ``at_ms`` of virtual time have passed since :meth:`start`,
        in budgets of at most ``MAX_BUDGET_MS``."""
        while at_ms - self.elapsed_ms > 0.5:
            budget = min(at_ms - self.elapsed_ms, MAX_BUDGET_MS)
            if self.ping is not None:
                self.ping()
            t = time.monotonic()
            self.cdp.send("Emulation.setVirtualTimePolicy",
                          {"policy": "pauseIfNetworkFetchesPending", "budget": budget}, session=self.session,
                          timeout=TIMEOUT_S)
            self.cdp.wait_event("Emulation.virtualTimeBudgetExpired", self.session, timeout=TIMEOUT_S)
            self.running_s += time.monotonic() - t
            now = self._page_now()
            self.clock.hold(now / 1000)
            self.elapsed_ms = now - self.start_ms
            self.budgets += 1

    def close(self) -> None:
        self.cdp.close()
