"""Shared test setup: pytest-pyodide drives Debian's Chromium, offline."""

import os

os.environ.setdefault("SE_OFFLINE", "true")

from pytest_pyodide.runner import SeleniumChromeRunner  # noqa: E402

from authtrace.host.chromium import new_driver  # noqa: E402


def _debian_chromium(self, jspi=False):
    # pytest-pyodide's runner calls Chrome() with Selenium Manager's defaults;
    # here there is no network, so point it at Debian's binaries instead.
    return new_driver(tuple(self._config.get_flags("chrome")))


SeleniumChromeRunner.get_driver = _debian_chromium
