"""In-page experiments, through ``web/recorder/experiments.js`` and the :class:`~authtrace.browser.page.Page`.

The JS helper does the work (it answers the page's fetches through the boot
shim's one instrumentation); :class:`Experiments` loads it when the page did
not, and calls it. Every experiment is recorded by the helper as a
``note/experiment`` event. They are page-side simulations: see the helper's
header and docs/embedding.md for their limits.
"""

from __future__ import annotations

from ..page import Page
from .helper import Helper

REFRESH_MODES: dict[str, str] = {
    "refresh-typeerror": "next refresh throws TypeError",
    "refresh-503": "next refresh returns 503",
    "refresh-invalid-grant": "next refresh returns invalid_grant",
    "refresh-hang": "next refresh hangs",
}


class Experiments:
    def __init__(self, page: Page) -> None:
        self.helper = Helper(page, "__authtraceExperiments", "experiments.js", "the experiments helper")

    def ensure_loaded(self, src: str | None = None) -> None:
        """Insert the helper's script unless the page already has it (it loads asynchronously)."""
        self.helper.ensure_loaded(src)

    def arm(self, mode: str, count: int = 1) -> dict:
        """The next ``count`` WorkOS refreshes fail as ``mode`` (:data:`REFRESH_MODES`)."""
        if mode not in REFRESH_MODES:
            raise ValueError(f"unknown experiment {mode!r}")
        return self.helper.call("arm", mode, max(1, int(count)))

    def hide(self, seconds: float) -> dict:
        return self.helper.call("hide", float(seconds))

    def offline(self, seconds: float) -> dict:
        return self.helper.call("offline", float(seconds))

    def drop_sockets(self) -> int:
        return int(self.helper.call("dropSockets"))

    def disarm(self) -> dict:
        return self.helper.call("disarm")

    def state(self) -> dict | None:
        """What is armed; None before the helper has loaded."""
        return self.helper.call("state") if self.helper.loaded else None
