"""The OTLP export in a real page. In the lab (real AuthKit and Convex clients against the
emulators), export is switched on in the debug panel's setting, then the stock adapter's split
brain is recorded (refreshes fail with TypeError, Convex signs out while AuthKit keeps its user);
a local OTLP/HTTP endpoint of the test's own receives it. Everything received parses with the
official definitions; the split-brain alarm and its cause arrive as ERROR/WARN records, the
failed refreshes as spans; leaving the page sends the rest with keepalive (the pagehide record
and the open interval's span); and the received logs, stored as a Collector's file exporter
stores them, give `authtrace analyze` the findings of the page's own trace export. A staging build
of the Vite plugin with its `otlp` option exports across origins under the CSP docs/fleet.md gives."""

from __future__ import annotations

import http.server
import json
import sys
import threading
import time
from pathlib import Path

from selenium.webdriver.common.by import By

from authtrace.host.chromium import new_driver
from authtrace.otlp.values import attribute_map

from ._collector import Collector
from .conftest import wait_for
from .test_panel import _workos_config, open_panel, signed_in_with_panel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "otlp"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _proto import parse  # noqa: E402
from _run import run  # noqa: E402


def _until(check, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_lab_exports_a_split_brain_to_a_local_otlp_endpoint(lab_url, driver, tmp_path):
    collector = Collector()
    try:
        signed_in_with_panel(driver, lab_url)
        open_panel(driver)
        driver.find_element(By.ID, "authtrace-otlp-endpoint").send_keys(collector.url)
        driver.find_element(By.ID, "authtrace-otlp-start").click()
        wait_for(driver, "return document.getElementById('authtrace-otlp-status').dataset.state === 'on'", 10)
        ttl = _workos_config(driver)["access_token_ttl"]
        try:
            _workos_config(driver, {"access_token_ttl": 4})
            driver.execute_async_script("const done = arguments[0]; __labAuthkit.getAccessToken({forceRefresh: true}).then(done, done)")
            driver.execute_script("__authtraceExperiments.arm('refresh-typeerror', 100)")
            driver.execute_script("globalThis.__lab.convex.sync.authenticationManager.refetchToken()")
            wait_for(driver, "return globalThis.__labState.authkitUser && !globalThis.__labState.convexAuthenticated", 30)
        finally:
            _workos_config(driver, {"access_token_ttl": ttl})
        cause = wait_for(driver, "return document.getElementById('authtrace-alarm').dataset.cause", 20)

        def findings():
            got = {(r["severityText"], attribute_map(r["attributes"]).get("authtrace.cause"))
                   for r in collector.records() if r.get("eventName") == "authtrace.finding"}
            return got if {("ERROR", "split-brain"), ("WARN", cause)} <= got else None

        _until(findings, 40, f"the alarm (ERROR) and its cause {cause} (WARN) at the endpoint")
        driver.execute_script("__authtraceExperiments.disarm()")
        state = json.loads(driver.execute_script("return authtrace.otlpState()"))
        trace_text = driver.execute_script("return authtrace.exportTrace()")
        before = len(collector.received)
        driver.get("about:blank")  # pagehide: what is queued leaves with keepalive
        _until(lambda: any('"authtrace.lifecycle.pagehide"' in r["body"] for r in collector.received[before:]), 15,
               "the pagehide record (keepalive)")
        _until(lambda: any(s["name"] == "authtrace.split_brain" for s in collector.spans()), 10, "the split-brain span")
    finally:
        collector.close()

    assert collector.preflights >= 1  # cross-origin JSON: the receiver's CORS is what lets it in
    for r in collector.received:
        assert r["headers"]["Content-Type"] == "application/json"
        parse(r["body"])  # every payload: the official definitions, no unknown field
    sessions = {attribute_map(r["attributes"])["session.id"] for r in collector.records()}
    assert sessions == {state["session_id"]}
    refreshes = [s for s in collector.spans() if s["name"] == "authtrace.refresh"]
    assert any(attribute_map(s["attributes"]).get("error.type") == "TypeError" and s["status"]["code"] == 2
               for s in refreshes)
    [split] = [s for s in collector.spans() if s["name"] == "authtrace.split_brain"]
    alarm = next(r for r in collector.records() if r.get("severityText") == "ERROR")
    assert split["spanId"] == alarm["spanId"] and attribute_map(split["attributes"])["authtrace.split_brain.open"] is True
    assert not [b for b in collector.received if "Bearer" in b["body"] or "eyJ" in b["body"]]  # no token, no JWT

    # The Collector's file exporter: one request per line; the records of the events the page's own
    # export had (the page went on recording a little after it: pagehide, and the socket closing).
    exported = {(e["tab"], e["payload"]["seq"]) for e in json.loads(trace_text)["events"]}
    stored = tmp_path / "otlp-logs.json"
    with stored.open("w") as f:
        for body in collector.bodies("/v1/logs"):
            for rl in body["resourceLogs"]:
                for sl in rl["scopeLogs"]:
                    sl["logRecords"] = [r for r in sl["logRecords"] if (
                        attribute_map(r["attributes"]).get("authtrace.tab"),
                        attribute_map(r["attributes"]).get("authtrace.seq")) in exported]
            f.write(json.dumps(body, separators=(",", ":")) + "\n")
    (tmp_path / "trace.json").write_text(trace_text)
    from_otlp = json.loads(run("analyze", str(stored), "--json").out)
    direct = json.loads(run("analyze", str(tmp_path / "trace.json"), "--json").out)
    [session] = from_otlp["sessions"]
    assert session["session_id"] == state["session_id"]
    assert session["findings"] == direct["findings"] and cause in [f["id"] for f in direct["findings"]]
    assert session["split_brain"] == direct["split_brain"]



def test_a_staging_build_with_the_otlp_option_exports_across_origins_under_the_csp(tmp_path):
    from .test_vite_plugin import VITE, _Handler, _build, _fixture

    collector = Collector(allowed_headers="content-type, x-tenant")
    app = _fixture(tmp_path)
    config = app / "vite.config.mjs"
    config.write_text(config.read_text().replace(
        "plugins: [authtrace()]",
        f"plugins: [authtrace({{otlp: {{endpoint: {collector.url!r}, headers: {{'x-tenant': 'staging'}}, sample: 1, "
        f"interval_ms: 1000}}}})]"))
    assert VITE.exists()
    _build(app, "staging", tmp_path / "out")
    csp = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; style-src 'self'; "
           f"connect-src 'self' {collector.url}")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _csp_handler(csp, tmp_path / "out", _Handler))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = new_driver()
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/")
        driver.execute_script("window.__violations = [];document.addEventListener('securitypolicyviolation',"
                              " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI))")
        _until(lambda: any('"authtrace.lifecycle.boot"' in r["body"] for r in collector.received), 120,
               "the boot record at the endpoint")
        assert driver.execute_script("return window.__violations") == []
    finally:
        driver.quit()
        server.shutdown()
        collector.close()
    first = next(r for r in collector.received if r["path"] == "/v1/logs")
    assert first["headers"].get("x-tenant") == "staging"
    assert first["headers"].get("Origin") == f"http://127.0.0.1:{server.server_port}"
    parse(first["body"])


def _csp_handler(csp: str, directory: Path, base):
    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map = base.extensions_map

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(directory), **kwargs)

        def log_message(self, *args):
            pass

        def end_headers(self):
            self.send_header("Content-Security-Policy", csp)
            super().end_headers()

    return Handler
