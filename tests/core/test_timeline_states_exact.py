"""Timeline and the per-tab states (intervals.py) on tiny hand-built traces: which event turns
which state on and off, for which tab, and what the queries answer at their edges."""

from __future__ import annotations

import pytest

from authtrace import Event, Kind, Trace
from authtrace.diagnosis import thresholds as T
from authtrace.diagnosis.intervals import Interval, TabStates, Visibility, sleep_interval
from authtrace.diagnosis.timeline import Timeline

W = 1_800_000_000_000.0


def build(*rows: tuple) -> Trace:
    """rows: (tab, t_ms, kind, type, payload)."""
    tr = Trace({})
    for tab, t, kind, type_, payload in rows:
        tr.add(Event(tab, t, W + t, kind, type_, dict(payload)))
    return tr


def ev(kind: Kind, type_: str, t: float = 0.0, tab: str = "a", id: int | None = 1, **payload) -> Event:
    return Event(tab, t, W + t, kind, type_, payload, id)


# -- Visibility --------------------------------------------------------------------------------------
def test_visibility_reads_each_signal():
    v = Visibility()
    assert v(ev(Kind.VISIBILITY, "pageshow", state="hidden")) is None  # not a visibilitychange
    assert v(ev(Kind.NOTE, "visibilitychange", state="hidden")) is None  # not the visibility kind
    assert v.known is False
    assert v(ev(Kind.FETCH, "request", visibility="hidden")) is True  # any event's, while unknown
    assert v.known is True
    assert v(ev(Kind.FETCH, "request", visibility="visible")) is None  # ... but not once known
    assert v(ev(Kind.VISIBILITY, "visibilitychange", state="visible")) is False
    assert v(ev(Kind.LIFECYCLE, "freeze")) is True
    assert v(ev(Kind.LIFECYCLE, "boot", visibility="visible")) is False
    assert v(ev(Kind.LIFECYCLE, "boot", visibility="prerender")) is None


def test_visibility_from_a_freeze_before_anything_else():
    v = Visibility()
    assert v(ev(Kind.LIFECYCLE, "freeze")) is True and v.known


def test_tab_states_learn_the_visibility_from_any_event_until_it_is_known():
    ts = TabStates("a")
    ts.feed(ev(Kind.FETCH, "request", 10, id=3, visibility="hidden"), (Kind.FETCH, "request"))
    ts.feed(ev(Kind.FETCH, "request", 20, id=4, visibility="visible"), (Kind.FETCH, "request"))
    assert list(ts.hidden.spans) == [Interval("a", W + 10, None, 3)]
    ts.feed(ev(Kind.VISIBILITY, "visibilitychange", 30, id=5, state="visible"), (Kind.VISIBILITY, "visibilitychange"))
    assert list(ts.hidden.spans) == [Interval("a", W + 10, W + 30, 3, 5)]


# -- sleep ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("payload", "expected"), [
    ({"jumpMs": 5000}, (W + 100 - 5000, W + 100)),
    ({"jump_ms": 2500.5}, (W + 100 - 2500.5, W + 100)),
    ({"jumpMs": 1}, (W + 99, W + 100)),
    ({"jumpMs": 0}, None),
    ({"jumpMs": -10}, None),
    ({"jumpMs": True}, None),
    ({"jumpMs": "5000"}, None),
    ({}, None),
])
def test_a_clock_jump_is_a_sleep_that_ended_at_it(payload, expected):
    got = sleep_interval(ev(Kind.LIFECYCLE, "clock-jump", 100, tab="t", id=7, **payload))
    if expected is None:
        assert got is None
    else:
        assert got == Interval("t", expected[0], expected[1], None, 7)


def test_only_a_clock_jump_is_a_sleep():
    assert sleep_interval(ev(Kind.NOTE, "clock-jump", 100, jumpMs=5000)) is None
    assert sleep_interval(ev(Kind.LIFECYCLE, "resume", 100, jumpMs=5000)) is None


# -- Timeline --------------------------------------------------------------------------------------------
def test_each_tab_has_its_own_states_with_its_name():
    tl = Timeline(build(
        ("a", 0, Kind.FETCH, "request", {"request": 1, "visibility": "hidden"}),
        ("b", 5, Kind.NOTE, "x", {}),
        ("a", 10, Kind.VISIBILITY, "visibilitychange", {"state": "visible"}),
        ("a", 20, Kind.LIFECYCLE, "freeze", {}),
        ("a", 30, Kind.LIFECYCLE, "resume", {}),
        ("b", 40, Kind.NETWORK, "offline", {}),
        ("b", 50, Kind.LIFECYCLE, "clock-jump", {"jumpMs": 8}),
    ))
    assert tl.tabs == ["a", "b"]
    assert tl.hidden == {"a": [Interval("a", W + 0, W + 10, 1, 3), Interval("a", W + 20, None, 4)], "b": []}
    assert tl.frozen == {"a": [Interval("a", W + 20, W + 30, 4, 5)], "b": []}
    assert tl.offline == {"a": [], "b": [Interval("b", W + 40, None, 6)]}
    assert tl.asleep == {"a": [], "b": [Interval("b", W + 42, W + 50, None, 7)]}
    assert (tl.start, tl.end, tl.rel(W + 25)) == (W, W + 50, 25)


def test_has_asks_for_the_type_too():
    tl = Timeline(build(("a", 0, Kind.FETCH, "request", {"request": 1})))
    assert tl.has(Kind.FETCH) and tl.has(Kind.FETCH, "request")
    assert not tl.has(Kind.FETCH, "error") and not tl.has(Kind.CONVEX)


def test_the_token_lifetime_from_iat_and_exp_in_a_payload():
    assert Timeline(build(("a", 0, Kind.CONVEX, "Authenticate", {"iat": 1000, "exp": 1600}))).lifetime_ms == 600_000
    for payload in ({"iat": 1000, "exp": 1000}, {"exp": 1600}, {"iat": None, "exp": 1600}, {"iat": 1000},
                    {"iat": 1000, "exp": "1600"}):
        tl = Timeline(build(("a", 0, Kind.CONVEX, "Authenticate", payload)))
        assert tl.lifetime_ms == T.DEFAULT_ACCESS_TOKEN_LIFETIME_MS, payload


def test_the_most_common_lifetime_wins():
    tl = Timeline(build(("a", 0, Kind.CONVEX, "Authenticate", {"iat": 0, "exp": 60}),
                        ("a", 1, Kind.CONVEX, "Authenticate", {"iat": 0, "exp": 120}),
                        ("a", 2, Kind.CONVEX, "Authenticate", {"iat": 10, "exp": 130})))
    assert tl.lifetime_ms == 120_000


AUTH_TOKEN = {"token_type": "User", "token": "tok:abc"}


def test_convex_authenticated_by_transition_reads_only_the_tabs_convex_frames():
    tl = Timeline(build(
        ("a", 0, Kind.CONVEX, "Authenticate", AUTH_TOKEN),
        ("a", 5, Kind.NOTE, "auth-change", {"is_authenticated": True}),
        ("a", 6, Kind.NOTE, "Transition", {"identity_changed": True}),
        ("b", 8, Kind.CONVEX, "Transition", {"identity_changed": True}),
        ("a", 10, Kind.CONVEX, "Transition", {"identity_changed": False}),
        ("a", 20, Kind.CONVEX, "Transition", {"identity_changed": True}),
    ))
    assert tl.convex_authenticated("a", W, W + 100).id == 6
    assert tl.convex_authenticated("a", W, W + 19) is None
    assert tl.convex_authenticated("a", W + 20, W + 20).id == 6
    assert tl.convex_authenticated("b", W, W + 100) is None  # b sent no token


def test_convex_authenticated_by_auth_change_when_the_wrapper_is_there():
    tl = Timeline(build(
        ("a", 0, Kind.CONVEX, "auth-change", {"is_authenticated": False}),
        ("a", 10, Kind.CONVEX, "auth-change", {"is_authenticated": True}),
        ("a", 11, Kind.CONVEX, "Authenticate", AUTH_TOKEN),
        ("a", 12, Kind.CONVEX, "Transition", {"identity_changed": True}),
    ))
    assert tl.convex_authenticated("a", W, W + 100).id == 2
    assert tl.convex_authenticated("a", W + 11, W + 100) is None


def test_calls_in_by_tab():
    tl = Timeline(build(
        ("a", 0, Kind.AUTHKIT, "getAccessToken-start", {"call": 1}),
        ("b", 1, Kind.AUTHKIT, "getAccessToken-start", {"call": 1}),
        ("a", 2, Kind.AUTHKIT, "getAccessToken", {"call": 1, "outcome": "token"}),
    ))
    assert [(c.tab, c.start.id, c.end and c.end.id) for c in tl.calls_in("a")] == [("a", 1, 3)]
    assert [(c.tab, c.start.id, c.end) for c in tl.calls_in("b")] == [("b", 2, None)]
    assert tl.calls_in("c") == []
