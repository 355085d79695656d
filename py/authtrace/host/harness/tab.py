"""One real tab of the app under test, and what a test does to it.

The controls act on the browser, not on the page's idea of it: ``hide()`` puts
another tab in front (``visibilitychange`` fires, timers slow down as Chromium
does it), ``freeze()`` is Chromium's page lifecycle freeze over DevTools,
``offline()`` cuts the tab's network over DevTools (``navigator.onLine`` and
the ``offline`` event included), ``sleep(seconds)`` is a machine asleep: every
tab of the test frozen and offline while the page's clock and the emulators'
jump ``seconds`` ahead, and the Convex sockets the server would have dropped
dropped. Page reads go through DevTools too (``evaluate``, ``wait_for``,
``click``): switching ChromeDriver's window would bring the tab to the front.

The auth state a test waits on (``convex_authenticated``, ``authkit_user``) is
read from the recording: what the app's React tree showed, as the trace has it.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Callable

from ...event import Event, Kind

if TYPE_CHECKING:
    from ...diagnosis import Diagnosis
    from ...trace import Trace
    from .session import Harness

# The page's Date, shifted by the offset the harness sets (sleep()). Installed on
# the first jump, then into every new document of the test's tabs.
CLOCK = """(function (offset) {
  var g = globalThis;
  if (!g.__authtraceClock) {
    var Real = g.Date, state = { offset: 0 };
    var now = function () { return Real.now() + state.offset; };
    var Shifted = function Date() {
      if (!new.target) return new Real(now()).toString();
      return arguments.length ? Reflect.construct(Real, arguments, new.target) : new Real(now());
    };
    Shifted.prototype = Real.prototype;
    Shifted.now = now; Shifted.parse = Real.parse; Shifted.UTC = Real.UTC;
    g.Date = Shifted;
    g.__authtraceClock = state;
  }
  g.__authtraceClock.offset = offset;
})(%s)"""

CLICK = """(function (pattern, css) {
  var re = pattern ? new RegExp(pattern, "i") : null;
  var nodes = Array.from(document.querySelectorAll(css || "button, a, [role=button], input[type=submit]"));
  var hit = nodes.find(function (n) { return !re || re.test((n.innerText || n.value || "").trim()); });
  if (!hit) return false;
  hit.click();
  return true;
})(%s, %s)"""


class TabError(AssertionError):
    """A tab did not do what the test waited for (the message says what and for how long)."""


class AppTab:
    def __init__(self, harness: "Harness", handle: str, label: str, session: str) -> None:
        self.harness = harness
        self.handle = handle
        self.label = label
        self.session = session
        self.frozen = False
        self.offline_now = False
        self._cover: str | None = None
        self._clock_script: str | None = None
        self._clock_behind = False  # the page's Date lags the clock (set while frozen)
        self._in_front_when_frozen = False

    def __repr__(self) -> str:
        return f"<AppTab {self.label}>"

    @property
    def driver(self):
        """ChromeDriver (switching its window to this tab brings the tab to the front)."""
        return self.harness.browser.driver

    def _send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        return self.harness.browser.devtools.send(method, params, session=self.session, timeout=timeout)

    # -- the page ------------------------------------------------------------------------
    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        """A JavaScript expression's value in the page (a promise is awaited); not while frozen."""
        if self.frozen:
            raise TabError(f"{self.label} is frozen: resume() it before reading the page")
        result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                 "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            detail = result["exceptionDetails"]
            raise TabError(f"{expression[:80]!r} threw: {detail.get('exception', {}).get('description') or detail.get('text')}")
        return result.get("result", {}).get("value")

    def wait_for(self, condition: str | Callable[[], Any], timeout: float = 30, what: str | None = None) -> Any:
        """Wait until ``condition`` (a JS expression, or a function) is truthy; its value."""
        deadline = time.monotonic() + timeout
        last_error = None
        while True:
            try:
                value = condition() if callable(condition) else self.evaluate(condition, timeout=10)
            except TabError as exc:
                value, last_error = None, exc
            except Exception as exc:  # a navigation in progress
                value, last_error = None, exc
            if value:
                return value
            if time.monotonic() > deadline:
                shown = what or (condition if isinstance(condition, str) else getattr(condition, "__name__", "the condition"))
                raise TabError(f"{self.label}: waited {timeout:.0f} s for {shown}" + (f" ({last_error})" if last_error else ""))
            time.sleep(0.1)

    def text(self) -> str:
        """The page's visible text."""
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def click(self, text: str | None = None, css: str | None = None) -> None:
        """Click the first button or link whose text matches ``text`` (a regular expression,
        case-insensitive), or the first element matching ``css``."""
        if not self.evaluate(CLICK % (json.dumps(text), json.dumps(css))):
            raise TabError(f"{self.label}: nothing to click matching {text or css!r}")

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    # -- auth, as the recording shows it ------------------------------------------------------
    def _last(self, kind: Kind, type_: str) -> Event | None:
        events = [e for e in self.harness.recording.events() if e.tab == self.label and e.kind is kind and e.type == type_]
        return events[-1] if events else None

    def convex_authenticated(self) -> bool | None:
        """What the app's Convex provider last said (None before it said anything)."""
        change = self._last(Kind.CONVEX, "auth-change")
        return None if change is None else bool(change.payload.get("is_authenticated"))

    def authkit_user(self) -> str | None:
        """The id of the user AuthKit last showed, or None."""
        user = self._last(Kind.AUTHKIT, "user")
        return user.payload.get("user_id") if user is not None and user.payload.get("present") else None

    def wait_for_convex(self, authenticated: bool = True, timeout: float = 30) -> None:
        self.wait_for(lambda: self.convex_authenticated() is authenticated, timeout,
                      f"Convex to be {'authenticated' if authenticated else 'signed out'}")

    def sign_in(self, button: str = r"^(sign ?in|log ?in)$", timeout: float = 60) -> str:
        """Click the app's sign-in button (the emulator's authorize page signs the test user in and
        sends the browser back) and wait until Convex is authenticated; the user's id."""
        self.wait_for(f"!!Array.from(document.querySelectorAll('button, a')).find(n => new RegExp({json.dumps(button)}, 'i')"
                      ".test((n.innerText || '').trim()))", timeout, f"a {button!r} button")
        self.click(button)
        self.wait_for_convex(True, timeout)
        self.harness.mark(f"{self.label} signed in")
        return self.authkit_user() or ""

    # -- controls --------------------------------------------------------------------------------
    def hide(self) -> None:
        """Put a blank tab in front of this one: it becomes hidden (``visibilitychange``)."""
        if self._cover is None:
            self._cover = self.harness.browser.new_window()
        self.harness.mark(f"{self.label} hidden")
        if not self.frozen:
            self.wait_for("document.visibilityState === 'hidden'", 10, "the tab to be hidden")

    def show(self) -> None:
        """Close the tab in front of this one and bring this one to the front."""
        browser = self.harness.browser
        if self._cover is not None:
            browser.close_window(self._cover)
            self._cover = None
        self._to_front()
        self.harness.mark(f"{self.label} shown")

    def _to_front(self) -> None:
        self.harness.browser.driver.switch_to.window(self.handle)
        self._send("Page.bringToFront")
        if self.frozen:
            return
        if self.evaluate("document.visibilityState") == "hidden":
            # A tab frozen while in front stays hidden once resumed, whatever brings it to the
            # front; restoring its window (as a returning user does) makes it visible.
            window = self.harness.browser.devtools.send("Browser.getWindowForTarget", {"targetId": self.handle})["windowId"]
            for state in ("minimized", "normal"):
                self.harness.browser.devtools.send("Browser.setWindowBounds",
                                                   {"windowId": window, "bounds": {"windowState": state}})
        self.wait_for("document.visibilityState === 'visible'", 10, "the tab to be visible")

    def freeze(self) -> None:
        """Freeze the page (Chromium's page lifecycle): no task runs until ``resume()``. A tab in
        front is hidden by the freeze, as Chromium only freezes pages nobody looks at; ``resume()``
        brings it back to the front."""
        self._in_front_when_frozen = self._cover is None and self.evaluate("document.visibilityState") == "visible" \
            if not self.frozen else self._in_front_when_frozen
        self._send("Page.enable")
        self._send("Page.setWebLifecycleState", {"state": "frozen"})
        self.frozen = True
        self.harness.mark(f"{self.label} frozen")

    def resume(self) -> None:
        self._send("Page.setWebLifecycleState", {"state": "active"})
        self.frozen = False
        if self._clock_behind:
            self.evaluate(CLOCK % (self.harness.clock.offset * 1000))
            self._clock_behind = False
        self.harness.mark(f"{self.label} resumed")
        if self._in_front_when_frozen and self._cover is None:
            self._to_front()

    def offline(self) -> None:
        """Take the tab's network away (``navigator.onLine`` false, the ``offline`` event)."""
        self._network(offline=True)
        self.harness.mark(f"{self.label} offline")

    def online(self) -> None:
        self._network(offline=False)
        self.harness.mark(f"{self.label} online")

    def _network(self, offline: bool) -> None:
        self._send("Network.enable")
        self._send("Network.emulateNetworkConditions",
                   {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        self.offline_now = offline

    def sleep(self, seconds: float) -> None:
        """The machine sleeps for ``seconds``: see :meth:`Harness.sleep` (all tabs of the test)."""
        self.harness.sleep(seconds)

    def set_clock(self, offset_s: float) -> None:
        """Shift the page's ``Date`` by ``offset_s`` (now, and in every later document of the tab)."""
        if self._clock_script is not None:
            self._send("Page.removeScriptToEvaluateOnNewDocument", {"identifier": self._clock_script})
        source = CLOCK % (offset_s * 1000)
        self._clock_script = self._send("Page.addScriptToEvaluateOnNewDocument", {"source": source})["identifier"]
        if self.frozen:
            self._clock_behind = True  # applied as it resumes
        else:
            self.evaluate(source)

    def new_tab(self, path: str = "/") -> "AppTab":
        """Another tab of the app (same origin and storage), opened in front of this one."""
        return self.harness.open(path)

    def close(self) -> None:
        self.harness.close_tab(self)

    # -- the trace -------------------------------------------------------------------------------
    def trace(self) -> "Trace":
        """The redacted trace of all the test's tabs."""
        return self.harness.trace()

    def findings(self) -> "Diagnosis":
        return self.harness.findings()

    def assert_no_split_brain(self) -> "Diagnosis":
        return self.harness.assert_no_split_brain()

    def assert_signed_out_consistently(self) -> "Diagnosis":
        return self.harness.assert_signed_out_consistently()

    def assert_findings(self, ids, *, only: bool = False) -> "Diagnosis":
        return self.harness.assert_findings(ids, only=only)
