"""Start authtrace in a page (Pyodide only): the recorder, and a small JS API.

PyScript runs ``await authtrace.browser.embed.main()``; afterwards the page (and
tests, and the panel) can call ``globalThis.authtrace``:

- ``exportTrace()``: the redacted trace of all tabs as ``authtrace/1`` JSON text;
- ``stats()``: ``{tab, events, dropped, errors, restored, started}`` as JSON text;
- ``clear()``: forget the recorded events here and in IndexedDB (a promise).
"""

from __future__ import annotations

import json

import js
from pyodide.ffi import create_proxy, to_js

from .. import __version__
from . import Page
from .recorder import Recorder

_keep = []  # proxies handed to JS live as long as the page


def _expose(recorder: Recorder) -> None:
    def export_trace(*_):
        return recorder.trace().dumps()

    def stats(*_):
        return json.dumps({"tab": recorder.tab, "events": len(recorder.buffer), "dropped": recorder.buffer.dropped,
                           "errors": recorder.errors, "restored": recorder.restored, "started": recorder.started,
                           "version": __version__})

    async def clear(*_):
        await recorder.clear()

    api = {"exportTrace": export_trace, "stats": stats, "clear": clear}
    proxies = {name: create_proxy(fn) for name, fn in api.items()}
    _keep.extend(proxies.values())
    obj = to_js(proxies, dict_converter=js.Object.fromEntries)
    obj.version = __version__
    obj.ready = True
    js.globalThis.authtrace = obj


async def main(page: Page | None = None) -> Recorder:
    recorder = Recorder(page)
    await recorder.start()
    _expose(recorder)
    js.document.dispatchEvent(js.CustomEvent.new("authtrace:ready"))
    return recorder
