"""The diagnosis of a recording that is still growing (the panel's), folded in and judged in steps.

``LiveDiagnosis`` keeps a :class:`~authtrace.diagnosis.timeline.Timeline` of
the events fed to it. New events are folded into it (the index, the tabs'
states, the request tables grow; nothing already derived is recomputed), then
the rules run over it. :meth:`LiveDiagnosis.steps` does that in bounded pieces
(at most :attr:`fold_chunk` events folded, or one rule's tick, per step) so that
the page can be given back between them: the caller owns the clock. The result
is ``diagnose()`` of the events folded.

Events must be folded in trace order. One that arrives older than the last
folded (another tab's, relayed late) makes it fold everything again; to avoid
that, ``settle_ms`` holds back the newest events (those within ``settle_ms`` of
the newest fed) until later ones have come: the diagnosis then lags by that much.
``steps(everything=True)`` folds them all regardless.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Generator, Iterable
from typing import Any

from ..event import Event
from ..trace import Trace
from .engine import finish, judge
from .finding import Diagnosis
from .timeline import Timeline, order


class LiveDiagnosis:
    """Feed it events as they are recorded; step it when there is time; read :attr:`diagnosis`."""

    def __init__(self, meta: dict[str, Any] | None = None, events: Iterable[Event] = (),
                 rules: list[str] | None = None, fold_chunk: int = 500, settle_ms: float = 0.0) -> None:
        self.meta = dict(meta or {})
        self.rules = rules
        self.fold_chunk = fold_chunk
        self.settle_ms = settle_ms
        self.refolds = 0  # how often an event came too late and everything was folded again
        self.timeline = Timeline(Trace(self.meta))
        self.diagnosis: Diagnosis | None = None  # of the events folded when the last run ended
        self._fed: list[Event] = []  # every event, in the order fed (a rebuild needs them)
        self._pending: list[Event] = []
        self._sorted = True  # is _pending in trace order
        self.feed(events)

    def feed(self, events: Iterable[Event]) -> None:
        """Queue events recorded since the last feed (cheap; folded by the next steps)."""
        new = list(events)
        self._fed.extend(new)
        self._pending.extend(new)
        self._sorted = not new and self._sorted

    @property
    def pending(self) -> int:
        return len(self._pending)

    def steps(self, everything: bool = False) -> Generator[str, None, Diagnosis]:
        """Fold what was fed (what has settled, unless ``everything``), then judge every
        rule; yields between pieces of work (``"fold"``, then the cause being judged) and
        returns the :class:`Diagnosis`. Events fed while it runs are folded by it if it has
        not started judging, else by the next run."""
        while self._pending:
            if not self._sorted:
                self._pending.sort(key=order)  # stable: events of one time keep the order they were fed in
                self._sorted = True
            tl = self.timeline
            if tl.events and order(self._pending[0]) < order(tl.events[-1]):
                # An event older than the last one folded (another tab's, late): start again.
                self.refolds += 1
                self.timeline = Timeline(Trace(self.meta))
                self._pending = sorted(self._fed, key=order)
            n = self.fold_chunk
            if not everything and self.settle_ms > 0:
                horizon = self._pending[-1].wall - self.settle_ms
                n = min(n, bisect_right(self._pending, horizon, key=_wall))
                if n == 0:
                    break
            chunk = self._pending[:n]
            del self._pending[:n]
            self.timeline.extend(chunk)
            yield "fold"
        self.diagnosis = yield from judge(self.timeline, self.meta, self.rules)
        return self.diagnosis

    def run(self, everything: bool = False) -> Diagnosis:
        """All steps at once."""
        return finish(self.steps(everything))


def _wall(e: Event) -> float:
    return e.wall
