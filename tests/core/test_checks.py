"""authtrace.checks: the assertions a test of an app makes on its trace (pure; these tests run
on CPython and, unchanged, inside Pyodide)."""

from __future__ import annotations

import pytest

from authtrace.checks import (TraceCheckFailed, assert_findings, assert_no_split_brain,
                              assert_signed_out_consistently, findings)
from authtrace.event import Event, Kind
from authtrace.trace import Trace

T0 = 1_800_000_000_000.0


def trace(*steps: tuple[float, str, str, dict], tabs=("tab-1",)) -> Trace:
    """``steps``: (seconds after T0, kind, type, payload) in tab-1, plus a last event at the end."""
    t = Trace({"redacted": True})
    for tab in tabs:
        t.add(Event(tab, 0.0, T0, Kind.LIFECYCLE, "boot", {"visibility": "visible", "online": True}))
    for at, kind, type_, payload in steps:
        tab = payload.pop("tab", tabs[0])
        t.add(Event(tab, at * 1000, T0 + at * 1000, Kind(kind), type_, payload))
    return t


def user(at, present=True, **extra):
    return (at, "authkit", "user", {"present": present, "user_id": "user_01" if present else None, "is_loading": False,
                                    **extra})


def convex(at, authenticated, **extra):
    return (at, "convex", "auth-change", {"is_authenticated": authenticated, **extra})


def note(at):
    return (at, "note", "end", {})


SIGNED_IN = [user(1), convex(1.2, True)]


def test_a_healthy_session_has_no_split_brain():
    diagnosis = assert_no_split_brain(trace(*SIGNED_IN, note(30)))
    assert diagnosis.split_brain == []


def test_convex_signed_out_while_authkit_keeps_its_user_is_a_split_brain():
    t = trace(*SIGNED_IN, convex(10, False), note(30))
    with pytest.raises(TraceCheckFailed, match="split brain") as failed:
        assert_no_split_brain(t)
    assert failed.value.diagnosis.split_brain[0].end is None
    assert "split-brain" in str(failed.value)


def test_a_moment_without_convex_is_not_a_split_brain():
    assert_no_split_brain(trace(*SIGNED_IN, convex(10, False), convex(10.4, True), note(30)))


def test_a_recording_that_cannot_show_the_split_brain_fails_the_check_and_says_why():
    blind = trace(*SIGNED_IN, convex(10, False), note(30))
    blind.meta["captured"] = ["page"]  # what a recording of the page alone could see
    with pytest.raises(TraceCheckFailed, match="cannot judge split-brain: needs"):
        assert_no_split_brain(blind)
    with pytest.raises(TraceCheckFailed, match="cannot judge split-brain"):
        assert_signed_out_consistently(blind)


def test_signed_out_consistently_needs_a_sign_in_an_end_without_user_and_no_split_brain():
    assert_signed_out_consistently(trace(*SIGNED_IN, convex(10, False), user(10.2, present=False), note(30)))
    with pytest.raises(TraceCheckFailed, match="nobody was signed in"):
        assert_signed_out_consistently(trace(user(1, present=False), convex(1.2, False), note(30)))
    with pytest.raises(TraceCheckFailed, match="AuthKit still shows a user at the end") as failed:
        assert_signed_out_consistently(trace(*SIGNED_IN, convex(10, False), note(30)))
    assert "split brain on the way" in str(failed.value)
    with pytest.raises(TraceCheckFailed, match="Convex is still authenticated at the end"):
        assert_signed_out_consistently(trace(*SIGNED_IN, user(10, present=False), note(10.5)))


def test_every_tab_must_be_signed_out():
    t = trace(user(1), convex(1.2, True), user(1, tab="tab-2"), convex(1.2, True, tab="tab-2"),
              convex(10, False), user(10.2, present=False), note(30), tabs=("tab-1", "tab-2"))
    with pytest.raises(TraceCheckFailed, match="tab-2: AuthKit still shows a user"):
        assert_signed_out_consistently(t)


def test_assert_findings_names_what_is_missing_and_what_else_was_found():
    t = trace(*SIGNED_IN, convex(10, False), note(30))
    assert "split-brain" in findings(t).ids()
    assert_findings(t, ["split-brain"])
    assert_findings(t.to_json(), ["split-brain"], only=True)  # a trace as JSON works too
    with pytest.raises(TraceCheckFailed, match="not found: session-ended"):
        assert_findings(t, ["split-brain", "session-ended"])
    with pytest.raises(TraceCheckFailed, match="found besides: split-brain"):
        assert_findings(trace(*SIGNED_IN, convex(10, False), note(30)), [], only=True)
