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


def chrome_options(extra: tuple[str, ...] = ()):
    from selenium.webdriver.chrome.options import Options

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not go online
    options = Options()
    options.binary_location = chromium_binary()
    for flag in (*CHROMIUM_FLAGS, *extra):
        options.add_argument(flag)
    return options


def new_driver(extra: tuple[str, ...] = ()):
    from selenium.webdriver import Chrome
    from selenium.webdriver.chrome.service import Service

    return Chrome(service=Service(chromedriver_binary()), options=chrome_options(extra))
