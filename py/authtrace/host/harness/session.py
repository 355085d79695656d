"""One test's harness: the emulators, the browser, the app's tabs, their recording, the checks.

:class:`Harness` is what the pytest plugin's ``authtrace`` fixture gives (and
``app_tab.harness``): it resets the emulators for the test (faults, sessions,
events, settings, Convex's data and connections), opens tabs of the app with
the boot shim injected before any page script, records them, and judges the
recording with :mod:`authtrace.checks`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ... import checks
from ...diagnosis import Diagnosis
from ...trace import Trace
from ..pyodide_dist import project_root
from .recording import Recording
from .tab import AppTab

if TYPE_CHECKING:
    from ..emulators.suite import EmulatorSuite
    from .browser import Browser
    from .clock import JumpClock

BINDING = "__authtraceHost"
HOOKS = Path(__file__).resolve().parent / "page_hooks.js"
# A Convex socket silent this long is closed by the server (it pings every 15 s); a sleep
# this long leaves the client a dead socket, which the server has dropped.
SOCKET_DROPPED_AFTER_S = 30


def injected_script() -> str:
    """The boot shim, then the harness's hooks: the first script of every document of a tab."""
    boot = project_root() / "web" / "recorder" / "boot.js"
    return boot.read_text() + "\n;\n" + HOOKS.read_text()


class Harness:
    def __init__(self, emulators: "EmulatorSuite", browser: "Browser", app_url: str, clock: "JumpClock",
                 defaults: dict[str, Any], settings: dict[str, Any] | None = None) -> None:
        self.emulators = emulators
        self.browser = browser
        self.app_url = app_url.rstrip("/")
        self.clock = clock
        self.tabs: list[AppTab] = []
        self.marks: list[tuple[float, str]] = []
        self.t0 = time.monotonic()
        self._script = injected_script()
        browser.origins.add(self.origin)
        browser.forget()
        self.recording = Recording(self.origin, browser.user_agent)
        self._reset(defaults, settings or {})

    @property
    def origin(self) -> str:
        parts = urlsplit(self.app_url)
        return f"{parts.scheme}://{parts.netloc}"

    def _reset(self, defaults: dict[str, Any], settings: dict[str, Any]) -> None:
        suite = self.emulators
        suite.workos.reset(faults=True, sessions=True, events=True)
        suite.workos.set_config(**{**defaults, **settings})
        if suite.convex is not None:
            suite.call(suite.convex.disconnect_all(1001))
            (suite.functions or suite.convex.app).reset()

    def mark(self, label: str) -> None:
        self.marks.append((round((time.monotonic() - self.t0) * 1000, 1), label))

    # -- tabs --------------------------------------------------------------------------------------
    def open(self, path: str = "/", *, kind: str = "tab", scripts: tuple[str, ...] = ()) -> AppTab:
        """A new tab of the app at ``path`` (``kind="window"``: in a window of its own), in
        front, recorded from its first moment; ``scripts`` run before the page's too."""
        browser = self.browser
        handle = browser.new_window(kind)
        session = browser.devtools.attach(handle)
        label = f"tab-{len(self.tabs) + 1}"
        self.recording.tab(label)

        def on_event(method: str, params: dict) -> None:
            if method == "Runtime.bindingCalled" and params.get("name") == BINDING:
                self.recording.feed(label, params.get("payload", ""))

        browser.devtools.on(session, on_event)
        browser.devtools.send("Runtime.enable", session=session)
        browser.devtools.send("Runtime.addBinding", {"name": BINDING}, session=session)
        browser.devtools.send("Page.enable", session=session)
        for source in (self._script, *scripts):
            browser.devtools.send("Page.addScriptToEvaluateOnNewDocument", {"source": source}, session=session)
        tab = AppTab(self, handle, label, session)
        if self.clock.offset:
            tab.set_clock(self.clock.offset)
        self.tabs.append(tab)
        browser.driver.get(self.app_url + (path if path.startswith("/") else "/" + path))
        self.mark(f"{label} opened {path}")
        return tab

    def close_tab(self, tab: AppTab) -> None:
        if tab._cover is not None:
            self.browser.close_window(tab._cover)
            tab._cover = None
        self.browser.close_window(tab.handle)
        self.mark(f"{tab.label} closed")

    def drop_convex_sockets(self, code: int = 1001) -> int:
        """The Convex server closes every sync socket (a deploy, a load balancer, a network
        change); the clients reconnect. How many it closed."""
        if self.emulators.convex is None:
            return 0
        closed = self.emulators.call(self.emulators.convex.disconnect_all(code))
        self.mark(f"Convex sockets closed ({code})")
        return closed

    def sleep(self, seconds: float) -> None:
        """The machine sleeps ``seconds``: every open tab frozen and offline, the page's clock and
        the emulators' jump ahead, the Convex sockets the server would have closed are closed;
        then the tabs that were awake resume, and their network comes back."""
        if not seconds >= 0:
            raise ValueError("sleep() takes a number of seconds >= 0")
        open_tabs = [t for t in self.tabs if t.handle in self.browser.driver.window_handles]
        awake = [t for t in open_tabs if not t.frozen]
        for tab in awake:
            tab.offline()
            tab.freeze()
        self.clock.jump(seconds)
        self.mark(f"asleep {seconds:g} s")
        for tab in open_tabs:
            tab.set_clock(self.clock.offset)  # a tab frozen before gets it as it resumes
        if seconds >= SOCKET_DROPPED_AFTER_S:
            self.drop_convex_sockets(1001)
        for tab in awake:  # the page runs again a moment before the network is back, as on a laptop
            tab.resume()
        for tab in awake:
            tab.online()
        self.mark("awake")

    # -- the trace and the checks ------------------------------------------------------------------
    def trace(self) -> Trace:
        trace = self.recording.trace()
        trace.meta["marks"] = list(self.marks)
        trace.meta["server_events"] = self.emulators.events.list()
        return trace

    def findings(self) -> Diagnosis:
        return checks.findings(self.trace())

    def assert_no_split_brain(self) -> Diagnosis:
        return checks.assert_no_split_brain(self.trace())

    def assert_signed_out_consistently(self) -> Diagnosis:
        return checks.assert_signed_out_consistently(self.trace())

    def assert_findings(self, ids, *, only: bool = False) -> Diagnosis:
        return checks.assert_findings(self.trace(), ids, only=only)

    def close(self) -> None:
        self.browser.clean()

