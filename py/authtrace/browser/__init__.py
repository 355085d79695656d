"""Browser adapters, chosen at import time.

Inside Pyodide, :mod:`._page` talks to the real page through ``js`` and
``pyodide.ffi``; anywhere else, :mod:`._detached` offers the same small
interface without a page (so code built on it imports and unit-tests on
CPython). The core never imports this package.
"""

from __future__ import annotations

import sys

IN_BROWSER = sys.platform == "emscripten"

if IN_BROWSER:
    from ._page import Page
else:
    from ._detached import Page

__all__ = ["IN_BROWSER", "Page"]
