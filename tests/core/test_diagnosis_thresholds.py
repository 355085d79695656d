"""Every diagnosis threshold, exactly at it, just under and just over (one millisecond).

Small hand-built traces (times in exact milliseconds), one boundary each, asserting the exact
list of findings: a threshold or a comparison that moves by one makes one of these fail.
The numbers come from authtrace.diagnosis.thresholds; the traces use them, so retuning a
threshold keeps these tests meaningful.
"""

import pytest

from authtrace import Event, Kind
from authtrace.diagnosis import diagnose
from authtrace.diagnosis import thresholds as T

import _traces as S
from _traces import LOCK_TIMEOUT, NETWORK, tok

NEAR = [(-1, "under"), (0, "at"), (1, "over")]


class B(S.Builder):
    """The test builder with times in whole milliseconds: ``t`` is seconds, kept to the ms."""

    def ev(self, tab, t, kind, type_, **payload):
        ms = round(t * 1000, 3)
        return self.trace.add(Event(tab, ms, S.T0 + ms, kind, type_, payload))


def s(ms):
    return ms / 1000


def found(b, rules=None):
    return sorted(f.id for f in diagnose(b.trace, rules).findings)


def wall(t):
    return S.T0 + round(t * 1000, 3)


# -- stale-token-on-reconnect -------------------------------------------------------------------

def stale(b, auth_t=100.0, connect_t=99.9, count=1, reason="closed with code 1006", left=-400.0, expired=True,
          error_t=None, recovered_t=None, earlier_connect=False, end_t=200.0):
    b.user("A", 0)
    b.ws_create("A", 1)
    if earlier_connect:
        b.connect("A", 2, 0)
    b.connect("A", connect_t, count, reason)
    payload = {"socket": 1, "direction": "send", "token_type": "User", "base_version": 1, "token": tok("at1")}
    if left is not None:
        payload["seconds_left"] = left
    if expired is not None:
        payload["expired_when_sent"] = expired
    auth = b.ev("A", auth_t, Kind.CONVEX, "Authenticate", **payload)
    err = b.auth_error("A", error_t, "Token expired") if error_t is not None else None
    back = b.auth_change("A", recovered_t, True) if recovered_t is not None else None
    b.focus("A", end_t)
    return auth, err, back


@pytest.mark.parametrize("left, expired, n", [
    (0.0, None, 1),  # no seconds left: expired
    (0.1, None, 0),
    (-0.1, False, 1),
    (5.0, True, 1),  # the recorder said so
    (5.0, False, 0),
    (None, None, 0),
])
def test_stale_token_when_no_seconds_were_left(left, expired, n):
    b = B()
    stale(b, left=left, expired=expired)
    assert found(b) == ["stale-token-on-reconnect"] * n


@pytest.mark.parametrize("delta, label", NEAR)
def test_stale_token_connect_at_most_two_seconds_before(delta, label):
    b = B()
    stale(b, auth_t=100.0, connect_t=s(100_000 - T.STALE_AUTH_AFTER_CONNECT_MS - delta))
    assert found(b) == (["stale-token-on-reconnect"] if delta <= 0 else [])


@pytest.mark.parametrize("count, reason, earlier, n", [
    (0, None, False, 0),  # the first connect of the page is no reconnect
    (1, None, False, 1),
    (0, "closed with code 1006", False, 1),
    (0, "", False, 0),
    (0, None, True, 1),  # a second Connect on the tab
    (None, None, False, 0),
])
def test_stale_token_only_on_a_reconnect(count, reason, earlier, n):
    b = B()
    stale(b, count=count, reason=reason, earlier_connect=earlier)
    assert found(b) == ["stale-token-on-reconnect"] * n


def test_stale_token_not_for_a_none_token_nor_another_socket():
    b = B()
    b.user("A", 0)
    b.ws_create("A", 1)
    b.connect("A", 99.9, 1, "x")
    b.ev("A", 100, Kind.CONVEX, "Authenticate", socket=1, token_type="None", seconds_left=-5.0, expired_when_sent=True)
    b.ev("A", 100.1, Kind.CONVEX, "Authenticate", socket=2, token_type="User", seconds_left=-5.0,
         expired_when_sent=True)
    b.focus("A", 200)
    assert found(b) == []


def test_stale_token_one_finding_per_connect():
    b = B()
    auth, _, _ = stale(b)
    b.ev("A", 100.5, Kind.CONVEX, "Authenticate", socket=1, token_type="User", seconds_left=-400.0,
         expired_when_sent=True)
    d = diagnose(b.trace)
    assert [f.id for f in d.findings] == ["stale-token-on-reconnect"]
    assert d.findings[0].at == auth.wall


@pytest.mark.parametrize("delta, label", NEAR)
def test_stale_token_auth_error_within_five_seconds(delta, label):
    b = B()
    auth, err, _ = stale(b, error_t=s(100_000 + T.AUTH_ERROR_AFTER_AUTHENTICATE_MS + delta))
    [f] = diagnose(b.trace, ["stale-token-on-reconnect"]).findings
    assert (err.id in f.evidence) is (delta <= 0)
    assert ("The server answered AuthError" in f.explanation) is (delta <= 0)


@pytest.mark.parametrize("delta, label", NEAR)
def test_stale_token_recovery_within_the_window(delta, label):
    b = B()
    auth, _, back = stale(b, recovered_t=s(100_000 + T.RECOVERY_WINDOW_MS + delta))
    [f] = diagnose(b.trace, ["stale-token-on-reconnect"]).findings
    assert (back.id in f.evidence) is (delta <= 0)
    assert ("Convex was authenticated again" in f.explanation) is (delta <= 0)
    assert ("was not authenticated again within 10.0 s" in f.explanation) is (delta > 0)


def test_stale_token_recovered_left_out_when_so_configured(monkeypatch):
    monkeypatch.setattr(T, "REPORT_RECOVERED_CAUSES", False)
    b = B()
    stale(b, recovered_t=101)
    assert found(b) == []
    b = B()
    stale(b, recovered_t=111)
    assert found(b) == ["stale-token-on-reconnect"]


# -- hidden-tab-refresh-paused ------------------------------------------------------------------

def hidden(b, hidden_ms, signal_after_show_ms=5_000, refresh_at=None, end_after_ms=100_000):
    b.user("A", 0)
    b.hide("A", 10)
    show_t = s(10_000 + hidden_ms)
    b.show("A", show_t)
    if refresh_at is not None:
        req, _ = b.refresh_request("A", refresh_at - 0.05, "rt1")
        b.refresh_ok("A", refresh_at, req, refresh_at - 0.05, "at2", "rt2")
    # getAccessToken hands out an expired token: the signal (an AuthError would add a split brain)
    signal = b.ev("A", show_t + s(signal_after_show_ms), Kind.AUTHKIT, "getAccessToken", call=1, outcome="token",
                  token=tok("at1"), seconds_left=-5.0)
    b.focus("A", show_t + s(end_after_ms))
    return signal


@pytest.mark.parametrize("delta, label", NEAR)
def test_hidden_longer_than_exactly_one_token_lifetime(delta, label):
    b = B()
    hidden(b, T.DEFAULT_ACCESS_TOKEN_LIFETIME_MS + delta)
    assert found(b) == (["hidden-tab-refresh-paused"] if delta > 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_hidden_expired_signal_within_a_minute_of_showing(delta, label):
    b = B()
    hidden(b, 400_000, signal_after_show_ms=T.EXPIRED_AFTER_HIDDEN_MS + delta)
    assert found(b) == (["hidden-tab-refresh-paused"] if delta <= 0 else [])


@pytest.mark.parametrize("refresh_ms, n", [
    (10_000 - 1, 1),  # answered just before the tab hid
    (10_000, 0),  # ...as it hid
    (10_000 + 400_000, 0),  # ...as it came back
    (10_000 + 400_000 + 1, 1),  # ...just after
])
def test_hidden_no_finding_when_a_refresh_succeeded_while_hidden(refresh_ms, n):
    b = B()
    hidden(b, 400_000, refresh_at=s(refresh_ms))
    assert found(b) == ["hidden-tab-refresh-paused"] * n


def test_hidden_until_the_end_of_the_trace():
    b = B()
    b.user("A", 0)
    b.hide("A", 10)
    b.ev("A", 10 + 300.001, Kind.AUTHKIT, "getAccessToken", call=1, outcome="token", token=tok("x"), seconds_left=0.0)
    [f] = diagnose(b.trace).findings
    assert f.id == "hidden-tab-refresh-paused" and "until the end of the trace" in f.explanation
    b = B()
    b.user("A", 0)
    b.hide("A", 10)
    b.ev("A", 10 + 300.001, Kind.AUTHKIT, "getAccessToken", call=1, outcome="token", token=tok("x"), seconds_left=0.1)
    assert found(b) == []


# -- split-brain ---------------------------------------------------------------------------------

@pytest.mark.parametrize("delta, label", NEAR)
def test_split_brain_lasting_at_least_a_second(delta, label):
    b = B()
    b.user("A", 0)
    b.auth_change("A", 10, False)
    b.auth_change("A", s(10_000 + T.SPLIT_BRAIN_MIN_MS + delta), True)
    b.focus("A", 60)
    assert found(b) == (["split-brain"] if delta >= 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_split_brain_after_an_auth_error_not_recovered_within_fifteen_seconds(delta, label):
    b = B()
    b.user("A", 0)
    b.ev("A", 5, Kind.CONVEX, "Authenticate", socket=1, token_type="User", token=tok("a"))
    b.auth_error("A", 10)
    b.transition("A", s(10_000 + T.AUTH_ERROR_RECOVERY_MS + delta), 1, 2)  # identity changed: authenticated
    b.focus("A", 60)
    # no split brain: the AuthError is then named on its own
    assert found(b) == (["split-brain"] if delta > 0 else ["unexplained-auth-failure"])


@pytest.mark.parametrize("delta, label", NEAR)
def test_split_brain_after_an_auth_error_needs_the_trace_to_last_fifteen_seconds(delta, label):
    b = B()
    b.user("A", 0)
    b.auth_error("A", 10)
    b.focus("A", s(10_000 + T.AUTH_ERROR_RECOVERY_MS + delta))
    assert found(b) == (["split-brain"] if delta >= 0 else ["unexplained-auth-failure"])


def test_split_brain_ends_with_the_user():
    b = B()
    b.user("A", 0)
    b.auth_change("A", 10, False)
    b.user("A", 10.999, present=False)
    b.focus("A", 60)
    assert found(b) == []
    b = B()
    b.user("A", 0)
    b.auth_change("A", 10, False)
    gone = b.user("A", 11, present=False)
    b.focus("A", 60)
    [f] = diagnose(b.trace).findings
    assert f.id == "split-brain" and gone.id in f.evidence and "It lasted 1.0 s" in f.explanation


# -- transient-refresh-reported-as-signout -----------------------------------------------------

def signout(b, flip_after_ms=100, user_gone_after_flip_ms=None, fetch_error_t=None, error=NETWORK):
    b.user("A", 0)
    call = b.call_start("A", 100, True)
    if fetch_error_t is not None:
        req, _ = b.refresh_request("A", fetch_error_t - 0.01, "rt1")
        fx = b.refresh_failed("A", fetch_error_t, req, fetch_error_t - 0.01, NETWORK)
    else:
        fx = None
    end = b.call_end("A", 101, call, 100, True, error=error)
    flip_t = 101 + s(flip_after_ms)
    flip = b.auth_change("A", flip_t, False)
    if user_gone_after_flip_ms is not None:
        b.user("A", flip_t + s(user_gone_after_flip_ms), present=False)
    b.focus("A", 200)
    return end, flip, fx


@pytest.mark.parametrize("delta, label", NEAR)
def test_signout_when_convex_reacts_within_five_seconds(delta, label):
    b = B()
    signout(b, flip_after_ms=T.CONVEX_REACTION_MS + delta)
    got = found(b)
    assert got.count("transient-refresh-reported-as-signout") == (1 if delta <= 0 else 0)
    assert got.count("split-brain") == 1


@pytest.mark.parametrize("delta, label", NEAR)
def test_signout_only_while_the_user_stays_a_second(delta, label):
    b = B()
    signout(b, user_gone_after_flip_ms=T.SPLIT_BRAIN_MIN_MS + delta)
    # a split brain of exactly a second counts; the sign-out needs the user to stay longer than that
    assert found(b) == {-1: [], 0: ["split-brain"], 1: ["split-brain", "transient-refresh-reported-as-signout"]}[delta]


def test_signout_not_for_a_terminal_error_nor_without_a_user():
    b = B()
    signout(b, error=S.LOGIN_REQUIRED)
    assert "transient-refresh-reported-as-signout" not in found(b)
    b = B()
    call = b.call_start("A", 100, True)
    b.call_end("A", 101, call, 100, True, error=NETWORK)
    b.auth_change("A", 101.1, False)
    b.focus("A", 200)
    assert found(b) == []


@pytest.mark.parametrize("offset_ms, included", [
    (-T.CALL_SLACK_MS, True), (-T.CALL_SLACK_MS - 1, False),  # before the call started
    (1000 + T.CALL_SLACK_MS, True), (1000 + T.CALL_SLACK_MS + 1, False),  # after it ended
])
def test_signout_cites_the_refresh_that_failed_within_the_call(offset_ms, included):
    b = B()
    end, flip, fx = signout(b, fetch_error_t=100 + s(offset_ms))
    [f] = diagnose(b.trace, ["transient-refresh-reported-as-signout"]).findings
    assert (fx.id in f.evidence) is included
    assert end.id in f.evidence and flip.id in f.evidence


def test_signout_from_a_failed_refresh_alone_without_the_authkit_wrapper():
    b = B()
    b.user("A", 0)  # an AuthKit user event, but no getAccessToken call
    req, _ = b.refresh_request("A", 100, "rt1")
    b.refresh_failed("A", 100.2, req, 100, NETWORK)
    b.auth_change("A", 100.3, False)
    b.focus("A", 200)
    assert found(b) == ["split-brain", "transient-refresh-reported-as-signout"]
    b = B()
    b.user("A", 0)
    req, _ = b.refresh_request("A", 100, "rt1")
    b.refresh_refused("A", 100.2, req, 100, status=503, error=None, description="Service Unavailable")
    b.auth_change("A", 100.3, False)
    b.focus("A", 200)
    assert found(b) == ["split-brain", "transient-refresh-reported-as-signout"]
    b = B()
    b.user("A", 0)
    req, _ = b.refresh_request("A", 100, "rt1")
    b.refresh_refused("A", 100.2, req, 100, status=400)  # invalid_grant: terminal
    b.auth_change("A", 100.3, False)
    b.focus("A", 200)
    assert "transient-refresh-reported-as-signout" not in found(b)


# -- throw-wedge ---------------------------------------------------------------------------------

def wedge(b, force=True, state_after_ms=-260, rejection_after_ms=10, reconnect_after_ms=None, end_after_ms=35_000,
          restart_after_ms=None):
    b.user("A", 0)
    b.set_auth("A", 1)
    b.state("A", 2, socket="ready", paused="no", auth="waitingForScheduledRefetch")
    call = b.call_start("A", 305.1, force)
    t0 = 305.31
    state = b.state("A", t0 + s(state_after_ms), socket="stopped", connected=False)
    end = b.call_end("A", t0, call, 305.1, force, error=NETWORK)
    rej = b.rejection("A", t0 + s(rejection_after_ms)) if rejection_after_ms is not None else None
    if reconnect_after_ms is not None:
        b.connect("A", t0 + s(reconnect_after_ms), 2)
    if restart_after_ms is not None:
        b.state("A", t0 + s(restart_after_ms), socket="ready")
    b.focus("A", t0 + s(end_after_ms))
    return end, state, rej


def test_throw_wedge_base_case():
    b = B()
    end, state, rej = wedge(b)
    [f] = diagnose(b.trace).findings
    assert f.id == "throw-wedge" and f.evidence == sorted([end.id, state.id, rej.id])


@pytest.mark.parametrize("delta, label", NEAR)
def test_throw_wedge_state_sampled_within_the_slack(delta, label):
    b = B()
    wedge(b, state_after_ms=T.STATE_SAMPLE_SLACK_MS + delta)
    assert found(b) == (["throw-wedge"] if delta <= 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_throw_wedge_unless_it_reconnects_within_ten_seconds(delta, label):
    b = B()
    wedge(b, reconnect_after_ms=T.WEDGE_STOPPED_MS + delta)
    assert found(b) == (["throw-wedge"] if delta > 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_throw_wedge_unless_the_socket_leaves_stopped_within_ten_seconds(delta, label):
    b = B()
    wedge(b, restart_after_ms=T.WEDGE_STOPPED_MS + delta)
    assert found(b) == (["throw-wedge"] if delta > 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_throw_wedge_unforced_needs_the_rejection_within_two_seconds(delta, label):
    b = B()
    wedge(b, force=False, rejection_after_ms=T.REJECTION_AFTER_ERROR_MS + delta)
    assert found(b) == (["throw-wedge"] if delta <= 0 else [])
    b = B()
    wedge(b, force=True, rejection_after_ms=T.REJECTION_AFTER_ERROR_MS + delta)
    assert found(b) == ["throw-wedge"]


@pytest.mark.parametrize("delta, label", NEAR)
def test_throw_wedge_rejection_up_to_the_slack_before(delta, label):
    b = B()
    wedge(b, force=False, rejection_after_ms=-T.STATE_SAMPLE_SLACK_MS - delta)
    assert found(b) == (["throw-wedge"] if delta <= 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_throw_wedge_short_trace_needs_the_rejection(delta, label):
    b = B()
    wedge(b, rejection_after_ms=None, end_after_ms=T.WEDGE_STOPPED_MS + delta)
    assert found(b) == (["throw-wedge"] if delta >= 0 else [])
    b = B()
    wedge(b, end_after_ms=T.WEDGE_STOPPED_MS + delta)
    [f] = diagnose(b.trace).findings
    assert ("the trace ends there" in f.explanation) is (delta < 0)


# -- pause-overwrite-wedge ----------------------------------------------------------------------

def pause(b, set_auths=2, end_after_anchor_ms=8000, first_state_t=1.1, calls=True, connect_t=None):
    b.boot("A", 0)
    b.mint("at0", 0)
    b.set_auth("A", 1.0)
    b.ws_create("A", 1.0)
    c1 = b.call_start("A", 1.0, False) if calls else None
    first = b.state("A", first_state_t, socket="ready", paused="uninitialized", auth="noAuth", connected=True,
                    ever=False, count=0)
    if set_auths == 2:
        b.set_auth("A", 1.5)
    c2 = b.call_start("A", 1.5, False) if calls else None
    anchor = 2.0 if calls else (1.5 if set_auths == 2 else 1.0) + s(T.PAUSE_WEDGE_FALLBACK_MS)
    if calls:
        b.call_end("A", 2.0, c1, 1.0, False, token="at0")
        b.call_end("A", 2.0, c2, 1.5, False, token="at0")
    if connect_t is not None:
        b.connect("A", connect_t, 0)
    b.focus("A", anchor + s(end_after_anchor_ms))
    return first


def test_pause_overwrite_wedge_base_case():
    b = B()
    pause(b)
    assert found(b) == ["pause-overwrite-wedge"]
    b = B()
    pause(b, set_auths=1)
    assert found(b) == []  # one setAuth and no second pause: not overwritten


@pytest.mark.parametrize("delta, label", NEAR)
def test_pause_overwrite_wedge_needs_a_second_of_being_stuck(delta, label):
    b = B()
    pause(b, end_after_anchor_ms=T.PAUSE_WEDGE_MS + delta)
    assert found(b) == (["pause-overwrite-wedge"] if delta >= 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_pause_overwrite_wedge_without_token_calls_waits_five_seconds(delta, label):
    b = B()
    pause(b, calls=False, end_after_anchor_ms=T.PAUSE_WEDGE_MS + delta)
    assert found(b) == (["pause-overwrite-wedge"] if delta >= 0 else [])


def test_pause_overwrite_wedge_not_when_connect_is_sent():
    b = B()
    pause(b, connect_t=5.0)
    assert found(b) == []


# -- same-token-reauth ---------------------------------------------------------------------------

def same_token(b, reaction_after_ms=60, reaction="state", server_rejects=True):
    b.user("A", 0)
    b.mint("at0", 0)
    b.authenticate("A", 0.4, "at0")
    call = b.call_start("A", 0.53, False)
    end = b.call_end("A", 0.54, call, 0.53, False, token="at0")
    t = 0.54 + s(reaction_after_ms)
    if reaction == "state":
        r = b.state("A", t, auth="notRefetching")
    else:
        r = b.auth_change("A", t, False)
    if server_rejects:
        b.auth_error("A", 305, "Convex token identity expired", False)
    b.focus("A", 400)
    return end, r


@pytest.mark.parametrize("delta, label", NEAR)
@pytest.mark.parametrize("reaction", ["state", "auth-change"])
def test_same_token_when_convex_reacts_within_five_seconds(delta, label, reaction):
    b = B()
    same_token(b, T.CONVEX_REACTION_MS + delta, reaction)
    assert found(b, ["same-token-reauth"]) == (["same-token-reauth"] if delta <= 0 else [])


def test_same_token_not_refetching_is_latent_until_the_server_rejects():
    b = B()
    same_token(b, server_rejects=False)
    assert found(b, ["same-token-reauth"]) == []
    b = B()
    same_token(b, reaction="auth-change", server_rejects=False)
    assert found(b, ["same-token-reauth"]) == ["same-token-reauth"]


# -- refresh-lock-starvation ----------------------------------------------------------------------

def starvation(b, answered_after_ms=None, victim_t=111.0, lock_state_t=None, hide=True):
    b.user("A", 0)
    if hide:
        b.hide("A", 99)
    req, r = b.refresh_request("A", 100.0, "rt2")
    if answered_after_ms is not None:
        b.refresh_ok("A", 100.0 + s(answered_after_ms), req, 100.0, "at2", "rt3")
    if victim_t is not None:
        call = b.call_start("B", victim_t - 10, False)
        b.call_end("B", victim_t, call, victim_t - 10, False, error=LOCK_TIMEOUT)
    if lock_state_t is not None:
        b.lock("B", lock_state_t, "request", 1, 1, 1)
    b.focus("B", 130)


@pytest.mark.parametrize("delta, label", NEAR)
def test_lock_starvation_when_the_refresh_hangs_ten_seconds(delta, label):
    b = B()
    starvation(b, answered_after_ms=T.HUNG_REFRESH_MS + delta, victim_t=111.0)
    assert found(b, ["refresh-lock-starvation"]) == (["refresh-lock-starvation"] if delta >= 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_lock_starvation_victim_up_to_the_slack_after_the_answer(delta, label):
    b = B()
    starvation(b, answered_after_ms=15_000, victim_t=115.0 + s(T.LOCK_SLACK_MS + delta))
    assert found(b, ["refresh-lock-starvation"]) == (["refresh-lock-starvation"] if delta <= 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_lock_starvation_from_lock_state_after_the_acquire_timeout(delta, label):
    b = B()
    starvation(b, answered_after_ms=None, victim_t=None, lock_state_t=100 + s(T.LOCK_ACQUIRE_TIMEOUT_MS + delta))
    assert found(b, ["refresh-lock-starvation"]) == (["refresh-lock-starvation"] if delta >= 0 else [])


def test_lock_starvation_not_for_a_victim_in_the_same_tab_nor_before():
    b = B()
    b.user("A", 0)
    b.refresh_request("A", 100.0, "rt2")
    call = b.call_start("A", 101, False)
    b.call_end("A", 111, call, 101, False, error=LOCK_TIMEOUT)
    call = b.call_start("B", 89, False)
    b.call_end("B", 99.999, call, 89, False, error=LOCK_TIMEOUT)
    b.focus("B", 130)
    assert found(b, ["refresh-lock-starvation"]) == []


# -- offline-at-refresh ---------------------------------------------------------------------------

def offline(b, error_after_call_end_ms=0, online_flag=True, go_offline=True):
    b.user("A", 0)
    if go_offline:
        b.offline("A", 280)
    call = b.call_start("A", 290.5, True)
    end = b.call_end("A", 291.5, call, 290.5, True, error=NETWORK)
    t = 291.5 + s(error_after_call_end_ms)
    req, _ = b.refresh_request("A", t - 0.01, "rt2")
    err = b.ev("A", t, Kind.FETCH, "error", request=req, name="TypeError", message="Failed to fetch",
               online=online_flag, auth=True, grant_type="refresh_token")
    b.focus("A", 400)
    return end, err


@pytest.mark.parametrize("delta, label", NEAR)
def test_offline_refresh_within_the_slack_of_a_failed_call(delta, label):
    b = B()
    offline(b, error_after_call_end_ms=T.CALL_SLACK_MS + delta)
    assert found(b, ["offline-at-refresh"]) == (["offline-at-refresh"] if delta <= 0 else [])


@pytest.mark.parametrize("delta, label", NEAR)
def test_offline_refresh_within_the_slack_before_the_call(delta, label):
    b = B()
    offline(b, error_after_call_end_ms=-1000 - T.CALL_SLACK_MS - delta)
    assert found(b, ["offline-at-refresh"]) == (["offline-at-refresh"] if delta <= 0 else [])


def test_offline_refresh_flagged_by_the_event_alone():
    b = B()
    offline(b, online_flag=False, go_offline=False)
    assert found(b, ["offline-at-refresh"]) == ["offline-at-refresh"]
    b = B()
    offline(b, online_flag=True, go_offline=False)
    assert found(b, ["offline-at-refresh"]) == []


# -- session-ended --------------------------------------------------------------------------------

def ended(b, quiet_ms=None, user_gone_after_ms=None):
    b.user("A", 0)
    start = 20_000.0
    if quiet_ms is not None:  # hidden for quiet_ms, until a second before the refresh
        b.hide("A", start - 1 - s(quiet_ms))
        b.show("A", start - 1)
    req, _ = b.refresh_request("A", start, "rt2")
    resp = b.refresh_refused("A", start + 0.2, req, start, 400, "invalid_grant", "Session has ended.")
    gone = b.user("A", start + 0.2 + s(user_gone_after_ms), present=False) if user_gone_after_ms is not None else None
    b.focus("A", start + 100)
    return resp, gone


@pytest.mark.parametrize("delta, label", NEAR)
def test_session_ended_cites_the_sign_out_within_a_minute(delta, label):
    b = B()
    _, gone = ended(b, user_gone_after_ms=T.SIGNOUT_AFTER_TERMINAL_MS + delta)
    [f] = diagnose(b.trace, ["session-ended"]).findings
    assert (gone.id in f.evidence) is (delta <= 0)
    assert ("AuthKit dropped the user" in f.explanation) is (delta <= 0)


@pytest.mark.parametrize("delta, label", NEAR)
def test_session_ended_names_a_quiet_period_of_ten_minutes(delta, label):
    b = B()
    ended(b, quiet_ms=T.LONG_QUIET_MS + delta)
    [f] = diagnose(b.trace, ["session-ended"]).findings
    assert ("after being hidden for" in f.explanation) is (delta >= 0)


def test_session_ended_still_showing_the_user():
    b = B()
    ended(b)
    [f] = diagnose(b.trace, ["session-ended"]).findings
    assert "AuthKit still showed the user afterwards" in f.explanation


# -- the numbers themselves ---------------------------------------------------------------------

def test_thresholds_are_the_documented_defaults():
    """docs/diagnosis.md states these (the boundary tests above move with them): changing one is a
    decision to make here and in the docs, not an accident."""
    assert {name: getattr(T, name) for name in dir(T) if name.isupper()} == {
        "DEFAULT_ACCESS_TOKEN_LIFETIME_MS": 300_000, "STALE_AUTH_AFTER_CONNECT_MS": 2_000,
        "AUTH_ERROR_AFTER_AUTHENTICATE_MS": 5_000, "RECOVERY_WINDOW_MS": 10_000, "EXPIRED_AFTER_HIDDEN_MS": 60_000,
        "CONVEX_REACTION_MS": 5_000, "WEDGE_STOPPED_MS": 10_000, "STATE_SAMPLE_SLACK_MS": 1_000,
        "WEDGE_SHORT_TRACE_MIN_MS": 0, "REJECTION_AFTER_ERROR_MS": 2_000, "PAUSE_WEDGE_MS": 1_000,
        "PAUSE_WEDGE_FALLBACK_MS": 5_000, "LOCK_ACQUIRE_TIMEOUT_MS": 10_000, "HUNG_REFRESH_MS": 10_000,
        "LOCK_SLACK_MS": 2_000, "CALL_SLACK_MS": 500, "SIGNOUT_AFTER_TERMINAL_MS": 60_000,
        "LONG_QUIET_MS": 600_000, "SPLIT_BRAIN_MIN_MS": 1_000, "AUTH_ERROR_RECOVERY_MS": 15_000,
        "REPORT_RECOVERED_CAUSES": True,
    }
