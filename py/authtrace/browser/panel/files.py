"""Export (download) and import of traces.

Exports are the recorder's redacted trace, as ``authtrace/1`` JSON or as HAR 1.2
(:mod:`authtrace.har_export`), downloaded through a Blob and an object URL.
An imported file may be an authtrace trace or (when the diagnosis engine is
installed) a DevTools HAR; it is only viewed, never merged into the recording.
"""

from __future__ import annotations

import json

from ...trace import Trace, TraceFormatError


def filename(tab: str, wall_ms: float, ext: str) -> str:
    from ...har_export import iso

    stamp = iso(wall_ms).replace(":", "").replace(".", "-")
    return f"authtrace-{tab}-{stamp}.{ext}"


def load_text(text: str) -> Trace:
    """A trace from a file's text: authtrace JSON, or a HAR if the engine can read HARs."""
    try:
        obj = json.loads(text)
    except ValueError:
        return Trace.loads(text)  # raises TraceFormatError with a readable message
    if isinstance(obj, dict) and "format" not in obj and isinstance(obj.get("log"), dict):
        try:
            from ...diagnosis import har_to_trace
        except ImportError:
            raise TraceFormatError("a HAR file: reading HARs needs authtrace.diagnosis, which is not installed") from None
        return har_to_trace(obj)
    return Trace.from_json(obj)


def download(name: str, text: str, mime: str) -> None:
    """Offer ``text`` as a file download (Pyodide only)."""
    import js
    from pyodide.ffi import create_once_callable, to_js

    blob = js.Blob.new(to_js([text]), to_js({"type": mime}, dict_converter=js.Object.fromEntries))
    url = js.URL.createObjectURL(blob)
    a = js.document.createElement("a")
    a.href = url
    a.download = name
    a.style.display = "none"
    js.document.body.appendChild(a)
    a.click()
    a.remove()
    js.setTimeout(create_once_callable(lambda: js.URL.revokeObjectURL(url)), 10_000)
