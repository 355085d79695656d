"""What a scenario can do to the lab: tabs, visibility, freezing, the network,
emulator faults, clock-free waiting, and sampling the lab's live state."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..cdp import CDP
from .metrics import Sample

SAMPLE = """(() => {
  const s = globalThis.__labState;
  if (!s) return null;
  const c = globalThis.__lab && globalThis.__lab.convex;
  let socket = null, paused = null, cs = null;
  try { socket = c.sync.webSocketManager.socketState(); paused = c.sync.webSocketManager.socket.paused ?? null; cs = c.connectionState(); } catch (e) {}
  return JSON.stringify({...s, socket, paused, connected: cs && cs.isWebSocketConnected, everConnected: cs && cs.hasEverConnected,
    connectionCount: cs && cs.connectionCount, connectionRetries: cs && cs.connectionRetries,
    fetching: (globalThis.__authtraceFetchesInFlight || 0) > 0});
})()"""


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
    rng: random.Random = field(init=False)
    samples: list[Sample] = field(default_factory=list)
    fault_end_ms: float | None = None
    marks: list[tuple[float, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.t0 = time.monotonic()
        self.cdp = CDP.for_driver(self.driver)
        self.main: str | None = None
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    # -- time ----------------------------------------------------------------------
    def now_ms(self) -> float:
        return (time.monotonic() - self.t0) * 1000

    def mark(self, label: str) -> None:
        self.marks.append((round(self.now_ms(), 1), label))

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def jitter(self, seconds: float, spread: float = 0.2) -> float:
        """``seconds`` varied by the seed, so seeds vary timings reproducibly."""
        return max(0.0, seconds * (1 + self.rng.uniform(-spread, spread)))

    def fault_ended(self) -> None:
        """The fault is over (network back, tab visible): recovery is timed from here."""
        self.fault_end_ms = self.now_ms()
        self.mark("fault-ended")

    # -- the lab tab -----------------------------------------------------------------
    def lab_path(self) -> str:
        query = f"?adapter={self.adapter}" + ("&cookie=1" if self.cookie_mode else "")
        return self.lab_url + "/" + query

    def open_lab(self) -> str:
        self.driver.get(self.lab_path())
        self.main = self.driver.current_window_handle
        self.wait_js("return !!globalThis.__labState", 30, "the lab app did not render")
        self.wait_js("return !!(globalThis.authtrace && globalThis.authtrace.ready)", 60, "the recorder did not start")
        self.start_sampling()
        return self.main

    def sign_in(self, timeout: float = 30) -> None:
        state = self.state()
        if not state.get("authkitUser"):
            self.wait_js("return !!document.getElementById('sign-in')", 20, "no sign-in button")
            self.driver.execute_script("document.getElementById('sign-in').click()")
        self.wait_js("return !!(globalThis.__labState && globalThis.__labState.convexAuthenticated)", timeout,
                     "Convex did not become authenticated after sign-in")
        self.mark("signed-in")

    def wait_js(self, script: str, timeout: float, message: str):
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.driver.execute_script(script)
            except Exception:  # navigation in progress
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise ScenarioError(f"{message} (after {timeout:.0f} s)")
            time.sleep(0.1)

    def state(self, handle: str | None = None) -> dict[str, Any]:
        raw = self.cdp.evaluate(handle or self.main, SAMPLE)
        return json.loads(raw) if raw else {}

    def send_message(self, body: str) -> None:
        self.cdp.evaluate(self.main, f"""(() => {{
            const input = document.getElementById('message-body');
            const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
            setter.call(input, {json.dumps(body)});
            input.dispatchEvent(new Event('input', {{bubbles: true}}));
            document.getElementById('send').click();
        }})()""")

    def page(self, handle: str, expression: str):
        return self.cdp.evaluate(handle, expression)

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
        self.mark("visible")

    def second_tab(self) -> str:
        """Another tab of the same app (same origin, same storage)."""
        self.driver.switch_to.new_window("tab")
        self.driver.get(self.lab_path())
        handle = self.driver.current_window_handle
        self.wait_js("return !!globalThis.__labState", 30, "the second lab tab did not render")
        self.mark("second-tab")
        return handle

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

    # -- emulator faults -------------------------------------------------------------
    def arm(self, target: str, action: str, **kwargs) -> Any:
        fault = self.stack.faults.arm(target, action, **kwargs)
        self.mark(f"armed {target}:{action}")
        return fault

    def drop_sync_connections(self, code: int = 1001) -> None:
        self.stack.call(self.stack.convex.disconnect_all(code=code))
        self.mark(f"sync connections closed ({code})")

    # -- sampling ----------------------------------------------------------------------
    def start_sampling(self, interval: float = 0.1) -> None:
        cdp = CDP.for_driver(self.driver)  # its own connection: the sampler runs in a thread

        def loop():
            while not self._stop.is_set():
                t = self.now_ms()
                try:
                    raw = cdp.send("Runtime.evaluate", {"expression": SAMPLE, "returnByValue": True},
                                   session=cdp.session(self.main), timeout=0.5)
                    value = raw.get("result", {}).get("value")
                    self.samples.append(Sample.from_page(t, json.loads(value) if value else None))
                except Exception:
                    self.samples.append(Sample(t, None, None, frozen=True))
                self._stop.wait(interval)
            cdp.close()

        self._sampler = threading.Thread(target=loop, name="lab-sampler", daemon=True)
        self._sampler.start()

    def stop_sampling(self) -> None:
        self._stop.set()
        if self._sampler:
            self._sampler.join(5)
