"""The catalog's stories against your own app (``authtrace scenario run NAME --app-url URL``
or ``--app-cmd CMD``, ``authtrace chaos --app-url ...``).

The same story scripts (reported.py, fleet.py) run on :class:`AppContext`, which is the
lab's :class:`~.context.Context` with three things changed:

- a tab is opened by the pytest plugin's :class:`~..harness.session.Harness`: the boot shim
  and the harness's hooks go in before any page script, so the app needs no change to be
  recorded, and its AuthKit user, Convex auth state and ConvexReactClient are read from its
  React tree (``__authtrace.app``, harness/page_hooks.js): the sampler reads them as it
  reads the lab's ``__labState``, and a story's forced refresh or sign-out goes to the
  app's own AuthKit;
- sign-in clicks the app's own "Sign in" button (the emulator's authorize page signs the
  test user in);
- the lab's message form is not there: where a story's user sends a message, the app's
  user does what ``--app-action`` says (a JavaScript expression run in the tab, such as a
  click on a button that calls a mutation), or nothing; it is a mark in the trace either
  way. Several chains need that action: Convex notices an expired token only when the
  client sends it something. The trace comes from the harness's recording, not from an
  in-page recorder.

:class:`AppStation` keeps what the runs share up for all of them: the emulators (WorkOS
standing in for ``https://api.workos.com``), the app's dev server and Chromium; each run
gets a fresh harness (emulators reset, a clean profile) with the scenario's settings. The
result has the lab's fields (runner.py), with ``adapter`` ``"app"``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..harness.tab import AppTab, TabError
from .catalog import SCENARIOS
from .context import Context, ScenarioError
from .page import APP, HARNESS

APP_ADAPTER = "app"  # the app decides its adapter; runs are judged on the bridge's targets

# What cannot run against an unmodified app, and why.
NOT_ON_APPS = {
    "missing-refresh-cookie": "cookie mode is a setting of the lab's build (devMode off); your app decides it",
    "throw-wedge": "it plays a broken adapter variant of the lab; your app brings its own adapter",
    "same-token-reauth": "it plays a broken adapter variant of the lab; your app brings its own adapter",
    "unmount-during-retry": "it unmounts the lab's Convex provider from outside; an app has no such switch",
}
APP_SCENARIOS = tuple(name for name in SCENARIOS if name not in NOT_ON_APPS)

RENDERED = f"return !!({APP} && {APP}.state)"
RESTORED = f"return !!({APP} && {APP}.state && {APP}.state.authkitUser)"


def check_supported(name: str) -> None:
    if name in NOT_ON_APPS:
        raise ScenarioError(f"{name} does not run against your app: {NOT_ON_APPS[name]}")


@dataclass
class AppContext(Context):
    harness: Any = None  # harness.session.Harness: this run's emulators reset, its tabs, the recording
    action: str | None = None  # JavaScript: what the app's user does where the lab's sends a message
    app_tabs: dict[str, AppTab] = field(default_factory=dict)

    def _load_lab(self, kind: str = "tab") -> str:
        tab = self.harness.open("/", kind=kind, scripts=(HARNESS,))
        self.app_tabs[tab.handle] = tab
        return tab.handle

    def open_lab(self) -> str:
        self.main = self._load_lab()
        self.wait_js(RENDERED, 60, "the app rendered no AuthKitProvider or ConvexProviderWithAuth that the harness "
                                   "could read (a React app with @workos-inc/authkit-react and convex/react?)")
        self.start_sampling()
        return self.main

    def sign_in(self, timeout: float = 60) -> None:
        try:
            self.app_tabs[self.main].sign_in(timeout=timeout)
        except TabError as exc:
            raise ScenarioError(f"sign-in in your app: {exc}") from None
        if self.on_booted:
            self.on_booted()
            self.on_booted = None
        self.mark("signed-in")

    def _another_lab(self, kind: str) -> str:
        handle = self._load_lab(kind)
        self.wait_js(RESTORED, 60, f"the app in a new {kind} did not restore the session")
        return handle

    def send_message(self, body: str, handle: str | None = None) -> None:
        if not self.action:
            self.mark(f"user acts: {body} (no --app-action: nothing done)")
            return
        try:
            self.app_tabs[handle or self.main].evaluate(self.action)  # (raises what the expression threw)
        except Exception as exc:  # the story goes on; the trace says so
            self.mark(f"user acts: {body} (--app-action failed: {str(exc)[:120]})")
            return
        self.mark(f"user acts: {body} (--app-action)")

    def unmount_provider(self) -> None:
        raise ScenarioError(NOT_ON_APPS["unmount-during-retry"])

    mount_provider = unmount_provider

    def export_trace(self) -> str:
        return json.dumps(self.harness.trace().to_json())


class AppStation:
    """The emulators, the app (its URL, or its dev server started here) and Chromium, for
    one or many runs. ``convex_port``: where the Convex emulator listens (an app started by
    you reads ``VITE_CONVEX_URL=http://127.0.0.1:<port>``); 0 is any free port."""

    def __init__(self, *, app_url: str | None = None, app_cmd: str | None = None, app_env: dict[str, str] | None = None,
                 convex_functions: str | None = None, convex_port: int = 0, client_id: str = "client_local",
                 redirect_path: str = "/callback", action: str | None = None) -> None:
        if bool(app_url) == bool(app_cmd):
            raise ValueError("give the app's URL or the command that starts it, not both")
        self.app_url = app_url.rstrip("/") if app_url else None
        self.app_cmd = app_cmd
        self.app_env = dict(app_env or {})
        self.convex_functions = convex_functions
        self.convex_port = convex_port
        self.client_id = client_id
        self.redirect_path = redirect_path
        self.action = action
        self.suite = self.browser = self.server = self.clock = None
        self.defaults: dict[str, Any] = {}

    def start(self) -> "AppStation":
        from ..emulators.suite import EmulatorSuite
        from ..emulators.workos_config import RUNTIME_SETTINGS
        from ..harness.app_server import AppServer, AppServerError
        from ..harness.browser import Browser
        from ..harness.clock import JumpClock

        self.clock = JumpClock()
        try:
            self.suite = EmulatorSuite(workos_port=0, convex_port=self.convex_port, stand_in=True, clock=self.clock,
                                       client_id=self.client_id, convex_functions=self.convex_functions)
            self.suite.start_in_thread(timeout=180)
        except OSError as exc:
            raise ScenarioError(f"the Convex emulator cannot listen on port {self.convex_port}: {exc}") from None
        self.defaults = {name: getattr(self.suite.workos.config, name) for name in RUNTIME_SETTINGS}
        try:
            if self.app_cmd:
                env = {"VITE_CONVEX_URL": self.suite.convex_url, "VITE_WORKOS_CLIENT_ID": self.client_id, **self.app_env}
                self.server = AppServer(self.app_cmd, env, redirect_path=self.redirect_path).start()
                self.app_url = self.server.url
            self.browser = Browser(self.suite.browser_flags)
        except AppServerError as exc:
            self.stop()
            raise ScenarioError(str(exc)) from None
        except BaseException:
            self.stop()
            raise
        return self

    def harness(self, settings: dict[str, Any]):
        from ..harness.session import Harness

        return Harness(self.suite, self.browser, self.app_url, self.clock, self.defaults, settings)

    def stop(self) -> None:
        for part in (self.browser, self.server):
            if part is None:
                continue
            try:
                part.quit() if hasattr(part, "quit") else part.stop()
            except Exception:  # stopping must not hide what went wrong
                pass
        self.browser = self.server = None
        if self.suite is not None:
            self.suite.stop()
            self.suite = None

    def __enter__(self) -> "AppStation":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def run_on_app(name: str, station: AppStation, seed: int = 0, trace_out: Path | None = None, *,
               profile: str = "full") -> dict[str, Any]:
    """Run scenario ``name`` once against the station's app; the scenario runner's result."""
    from .runner import _collect, default_trace_path

    check_supported(name)
    scenario = SCENARIOS[name]
    harness = station.harness(scenario.emulator)
    ctx = AppContext(station.browser.driver, station.suite, station.app_url, seed, adapter=APP_ADAPTER,
                     profile=profile, harness=harness, action=station.action)
    try:
        started = time.time()
        try:
            scenario.script(ctx)
        except TabError as exc:
            raise ScenarioError(str(exc)) from None
        ctx.stop_sampling()
        result = _collect(ctx, name, APP_ADAPTER, seed, started, station.suite)
    finally:
        ctx.close()
        harness.close()
    path = trace_out or default_trace_path(name, APP_ADAPTER, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.pop("_trace"), indent=1) + "\n")
    result["trace"] = str(path)
    result["profile"] = profile
    return result


def run_app_matrix(seeds: int, scenarios: list[str], station: AppStation, progress=None, *,
                   profile: str = "full", trace_dir: Path | None = None) -> dict[str, Any]:
    """Every scenario x ``seeds`` against the app, one after the other (they share its dev
    server and the emulators it is pointed at); ``authtrace chaos``'s runs and summary."""
    from .chaos import finish
    from .pool import error_result
    from .runner import default_trace_path

    started = time.monotonic()
    results = []
    for name in scenarios:
        for seed in range(seeds):
            t = time.monotonic()
            out = (trace_dir / default_trace_path(name, APP_ADAPTER, seed).name) if trace_dir else None
            try:
                result = run_on_app(name, station, seed, out, profile=profile)
            except Exception as exc:  # one broken run must not lose the others
                result = error_result(name, APP_ADAPTER, seed, f"{type(exc).__name__}: {exc}")
            result["wall_s"] = round(time.monotonic() - t, 1)
            results.append(result)
            if progress:
                progress(result)
    return finish(results, time.monotonic() - started, concurrency=1, profile=profile, reuse=True)
