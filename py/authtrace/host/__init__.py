"""CPython-only side of authtrace: the CLI, the lab server, the emulators and
the browser driver. Nothing in the core imports this package, and it is never
imported inside Pyodide.

Rooms: ``cli`` and ``commands/`` (one module a command), ``emulators/``,
``scenarios/`` (the scenario runner), ``replay`` (a replay plan run in Chromium),
``lab``, ``chromium`` and ``cdp`` (the browser driver), ``pyodide_dist`` and
``webbuild`` (what the pages load), ``bench_*`` (benchmarks that print figures),
and the file helpers (``jsonfile``, ``jsonstream``, ``redactfile``, ``terminal``).
"""
