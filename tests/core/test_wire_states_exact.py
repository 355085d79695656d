"""What the wire alone shows (diagnosis/wire.py) on tiny hand-built traces: grants and their
expiry, failed refreshes Convex reacts to, whether frames were kept, and when Convex was not
authenticated or WorkOS had a session, per tab."""

from __future__ import annotations

from authtrace import Event, Kind, Trace
from authtrace.diagnosis import thresholds as T
from authtrace.diagnosis.intervals import Interval
from authtrace.diagnosis.timeline import Timeline
from authtrace.diagnosis.wire import (Grant, authenticated_once, convex_unauthenticated_wire,
                                      failed_refresh_before, grants, has_frames, sessions, transient_failure)

W = 1_800_000_000_000.0
TOKEN = {"token_type": "User", "token": "tok:abc"}
CLEARED = {"token_type": "None"}
CHANGED = {"identity_changed": True}
NETWORK = {"name": "TypeError", "message": "Failed to fetch"}


def timeline(*rows: tuple) -> Timeline:
    """rows: (tab, t_ms, kind, type, payload)."""
    tr = Trace({})
    for tab, t, kind, type_, payload in rows:
        tr.add(Event(tab, t, W + t, kind, type_, dict(payload)))
    return Timeline(tr)


def refresh(tab: str, t: float, request: int, end_t: float, end: str = "response", **answer) -> list[tuple]:
    return [(tab, t, Kind.FETCH, "request", {"request": request, "auth": True, "grant_type": "refresh_token"}),
            (tab, end_t, Kind.FETCH, end, {"request": request, "auth": True, **answer})]


# -- frames or not ---------------------------------------------------------------------------------------
def test_has_frames_with_a_connect_or_an_authenticate_of_the_tab():
    tl = timeline(("a", 0, Kind.CONVEX, "Connect", {"socket": 1}),
                  ("b", 0, Kind.CONVEX, "Authenticate", TOKEN),
                  ("c", 0, Kind.CONVEX, "state", {"socket": 1}),
                  ("c", 1, Kind.NOTE, "Connect", {}),
                  ("d", 0, Kind.WEBSOCKET, "create", {"sync": True}))
    assert [has_frames(tl, tab) for tab in ("a", "b", "c", "d", "e")] == [True, True, False, False, False]


# -- grants and failures ------------------------------------------------------------------------------------
def test_a_grant_expires_when_its_answer_says_or_after_the_usual_lifetime():
    tl = timeline(*refresh("a", 0, 1, 100, status=200, ok=True, expires_in_s=60),
                  *refresh("a", 200, 2, 300, status=200, ok=True),
                  *refresh("a", 400, 3, 500, status=200, ok=True, expires_in_s=0),
                  *refresh("a", 600, 4, 700, status=500, ok=False, expires_in_s=60))
    life = tl.lifetime_ms
    assert life == T.DEFAULT_ACCESS_TOKEN_LIFETIME_MS
    assert grants(tl, "a").grants == [Grant(W + 100, W + 100 + 60_000, 2), Grant(W + 300, W + 300 + life, 4),
                                      Grant(W + 500, W + 500 + life, 6)]
    assert grants(tl, "b").grants == []


def test_transient_failures_of_refreshes():
    tl = timeline(*refresh("a", 0, 1, 10, end="error", **NETWORK),
                  *refresh("a", 20, 2, 30, end="error", name="AbortError", message="The user aborted a request."),
                  *refresh("a", 40, 3, 50, status=503, ok=False),
                  *refresh("a", 60, 4, 70, status=400, ok=False),
                  *refresh("a", 80, 5, 90, status=200, ok=True),
                  ("a", 100, Kind.FETCH, "request", {"request": 6, "auth": True, "grant_type": "refresh_token"}),
                  ("a", 110, Kind.FETCH, "request", {"request": 7, "auth": True, "grant_type": "authorization_code"}),
                  ("a", 120, Kind.FETCH, "error", {"request": 7, "auth": True, **NETWORK}))
    assert [transient_failure(x) for x in tl.exchanges] == ["network", "abort", "http-503", None, None, None, None]


def test_the_failed_refresh_convex_reacts_to_is_the_tabs_own_and_recent():
    tl = timeline(*refresh("a", 0, 1, 1000, end="error", **NETWORK), ("b", 0, Kind.NOTE, "x", {}))
    failed = tl.exchanges[0]
    assert failed_refresh_before(tl, "a", W + 999) is None
    assert failed_refresh_before(tl, "a", W + 1000) is failed
    assert failed_refresh_before(tl, "a", W + 1000 + T.CONVEX_REACTION_MS) is failed
    assert failed_refresh_before(tl, "a", W + 1000 + T.CONVEX_REACTION_MS + 1) is None
    assert failed_refresh_before(tl, "b", W + 1000) is None


# -- Convex's authentication ------------------------------------------------------------------------------------
def test_authenticated_once_is_per_tab_and_from_the_confirming_transition():
    tl = timeline(("b", 0, Kind.CONVEX, "Authenticate", TOKEN), ("b", 10, Kind.CONVEX, "Transition", CHANGED),
                  ("a", 20, Kind.CONVEX, "Connect", {"socket": 1}))
    assert authenticated_once(tl, "b", W + 10) and not authenticated_once(tl, "b", W + 9)
    assert not authenticated_once(tl, "a", W + 20)


def test_cleared_until_the_server_confirms_a_token_again_and_other_tabs_do_not_count():
    tl = timeline(("a", 0, Kind.CONVEX, "Authenticate", TOKEN),
                  ("a", 10, Kind.CONVEX, "Transition", CHANGED),
                  ("b", 15, Kind.CONVEX, "Authenticate", CLEARED),
                  ("a", 20, Kind.CONVEX, "Authenticate", CLEARED),
                  ("a", 30, Kind.CONVEX, "Authenticate", TOKEN),
                  ("a", 40, Kind.CONVEX, "Transition", CHANGED),
                  ("a", 50, Kind.CONVEX, "Authenticate", CLEARED))
    assert list(convex_unauthenticated_wire(tl, "a")) == [
        Interval("a", W + 20, W + 40, 4, 6, {"why": "cleared"}), Interval("a", W + 50, None, 7, None, {"why": "cleared"})]
    assert list(convex_unauthenticated_wire(tl, "b")) == []


def test_without_frames_a_socket_reconnected_right_after_a_failed_refresh_until_the_page_reloads():
    sock = {"sync": True}
    tl = timeline(("a", 0, Kind.WEBSOCKET, "create", sock),
                  *refresh("a", 1000, 1, 1100, end="error", **NETWORK),
                  ("a", 1200, Kind.WEBSOCKET, "create", sock),
                  ("a", 1300, Kind.WEBSOCKET, "create", sock),
                  ("a", 3000, Kind.LIFECYCLE, "navigation", {"url": "https://app.example.test/"}),
                  ("a", 1100 + T.CONVEX_REACTION_MS + 1, Kind.WEBSOCKET, "create", sock))  # too late
    failed = tl.exchanges[0]
    assert list(convex_unauthenticated_wire(tl, "a")) == [
        Interval("a", W + 1200, W + 3000, 4, 6, {"why": "reconnect-after-failure", "failed": failed})]


def test_without_frames_a_grant_after_the_failure_means_the_socket_had_a_token():
    sock = {"sync": True}
    tl = timeline(*refresh("a", 1000, 1, 1100, end="error", **NETWORK),
                  *refresh("a", 1110, 2, 1150, status=200, ok=True),
                  ("a", 1200, Kind.WEBSOCKET, "create", sock))
    assert list(convex_unauthenticated_wire(tl, "a")) == []


# -- WorkOS's session ------------------------------------------------------------------------------------------
def test_a_token_convex_sent_shows_a_session_until_a_terminal_refusal():
    tl = timeline(("a", 100, Kind.CONVEX, "Authenticate", TOKEN),
                  ("a", 150, Kind.CONVEX, "Authenticate", CLEARED),
                  *refresh("a", 400, 1, 500, status=400, ok=False, workos_error="invalid_grant"),
                  ("a", 600, Kind.CONVEX, "Authenticate", TOKEN))
    assert list(sessions(tl, "a")) == [Interval("a", W + 100, W + 500, 1, 4, {"inferred": True})]


def test_a_session_from_a_grant():
    tl = timeline(*refresh("a", 0, 1, 100, status=200, ok=True))
    assert list(sessions(tl, "a")) == [Interval("a", W + 100, None, 2, None, {"inferred": True})]
    assert list(sessions(tl, "b")) == []
