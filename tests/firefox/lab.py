"""The lab in Firefox: its own emulators and lab server per use (fresh ports, so a
fresh origin and storage), and the few page steps the Firefox tests share."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

from authtrace.host.background import BackgroundServer
from authtrace.host.emulators.suite import EmulatorSuite
from authtrace.host.firefox import Page
from authtrace.host.lab import create_app
from authtrace.host.pyodide_dist import project_root

STATE = "globalThis.__labState ? JSON.parse(JSON.stringify(globalThis.__labState)) : null"
SPLIT = "!!(globalThis.__labState && globalThis.__labState.authkitUser && !globalThis.__labState.convexAuthenticated)"


@dataclass
class Lab:
    suite: EmulatorSuite
    url: str


@contextlib.contextmanager
def lab(**emulator) -> Iterator[Lab]:
    """The emulators (``emulator``: their settings, e.g. ``access_token_ttl``) and the lab app."""
    suite = EmulatorSuite(workos_port=0, convex_port=0, **emulator).start_in_thread()
    try:
        config = {"workos": suite.authkit_props(dev_mode=True), "convexUrl": suite.convex_url}
        with BackgroundServer(create_app(project_root(), config)) as server:
            yield Lab(suite, server.url)
    finally:
        suite.stop()


def wait_js(page: Page, expression: str, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except Exception:  # a navigation in progress (the sign-in leaves for WorkOS and comes back)
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} (after {timeout:.0f} s); console: {page.console()[-8:]}")
        time.sleep(0.1)


def sign_in(page: Page, url: str) -> None:
    """Load the lab at ``url``, sign in through the emulator, wait for Convex and the recorder."""
    page.goto(url)
    wait_js(page, "!!document.getElementById('sign-in') || !!(globalThis.__labState && globalThis.__labState.authkitUser)",
            30, "the lab did not render")
    if not (page.evaluate(STATE) or {}).get("authkitUser"):
        page.evaluate("document.getElementById('sign-in').click(), true")
    wait_js(page, "!!(globalThis.__labState && globalThis.__labState.convexAuthenticated)", 60,
            "Convex did not become authenticated after sign-in")
    wait_js(page, "!!(globalThis.authtrace && globalThis.authtrace.ready)", 90, "the recorder did not start")


def send_message(page: Page, body: str) -> None:
    page.evaluate(f"""(() => {{
        const input = document.getElementById('message-body');
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
        setter.call(input, {json.dumps(body)});
        input.dispatchEvent(new Event('input', {{bubbles: true}}));
        document.getElementById('send').click();
        return true;
    }})()""")


def trace_events(page: Page) -> list[dict]:
    return json.loads(page.evaluate("globalThis.authtrace.exportTrace()"))["events"]
