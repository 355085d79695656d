"""The engine never fails on odd input: random events in the catalog's kinds and types,
with payload values of any JSON type, give a diagnosis and no rule crashes."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtrace.diagnosis import CAUSES, diagnose, key_events

from _random_traces import event, trace_of


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(event, max_size=40))
def test_random_traces_never_break_a_rule(events):
    t = trace_of(events)
    d = diagnose(t)
    assert [n for n in d.not_judged if "rule failed" in n.reason] == []
    assert all(f.id in CAUSES for f in d.findings)
    key_events(t)
