"""The live diagnosis (events fed as they come, judged in steps) says what ``diagnose``
says of all the events fed, whatever the feeds' sizes and order."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtrace import Trace
from authtrace.diagnosis import CAUSES, LiveDiagnosis, diagnose

import _traces as S
from _random_traces import event, trace_of

SCENARIOS = [S.healthy_refresh_cycle, S.stale_token_on_reconnect, S.hidden_tab_refresh_paused,
             S.transient_refresh_reported_as_signout, S.throw_wedge, S.pause_overwrite_wedge, S.same_token_reauth,
             S.refresh_token_removed_by_other_tab, S.refresh_cookie_missing, S.rotation_race,
             S.refresh_lock_starvation, S.offline_at_refresh, S.session_ended, S.readme_story]


def outcome(d):
    return d.to_json(), [f.tab for f in d.findings], [(s.tab, s.evidence, s.inferred) for s in d.split_brain]


def trace_of_scenario(scenario):
    b = scenario()
    return (b[0] if isinstance(b, tuple) else b).trace


def feed_in(live, events, cuts, late):
    """Feed ``events`` in pieces cut at ``cuts``, each piece stepped through; events whose
    index is in ``late`` are held back and fed last (they arrive late, out of order)."""
    held = [e for i, e in enumerate(events) if i in late]
    kept = [e for i, e in enumerate(events) if i not in late]
    for lo, hi in zip([0, *cuts], [*cuts, len(kept)]):
        live.feed(kept[lo:hi])
        live.run()
    live.feed(held)
    return live.run(), kept + held


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SCENARIOS), st.data())
def test_fed_in_pieces_a_scenario_gives_the_same_diagnosis(scenario, data):
    trace = trace_of_scenario(scenario)
    n = len(trace.events)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=5)))
    late = set(data.draw(st.lists(st.integers(0, n - 1), max_size=3)))
    live = LiveDiagnosis(trace.meta, fold_chunk=data.draw(st.integers(1, 50)))
    d, fed = feed_in(live, trace.events, cuts, late)
    assert outcome(d) == outcome(diagnose(Trace(trace.meta, fed)))
    assert outcome(d) == outcome(diagnose(trace))  # the same events, whatever order they came in


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, max_size=40), st.data())
def test_fed_in_pieces_a_random_trace_gives_the_same_diagnosis(events, data):
    trace = trace_of(events)
    n = len(trace.events)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=4)))
    late = set(data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=3))) if n else set()
    d, fed = feed_in(LiveDiagnosis(trace.meta, fold_chunk=7), trace.events, cuts, late)
    assert outcome(d) == outcome(diagnose(Trace(trace.meta, fed)))


def test_steps_are_bounded_pieces_of_work():
    trace = trace_of_scenario(S.readme_story)
    live = LiveDiagnosis(trace.meta, trace.events, fold_chunk=10)
    steps = live.steps()
    names = []
    while True:
        try:
            names.append(next(steps))
        except StopIteration as done:
            d = done.value
            break
    folds = -(-len(trace.events) // 10)
    assert names[:folds] == ["fold"] * folds
    judged = [n for i, n in enumerate(names[folds:]) if i == 0 or names[folds + i - 1] != n]
    assert judged == list(CAUSES)  # every rule ticks at least once, in order
    assert live.diagnosis is d and live.pending == 0
    assert outcome(d) == outcome(diagnose(trace))


def test_events_fed_while_it_runs_are_not_lost():
    trace = trace_of_scenario(S.transient_refresh_reported_as_signout)
    events = trace.events
    live = LiveDiagnosis(trace.meta, events[:30] + events[40:], fold_chunk=10)
    steps = live.steps()
    next(steps)  # folding has begun
    live.feed(events[30:40])  # more come in meanwhile, older than some not folded yet
    for _ in steps:
        pass
    assert live.pending == 0
    assert outcome(live.diagnosis) == outcome(diagnose(trace))


def test_a_live_diagnosis_with_nothing_fed_is_empty():
    d = LiveDiagnosis().run()
    assert d.findings == [] and d.split_brain == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SCENARIOS), st.data())
def test_settling_absorbs_late_events_without_folding_again(scenario, data):
    trace = trace_of_scenario(scenario)
    events = list(trace.events)
    # Each event arrives up to 1.5 s after the ones recorded later than it (relayed from another tab).
    delays = data.draw(st.lists(st.floats(0, 1_500), min_size=len(events), max_size=len(events)))
    arrival = sorted(range(len(events)), key=lambda i: (events[i].wall + delays[i], i))
    live = LiveDiagnosis(trace.meta, settle_ms=2_000, fold_chunk=25)
    fed = []
    for lo in range(0, len(arrival), 30):
        batch = [events[i] for i in arrival[lo:lo + 30]]
        fed += batch
        live.feed(batch)
        d = live.run()
        assert outcome(d) == outcome(diagnose(Trace(trace.meta, list(live.timeline.events))))
    assert live.refolds == 0
    assert outcome(live.run(everything=True)) == outcome(diagnose(Trace(trace.meta, fed)))
