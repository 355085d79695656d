"""The pytest plugin's parts that need no app: options and markers, the dev server's start
and stop, the recording's redaction, the clock."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from pathlib import Path

import pytest

from authtrace.host.harness.app_server import AppServer, AppServerError
from authtrace.host.harness.clock import JumpClock
from authtrace.host.harness.recording import Recording

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from _builders import make_jwt, opaque_token  # noqa: E402

pytest_plugins = ["pytester"]


def test_the_plugin_is_registered_and_documents_its_options(pytester):
    result = pytester.runpytest_subprocess("--help")
    out = result.stdout.str()
    for option in ("--authtrace-app-url=URL", "--authtrace-app-cmd=CMD", "--authtrace-convex-functions=DIR"):
        assert option in out
    markers = pytester.runpytest_subprocess("--markers").stdout.str()
    assert "@pytest.mark.authtrace(**settings)" in markers and "@pytest.mark.authtrace_app(env={...})" in markers


def test_without_an_app_the_test_fails_with_what_to_give(pytester):
    pytester.makepyfile(test_app="def test_it(app_tab):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    assert "authtrace: give --authtrace-app-url URL (the app, running) or --authtrace-app-cmd" in result.stdout.str()


def test_a_dev_server_marker_needs_the_command(pytester):
    pytester.makepyfile(test_app=textwrap.dedent("""
        import pytest

        @pytest.mark.authtrace_app(env={"VITE_X": "1"})
        def test_it(authtrace_app_url):
            pass
    """))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--authtrace-app-url", "http://localhost:1", "-rs")
    result.assert_outcomes(skipped=1)
    assert "needs --authtrace-app-cmd" in result.stdout.str()


def test_a_functions_folder_that_is_not_there_is_a_usage_error(pytester):
    pytester.makepyfile(test_app="def test_it(authtrace_emulators):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--authtrace-convex-functions", "nowhere")
    assert "--authtrace-convex-functions nowhere: not a folder" in result.stderr.str() + result.stdout.str()
    assert result.ret != 0


SERVER = textwrap.dedent("""
    import http.server, json, os, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({k: v for k, v in os.environ.items() if k.startswith("VITE_")}).encode()
            self.send_response(200); self.end_headers(); self.wfile.write(body)
        def log_message(self, *a): pass
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
""")


def test_the_dev_server_gets_the_emulators_addresses_and_is_stopped_with_its_children(tmp_path):
    script = tmp_path / "serve.py"
    script.write_text(SERVER)
    # A shell in between, as `npm run dev` has npm between us and Vite.
    server = AppServer(f"sh -c '{sys.executable} {script} {{port}}'", {"VITE_CONVEX_URL": "http://127.0.0.1:9"},
                       host="127.0.0.1").start(timeout=30)
    try:
        import urllib.request

        env = json.loads(urllib.request.urlopen(server.url + "/", timeout=5).read())
        assert env["VITE_CONVEX_URL"] == "http://127.0.0.1:9"
        assert env["VITE_WORKOS_REDIRECT_URI"] == f"{server.url}/callback"
    finally:
        server.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(server.url + "/", timeout=2)


@pytest.mark.parametrize(("command", "message"), [
    ("npm run dev", "needs {port}"),
    (f"{sys.executable} -c 'import sys; print(\"boom\"); sys.exit(3)' {{port}}", "exited with 3:\nboom"),
])
def test_a_dev_server_that_cannot_start_says_why(command, message):
    with pytest.raises(AppServerError, match=message):
        AppServer(command, {}).start(timeout=30)


def _observation(kind, type_, wall, payload):
    return {"kind": kind, "type": type_, "mono": wall - 1_000, "wall": wall, "payload": payload}


def test_the_recording_redacts_as_it_receives_and_merges_the_tabs_by_time():
    access, refresh = make_jwt(), opaque_token()
    recording = Recording("http://localhost:5173", "test-agent")
    recording.tab("tab-1")
    recording.tab("tab-2")
    request = {"request": 1, "url": "https://api.workos.com/user_management/authenticate", "method": "POST", "auth": True,
               "body": json.dumps({"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "c"})}
    response = {"request": 1, "status": 200, "ok": True, "durationMs": 12,
                "body": json.dumps({"access_token": access, "refresh_token": opaque_token(), "user": {"id": "user_1"}})}
    recording.feed("tab-2", json.dumps([_observation("fetch", "request", 2_000, request)]))
    recording.feed("tab-1", json.dumps([_observation("storage", "setItem", 1_000,
                                                     {"area": "local", "key": "workos:refresh-token:c", "value": refresh})]))
    recording.feed("tab-2", json.dumps([_observation("fetch", "response", 3_000, response)]))
    recording.feed("tab-1", "not json")
    recording.feed("tab-1", json.dumps({"not": "a list"}))
    recording.feed("tab-9", json.dumps([_observation("note", "x", 4_000, {})]))  # not a recorded tab
    trace = recording.trace()
    text = trace.dumps()
    assert access not in text and refresh not in text and access.split(".")[2] not in text
    assert [(e.tab, e.type) for e in trace.events] == [("tab-1", "setItem"), ("tab-2", "request"), ("tab-2", "response")]
    assert [e.id for e in trace.events] == [1, 2, 3]
    assert trace.meta["tabs"] == ["tab-1", "tab-2"] and trace.meta["redacted"] is True
    assert trace.meta["origin"] == "http://localhost:5173" and trace.meta["recorded_by"] == "pytest"
    assert trace.events[2].payload["user_id"] == "user_1"
    assert trace.events[2].payload["access_token"].startswith("tok:")


def test_the_clock_jumps_forward_only():
    clock = JumpClock()
    before = clock()
    clock.jump(3600)
    assert clock() - before >= 3600
    with pytest.raises(ValueError):
        clock.jump(-1)
    with pytest.raises(ValueError):
        clock.jump(float("nan"))
    assert abs(clock() - (time.time() + 3600)) < 5
