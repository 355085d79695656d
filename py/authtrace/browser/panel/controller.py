"""The panel's state and what its controls do (through the Page; no DOM of its own).

:class:`Panel` keeps what the user chose (open, zoom, an imported trace), runs
the actions (export, report, import, experiments, replay), and renders: it computes a
:class:`~.view.DockView` and the swimlanes' markup and hands them to the
:class:`~.dock.Dock`. Renders are throttled (:mod:`.throttle`); the alarm's cause
comes from a live diagnosis, run in slices at most every few seconds (:mod:`.cause`). Any
failure in here counts as a recorder error and never reaches the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...har_export import dumps as har_dumps
from ...stories import STORIES
from ...trace import Trace
from ..recorder import Recorder
from . import files, svg, swimlanes, view
from .badges import Badges, compute
from .cause import CauseFinder
from .dock import Dock
from .experiments import Experiments
from .replay import LiveReplay
from .throttle import Throttle


class Panel:
    def __init__(self, recorder: Recorder, *, experiments: Experiments | None = None, replay: LiveReplay | None = None,
                 open: bool = False, zoom: str = "5m", render_interval_ms: float = 500.0,
                 diagnose_interval_ms: float = 4000.0, experiments_src: str | None = None,
                 replay_src: str | None = None) -> None:
        self.recorder = recorder
        self.page = recorder.page
        self.tab = recorder.tab
        self.experiments = experiments or Experiments(self.page)
        self.replay = replay or LiveReplay(self.page)
        self.zoom = zoom
        self.is_open = False
        self.imported: Trace | None = None
        self.imported_name = ""
        self.notice: view.Line | None = None
        self.experiment_status = ""
        self.badges = Badges()
        self.throttle = Throttle(render_interval_ms)
        self.finder = CauseFinder(recorder, diagnose_interval_ms, on_cause=self.tick)
        self.renders = 0
        self.otlp_error: str | None = None
        self.console_open = False
        self.console_dock = None  # .console_dock.ConsoleDock, imported when the console is first opened
        self.player = None  # .stories.StoryPlayer, imported when a story is first played
        self.story_error: str | None = None
        self.dock = Dock(self.page, self)
        self.experiments.ensure_loaded(experiments_src)
        self.replay.ensure_loaded(replay_src)
        recorder.subscribe(lambda _events: self.changed())
        self.page.every(1000, self.tick)
        self.render()
        if open:
            self.set_open(True)

    def now(self) -> float:
        return self.page.now()[1]

    # -- rendering ------------------------------------------------------------------------
    def changed(self) -> None:
        """New events: render now or within the throttle interval."""
        wait = self.throttle.request(self.now())
        if wait is not None:
            self.page.later(wait, self.render)

    def tick(self) -> None:
        """Once a second: the token countdown, the replay's progress, and the alarm's cause when due."""
        try:
            self._show()
        except Exception:  # the panel must never break the page
            self.recorder.errors += 1

    def render(self) -> None:
        try:
            self.badges = compute(self.recorder.events(), self.tab)
            self._show()
            if self.is_open:
                self.dock.show_swimlanes(svg.render(self.swimlanes_view()))
            self.renders += 1
            self.dock.show_renders(self.renders)
        except Exception as exc:
            self.recorder.errors += 1
            self.dock.show_error(f"{type(exc).__name__}: {exc}"[:300])
        finally:
            self.throttle.done(self.now())

    def swimlanes_view(self) -> swimlanes.Swimlanes:
        """The lanes as the dock shows them now: the live recording, or the imported trace."""
        if self.imported is None:
            events, now, own = self.recorder.events(), self.now(), self.tab
        else:
            events, own = self.imported.events, None
            now = max([e.wall for e in events] or [self.now()])
        width = max(400, (self.dock.swimlanes_width() or 1000) - 2)
        return swimlanes.layout(events, zoom=self.zoom, now=now, width=width, own_tab=own)

    def dock_view(self) -> view.DockView:
        """What the dock shows now (starts a diagnosis run when the alarm is on and one is due)."""
        now = self.now()
        if self.badges.split_brain:
            cause = self.finder.update(now, self.tab)
        else:
            self.finder.reset()
            cause = None
        return view.DockView(open=self.is_open, zoom=self.zoom, badges=view.badges(self.badges, now),
                             alarm=view.alarm(self.badges, cause), notice=self.notice,
                             experiment=self.experiment_status, replay=view.replay_line(self.replay.state()),
                             can_replay_imported=self.imported is not None, otlp=view.otlp_line(
                                 self.recorder.exporter.state() if self.recorder.exporter else None, self.otlp_error),
                             console_open=self.console_open,
                             stories=tuple((name, s.summary) for name, s in STORIES.items()),
                             story=view.Line(self.story_error, "error") if self.story_error else view.story_line(
                                 self.player.state() if self.player else None))

    def _show(self) -> None:
        self.dock.show(self.dock_view())

    # -- the dock and the trace ----------------------------------------------------------------
    def set_open(self, value: bool) -> None:
        self.is_open = bool(value)
        self.render()

    def set_zoom(self, zoom: str) -> None:
        if zoom in swimlanes.ZOOMS:
            self.zoom = zoom
            self.render()

    def export_json(self) -> str:
        text = self.recorder.trace().dumps()
        self.page.download(files.filename(self.tab, self.now(), "json"), text, "application/json")
        return text

    def export_har(self) -> str:
        text = har_dumps(self.recorder.trace())
        self.page.download(files.filename(self.tab, self.now(), "har"), text, "application/json")
        return text

    def export_report(self) -> str | None:
        """The shareable HTML report (:mod:`authtrace.report`) of the live recording, as a download;
        None, with the reason shown, when it could not be made."""
        try:
            from ...report import render  # on first use: a panel nobody exports from does not pay for it

            text = render(self.recorder.trace(), [f"the live recording of tab {self.tab}"])
        except Exception as exc:
            self.recorder.errors += 1
            self.notice = view.report_failed(exc)
            self._show()
            return None
        self.page.download(files.filename(f"report-{self.tab}", self.now(), "html"), text, "text/html")
        return text

    def import_text(self, text: str, name: str = "imported trace") -> bool:
        """View a trace or HAR read-only (zoom: all); False with the reason shown when it cannot be read."""
        try:
            trace = files.load_text(text)
        except Exception as exc:
            self.notice = view.import_failed(name, exc)
            self._show()
            return False
        self.imported, self.imported_name = trace, name
        self.notice = view.viewing(name, trace)
        self.set_zoom("all")
        return True

    def show_live(self) -> None:
        self.imported, self.notice = None, None
        self.render()

    def clear(self) -> None:
        async def run() -> None:
            await self.recorder.clear()
            self.finder.reset()
            self.render()

        self.page.spawn(run())

    # -- experiments and replay -------------------------------------------------------------------
    def _experiment(self, action: Callable[[], Any]) -> None:
        try:
            result = action()
            self.experiment_status = view.experiment_line(self.experiments.state(), result)
        except Exception as exc:
            self.experiment_status = f"failed: {exc}"
        self._show()

    def arm(self, mode: str, count: int) -> None:
        self._experiment(lambda: self.experiments.arm(mode, count))

    def hide(self, seconds: float) -> None:
        self._experiment(lambda: self.experiments.hide(seconds))

    def offline(self, seconds: float) -> None:
        self._experiment(lambda: self.experiments.offline(seconds))

    def drop_sockets(self) -> None:
        self._experiment(self.experiments.drop_sockets)

    def disarm(self) -> None:
        self._experiment(self.experiments.disarm)

    def _replay(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except Exception:  # LiveReplay keeps the message for the status line
            pass
        self._show()

    def replay_live(self) -> None:
        self._replay(lambda: self.replay.start(self.recorder.trace(), name="this tab's recording"))

    def replay_imported(self) -> None:
        self._replay(lambda: self.replay.start(self.imported, name=self.imported_name))

    def replay_stop(self) -> None:
        self._replay(self.replay.stop)

    # -- the Python console ----------------------------------------------------------------------
    def set_console(self, value: bool) -> None:
        """Show or hide the console; the first time, import it (nothing of it loads before)."""
        try:
            if value and self.console_dock is None:
                from .console_dock import ConsoleDock

                self.console_dock = ConsoleDock(self)
            self.console_open = bool(value)
        except Exception as exc:
            self.recorder.errors += 1
            self.dock.show_error(f"console: {type(exc).__name__}: {exc}"[:300])
        self._show()
        if self.console_open:
            self.page.focus("authtrace-console-input")

    def console_run(self, line: str):
        """Run ``line`` in the console (opening it): its :class:`~authtrace.browser.console.Output`."""
        if self.console_dock is None:
            self.set_open(True)
            self.set_console(True)
        return self.console_dock.run(line)

    def console_names(self) -> dict[str, Any]:
        """Names the console gets from the panel besides its own: ``stories()`` and
        ``play(name, seed=0)`` (awaitable: ``await play(...)`` returns the outcome)."""
        from ..console import Until

        def play(name: str, seed: int = 0) -> Until:
            state = self.play_story(name, seed, raise_=True)
            return Until(state, lambda: not self.player.playing, self.player.state)

        return {"stories": lambda: {name: s.summary for name, s in STORIES.items()}, "play": play}

    # -- stories played in this tab ------------------------------------------------------------
    def play_story(self, name: str, seed: int = 0, raise_: bool = False) -> dict:
        """Play a story of :mod:`authtrace.stories` in this tab: its state (the outcome comes at the end)."""
        try:
            if self.player is None:
                from .stories import StoryPlayer

                self.player = StoryPlayer(self.recorder, self.experiments, on_change=self.tick)
            self.story_error = None
            state = self.player.play(name, int(seed))
        except Exception as exc:
            self.story_error = f"could not play {name}: {exc}"
            self._show()
            if raise_:
                raise
            return {"story": name, "error": str(exc)}
        self._show()
        return state

    def replay_from_console(self, trace: Any = None, speed: float = 1.0) -> dict:
        name = "this tab's recording" if trace is None else "the console's trace"
        return self.replay.start(self.recorder.trace() if trace is None else trace, speed, name=name)

    # -- the OTLP export setting --------------------------------------------------------------------
    def otlp_start(self, endpoint: str, sample: float = 1.0) -> None:
        """Export this tab's recording (and what follows) to an OTLP/HTTP endpoint (:mod:`..exporter`)."""
        try:
            self.recorder.export_otlp({"endpoint": endpoint.strip(), "sample": sample})
            self.otlp_error = None
        except ValueError as exc:
            self.otlp_error = str(exc)
        self._show()

    def otlp_stop(self) -> None:
        self.recorder.export_otlp(None)
        self.otlp_error = None
        self._show()
