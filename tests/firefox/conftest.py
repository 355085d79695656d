"""Firefox fixtures: one headless Firefox ESR for the whole session (launching costs
seconds; every test opens its own pages), a static server of the local Pyodide
distribution, and skips with the reason where Firefox cannot be driven."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from authtrace.host.firefox import Firefox, unavailable_reason

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def firefox():
    reason = unavailable_reason(ROOT)
    if reason:
        pytest.skip(reason)
    ff = Firefox.launch()
    yield ff
    ff.quit()


@pytest.fixture
def page(firefox):
    p = firefox.new_page()
    yield p
    try:
        p.close()
    except Exception:  # the test closed it, or the driver is gone
        pass


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript",
                      ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def pyodide_url():
    """The local Pyodide distribution (static/pyodide, built by .ci/setup) over HTTP; no CDN."""
    dist = ROOT / "static" / "pyodide"
    if not (dist / "pyodide.mjs").is_file():
        pytest.fail("static/pyodide is not built (run .ci/setup)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(dist)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
