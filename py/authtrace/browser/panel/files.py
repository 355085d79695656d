"""Names and reading of trace files (pure).

Exports are the recorder's redacted trace, as ``authtrace/1`` JSON or as HAR 1.2
(:mod:`authtrace.har_export`), offered as downloads by the panel. An imported
file may be an authtrace trace or a DevTools HAR (told apart by
:mod:`authtrace.inputs`); it is only viewed, never merged into the recording.
"""

from __future__ import annotations

import json

from ...har_export import iso
from ...inputs import to_trace
from ...trace import Trace


def filename(tab: str, wall_ms: float, ext: str) -> str:
    stamp = iso(wall_ms).replace(":", "").replace(".", "-")
    return f"authtrace-{tab}-{stamp}.{ext}"


def load_text(text: str) -> Trace:
    """A trace from a file's text: authtrace JSON or a HAR (TraceFormatError says why not)."""
    try:
        obj = json.loads(text)
    except ValueError:
        return Trace.loads(text)  # raises TraceFormatError with a readable message
    return to_trace(obj)
