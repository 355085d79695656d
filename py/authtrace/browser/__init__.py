"""authtrace in the page: the recorder, the debug panel, and the page they run in.

Rooms:

- :mod:`.page`: the :class:`Page` interface (a ``Protocol``): clocks, identity,
  the boot shim, persistence, other tabs, the JS helpers, the panel's DOM, the
  JS API. Two implementations, chosen at import as :data:`PlatformPage` (like
  micropip's ``_compat``): :mod:`._page` inside Pyodide (the only module that
  imports ``js``), :mod:`._detached` elsewhere (in memory, for CPython and tests).
- :mod:`.recorder`: the flight recorder (observations in, redacted events kept,
  persisted and shared with the other tabs).
- :mod:`.embed`: starts the recorder (and the panel) in a page and exposes
  ``globalThis.authtrace``.
- :mod:`.panel`: the debug panel: a pure view model plus a thin DOM binding.
- :mod:`.probe`: the memory benchmark's event mix (``authtrace.memoryProbe``).

The core never imports this package.
"""

from __future__ import annotations

import sys

from .page import Page

IN_BROWSER = sys.platform == "emscripten"

if IN_BROWSER:
    from ._page import BrowserPage as PlatformPage
else:
    from ._detached import DetachedPage as PlatformPage

__all__ = ["IN_BROWSER", "Page", "PlatformPage"]
