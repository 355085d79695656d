"""What a scenario can do to the lab: tabs and windows, visibility, freezing, the
network, ``navigator.onLine``, unmounting the provider, emulator faults, clock-free
waiting, and sampling the lab's live state (every watched tab, ~10 times a second)."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..cdp import CDP, CDPError
from ..chromium import wait_js
from .metrics import Sample
from .page import AUTHKIT, HARNESS, SAMPLE

NAVIGATING = re.compile(r"navigated or closed|context was destroyed|Cannot find context|Cannot find default execution context")

# Side by side on a busy 2-core machine a tab can take longer than CDP's default 10 s
# to answer a command (attaching to a new tab, freezing one); the story does not depend on it.
CDP_TIMEOUT_S = 30.0


class ScenarioError(RuntimeError):
    """The scenario could not drive the lab as written (not a finding about auth)."""


@dataclass
class Context:
    driver: Any
    stack: Any  # the running emulators + lab server
    lab_url: str
    seed: int
    adapter: str
    cookie_mode: bool = False
    profile: str = "full"  # "ci": the shortened profile of the long scenarios (catalog.py)
    on_booted: Callable[[], None] | None = None  # called once signed in with the lab tab's recorder running
    rng: random.Random = field(init=False)
    samples: list[Sample] = field(default_factory=list)  # the main tab's (tab_samples[main])
    fault_start_ms: float | None = None
    fault_end_ms: float | None = None
    count_end_ms: float | None = None  # per-window counts stop here (default: the end of the run)
    marks: list[tuple[float, str]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # what the story chose (variant, durations, bounds)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.t0 = time.monotonic()
        self.t0_wall = time.time()
        self.cdp = CDP.for_driver(self.driver)
        self.cdp.timeout = CDP_TIMEOUT_S
        self.main: str | None = None
        self.tab_samples: dict[str, list[Sample]] = {}  # every watched lab tab, by handle
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    # -- time ----------------------------------------------------------------------
    def now_ms(self) -> float:
        return (time.monotonic() - self.t0) * 1000

    def wall_ms(self, t_ms: float) -> float:
        """A run time (ms since the start) as wall-clock ms, the clock of trace and server events."""
        return self.t0_wall * 1000 + t_ms

    def mark(self, label: str) -> None:
        self.marks.append((round(self.now_ms(), 1), label))

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait_until(self, t_ms: float) -> None:
        """Sleep until run time ``t_ms`` (long stories keep their schedule however long
        each step took)."""
        time.sleep(max(0.0, (t_ms - self.now_ms()) / 1000))

    def ms_of_wall(self, wall_s: float) -> float:
        """A wall-clock time in seconds (server events) as run time in ms."""
        return (wall_s - self.t0_wall) * 1000

    def jitter(self, seconds: float, spread: float = 0.2) -> float:
        """``seconds`` varied by the seed, so seeds vary timings reproducibly."""
        return max(0.0, seconds * (1 + self.rng.uniform(-spread, spread)))

    def fault_started(self, at_ms: float | None = None) -> None:
        """The fault begins: per-window counts (refresh requests, rotations) start here."""
        self.fault_start_ms = self.now_ms() if at_ms is None else at_ms
        self.marks.append((round(self.fault_start_ms, 1), "fault-started"))

    def fault_ended(self, at_ms: float | None = None) -> None:
        """The fault is over (network back, tab visible): recovery is timed from here."""
        self.fault_end_ms = self.now_ms() if at_ms is None else at_ms
        self.marks.append((round(self.fault_end_ms, 1), "fault-ended"))

    # -- the lab tab -----------------------------------------------------------------
    def lab_path(self) -> str:
        # panel=0: nothing in a headless run reads the debug panel, and it costs CPU
        query = f"?adapter={self.adapter}&panel=0" + ("&cookie=1" if self.cookie_mode else "")
        return self.lab_url + "/" + query

    def _load_lab(self) -> str:
        """Load the lab in the current tab, with the harness installed before its scripts."""
        handle = self.driver.current_window_handle
        self.cdp.tab(handle, "Page.enable")  # without it the script is not installed
        self.cdp.tab(handle, "Page.addScriptToEvaluateOnNewDocument", {"source": HARNESS})
        self.driver.get(self.lab_path())
        return handle

    def open_lab(self) -> str:
        """Load the lab in the first tab; its recorder is waited for once signed in."""
        self.main = self._load_lab()
        self.wait_js("return !!globalThis.__labState", 60, "the lab app did not render")
        self.start_sampling()
        return self.main

    def sign_in(self, timeout: float = 60) -> None:
        """Sign in through the emulator. The sign-in leaves the page for WorkOS and comes back
        to /callback, a new document with its own recorder; the first one is not waited for
        (its Pyodide boot would be thrown away with the page)."""
        state = self.state()
        if not state.get("authkitUser"):
            self.wait_js("return !!document.getElementById('sign-in')", 20, "no sign-in button")
            self.driver.execute_script("document.getElementById('sign-in').click()")
        self.wait_js("return !!(globalThis.__labState && globalThis.__labState.convexAuthenticated)", timeout,
                     "Convex did not become authenticated after sign-in")
        self.wait_js("return !!(globalThis.authtrace && globalThis.authtrace.ready)", 60, "the recorder did not start")
        if self.on_booted:
            self.on_booted()
            self.on_booted = None
        self.mark("signed-in")

    def wait_for(self, check, timeout: float, message: str):
        """Poll ``check()`` (every 20 ms) until it is true."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise ScenarioError(f"{message} (after {timeout:.0f} s)")
            time.sleep(0.02)

    def wait_js(self, script: str, timeout: float, message: str):
        return wait_js(self.driver, script, timeout, message, ScenarioError)

    def state(self, handle: str | None = None) -> dict[str, Any]:
        raw = self.read(handle or self.main, SAMPLE)
        return json.loads(raw) if raw else {}

    def send_message(self, body: str, handle: str | None = None) -> None:
        self.cdp.evaluate(handle or self.main, f"""(() => {{
            const input = document.getElementById('message-body');
            const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
            setter.call(input, {json.dumps(body)});
            input.dispatchEvent(new Event('input', {{bubbles: true}}));
            document.getElementById('send').click();
        }})()""")

    def page(self, handle: str, expression: str):
        return self.cdp.evaluate(handle, expression)

    def read(self, handle: str, expression: str, timeout: float = 15.0):
        """``page()`` for an expression that only reads: evaluated again while the page is
        navigating (the bridge reloads the tab on a sign-out; Chromium then answers
        "Inspected target navigated or closed" to an evaluation in flight)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.page(handle, expression)
            except CDPError as exc:
                if not NAVIGATING.search(str(exc)) or time.monotonic() > deadline:
                    raise
            time.sleep(0.25)

    def force_refresh(self, handle: str | None = None) -> None:
        """The tab's AuthKit refreshes now (``getAccessToken({forceRefresh: true})``), as the
        app's own code would; not awaited."""
        self.page(handle or self.main, f"{AUTHKIT} && {AUTHKIT}.getAccessToken({{forceRefresh: true}}).catch(() => {{}})")

    def sign_out(self, handle: str | None = None) -> None:
        """The user signs out in that tab (AuthKit's ``signOut``, without navigating away)."""
        self.page(handle or self.main, f"{AUTHKIT} && {AUTHKIT}.signOut({{navigate: false}})")

    # -- tabs, visibility, lifecycle, network -----------------------------------------------
    def hide(self) -> str:
        """Open a blank tab in front: the lab tab becomes really hidden."""
        self.driver.switch_to.new_window("tab")
        self.driver.get("about:blank")
        self.mark("hidden")
        return self.driver.current_window_handle

    def show(self) -> None:
        """Bring the lab tab back to the front (closing the tab in front of it).

        Also after a CDP freeze of a tab that was in front: the page stays 'hidden'
        after resuming until it is activated again, as a real returning user does."""
        if self.driver.current_window_handle != self.main:
            self.driver.close()
        self.driver.switch_to.window(self.main)
        self.cdp.tab(self.main, "Page.bringToFront")
        if self.read(self.main, "document.visibilityState") == "hidden":
            # A tab frozen while in front stays hidden after it resumes, whatever brings it
            # to the front; restoring its window (as a returning user does) makes it visible.
            self._window_state(self.main, "minimized")
            self._window_state(self.main, "normal")
        self.mark("visible")

    def _another_lab(self, kind: str) -> str:
        """Load the lab in a new tab or window and wait until AuthKit restored the session
        there and its recorder runs (while Pyodide boots, the tab answers nothing, which
        would shift the story's timing on a busy machine)."""
        self.driver.switch_to.new_window(kind)
        handle = self._load_lab()
        # Generous: the tab's main thread is busy while Pyodide boots, more so side by side.
        self.wait_js("return !!(globalThis.authtrace && globalThis.authtrace.ready)", 90, "the recorder did not start")
        try:
            self.wait_js("return !!(globalThis.__labState && globalThis.__labState.authkitUser)", 30,
                         f"the lab {kind} did not restore the session")
        except ScenarioError as exc:
            state = self.read(handle, "JSON.stringify([globalThis.__labState, document.visibilityState])")
            raise ScenarioError(f"{exc}; its state: {state}") from None
        return handle

    def second_tab(self) -> str:
        """Another tab of the same signed-in app (same origin, same storage), in the same window."""
        handle = self._another_lab("tab")
        self.mark("second-tab")
        return handle

    def lab_window(self) -> str:
        """Another tab of the signed-in app in a window of its own, so it is visible too;
        sampled like the main tab."""
        handle = self._another_lab("window")
        self.tab_samples.setdefault(handle, [])
        self.mark("lab-window")
        return handle

    def _window_state(self, handle: str, state: str) -> None:
        window = self.cdp.send("Browser.getWindowForTarget", {"targetId": handle})["windowId"]
        self.cdp.send("Browser.setWindowBounds", {"windowId": window, "bounds": {"windowState": state}})

    def minimize(self, handles: list[str]) -> None:
        """Minimise the windows of these tabs: each becomes really hidden (visibilitychange)."""
        for h in handles:
            self._window_state(h, "minimized")
        self.mark("minimized")

    def restore(self, handles: list[str]) -> None:
        """Restore the windows of these tabs, one right after the other (visible again)."""
        for h in handles:
            self._window_state(h, "normal")
        self.mark("restored")

    def switch(self, handle: str) -> None:
        self.driver.switch_to.window(handle)

    def freeze(self, handle: str | None = None) -> None:
        self.cdp.set_frozen(handle or self.main, True)
        self.mark("frozen")

    def unfreeze(self, handle: str | None = None) -> None:
        self.cdp.set_frozen(handle or self.main, False)
        self.mark("resumed")

    def offline(self, handle: str | None = None) -> None:
        self.cdp.set_offline(handle or self.main, True)
        self.mark("offline")

    def online(self, handle: str | None = None) -> None:
        self.cdp.set_offline(handle or self.main, False)
        self.mark("online")

    def online_lie(self, lying: bool, handle: str | None = None) -> None:
        """``navigator.onLine`` reads false (and ``offline`` fires) while the network works;
        ``False`` ends the lie with an ``online`` event. Simulated in the page (page.HARNESS)."""
        done = self.page(handle or self.main, "!!(globalThis.__labHarness && "
                         f"(globalThis.__labHarness.setOnlineLie({'true' if lying else 'false'}), true))")
        if not done:
            raise ScenarioError("the page harness is not installed in the lab tab")
        self.mark("onLine lies" if lying else "onLine honest")

    # -- the provider ------------------------------------------------------------------
    def unmount_provider(self) -> None:
        self.page(self.main, "globalThis.__labProvider.unmount()")
        self.wait_js("return !!document.getElementById('unmounted')", 5, "the provider did not unmount")
        self.mark("provider-unmounted")

    def mount_provider(self) -> None:
        self.page(self.main, "globalThis.__labProvider.mount()")
        self.wait_js("return !!(globalThis.__labState && globalThis.__labState.mounted)", 5, "the provider did not mount")
        self.mark("provider-mounted")

    # -- emulator faults -------------------------------------------------------------
    def arm(self, target: str, action: str, **kwargs) -> Any:
        fault = self.stack.faults.arm(target, action, **kwargs)
        self.mark(f"armed {target}:{action}")
        return fault

    def disarm(self, fault: Any) -> None:
        self.stack.faults.cancel(fault.id)
        self.mark(f"disarmed {fault.target}:{fault.action}")

    def server_event(self, timeout: float, **where: Any) -> dict[str, Any]:
        """Wait for the emulators' first event whose fields equal ``where``."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.stack.events.list():
                if all(e.get(k) == v for k, v in where.items()):
                    return e
            if time.monotonic() > deadline:
                raise ScenarioError(f"no emulator event {where} (after {timeout:.0f} s)")
            time.sleep(0.1)

    def drop_sync_connections(self, code: int = 1001) -> None:
        self.stack.call(self.stack.convex.disconnect_all(code=code))
        self.mark(f"sync connections closed ({code})")

    # -- sampling ----------------------------------------------------------------------
    def start_sampling(self, interval: float = 0.1) -> None:
        cdp = CDP.for_driver(self.driver)  # its own connection: the sampler runs in a thread
        self.tab_samples[self.main] = self.samples

        def loop():
            while not self._stop.is_set():
                for handle, samples in list(self.tab_samples.items()):
                    t = self.now_ms()
                    try:
                        raw = cdp.send("Runtime.evaluate", {"expression": SAMPLE, "returnByValue": True},
                                       session=cdp.session(handle), timeout=0.5)
                        value = raw.get("result", {}).get("value")
                        samples.append(Sample.from_page(t, json.loads(value) if value else None))
                    except Exception:
                        samples.append(Sample(t, None, None, frozen=True))
                self._stop.wait(interval)
            cdp.close()

        self._sampler = threading.Thread(target=loop, name="lab-sampler", daemon=True)
        self._sampler.start()

    def export_trace(self) -> str:
        """The recorder's trace of all tabs. A sign-out may have reloaded the page just now
        (the bridge's reloadOnSignOut): then its recorder is booting again; wait for it."""
        expression = "globalThis.authtrace && globalThis.authtrace.ready && globalThis.authtrace.exportTrace()"
        for attempt in range(2):
            raw = self.read(self.main, expression)
            if raw:
                return raw
            if attempt == 0:
                try:
                    self.wait_js("return !!(globalThis.authtrace && globalThis.authtrace.ready)", 60, "")
                except ScenarioError:
                    break
        raise ScenarioError("the recorder in the lab tab did not export a trace")

    def close(self) -> None:
        """End the run's hold on the browser (the sampler, the CDP connection); the browser
        itself belongs to the caller."""
        self.stop_sampling()
        try:
            self.cdp.close()
        except Exception:  # the browser is already gone
            pass

    def stop_sampling(self) -> None:
        self._stop.set()
        if self._sampler:
            self._sampler.join(5)
