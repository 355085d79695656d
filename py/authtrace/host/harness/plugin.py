"""The authtrace pytest plugin: real hidden, frozen and offline tabs of your own app.

Registered with the ``pytest11`` entry point ``authtrace``, so installing the
wheel is enough. Nothing here starts until a test asks for a fixture::

    def test_my_app_survives_a_hidden_tab(app_tab):
        app_tab.sign_in()
        app_tab.hide(); app_tab.freeze()
        app_tab.sleep(600)
        app_tab.resume(); app_tab.show()
        app_tab.wait_for_convex(authenticated=True)
        app_tab.assert_no_split_brain()

Fixtures: ``authtrace_emulators`` (session: the WorkOS and Convex emulators,
WorkOS standing in for ``https://api.workos.com``; the fault API is
``authtrace_emulators.faults`` / ``.workos.arm``), ``authtrace_browser``
(session: headless Chromium routed to the stand-in), ``authtrace`` (the
test's :class:`~.session.Harness`) and ``app_tab`` (a tab of the app, signed
out, recorded from its first script). Options and markers: see
:func:`pytest_addoption` and docs/testing-your-app.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

TRACES = Path(".authtrace") / "pytest"
_saved: list[tuple[str, str]] = []  # (test id, trace file) of failed and xfailed tests


def pytest_addoption(parser) -> None:
    group = parser.getgroup("authtrace", "authtrace: your app under test")
    group.addoption("--authtrace-app-url", metavar="URL",
                    help="the app, already running (pointed at the emulators yourself)")
    group.addoption("--authtrace-app-cmd", metavar="CMD",
                    help="start the app's dev server with this command ({port} is replaced by a free port) and the "
                         "environment VITE_CONVEX_URL, VITE_WORKOS_CLIENT_ID, VITE_WORKOS_REDIRECT_URI pointing at "
                         "the emulators; e.g. \"npm run dev -- --port {port} --strictPort\"")
    group.addoption("--authtrace-convex-functions", metavar="DIR",
                    help="serve the app's own Convex functions from DIR (its convex/ folder) and trust its auth.config.ts")
    group.addoption("--authtrace-client-id", metavar="ID", default="client_local",
                    help="the WorkOS client id the app and auth.config.ts get (default: client_local)")
    group.addoption("--authtrace-redirect-path", metavar="PATH", default="/callback",
                    help="path of VITE_WORKOS_REDIRECT_URI on the dev server (default: /callback)")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "authtrace(**settings): WorkOS emulator settings for this test, e.g. "
                                       "access_token_ttl=15, inactivity_timeout=30, refresh_grace=0")
    config.addinivalue_line("markers", "authtrace_app(env={...}): more environment for the app's dev server "
                                       "(one server per distinct environment; needs --authtrace-app-cmd)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item._authtrace_call = report


def pytest_terminal_summary(terminalreporter) -> None:
    if _saved:
        terminalreporter.section("authtrace traces")
        for nodeid, path in _saved:
            terminalreporter.write_line(f"{nodeid}: {path}  (authtrace analyze {path})")


# -- session fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def authtrace_emulators(request):
    """Both emulators, WorkOS standing in for https://api.workos.com, on free ports, for the session."""
    from ..emulators.suite import EmulatorSuite
    from ..emulators.workos_config import RUNTIME_SETTINGS
    from .clock import JumpClock

    option = request.config.getoption
    functions = option("--authtrace-convex-functions")
    if functions is not None and not Path(functions).is_dir():
        raise pytest.UsageError(f"--authtrace-convex-functions {functions}: not a folder (give the app's convex/ folder)")
    clock = JumpClock()
    suite = EmulatorSuite(workos_port=0, convex_port=0, stand_in=True, clock=clock,
                          client_id=option("--authtrace-client-id"), convex_functions=functions)
    suite.start_in_thread(timeout=180)
    suite.jump_clock = clock
    suite.defaults = {name: getattr(suite.workos.config, name) for name in RUNTIME_SETTINGS}
    yield suite
    suite.stop()


@pytest.fixture(scope="session")
def authtrace_browser(authtrace_emulators):
    """Headless Chromium whose requests for api.workos.com reach the stand-in (its certificate trusted)."""
    from .browser import Browser

    browser = Browser(authtrace_emulators.browser_flags)
    yield browser
    browser.quit()


@pytest.fixture(scope="session")
def _authtrace_app_servers():
    servers: dict = {}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def authtrace_app_url(request, authtrace_emulators, _authtrace_app_servers) -> str:
    """The app's URL: --authtrace-app-url, or a dev server started with --authtrace-app-cmd."""
    from .app_server import AppServer, AppServerError

    option = request.config.getoption
    marker = request.node.get_closest_marker("authtrace_app")
    extra = dict(marker.kwargs.get("env") or {}) if marker else {}
    url, command = option("--authtrace-app-url"), option("--authtrace-app-cmd")
    if url:
        if extra:
            pytest.skip("authtrace_app(env=...) starts a dev server of its own: needs --authtrace-app-cmd")
        return url.rstrip("/")
    if not command:
        pytest.fail("authtrace: give --authtrace-app-url URL (the app, running) or --authtrace-app-cmd "
                    "\"npm run dev -- --port {port}\" (the plugin starts it)", pytrace=False)
    key = tuple(sorted(extra.items()))
    if key not in _authtrace_app_servers:
        env = {"VITE_CONVEX_URL": authtrace_emulators.convex_url,
               "VITE_WORKOS_CLIENT_ID": authtrace_emulators.workos.config.client_id, **extra}
        try:
            _authtrace_app_servers[key] = AppServer(command, env, redirect_path=option("--authtrace-redirect-path")).start()
        except AppServerError as exc:
            pytest.fail(f"authtrace: {exc}", pytrace=False)
    return _authtrace_app_servers[key].url


# -- per test ------------------------------------------------------------------------------------------

@pytest.fixture
def authtrace(request, authtrace_emulators, authtrace_app_url, authtrace_browser):
    """This test's :class:`~.session.Harness`: emulators reset, tabs, the recording and the checks."""
    from .session import Harness

    marker = request.node.get_closest_marker("authtrace")
    harness = Harness(authtrace_emulators, authtrace_browser, authtrace_app_url, authtrace_emulators.jump_clock,
                      authtrace_emulators.defaults, dict(marker.kwargs) if marker else {})
    yield harness
    report = getattr(request.node, "_authtrace_call", None)
    if report is not None and (report.failed or hasattr(report, "wasxfail")):
        path = TRACES / (re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_") + ".json")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(harness.trace().to_json(), indent=1) + "\n")
            _saved.append((request.node.nodeid, str(path)))
        except OSError:
            pass
    harness.close()


@pytest.fixture
def app_tab(authtrace):
    """A tab of the app at ``/``, signed out, recorded from its first script."""
    return authtrace.open("/")
