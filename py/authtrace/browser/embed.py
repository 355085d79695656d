"""Start authtrace in a page: the recorder, the panel, and a small JS API.

PyScript runs ``await authtrace.browser.embed.main()``; afterwards the page (and
tests, and the panel) can call ``globalThis.authtrace``:

- ``exportTrace()``: the redacted trace of all tabs as ``authtrace/1`` JSON text;
- ``stats()``: ``{tab, events, dropped, errors, restored, started}`` as JSON text;
- ``clear()``: forget the recorded events here and in IndexedDB (a promise);
- ``otlp(optionsOrNull)``: start (``{endpoint, headers, sample}``, JSON text or an
  object) or stop (``null``) the OTLP export (:mod:`.exporter`); returns its state
  as JSON text, or ``{"error": "..."}``; ``otlpState()`` the state (``null`` when off);
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
``importText(text, name)``, ``liveView()``, ``causeStats()`` (the alarm's live
diagnosis as JSON text: runs, events fed, slices and the longest, the cause),
``console(line)`` (run a line in the Python console, opening it; JSON text),
``consoleLoaded()``, ``play(name, seed)`` and ``storyState()`` (a story of
:mod:`authtrace.stories` in this tab; JSON text).

Everything goes through the :class:`~.page.Page`, so ``main(page=DetachedPage())``
runs on CPython too (the API then lands in ``page.exposed``).
"""

from __future__ import annotations

import json

from .. import __version__
from . import Page, PlatformPage
from .panel.replay import LiveReplay
from .recorder import Recorder


def _error(exc: Exception) -> str:
    return json.dumps({"error": str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"})


def _expose(recorder: Recorder, replay: LiveReplay) -> None:
    def stats(*_):
        return json.dumps({"tab": recorder.tab, "events": len(recorder.buffer), "dropped": recorder.buffer.dropped,
                           "errors": recorder.errors, "restored": recorder.restored, "started": recorder.started,
                           "version": __version__})

    async def clear(*_):
        await recorder.clear()

    def inject_fault(mode=None, *_):
        recorder.fault = None if mode in (None, "", "none") else str(mode)

    def replay_start(text=None, speed=None, *_):
        try:
            source = recorder.trace() if text is None else str(text)
            pace = 1.0 if speed is None else speed  # checked by the schedule
            return json.dumps(replay.start(source, pace, name="this tab's recording" if text is None else "JSON text"))
        except Exception as exc:
            return _error(exc)

    def replay_stop(*_):
        try:
            return json.dumps(replay.stop())
        except Exception as exc:
            return json.dumps({"error": str(exc)})

    def otlp(options=None, *_):
        try:
            recorder.export_otlp(json.loads(options) if isinstance(options, str) else options)
        except (ValueError, TypeError) as exc:
            return json.dumps({"error": str(exc)})
        return otlp_state()

    def otlp_state(*_):
        return json.dumps(recorder.exporter.state() if recorder.exporter is not None else None)

    def memory_probe(n=10_000, *_):
        from .probe import memory_of

        return json.dumps(memory_of(int(n)))

    recorder.page.expose("authtrace", {
        "exportTrace": lambda *_: recorder.trace().dumps(), "stats": stats, "clear": clear, "injectFault": inject_fault,
        "memoryProbe": memory_probe, "replay": replay_start, "replayState": lambda *_: json.dumps(replay.state()),
        "stopReplay": replay_stop, "otlp": otlp, "otlpState": otlp_state}, {"version": __version__, "ready": True})


def _expose_panel(page: Page, panel) -> None:
    page.expose("authtrace.panel", {
        "open": lambda *_: panel.set_open(True), "close": lambda *_: panel.set_open(False),
        "render": lambda *_: panel.render(), "exportJson": lambda *_: panel.export_json(),
        "exportHar": lambda *_: panel.export_har(),
        "importText": lambda text, name="imported trace", *_: panel.import_text(str(text), str(name or "imported trace")),
        "liveView": lambda *_: panel.show_live(), "causeStats": lambda *_: json.dumps(panel.finder.stats()),
        "console": lambda line, *_: json.dumps(_console_out(panel.console_run(str(line)))),
        "consoleLoaded": lambda *_: _console_loaded(),
        "play": lambda name, seed=0, *_: json.dumps(panel.play_story(str(name), int(seed or 0))),
        "storyState": lambda *_: json.dumps(panel.player.state() if panel.player else None)})


def _console_out(out) -> dict:
    return {"line": out.line, "text": out.text, "ok": out.ok, "pending": out.pending}


def _console_loaded() -> bool:
    """Whether the console's modules were imported (they are when it was first opened)."""
    import sys

    return "authtrace.browser.console" in sys.modules or "authtrace.browser.panel.console_dock" in sys.modules


def _limits(page: Page) -> dict:
    """``?authtrace_max_events=N&authtrace_max_bytes=N`` on the page URL tighten the caps."""
    out = {}
    for key in ("max_events", "max_bytes"):
        value = page.query_param(f"authtrace_{key}")
        if value is not None and value.isdigit() and int(value) > 0:
            out[key] = int(value)
    return out


async def main(page: Page | None = None, panel: bool = False, otlp: dict | None = None, **panel_options) -> Recorder:
    """``otlp``: the OTLP export's options (``{endpoint, headers, sample}``; the Vite plugin's ``otlp``)."""
    page = page or PlatformPage()
    recorder = Recorder(page, **_limits(page))
    await recorder.start()
    if otlp:
        try:  # bad export options must not take the recorder down with them
            recorder.export_otlp(otlp)
        except Exception as exc:
            recorder.errors += 1
            page.warn(f"authtrace: OTLP export not started: {type(exc).__name__}: {exc}")
    replay = LiveReplay(page)
    _expose(recorder, replay)
    if panel:
        from .panel import mount

        try:  # the panel failing must not take the recorder down with it
            recorder.panel = mount(recorder, replay=replay, **panel_options)
            _expose_panel(page, recorder.panel)
        except Exception as exc:
            recorder.errors += 1
            page.warn(f"authtrace: the debug panel failed to mount: {type(exc).__name__}: {exc}")
    page.announce("authtrace:ready")
    return recorder
