"""LiveDiagnosis bookkeeping, exactly: the default chunk, refolds counted, what settles, the
rules it was asked to judge. Pure: hand-built events."""

from authtrace import Event, Kind, Trace
from authtrace.diagnosis import LiveDiagnosis
from authtrace.diagnosis import finding as F

import _traces as S


def notes(walls):
    t = Trace({})
    for w in walls:
        t.add(Event("A", w, w, Kind.NOTE, "note", {}))
    return t.events


def folds(live, everything=False):
    steps = live.steps(everything)
    n = 0
    while True:
        try:
            n += next(steps) == "fold"
        except StopIteration:
            return n


def test_the_default_chunk_folds_500_events_per_step():
    assert folds(LiveDiagnosis({}, notes(range(500)))) == 1
    assert folds(LiveDiagnosis({}, notes(range(501)))) == 2


def test_every_late_event_counts_as_one_more_refold():
    live = LiveDiagnosis({}, notes([10, 20]))
    live.run()
    assert live.refolds == 0
    live.feed([Event("A", 5, 5, Kind.NOTE, "late", {}, id=100)])
    live.run()
    assert live.refolds == 1
    live.feed([Event("A", 1, 1, Kind.NOTE, "later", {}, id=101)])
    live.run()
    assert live.refolds == 2
    assert [e.wall for e in live.timeline.events] == [1, 5, 10, 20]


def test_an_event_that_sorts_level_with_the_last_folded_is_no_refold():
    # Without ids, two events of one millisecond sort level: folding the second after the first is in order.
    live = LiveDiagnosis({}, [Event("A", 10, 10, Kind.NOTE, "a", {})])
    live.run()
    live.feed([Event("A", 10, 10, Kind.NOTE, "b", {})])
    live.run()
    assert live.refolds == 0
    assert [e.type for e in live.timeline.events] == ["a", "b"]


def test_settle_holds_back_what_is_within_settle_ms_of_the_newest():
    live = LiveDiagnosis({}, notes([0, 50, 1000]), settle_ms=100)
    assert folds(live) == 1
    assert live.pending == 1
    assert [e.wall for e in live.timeline.events] == [0, 50]
    assert folds(live, everything=True) == 1
    assert live.pending == 0


def test_only_the_rules_asked_for_are_judged():
    b, _ = S.transient_refresh_reported_as_signout()
    asked = LiveDiagnosis(b.trace.meta, b.trace.events, rules=[F.ROTATION_RACE]).run()
    assert asked.findings == [] and asked.not_judged == []
    every = LiveDiagnosis(b.trace.meta, b.trace.events).run()
    assert F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT in every.ids()
