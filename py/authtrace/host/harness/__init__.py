"""Your own app under test: the pytest plugin and what it drives (CPython only).

- :mod:`.plugin`: the pytest plugin (``pytest11`` entry point ``authtrace``):
  options, markers and the fixtures ``authtrace_emulators``, ``authtrace_browser``,
  ``authtrace`` and ``app_tab``;
- :mod:`.session`: :class:`Harness`, one test's emulators, browser, tabs and checks;
- :mod:`.tab`: :class:`AppTab`, one real tab and its controls;
- :mod:`.recording`: the tabs' flight recorder in the test process;
- :mod:`.browser`, :mod:`.devtools`: headless Chromium and a DevTools connection with events;
- :mod:`.app_server`: the app's dev server, started with the emulators' addresses;
- :mod:`.clock`: the emulators' clock, which ``sleep()`` jumps;
- ``page_hooks.js``: what every tab gets after the boot shim.

The checks themselves are pure (:mod:`authtrace.checks`), so they run in Pyodide too.
"""
