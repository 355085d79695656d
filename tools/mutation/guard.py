"""Keep a mutation run to the fast CPython suite: no browser, repeatable examples.

Loaded three ways: :func:`install` patches the mutation process itself before mutmut
starts (every test run is forked from it, so the patches reach them all), the
``sitecustomize`` the command lays on ``PYTHONPATH`` calls it in every Python
subprocess a test starts (``python -m authtrace ...``), and
pytest loads this module as a plugin (``-p tools.mutation.guard`` in
``[tool.mutmut] pytest_add_cli_args``) to refuse, at collection, any test that
would need one. A mutant is judged thousands of times: one Chromium start per
run would make the run take days and the machine unusable for everyone else.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings

# A mutant must meet the same examples in the stats run, the clean run and its
# own run, or a kill would depend on luck (and no example database is written).
settings.register_profile("mutation", derandomize=True, database=None, deadline=None)

BROWSER_PROGRAMS = ("chromium", "chromedriver", "chrome", "google-chrome", "node", "npx", "vite")
# The slow suites: every test there drives a browser or a real server.
SLOW_DIRS = ("browser", "scenarios", "host", "packaging", "bridge")
BROWSER_FIXTURES = ("selenium", "selenium_standalone", "selenium_module_scope", "selenium_standalone_noload",
                    "driver", "lab", "chromium")


class BrowserRefused(RuntimeError):
    """A test tried to start a browser (or Node) during a mutation run."""


def _refuse(what: str):
    raise BrowserRefused(f"mutation run: refusing to start {what} (the mutation suite is CPython only)")


def _program(args) -> str:
    first = args if isinstance(args, (str, bytes, os.PathLike)) else (args[0] if args else "")
    words = os.fsdecode(first).split()
    return Path(words[0]).name if words else ""


def install() -> None:
    """Patch this process: no subprocess of a browser, driver or Node; no WebDriver."""
    if getattr(subprocess.Popen, "_authtrace_guarded", False):
        return
    popen_init = subprocess.Popen.__init__

    def guarded_init(self, args, *a, **kw):
        name = _program(args)
        if any(name == p or name.startswith(p + "-") for p in BROWSER_PROGRAMS):
            _refuse(name)
        popen_init(self, args, *a, **kw)

    subprocess.Popen.__init__ = guarded_init
    subprocess.Popen._authtrace_guarded = True
    try:
        from selenium.webdriver.remote.webdriver import WebDriver
    except ImportError:  # nothing to start a browser with
        return

    def no_webdriver(self, *a, **kw):
        _refuse("a WebDriver session")

    WebDriver.__init__ = no_webdriver


def pytest_configure(config):
    install()


def pytest_collection_modifyitems(session, config, items):
    bad = []
    for item in items:
        parts = Path(str(item.fspath)).parts
        area = parts[parts.index("tests") + 1] if "tests" in parts[:-1] else ""
        fixtures = set(getattr(item, "fixturenames", ()))
        if area in SLOW_DIRS or fixtures & set(BROWSER_FIXTURES):
            bad.append(item.nodeid)
    if bad:
        raise pytest.UsageError(
            f"mutation run: {len(bad)} selected test(s) need a browser or a server, e.g. {bad[0]}; "
            "select only the fast CPython suite ([tool.mutmut] pytest_add_cli_args_test_selection)"
        )
