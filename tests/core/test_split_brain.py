"""Split brain has one definition (``authtrace.split_brain``): the panel's alarm and the
diagnosis say the same of any recording of AuthKit's user and Convex's auth state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.browser.panel import badges
from authtrace.diagnosis import Timeline
from authtrace.diagnosis.rules.split_brain import split_brain_intervals
from authtrace.event import Event, Kind
from authtrace.split_brain import MIN_MS, is_split_brain, window
from authtrace.trace import Trace

T0 = 1_800_000_000_000.0


def test_the_state():
    assert is_split_brain("user_1", False)
    assert not is_split_brain("user_1", None)  # Convex has said nothing yet
    assert not is_split_brain("user_1", True)
    assert not is_split_brain(None, False)
    assert not is_split_brain("user_1", False, convex_refreshing=True)  # it may still authenticate


def test_the_window():
    assert window((10.0, None), (0.0, None), 20.0) == (10.0, None)
    assert window((10.0, 5_000.0), (0.0, 3_000.0), 9_000.0) == (10.0, 3_000.0)
    assert window((10.0, 10.0 + MIN_MS - 1), (0.0, None), 9_000.0) is None  # a render race
    assert window((10.0, 10.0 + MIN_MS), (0.0, None), 9_000.0) == (10.0, 10.0 + MIN_MS)
    assert window((10.0, 20.0), (30.0, None), 9_000.0) is None  # no overlap
    assert window((10.0, None), (30.0, None), 31.0) == (30.0, None)  # open, however short


steps = st.lists(st.tuples(st.sampled_from(["user", "no-user", "convex-auth", "convex-unauth"]),
                           st.floats(1, 5_000)), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(steps)
def test_the_panel_and_the_diagnosis_agree_at_the_end(story):
    trace, wall = Trace(), T0
    for i, (step, gap) in enumerate(story, 1):
        wall += gap
        if step in ("user", "no-user"):
            payload = {"present": step == "user", "is_loading": False, "user_id": "user_1" if step == "user" else None}
            trace.add(Event("A", wall - T0, wall, Kind.AUTHKIT, "user", payload))
        else:
            trace.add(Event("A", wall - T0, wall, Kind.CONVEX, "auth-change",
                            {"is_authenticated": step == "convex-auth"}))
    alarm = badges.compute(trace.events, "A").split_brain
    still_open = any(sb.end is None for sb in split_brain_intervals(Timeline(trace)))
    assert alarm == still_open

