"""``authtrace lab`` serves a page where authtrace runs in Pyodide, offline."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from authtrace.host.chromium import requested_urls

from .conftest import wait_for


READY = "const e = document.getElementById('authtrace-ready'); return e && {...e.dataset};"


def test_lab_runs_authtrace_in_pyodide_with_nothing_leaving_localhost(lab_url, driver):
    driver.get(lab_url + "/status.html")
    ready = wait_for(driver, READY)
    assert ready["platform"] == "emscripten"
    assert ready["inBrowser"] == "true"
    assert ready["leaked"] == "false"
    sample = driver.find_element("id", "authtrace-sample").text
    assert re.search(r"tok:[0-9a-f]{12}", sample)
    urls = requested_urls(driver)
    assert any("pyodide.asm.wasm" in u for u in urls) and any(u.endswith(".whl") for u in urls)
    hosts = {urlsplit(u).hostname for u in urls if u.startswith(("http:", "https:", "ws:", "wss:"))}
    assert hosts == {"127.0.0.1"}, f"requests left localhost: {sorted(hosts)}"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_lab_records_real_visibility_changes(lab_url, driver):
    driver.get(lab_url + "/status.html")
    wait_for(driver, READY)
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")  # really hides the first tab
    time.sleep(0.5)
    driver.close()
    driver.switch_to.window(first)
    rows = wait_for(driver, """
        const cells = [...document.querySelectorAll('#authtrace-events tr')].map(r => r.innerText);
        return cells.some(t => t.includes('"hidden"')) && cells.some(t => t.includes('"visible"') && t.includes('visibilitychange')) && cells;
    """, timeout=20)
    kinds = [r for r in rows if "visibilitychange" in r]
    assert '"hidden"' in kinds[0] and '"visible"' in kinds[-1]
