"""The split-brain alarm's cause, from a live diagnosis of the recording that never holds the page.

The finder keeps a :class:`~authtrace.diagnosis.live.LiveDiagnosis` of what the
recorder holds. It is made (and the engine imported) the first time the alarm
asks, so a panel that never sees a split brain pays nothing; from then on every
event the recorder keeps is fed to it as it comes. While the alarm is on it runs
at most every ``min_interval_ms`` (counted from the end of the last run), and
only when something new came: the new events are folded into the timeline
already built, then the rules judge. The run's steps go in slices of about
``budget_ms`` (:class:`.throttle.Slices`), the page's own tasks between them,
and the dock is shown again (``on_cause``) when a run ends.

Events younger than ``settle_ms`` on the page's clock are held back: another
tab's events are relayed a little late, and one older than what was folded
makes the diagnosis fold everything again. Events are numbered in the order
they come (tabs number theirs each on their own; the diagnosis needs one
numbering), so the result is ``diagnose()`` of the events fed, in that
numbering. It covers at most ``keep`` events (by default twice the recorder's
buffer): past that, or when the recorder is cleared, it starts over from what
the recorder holds.
"""

from __future__ import annotations

import importlib.util
import py_compile
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...event import Event
from .throttle import Slices

if TYPE_CHECKING:
    from ...diagnosis.finding import Diagnosis
    from ...diagnosis.live import LiveDiagnosis
    from ..recorder import Recorder

SPLIT_BRAIN_ID = "split-brain"
UNEXPLAINED_ID = "unexplained-auth-failure"
SEED_CHUNK = 2000  # events numbered per step when the live diagnosis is made


@dataclass(frozen=True)
class Cause:
    id: str
    explanation: str
    fix: str


def cause_of(diagnosis: Diagnosis, tab: str | None = None) -> Cause | None:
    """The newest finding for ``tab`` (any tab's when None) other than the symptom itself."""
    causes = [f for f in diagnosis.findings
              if f.id != SPLIT_BRAIN_ID and (tab is None or getattr(f, "tab", None) in (None, tab))]
    if not causes:
        return None
    named = [f for f in causes if f.id != UNEXPLAINED_ID]  # a named cause before a failure nothing explains
    f = (named or causes)[-1]
    return Cause(f.id, str(f.explanation), str(f.fix))


def _compile_ahead(package: str) -> Generator[str, None, None]:
    """Compile the modules of ``package`` that have no bytecode cached yet, one a step.

    Pyodide imports from source (the wheel has no ``.pyc``): the diagnosis engine's
    import would be one long task of compiling. Without a writable cache this does
    nothing and the import compiles as usual."""
    spec = importlib.util.find_spec(package)  # finds it without running it
    if spec is None or not spec.origin:
        return
    for path in sorted(Path(spec.origin).parent.rglob("*.py")):
        cached = importlib.util.cache_from_source(str(path))
        if Path(cached).exists():
            continue
        try:
            py_compile.compile(str(path), cfile=cached, doraise=True)
        except (OSError, py_compile.PyCompileError):
            return
        yield "compile"


class CauseFinder:
    def __init__(self, recorder: Recorder, min_interval_ms: float = 4000.0, *, budget_ms: float = 8.0,
                 settle_ms: float = 1000.0, fold_chunk: int = 100, keep: int | None = None,
                 on_cause: Callable[[], None] | None = None) -> None:
        self.recorder = recorder
        self.page = recorder.page
        self.min_interval_ms = min_interval_ms
        self.settle_ms = settle_ms
        self.fold_chunk = fold_chunk
        self.keep = keep if keep is not None else 2 * recorder.buffer.max_events
        self.on_cause = on_cause
        self.slices = Slices(self.page, budget_ms)
        self.live: LiveDiagnosis | None = None
        self.cause: Cause | None = None
        self.error: str | None = None
        self.runs = 0  # runs started
        self.fed = 0  # events fed to the live diagnosis since it was (re)started
        self.restarts = 0  # times it started over (more than ``keep`` events, or cleared)
        self.tab: str | None = None
        self._held: list[Event] = []  # numbered, not fed yet (younger than settle_ms)
        self._seq = 0
        self._last_run: float | None = None
        self._running = False
        self._generation = 0  # bumped by reset(): a run started before does not name a cause
        self._cleared = recorder.cleared
        recorder.subscribe(self._arrived)

    # -- events in ----------------------------------------------------------------------
    def _arrived(self, events: list[Event]) -> None:
        if self.live is None:
            return  # made from the recorder's buffer when first needed
        for e in events:
            self._seq += 1
            self._held.append(e.with_id(self._seq))
        if self.fed + len(self._held) > self.keep:
            self.live, self._held = None, []

    def _release(self) -> None:
        """Feed the live diagnosis every held event older than ``settle_ms``."""
        horizon = self.page.now()[1] - self.settle_ms
        ready = [e for e in self._held if e.wall <= horizon]
        if ready:
            self._held = [e for e in self._held if e.wall > horizon]
            self.live.feed(ready)
            self.fed += len(ready)

    def _start(self) -> Generator[str, None, None]:
        """Make the live diagnosis from what the recorder holds, in steps: the engine's
        modules compiled one a step (its import, a step of its own, then only runs them),
        the events numbered a few thousand a step. Events the recorder keeps meanwhile
        are numbered after them."""
        yield from _compile_ahead("authtrace.diagnosis")
        from ...diagnosis.live import LiveDiagnosis

        yield "import"
        if self.runs > 1:
            self.restarts += 1
        self._cleared = self.recorder.cleared
        self.live = LiveDiagnosis({"recorded_by": self.recorder.tab}, fold_chunk=self.fold_chunk)
        events = self.recorder.events()
        self.fed, self._seq, self._held = 0, len(events), []
        yield "seed"
        for lo in range(0, len(events), SEED_CHUNK):
            self._held[lo:lo] = [e.with_id(i) for i, e in enumerate(events[lo:lo + SEED_CHUNK], lo + 1)]
            yield "seed"

    def _run(self) -> Generator[str, None, Diagnosis]:
        if self.live is None or self.recorder.cleared != self._cleared:
            yield from self._start()
        self._release()
        yield "release"
        return (yield from self.live.steps(everything=True))

    # -- runs -----------------------------------------------------------------------------
    def due(self, now_ms: float) -> bool:
        return not self._running and (self._last_run is None or now_ms - self._last_run >= self.min_interval_ms)

    def update(self, now_ms: float, tab: str | None = None) -> Cause | None:
        """Start a run when due (it goes on in slices); the cause the last finished run named."""
        self.tab = tab
        if not self.due(now_ms):
            return self.cause
        self._last_run = now_ms
        live = self.live
        if live is not None and self.recorder.cleared == self._cleared:
            self._release()
            if live.pending == 0 and live.diagnosis is not None:  # nothing new: the same diagnosis
                self.cause = cause_of(live.diagnosis, tab)
                return self.cause
        self.runs += 1
        self._running = True
        generation = self._generation
        self.slices.run(self._run(), lambda d: self._finished(generation, d), lambda exc: self._failed(generation, exc))
        return self.cause

    def _finished(self, generation: int, diagnosis: Diagnosis) -> None:
        self._running = False
        if generation != self._generation:
            return
        self._last_run = self.page.now()[1]
        self.error = None
        self.cause = cause_of(diagnosis, self.tab)
        self._announce()

    def _failed(self, generation: int, exc: Exception) -> None:
        self._running = False
        self.live = None  # stopped half-way: start over next time
        if generation == self._generation:  # the alarm stays up, with the cause named before if any
            self.error = f"{type(exc).__name__}: {exc}"[:200]
            self._announce()

    def _announce(self) -> None:
        if self.on_cause is not None:
            try:
                self.on_cause()
            except Exception:
                self.recorder.errors += 1

    def reset(self) -> None:
        """The alarm went off: forget the cause; the next alarm asks again (the diagnosis is kept)."""
        self._generation += 1
        self._last_run = None
        self.cause = None

    def stats(self) -> dict[str, Any]:
        live = self.live
        return {"runs": self.runs, "running": self._running, "fed": self.fed, "held": len(self._held),
                "pending": live.pending if live else 0, "refolds": live.refolds if live else 0,
                "restarts": self.restarts, "slices": self.slices.slices,
                "longest_slice_ms": round(self.slices.longest_ms, 2), "longest_slice_steps": self.slices.longest_steps[:20],
                "busy_ms": round(self.slices.busy_ms, 2),
                "cause": self.cause.id if self.cause else None, "error": self.error}
