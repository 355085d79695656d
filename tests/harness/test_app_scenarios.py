"""The catalog's stories against your own app (issue 15): ``authtrace scenario run NAME --app-cmd``
and ``authtrace chaos --app-cmd`` on the example app (examples/template-app, unmodified: its
dev server started with the emulators' addresses, its own Convex functions served), as a user
runs them from the app's folder. The JSON has the lab's fields; the stock adapter reproduces
the split brain, the bridge holds the bridge's targets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from authtrace.host.commands import app_options
from authtrace.host.errors import UsageError
from authtrace.host.harness.app_server import AppServer, free_port
from authtrace.host.scenarios.runner import FIELDS

from .conftest import needs_node
from .test_example_app import JWT, linked_app

pytestmark = [needs_node, pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm")]

APP_CMD = "npm run dev -- --port {port} --strictPort"
# The example's user adds a number (its mutation) where a story's user acts.
ADD = "Array.from(document.querySelectorAll('button')).find(b => /^add/i.test(b.textContent.trim())).click()"


def authtrace(app, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "authtrace.host.cli", *args], cwd=app, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "SE_OFFLINE": "true"})


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return linked_app(tmp_path_factory.mktemp("app-scenarios"))


def test_the_stock_adapter_in_your_app_ends_hidden_tab_resume_typeerror_in_a_split_brain(app):
    proc = authtrace(app, "scenario", "run", "hidden-tab-resume-typeerror", "--app-cmd", APP_CMD,
                     "--convex-functions", "convex", "--app-action", ADD, "--trace-out", "stock.json", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(proc.stdout)
    assert set(r) == set(FIELDS)
    assert (r["scenario"], r["adapter"], r["seed"]) == ("hidden-tab-resume-typeerror", "app", 0)
    assert r["split_brain_open"] and r["split_brain_ms"] > 5_000, r
    assert r["authkit_user_at_end"] is True and r["convex_authenticated_at_end"] is False, r
    assert r["trace_secrets_found"] == 0 and r["trace"] == "stock.json"
    raw = (app / "stock.json").read_text()
    assert not JWT.search(raw)
    trace = json.loads(raw)
    assert trace["meta"]["scenario"] == "hidden-tab-resume-typeerror"
    kinds = {(e["kind"], e["type"]) for e in trace["events"]}
    # the failure chain, recorded from the unmodified app
    assert {("convex", "AuthError"), ("convex", "auth-change"), ("authkit", "user")} <= kinds, sorted(kinds)
    # the user acted before the tab was hidden: the app's mutation reached Convex
    assert [label for _, label in trace["meta"]["marks"] if label.startswith("user acts: before-hide")] == \
        ["user acts: before-hide (--app-action)"]
    assert any(e["type"] == "Mutation" and e["payload"]["udf_path"] == "myFunctions:addNumber"
               for e in trace["events"] if e["kind"] == "convex")


def test_the_bridge_in_your_app_holds_the_targets_in_the_chaos_matrix(app):
    """The app started by its developer (--app-url), pointed at the Convex emulator's port."""
    port = free_port()
    env = {"VITE_CONVEX_URL": f"http://127.0.0.1:{port}", "VITE_WORKOS_CLIENT_ID": "client_local",
           "VITE_AUTH_ADAPTER": "bridge"}
    server = AppServer(APP_CMD, env, cwd=str(app)).start()
    try:
        proc = authtrace(app, "chaos", "--app-url", server.url, "--convex-port", str(port),
                         "--convex-functions", "convex", "--scenarios", "hidden-tab-resume-typeerror", "laptop-sleep",
                         "--seeds", "1", "--json", timeout=900)
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    runs = out["runs"]
    assert [(r["scenario"], r["adapter"]) for r in runs] == [("hidden-tab-resume-typeerror", "app"), ("laptop-sleep", "app")]
    for r in runs:
        assert "error" not in r, r
        assert set(r) - {"wall_s"} == set(FIELDS)
    hidden, sleep = runs
    assert hidden["split_brain_ms"] <= 1_000 and hidden["convex_authenticated_at_end"] and hidden["authkit_user_at_end"]
    assert not sleep["authkit_user_at_end"] and not sleep["convex_authenticated_at_end"]  # the session really ended
    # Each run starts signed out: the first run's refresh token was forgotten with its storage.
    exchanges = [e["payload"].get("grant_type") for e in json.loads((app / sleep["trace"]).read_text())["events"]
                 if e["kind"] == "fetch" and e["type"] == "request" and e["payload"].get("auth")]
    assert exchanges[0] == "authorization_code", exchanges
    summary = out["summary"]
    assert summary["errors"] == [] and summary["targets_met"], summary["failures"]
    assert {row["adapter"] for row in summary["rows"]} == {"app"} and all("targets" in row for row in summary["rows"])


def options(*argv):
    import argparse

    parser = argparse.ArgumentParser()
    app_options.add(parser)
    return parser.parse_args(list(argv))


def test_the_options_become_the_station_of_the_runs():
    st = app_options.station(options("--app-cmd", APP_CMD, "--app-env", "VITE_AUTH_ADAPTER=bridge", "--app-env",
                                     "EMPTY=", "--app-action", ADD, "--client-id", "client_x"))
    assert (st.app_cmd, st.app_env, st.action, st.client_id, st.convex_port) == \
        (APP_CMD, {"VITE_AUTH_ADAPTER": "bridge", "EMPTY": ""}, ADD, "client_x", 0)
    assert app_options.station(options("--app-url", "http://localhost:5173/")).convex_port == app_options.DEFAULT_CONVEX_PORT
    assert not app_options.wanted(options())
    for argv, words in [(("--app-cmd", APP_CMD, "--app-env", "1X=2"), "NAME=VALUE"),
                        (("--app-cmd", APP_CMD, "--app-env", "NOVALUE"), "NAME=VALUE"),
                        (("--app-url", "http://localhost:5173", "--app-env", "A=1"), "--app-cmd starts"),
                        (("--app-url", "file:///etc/passwd"), r"not an http\(s\) URL"),
                        (("--app-url", "http://x", "--convex-port", "70000"), "not a port")]:
        with pytest.raises(UsageError, match=words):
            app_options.station(options(*argv))
    with pytest.raises(UsageError, match="--app-action needs --app-url or --app-cmd"):
        app_options.wanted(options("--app-action", ADD))


def test_what_cannot_run_against_an_app_is_refused_with_the_reason(app):
    before = sorted(p.name for p in app.rglob("*") if "node_modules" not in p.parts)
    proc = authtrace(app, "scenario", "run", "throw-wedge", "--app-cmd", APP_CMD, timeout=60)
    assert proc.returncode == 2 and "your app brings its own adapter" in proc.stderr
    proc = authtrace(app, "chaos", "--app-url", "http://localhost:5173", "--adapters", "stock", timeout=60)
    assert proc.returncode == 2 and "brings its own" in proc.stderr
    proc = authtrace(app, "scenario", "run", "laptop-sleep", "--app-cmd", APP_CMD, "--convex-functions", "nowhere",
                     timeout=60)
    assert proc.returncode == 2 and "not a folder" in proc.stderr
    assert sorted(p.name for p in app.rglob("*") if "node_modules" not in p.parts) == before  # nothing ran
