"""The embedded debug panel: Python in the page, next to the recorder.

``mount(recorder)`` adds a collapsible dock with live swimlanes per tab, state
badges, the split-brain alarm naming its cause, trace export/import, in-page
experiments and replay of a trace's refresh attempts in the live tab.

Rooms. The view model, pure (no page; imports on CPython, so a report file can
draw the same picture):

- :mod:`.lanes`: which lane an event belongs on, its colour, the state bands;
- :mod:`.swimlanes`: the swimlanes' geometry and labels as data (``layout()``);
- :mod:`.svg`: that data as SVG markup (``render()``, ``STYLE``);
- :mod:`.badges`: the state badges of a tab from its events, and the split-brain rule;
- :mod:`.view`: what the dock shows (``DockView``: badge texts and tones, the
  alarm's text, status lines);
- :mod:`.cause`: the alarm's cause from the diagnosis engine, at most every few seconds;
- :mod:`.throttle`, :mod:`.files` (trace file names and reading), :mod:`.style`.

Through the :class:`~authtrace.browser.page.Page` (no ``js`` here either):

- :mod:`.controller`: ``Panel``, the state and what the controls do;
- :mod:`.dock`: the DOM binding (markup, copying a DockView in, events out);
- :mod:`.experiments` and :mod:`.replay`: the JS helpers ``experiments.js`` and
  ``replay-inject.js`` (each a :class:`.helper.Helper`: loaded next to ``boot.js``
  when the page did not load them), and the pure preparation of a replay;
- :mod:`.console_dock` (the Python console's DOM; the console itself is
  :mod:`authtrace.browser.console`) and :mod:`.stories` (the in-page driver of
  :mod:`authtrace.stories`): both imported when first used.
"""

from __future__ import annotations


def mount(recorder, **options):
    """Add the panel to the recorder's page and return it (a :class:`.controller.Panel`).

    Options: ``open`` (start expanded), ``zoom`` (``"1m"``/``"5m"``/``"15m"``/``"all"``),
    ``render_interval_ms`` (default 500: at most two renders a second),
    ``diagnose_interval_ms`` (default 4000), ``experiments_src`` (URL of
    ``experiments.js`` if the page did not load it; default: next to ``boot.js``),
    ``replay_src`` (the same for ``replay-inject.js``), ``experiments`` and ``replay``
    (the :class:`.experiments.Experiments` and :class:`.replay.LiveReplay` to use).
    """
    from .controller import Panel

    return Panel(recorder, **options)


__all__ = ["mount"]
