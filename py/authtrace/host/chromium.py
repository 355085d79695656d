"""Headless Chromium for authtrace's drivers and tests: Debian's ``chromium``
and ``chromium-driver`` (or the binaries ``AUTHTRACE_CHROMIUM`` and
``AUTHTRACE_CHROMEDRIVER`` name), started offline (no Selenium Manager, no
Google background traffic), as root where needed."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-sync",
    "--disable-component-update",
    "--disable-dev-shm-usage",
    "--window-size=1280,720",
)


def _binary(variable: str, name: str, missing: str) -> str:
    chosen = os.environ.get(variable)
    if chosen:  # an explicit choice is used or reported, never silently replaced
        if Path(chosen).exists():
            return chosen
        raise FileNotFoundError(f"{variable}={chosen} does not exist")
    for candidate in (f"/usr/bin/{name}", shutil.which(name)):
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError(missing)


def chromium_binary() -> str:
    return _binary("AUTHTRACE_CHROMIUM", "chromium", "Chromium not found: install Debian's `chromium` (the test command does this)")


def chromedriver_binary() -> str:
    return _binary("AUTHTRACE_CHROMEDRIVER", "chromedriver", "ChromeDriver not found: install Debian's `chromium-driver`")


def chrome_options(extra: tuple[str, ...] = (), *, network_log: bool = False):
    from selenium.webdriver.chrome.options import Options

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not go online
    options = Options()
    options.binary_location = chromium_binary()
    for flag in (*CHROMIUM_FLAGS, *extra):
        options.add_argument(flag)
    if network_log:  # every request of every frame and worker, via the performance log
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return options


def new_driver(extra: tuple[str, ...] = (), *, network_log: bool = False):
    from selenium.webdriver import Chrome
    from selenium.webdriver.chrome.service import Service

    return Chrome(service=Service(chromedriver_binary()), options=chrome_options(extra, network_log=network_log))


def requested_urls(driver) -> list[str]:
    """URLs the browser requested since the last call (needs ``network_log=True``)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait_js(driver, script: str, timeout: float, what: str, error: type[Exception] = RuntimeError,
            every: float = 0.1):
    """Run ``script`` in the page until it returns something truthy, and return that; a
    navigation in progress counts as not yet. After ``timeout`` s: ``error(what (after N s))``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = driver.execute_script(script)
        except Exception:  # navigation in progress
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise error(f"{what} (after {timeout:.0f} s)")
        time.sleep(every)
