"""``authtrace lab`` serves a page where authtrace runs in Pyodide, offline."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from authtrace.host.chromium import new_driver, requested_urls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_url():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "authtrace", "lab", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = None
    deadline = time.time() + 120
    while time.time() < deadline and url is None:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        m = re.search(r"authtrace lab: (http://\S+)", line)
        url = m.group(1) if m else None
    if url is None:
        proc.kill()
        pytest.fail(f"authtrace lab did not start: {proc.stdout.read()}")
    for _ in range(100):  # the URL is printed just before uvicorn binds
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield url
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def driver():
    d = new_driver(network_log=True)
    yield d
    d.quit()


def wait_for(driver, script, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for: {script}\nbrowser log: {driver.get_log('browser')}")


READY = "const e = document.getElementById('authtrace-ready'); return e && {...e.dataset};"


def test_lab_runs_authtrace_in_pyodide_with_nothing_leaving_localhost(lab_url, driver):
    driver.get(lab_url)
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
    driver.get(lab_url)
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
