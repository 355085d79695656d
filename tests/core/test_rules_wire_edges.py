"""When Convex counts as unauthenticated (client events and the wire), per tab, exactly; and
what the inferred rules read off the wire. Pure: tiny hand-built timelines (_traces.Builder)."""

from authtrace import Kind
from authtrace.diagnosis.finding import SplitBrain
from authtrace.diagnosis.rules import inferred as I
from authtrace.diagnosis.rules.split_brain import convex_unauthenticated, split_brain_intervals
from authtrace.diagnosis.timeline import Timeline

import _traces as S


def W(t):
    return S.T0 + t * 1000.0


# --- split brain from the client events and frames ---------------------------------------------

def _auth_error_then_transition():
    """Tab A has frames only (no auth-change): an AuthError it does not get over for 30 s, then a
    token confirmed by an identity-changing Transition. Tab B is authenticated meanwhile."""
    b = S.Builder()
    b.boot("A", 0)
    b.boot("B", 0)
    b.mint("at0", 0)
    b.auth_change("B", 1, True)
    b.authenticate("A", 1, "at0")
    error = b.auth_error("A", 10, "Token expired", False)
    b.auth_change("B", 12, True)
    b.authenticate("A", 40, "at0", 1)
    back = b.transition("A", 40.1, 1, 2)
    b.focus("A", 60)
    return Timeline(b.trace), error, back


def test_an_unrecovered_auth_error_opens_until_a_transition_confirms_a_token_in_that_tab():
    tl, error, back = _auth_error_then_transition()
    [iv] = convex_unauthenticated(tl, "A")
    assert (iv.start, iv.end, iv.start_event, iv.end_event) == (W(10), W(40.1), error.id, back.id)
    assert iv.detail == {"why": "AuthError", "error": "Token expired"}
    assert list(convex_unauthenticated(tl, "B")) == []


def test_an_auth_error_recovered_within_15_s_opens_nothing():
    b = S.Builder()
    b.boot("A", 0)
    b.mint("at0", 0)
    b.authenticate("A", 1, "at0")
    b.auth_error("A", 10, "Token expired", False)
    b.authenticate("A", 24, "at0", 1)
    b.transition("A", 24.9, 1, 2)
    b.focus("A", 60)
    assert list(convex_unauthenticated(Timeline(b.trace), "A")) == []


def _two_tabs_one_signs_out():
    b = S.Builder()
    for tab in ("A", "B"):
        b.boot(tab, 0)
        b.user(tab, 0.5)
    b_out = b.auth_change("B", 10, False)
    a_out = b.auth_change("A", 20, False)
    a_in = b.auth_change("A", 25, True)
    b.focus("A", 60)
    return Timeline(b.trace), b_out, a_out, a_in


def test_auth_change_false_opens_until_true_in_that_tab_only():
    tl, b_out, a_out, a_in = _two_tabs_one_signs_out()
    [a] = convex_unauthenticated(tl, "A")
    assert (a.start, a.end, a.start_event, a.end_event, a.detail) == (
        W(20), W(25), a_out.id, a_in.id, {"why": "auth-change"})
    [b_] = convex_unauthenticated(tl, "B")
    assert (b_.start, b_.end, b_.detail) == (W(10), None, {"why": "auth-change"})


def test_split_brain_intervals_are_per_tab():
    tl, b_out, a_out, a_in = _two_tabs_one_signs_out()
    user_a = tl.user["A"][0].start_event
    user_b = tl.user["B"][0].start_event
    assert split_brain_intervals(tl) == [
        SplitBrain("B", W(10), None, sorted([user_b, b_out.id]), False),
        SplitBrain("A", W(20), W(25), sorted([user_a, a_out.id, a_in.id]), False),
    ]


# --- the inferred rules' reading of the wire ------------------------------------------------------

def test_an_expired_authenticate_frame_is_the_signal_and_says_how_long_ago():
    b = S.Builder()
    b.boot("A", 0)
    b.refresh("A", 0.05, "rt0", "at0", "rt1")
    a = b.ev("A", 10, Kind.CONVEX, "Authenticate", socket=1, token_type="User", token="x", seconds_left=-120,
             expired_when_sent=True)
    tl = Timeline(b.trace)
    assert list(I._expired_signals(tl, "A")) == [
        (a, "Convex sent an access token that had expired 2 min earlier", [])]


def test_without_frames_a_socket_opened_after_the_newest_token_expired_is_the_signal():
    b = S.Builder()
    b.boot("A", 0)
    _, granted = b.refresh("A", 0.05, "rt0", "at0", "rt1")
    b.ws_create("A", 1)
    later = b.ws_create("A", 400)
    b.focus("A", 500)
    tl = Timeline(b.trace)
    assert list(I._expired_signals(tl, "A")) == [
        (later, "the Convex socket reconnected (a new WebSocket) 1 min 40 s after the newest token the tab had been "
                "granted (at +0:00.2) expired, so it resent an expired token", [granted.id])]


def _frames_then_failure(after):
    """Tab A: Convex authenticated (frames), then a refresh that fails with a network error at +100.1 s."""
    b = S.Builder()
    b.boot("A", 0)
    b.refresh("A", 0.05, "rt0", "at0", "rt1")
    b.ws_create("A", 0.3)
    b.connect("A", 0.4)
    b.authenticate("A", 0.41, "at0")
    b.transition("A", 0.5)
    r, _ = b.refresh_request("A", 100, "rt1")
    b.refresh_failed("A", 100.1, r, 100)
    out = after(b)
    b.focus("A", 200)
    tl = Timeline(b.trace)
    [x] = [x for x in tl.exchanges if x.failed]
    return tl, x, out


def _cleared(b, t):
    return b.ev("A", t, Kind.CONVEX, "Authenticate", socket=1, direction="send", token_type="None", base_version=2)


def test_convex_clearing_its_auth_within_5_s_of_the_failure_is_the_reaction():
    tl, x, cleared = _frames_then_failure(lambda b: (b.ev("A", 101, Kind.NOTE, "Connect"), _cleared(b, 102))[1])
    assert I.convex_reaction(tl, "A", x) == (cleared, "Convex cleared its authentication (Authenticate with no token)")


def test_convex_clearing_its_auth_later_than_5_s_after_the_failure_is_not():
    tl, x, _ = _frames_then_failure(lambda b: _cleared(b, 106))
    assert I.convex_reaction(tl, "A", x) is None


def _sockets_then_failure(tab_of_new_socket):
    """No frames: tab A's socket, a refresh that fails at +100.1 s, then a new socket in some tab."""
    b = S.Builder()
    b.boot("A", 0)
    b.boot("B", 0)
    b.refresh("A", 0.05, "rt0", "at0", "rt1")
    b.ws_create("A", 0.3)
    r, _ = b.refresh_request("A", 100, "rt1")
    b.refresh_failed("A", 100.1, r, 100)
    socket = b.ws_create(tab_of_new_socket, 101)
    b.focus("A", 200)
    tl = Timeline(b.trace)
    [x] = [x for x in tl.exchanges if x.failed]
    return tl, x, socket


def test_without_frames_only_the_tabs_own_new_socket_is_its_reaction():
    tl, x, socket = _sockets_then_failure("A")
    assert I.convex_reaction(tl, "A", x) == (
        socket, "the Convex socket reconnected (a new WebSocket) with no token granted since the failure, so it had "
                "no fresh token to send (this HAR has no frames to show it went without one)")
    tl, x, _ = _sockets_then_failure("B")
    assert I.convex_reaction(tl, "A", x) is None
