"""A shareable report: one self-contained HTML file of a trace (pure: no ``js``, no I/O).

``render(trace, sources)`` returns the file's text: a header with the verdict in
one line (the split brain's length and its cause), the swimlanes per tab (the
panel's own view model, :mod:`authtrace.browser.panel.swimlanes`, drawn by
:mod:`authtrace.browser.panel.svg`) with the split-brain intervals shaded, the
findings with their explanation, fix and confidence, each evidence id a link to
its event, and a table of the key events. Everything in it has passed the
redactor (the file names the redaction rules' version). It fetches nothing and
reads without JavaScript; a small inline script adds zoom and highlighting.

``combine(inputs)`` turns traces, HARs and several tab exports into one trace
first. ``authtrace report`` (CPython) and the panel's "export report" button (in
the page) both call these.

Rooms: :mod:`.inputs` (reading and merging inputs), :mod:`.verdict` (the one
line), :mod:`.model` (what the report says, as data), :mod:`.page` (that as
HTML), :mod:`.assets` (the inline stylesheet and script).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..trace import Trace
from .inputs import Input, ReportInputError, combine
from .model import Report, build
from .page import html


def render(trace: Trace, sources: Sequence[str] = (), **options) -> str:
    """The report of ``trace`` as HTML text (``options``: ``width`` of the lanes in CSS px)."""
    return html(build(trace, list(sources), **options))


__all__ = ["Input", "Report", "ReportInputError", "build", "combine", "html", "render"]
