"""Headless Chromium for authtrace's drivers and tests: Debian's ``chromium``
and ``chromium-driver``, started offline (no Selenium Manager, no Google
background traffic), as root where needed."""

from __future__ import annotations

import os
import shutil
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


def chromium_binary() -> str:
    for candidate in (os.environ.get("AUTHTRACE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError("Chromium not found: install Debian's `chromium` (the test command does this)")


def chromedriver_binary() -> str:
    for candidate in (os.environ.get("AUTHTRACE_CHROMEDRIVER"), "/usr/bin/chromedriver", shutil.which("chromedriver")):
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError("ChromeDriver not found: install Debian's `chromium-driver`")


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
