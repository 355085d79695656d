"""``authtrace lab`` serves a page where authtrace runs in Pyodide, offline."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from authtrace.host.chromium import requested_urls

from .conftest import exported, open_recorder, wait_for


def test_lab_runs_authtrace_in_pyodide_with_nothing_leaving_localhost(lab_url, driver):
    open_recorder(driver, lab_url)
    state = wait_for(driver, "const t = document.getElementById('state').textContent; return t.startsWith('recording as') && t")
    stats = json.loads(driver.execute_script("return authtrace.stats()"))
    assert state == f"recording as {stats['tab']}" and stats["started"] is True
    # A secret made up here, in a refresh request: the trace keeps only its fingerprint.
    secret = "rt_lab_" + "Z" * 24
    driver.execute_script("fetch('/user_management/authenticate', {method: 'POST', body: JSON.stringify("
                          "{grant_type: 'refresh_token', refresh_token: arguments[0]})}).catch(() => {})", secret)
    request = wait_for(driver, """return JSON.parse(authtrace.exportTrace()).events.find(
        e => e.kind === 'fetch' && e.type === 'request' && e.payload.grant_type === 'refresh_token')""", 10)
    assert request["payload"]["refresh_token"].startswith("tok:") and secret not in json.dumps(exported(driver))
    urls = requested_urls(driver)
    assert any("pyodide.asm.wasm" in u for u in urls) and any(u.endswith(".whl") for u in urls)
    assert any(u.endswith("/recorder/store.js") for u in urls)  # the recorder's IndexedDB store, loaded next to boot.js
    hosts = {urlsplit(u).hostname for u in urls if u.startswith(("http:", "https:", "ws:", "wss:"))}
    assert hosts == {"127.0.0.1"}, f"requests left localhost: {sorted(hosts)}"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "/user_management/authenticate" not in e["message"]]
    assert not errors, errors
