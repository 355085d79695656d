"""Start authtrace in a page (Pyodide only): the recorder, and a small JS API.

PyScript runs ``await authtrace.browser.embed.main()``; afterwards the page (and
tests, and the panel) can call ``globalThis.authtrace``:

- ``exportTrace()``: the redacted trace of all tabs as ``authtrace/1`` JSON text;
- ``stats()``: ``{tab, events, dropped, errors, restored, started}`` as JSON text;
- ``clear()``: forget the recorded events here and in IndexedDB (a promise);
- ``injectFault(mode)``: make the recorder itself fail ("sink" or "observe"),
  to check that the page does not notice; ``injectFault(null)`` ends it;
- ``replay(text, speed)``: inject the recorded refresh outcomes of a trace (its JSON
  text; ``null`` = this tab's recording) or of a replay plan into this tab's next
  refresh attempts (:mod:`.panel.replay`; needs ``replay-inject.js`` on the page, which
  the panel loads). Returns the summary ``{faults, injections, skipped, source, speed}``
  as JSON text, or ``{"error": "..."}`` (never throws); ``replayState()`` and
  ``stopReplay()`` return the injector's state as JSON text.

``main(panel=True)`` also mounts the debug panel (:mod:`.panel`) and adds
``globalThis.authtrace.panel``: ``open()``, ``close()``, ``render()``,
``exportJson()``/``exportHar()`` (download, and return the text),
``importText(text, name)`` and ``liveView()``.
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

    def inject_fault(mode=None, *_):
        recorder.fault = None if mode in (None, "", "none") else str(mode)

    def replay_start(text=None, speed=None, *_):
        from .panel import replay

        try:
            no_text = text is None or type(text).__name__ == "JsNull"
            pace = 1.0 if speed is None or type(speed).__name__ == "JsNull" else speed  # checked by the schedule
            source = recorder.trace() if no_text else str(text)
            return json.dumps(replay.start(source, pace, name="this tab's recording" if no_text else "JSON text"))
        except Exception as exc:
            return json.dumps({"error": str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"})

    def replay_state(*_):
        from .panel import replay

        return json.dumps(replay.state())

    def replay_stop(*_):
        from .panel import replay

        try:
            return json.dumps(replay.stop())
        except Exception as exc:
            return json.dumps({"error": str(exc)})

    def memory_probe(n=10_000, *_):
        from ..probe import memory_of

        return json.dumps(memory_of(int(n)))

    api = {"exportTrace": export_trace, "stats": stats, "clear": clear, "injectFault": inject_fault,
           "memoryProbe": memory_probe, "replay": replay_start, "replayState": replay_state, "stopReplay": replay_stop}
    proxies = {name: create_proxy(fn) for name, fn in api.items()}
    _keep.extend(proxies.values())
    obj = to_js(proxies, dict_converter=js.Object.fromEntries)
    obj.version = __version__
    obj.ready = True
    js.globalThis.authtrace = obj


def _limits() -> dict:
    """``?authtrace_max_events=N&authtrace_max_bytes=N`` on the page URL tighten the caps."""
    params = js.URLSearchParams.new(js.location.search)
    out = {}
    for key in ("max_events", "max_bytes"):
        value = params.get(f"authtrace_{key}")
        if value is not None and str(value).isdigit() and int(str(value)) > 0:
            out[key] = int(str(value))
    return out


def _expose_panel(panel) -> None:
    api = {"open": lambda *_: panel.set_open(True), "close": lambda *_: panel.set_open(False),
           "render": lambda *_: panel.render(), "exportJson": lambda *_: panel.export_json(),
           "exportHar": lambda *_: panel.export_har(),
           "importText": lambda text, name="imported trace", *_: panel.import_text(str(text), str(name)),
           "liveView": lambda *_: panel.show_live()}
    proxies = {name: create_proxy(fn) for name, fn in api.items()}
    _keep.extend(proxies.values())
    js.globalThis.authtrace.panel = to_js(proxies, dict_converter=js.Object.fromEntries)


async def main(page: Page | None = None, panel: bool = False, **panel_options) -> Recorder:
    recorder = Recorder(page, **_limits())
    await recorder.start()
    _expose(recorder)
    if panel:
        from .panel import mount

        try:  # the panel failing must not take the recorder down with it
            recorder.panel = mount(recorder, **panel_options)
            _expose_panel(recorder.panel)
        except Exception as exc:
            recorder.errors += 1
            js.console.warn(f"authtrace: the debug panel failed to mount: {type(exc).__name__}: {exc}")
    js.document.dispatchEvent(js.CustomEvent.new("authtrace:ready"))
    return recorder
