"""The rules' small pieces, exactly: the predicates that pick events, the windows they look
in, the words they put in a finding. Pure: tiny hand-built timelines (_traces.Builder)."""

from types import SimpleNamespace

from authtrace import Event, Kind
from authtrace.diagnosis.finding import INFERRED
from authtrace.diagnosis.rules import OTHER_TABS, missing
from authtrace.diagnosis.rules import adapter as A
from authtrace.diagnosis.rules import missing_token as M
from authtrace.diagnosis.rules import reconnect as R
from authtrace.diagnosis.rules import refresh as RF
from authtrace.diagnosis.timeline import Timeline

import _traces as S


def W(t):
    """Wall ms of ``t`` seconds into a _traces trace."""
    return S.T0 + t * 1000.0


def ev(kind, type_, **payload):
    return Event("A", 0, 0, kind, type_, payload)


def timeline(build):
    b = S.Builder()
    b.boot("A", 0)
    out = build(b)
    b.focus("A", 200)
    return Timeline(b.trace), out


# --- adapter -----------------------------------------------------------------------------------

def test_failed_refreshes_give_the_last_in_exchange_order_within_the_window_only():
    ranked = [(1.0, 0, "a"), (2.0, 1, "b"), (3.0, 2, "c"), (4.0, 3, "d"), (5.0, 4, "e")]
    table = A._FailedRefreshes(list(ranked))
    assert table.last_within(1, 2) == "b"
    assert table.last_within(1, 1) == "a"
    assert table.last_within(2, 4) == "d"
    assert table.last_within(1, 5) == "e"
    assert table.last_within(5.5, 9) is None
    # Exchange order, not time order: the latest-ranked failure in the window wins.
    table = A._FailedRefreshes([(1.0, 3, "late"), (2.0, 0, "x"), (3.0, 1, "y"), (4.0, 2, "z")])
    assert table.last_within(2, 3) == "y"
    assert table.last_within(1, 4) == "late"


def test_auth_change_false_is_looked_for_only_inside_the_window():
    def build(b):
        return b.auth_change("A", 10, False), b.auth_change("A", 30, False)

    tl, (early, late) = timeline(build)
    assert A._auth_change_false(tl, "A", W(20), W(25)) is None
    assert A._auth_change_false(tl, "A", W(20), W(30)) is late
    assert A._auth_change_false(tl, "A", W(5), W(40)) is early


def test_the_socket_state_predicates():
    assert A._not_stopped(ev(Kind.CONVEX, "state", socket="stopped")) is False
    assert A._not_stopped(ev(Kind.CONVEX, "state", socket="ready")) is True
    assert A._paused_yes(ev(Kind.CONVEX, "state", paused="yes")) is True
    assert A._paused_yes(ev(Kind.CONVEX, "state", paused="no")) is False
    assert A._with_token(ev(Kind.CONVEX, "Authenticate", token_type="None")) is False
    assert A._with_token(ev(Kind.CONVEX, "Authenticate", token_type="User")) is True


def test_what_counts_as_the_socket_reconnecting():
    state = lambda **p: ev(Kind.CONVEX, "state", **p)  # noqa: E731
    assert A._reconnect_sign(state(socket="ready")) is True
    assert A._reconnect_sign(state(socket="connecting", has_ever_connected=True)) is True
    assert A._reconnect_sign(state(socket="connecting", has_ever_connected=False)) is False
    assert A._reconnect_sign(state(socket="stopped")) is False
    assert A._reconnect_sign(ev(Kind.CONVEX, "Transition", socket="ready")) is False
    assert A._reconnect_sign(ev(Kind.CONVEX, "Connect")) is True
    assert A._reconnect_sign(ev(Kind.WEBSOCKET, "open", sync=True)) is True
    assert A._reconnect_sign(ev(Kind.WEBSOCKET, "open", sync=False)) is False


def test_what_can_follow_a_token_call_in_convex():
    assert A._reaction_or_token(ev(Kind.CONVEX, "state", auth="notRefetching")) is True
    assert A._reaction_or_token(ev(Kind.CONVEX, "state", auth="waitingForScheduledRefetch")) is False
    assert A._reaction_or_token(ev(Kind.CONVEX, "auth-change", is_authenticated=False)) is True
    assert A._reaction_or_token(ev(Kind.CONVEX, "auth-change", is_authenticated=True)) is False
    assert A._reaction_or_token(ev(Kind.CONVEX, "Authenticate")) is True
    assert A._reaction_or_token(ev(Kind.CONVEX, "Transition", auth="notRefetching")) is False


def test_the_call_label_says_how_the_token_was_asked_for():
    call = lambda by_convex, force: SimpleNamespace(by_convex=by_convex, force=force)  # noqa: E731
    assert A._call_label(call(False, True)) == "getAccessToken({forceRefresh: true})"
    assert A._call_label(call(False, False)) == "getAccessToken() (forceRefresh not passed)"
    assert A._call_label(call(True, True)) == "the adapter's fetchAccessToken({forceRefreshToken: true})"
    assert A._call_label(call(True, False)) == "the adapter's fetchAccessToken({forceRefreshToken: false})"


def test_transient_words():
    assert A._transient_words("http-503") == "a retryable HTTP 503"
    assert A._transient_words("network") == "a network failure"
    assert A._transient_words("odd") == "odd"


# --- reconnect ----------------------------------------------------------------------------------

def test_an_expired_signal_needs_a_token_that_was_sent_or_returned():
    auth = lambda **p: ev(Kind.CONVEX, "Authenticate", **p)  # noqa: E731
    assert R._expired_signal(auth(token_type="User", expired_when_sent=True)) is True
    assert R._expired_signal(auth(token_type="User", seconds_left=0)) is True
    assert R._expired_signal(auth(token_type="User", seconds_left=1)) is False
    assert R._expired_signal(auth(token_type="None", expired_when_sent=True, seconds_left=-5)) is False
    assert R._expired_signal(ev(Kind.CONVEX, "AuthError")) is True
    assert R._expired_signal(ev(Kind.AUTHKIT, "getAccessToken", outcome="token", seconds_left=-5)) is True
    assert R._expired_signal(ev(Kind.AUTHKIT, "getAccessToken", outcome="token", seconds_left=5)) is False
    assert R._expired_signal(ev(Kind.AUTHKIT, "getAccessToken", outcome="null", seconds_left=-5)) is False
    assert R._expired_signal(ev(Kind.AUTHKIT, "user", seconds_left=-5)) is False
    assert R._expired_signal(ev(Kind.NOTE, "getAccessToken", outcome="token", seconds_left=-5)) is False


def test_the_expiry_signal_says_how_long_ago_the_token_expired():
    def build(b):
        return b.ev("A", 10, Kind.CONVEX, "Authenticate", token_type="User", seconds_left=-90,
                    expired_when_sent=True)

    tl, auth = timeline(build)
    assert R._expiry_signal(tl, "A", W(5), W(20)) == (
        auth, "Convex sent an access token that had expired 1 min 30 s earlier")
    assert R._expiry_signal(tl, "A", W(11), W(20)) is None


def test_a_connect_counts_as_a_reconnect_only_after_another_convex_connect():
    def build(b):
        b.ev("A", 5, Kind.NOTE, "Connect")  # an app's note that happens to be named like the frame
        return b.connect("A", 10, 0)

    tl, connect = timeline(build)
    assert R._is_reconnect(tl, connect) is False

    def build2(b):
        b.connect("A", 5, 0)
        return b.connect("A", 10, 0)

    tl, connect = timeline(build2)
    assert R._is_reconnect(tl, connect) is True


# --- refresh ------------------------------------------------------------------------------------

def test_quiet_before_names_the_longest_quiet_period():
    tl, _ = timeline(lambda b: (b.offline("A", 10), b.online("A", 40)))
    assert RF._quiet_before(tl, "A", W(100)) == ("offline", 30_000.0)


def test_quiet_before_a_tie_keeps_the_first_named():
    # A freeze hides the tab too: hidden and frozen for the same 10 s.
    tl, _ = timeline(lambda b: (b.freeze("A", 30), b.resume("A", 40), b.show("A", 40)))
    assert RF._quiet_before(tl, "A", W(100)) == ("hidden", 10_000.0)


def test_quiet_before_a_sleep_is_cut_at_the_moment_asked_about():
    tl, _ = timeline(lambda b: b.clock_jump("A", 100, 15))
    assert RF._quiet_before(tl, "A", W(150)) == ("asleep", 15_000.0)
    assert RF._quiet_before(tl, "A", W(90)) == ("asleep", 5_000.0)
    assert RF._quiet_before(tl, "A", W(80)) is None


def test_a_refresh_token_that_cannot_be_hashed_is_still_paired_with_its_earlier_use():
    def build(b):
        r1, _ = b.refresh_request("A", 1, "rt1")
        b.trace.events[-1].payload["refresh_token"] = ["odd"]
        b.refresh_ok("A", 1.1, r1, 1, "at1", "rt2")
        r2, _ = b.refresh_request("A", 2, "rt1")
        b.trace.events[-1].payload["refresh_token"] = ["odd"]
        b.refresh_refused("A", 2.1, r2, 2, 400, "invalid_grant", "Invalid refresh token.")

    tl, _ = timeline(build)
    first, later = tl.exchanges
    assert RF._rotation_pairs(tl) == [(first, later)]


# --- missing_token ------------------------------------------------------------------------------

def _request_after(b, t):
    r, _ = b.refresh_request("A", t, None)
    b.refresh_refused("A", t + 0.1, r, t, 400, "invalid_request", "Missing refresh token.")


def test_removed_by_this_tab_reads_the_tabs_own_last_write_of_the_refresh_token():
    def removed_then(*more):
        def build(b):
            b.storage_set("A", 1, "rt1")
            b.storage_remove("A", 2)
            for i, f in enumerate(more):
                f(b, 3 + i)
            _request_after(b, 10)
        tl, _ = timeline(build)
        return M._removed_by_this_tab(tl, tl.exchanges[-1])

    assert removed_then() is True
    assert removed_then(lambda b, t: b.storage_set("A", t, "rt2")) is False
    assert removed_then(lambda b, t: b.ev("A", t, Kind.STORAGE, "setItem", area="local", key="other", value="v")) is True
    assert removed_then(lambda b, t: b.ev("A", t, Kind.NOTE, "setItem", key=S.RT_KEY)) is True
    assert removed_then(lambda b, t: b.storage_set("A", t, "rt2"),
                        lambda b, t: b.ev("A", t, Kind.STORAGE, "clear", area="local")) is True


def test_a_storage_event_that_cleared_the_storage_is_a_removal_seen():
    def build(b):
        b.storage_event("A", 1, None, "rt1")
        return b.ev("A", 2, Kind.STORAGE, "storage-event", key=None, from_other_tab=True, change="clear")

    tl, cleared = timeline(build)
    assert M._removal_seen_by(tl, "A", W(3)) is cleared
    assert M._removal_seen_by(tl, "A", W(1.5)) is None


def _devmode_missing_token(other_tab_refused):
    b = S.Builder()
    b.boot("A", 0)
    b.boot("B", 0)
    b.refresh("A", 1, "rt0", "at0", "rt1")
    if other_tab_refused:
        r, _ = b.refresh_request("B", 2, "rt1")
        b.refresh_refused("B", 2.1, r, 2, 400, "invalid_grant", "Session has ended.")
    else:
        b.refresh("B", 2, "rt1", "at1", "rt2")
    _request_after(b, 10)
    tl = Timeline(b.trace)
    return tl, M._removed_unseen(tl, tl.exchanges[-1])


HEAD = ("At +0:10.0 tab A refreshed without a refresh token in the body, although refreshes since +0:01.0 had sent "
        "one: AuthKit runs in devMode, where the refresh token is kept in localStorage (workos:refresh-token:<client "
        "id>) and shared by the origin's tabs, and it was gone. WorkOS answered 400 \"Missing refresh token.\", a "
        "terminal error: AuthKit wipes the session (removeSessionData) and every later getAccessToken fails with "
        "LoginRequiredError, while React may still show the user.")
TAIL = "the app itself (signOut, localStorage.clear()) or the browser clearing site data."


def test_removed_unseen_names_the_other_tab_whose_session_ended():
    tl, f = _devmode_missing_token(True)
    assert f.explanation == (
        HEAD + " The likely remover is tab B: WorkOS refused its refresh at +0:02.1 with 400 invalid_grant "
        "\"Session has ended.\", and authkit-js then removes the session data, the shared refresh token included. "
        "Other possibilities: " + TAIL)
    assert (f.confidence, f.missing_evidence, f.tab, f.at) == (INFERRED, missing("storage"), "A", W(10.1))
    assert len(f.evidence) == 4


def test_removed_unseen_with_other_tabs_recorded_does_not_ask_for_them():
    tl, f = _devmode_missing_token(False)
    assert f.explanation == (
        HEAD + " What removed it is not in this input: most likely another tab's sign-out or terminal refresh failure "
        "(authkit-js's removeSessionData deletes the key every tab shares); otherwise " + TAIL)
    assert f.confidence == INFERRED
    assert f.missing_evidence == missing("storage")
    assert f.evidence == sorted(tl.exchanges[-1].evidence())


def test_removed_unseen_in_a_lone_tab_asks_for_the_other_tabs():
    b = S.Builder()
    b.boot("A", 0)
    b.refresh("A", 1, "rt0", "at0", "rt1")
    _request_after(b, 10)
    tl = Timeline(b.trace)
    f = M._removed_unseen(tl, tl.exchanges[-1])
    assert f.missing_evidence == missing("storage", OTHER_TABS)
    assert f.confidence == INFERRED
