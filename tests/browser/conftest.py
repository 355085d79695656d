"""Browser fixtures: the lab server (a real ``authtrace lab`` process) and Chromium."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from authtrace.host.chromium import new_driver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab_url():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "authtrace", "lab", "--port", str(port), "--workos-port", "0",
                             "--convex-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = None
    deadline = time.time() + 180
    while time.time() < deadline and url is None:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        m = re.search(r"authtrace lab: (http://\S+)", line)
        url = m.group(1) if m else None
    if url is None:
        proc.kill()
        pytest.fail(f"authtrace lab did not start: {proc.stdout.read()}")
    for _ in range(200):  # the URL is printed just before uvicorn binds
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield url.rstrip("/")
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def driver():
    d = new_driver(network_log=True)
    d.set_script_timeout(60)
    yield d
    d.quit()


def wait_for(driver, script, timeout=60, interval=0.1):
    deadline = time.time() + timeout
    while True:
        value = driver.execute_script(script)
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for: {script}\nbrowser log: {driver.get_log('browser')}")
        time.sleep(interval)


def open_recorder(driver, url):
    driver.get(url + "/recorder.html")
    wait_for(driver, "return !!(window.authtrace && window.authtrace.ready)")


def exported(driver) -> dict:
    wait_for(driver, "return !!(window.authtrace && window.authtrace.ready)")  # after a reload, Python boots again
    return json.loads(driver.execute_script("return authtrace.exportTrace()"))
