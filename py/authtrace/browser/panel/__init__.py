"""The embedded debug panel: Python in the page, next to the recorder.

``mount(recorder)`` injects a collapsible dock (:mod:`.dock`) with a live
swimlane timeline (:mod:`.timeline`, lanes in :mod:`.lanes`), state badges and
the split-brain alarm (:mod:`.badges`, its cause from the diagnosis engine via
:mod:`.cause`), trace export/import (:mod:`.files`, HAR via
:mod:`authtrace.har_export`), in-page experiments (:mod:`.experiments`) and
replay of a trace's refresh attempts in the live tab (:mod:`.replay`).

The modules that draw and compute (``lanes``, ``timeline``, ``badges``,
``cause``, ``throttle``) are pure and import on CPython; ``dock``,
``experiments``, ``replay`` and the download in ``files`` need the page.
"""

from __future__ import annotations


def mount(recorder, **options):
    """Inject the panel into the page (Pyodide only) and return it.

    Options: ``open`` (start expanded), ``zoom`` (``"1m"``/``"5m"``/``"15m"``/``"all"``),
    ``render_interval_ms`` (default 500: at most two renders a second),
    ``diagnose_interval_ms`` (default 4000), ``experiments_src`` (URL of
    ``experiments.js`` if the page did not load it; default: next to ``boot.js``),
    ``replay_src`` (the same for ``replay-inject.js``).
    """
    from .dock import Panel

    return Panel(recorder, **options)


__all__ = ["mount"]
