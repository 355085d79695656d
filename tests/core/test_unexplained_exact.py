"""``unexplained-auth-failure``, judged directly: which failures another finding explains
(its evidence, the request of a failed answer, the failed token call, the rejected
Authenticate, a finding of the tab within the recovery window, a retry of the same
outage), how the others are grouped, and their exact words."""

import pytest

from authtrace import Kind
from authtrace.diagnosis.finding import Finding
from authtrace.diagnosis.rules import missing
from authtrace.diagnosis.rules.unexplained import EXPLAINERS, failed_auth_answer, unexplained
from authtrace.diagnosis.timeline import Timeline
from authtrace.event import Event

import _traces as S

ALL = set(EXPLAINERS)
TAIL = " No known failure chain explains it from this input."


def judge(b, findings=(), caps=None):
    tl = Timeline(b.trace)
    return [f for f in unexplained(tl, list(findings), {None: ALL if caps is None else caps}) if f is not None]


def named(*events, at=0.0, tab="A"):
    """Another rule's finding resting on these events."""
    return Finding("other", S.T0 + at * 1000, [e.id for e in events], "", "", tab)


def builder():
    b = S.Builder()
    b.boot("A", 0)
    return b


def fetch_error(b, t, grant="refresh_token", name="TypeError", message="Failed to fetch", **extra):
    req_id, req = b.refresh_request("A", t - 0.1)
    return b.ev("A", t, Kind.FETCH, "error", request=req_id, name=name, message=message, auth=True,
                grant_type=grant, **extra)


def refused(b, t, status=400, error="invalid_grant", description="Session has ended.", grant="refresh_token"):
    req_id, req = b.refresh_request("A", t - 0.1)
    return b.ev("A", t, Kind.FETCH, "response", request=req_id, status=status, ok=False, auth=True,
                grant_type=grant, workos_error=error, workos_error_description=description)


def granted(b, t):
    req_id, _ = b.refresh_request("A", t - 0.1)
    return b.refresh_ok("A", t, req_id, t - 0.1, f"at{t}", f"rt{t}")


# -- what counts as a failed answer ----------------------------------------------------------

def fe(type_, **p):
    return Event("A", 0.0, S.T0, Kind.FETCH, type_, p)


@pytest.mark.parametrize("event, failed", [
    (fe("error", auth=True), True),
    (fe("error"), False),  # the app's own request
    (fe("request", auth=True), False),
    (fe("response", auth=True, status=200, ok=True), False),
    (fe("response", auth=True, status=299), False),
    (fe("response", auth=True, status=300), True),
    (fe("response", auth=True, status=199), True),
    (fe("response", auth=True, status=400), True),
    (fe("response", auth=True, status=200, ok=False), True),
    (fe("response", auth=True, status=True), False),  # not a status
    (fe("response", auth=True), False),
    (Event("A", 0.0, S.T0, Kind.CONVEX, "AuthError", {"auth": True}), False),
])
def test_failed_auth_answer(event, failed):
    assert failed_auth_answer(event) is failed


# -- WorkOS failures: words ------------------------------------------------------------------

def test_a_network_failure_in_full():
    b = builder()
    e = fetch_error(b, 1.1)
    (f,) = judge(b)
    assert f.id == "unexplained-auth-failure" and f.tab == "A" and f.at == e.wall
    assert f.evidence == [e.id - 1, e.id]  # the request and its failure
    assert f.explanation == ("At +0:01.1 the tab's token refresh failed with TypeError: Failed to fetch, a transient "
                             "failure that says nothing about the session. Nothing in the recording ties it to a "
                             "loss of Convex authentication." + TAIL)
    assert f.missing_evidence == ()


def test_a_network_failure_offline_with_its_net_error_and_the_token_granted_later():
    b = builder()
    fetch_error(b, 1.1, grant=None, online=False, net_error="net::ERR_INTERNET_DISCONNECTED")
    granted(b, 5.0)
    (f,) = judge(b, caps={"sync", "page"})
    assert f.explanation == (
        "At +0:01.1 the tab's WorkOS authenticate request failed with TypeError: Failed to fetch "
        "(net::ERR_INTERNET_DISCONNECTED) while the browser was offline, a transient failure that says nothing "
        "about the session (a token was granted again at +0:05.0). What the app did with it (the adapter's answer "
        "to Convex) is not in this input. No known failure chain explains it from this input; what could is "
        "missing (below).")
    assert f.missing_evidence == missing("storage", "authkit-client", "convex-client")


def test_offline_from_the_page_events():
    b = builder()
    b.offline("A", 0.5)
    fetch_error(b, 1.1, grant="authorization_code")
    (f,) = judge(b)
    assert f.explanation.startswith("At +0:01.1 the tab's sign-in code exchange failed with TypeError: Failed to "
                                    "fetch while the browser was offline, a transient failure ")


def test_a_terminal_refusal():
    b = builder()
    e = refused(b, 2.0)
    (f,) = judge(b)
    assert f.at == e.wall
    assert f.explanation == (
        "At +0:02.0 WorkOS refused the tab's token refresh with 400 invalid_grant \"Session has ended.\", a terminal "
        "error: authkit-js ends the session (every later getAccessToken fails with LoginRequiredError) while the "
        "app may still show the user." + TAIL)


def test_a_transient_refusal_and_its_repetition():
    b = builder()
    first = refused(b, 2.0, status=503, error=None, description=None)
    refused(b, 3.0, status=503, error=None, description=None)
    b.ev("B", 3.5, Kind.LIFECYCLE, "boot")  # a second tab: tabs are named
    (f,) = judge(b)
    assert f.at == first.wall and len(f.evidence) == 4
    assert f.explanation == ("2 times from +0:02.0 to +0:03.0 WorkOS answered tab A's token refresh with 503, a "
                             "transient failure that says nothing about the session." + TAIL)


# -- WorkOS failures: grouping ------------------------------------------------------------------

def test_failures_are_grouped_by_name_message_and_grant():
    b = builder()
    b.refresh_request("A", 0.5)  # never answered
    fetch_error(b, 1.0)
    fetch_error(b, 2.0)
    fetch_error(b, 3.0, message="Load failed")
    fetch_error(b, 4.0, name="AbortError")
    fetch_error(b, 5.0, grant="authorization_code")
    found = judge(b)
    assert [len(f.evidence) for f in found] == [4, 2, 2, 2]
    assert [f.explanation.split(" failed with ")[1].split(",")[0] for f in found] == [
        "TypeError: Failed to fetch", "TypeError: Load failed", "AbortError: Failed to fetch",
        "TypeError: Failed to fetch"]
    assert found[-1].explanation.startswith("At +0:05.0 the tab's sign-in code exchange failed")


def test_refusals_are_grouped_by_status_error_and_grant():
    b = builder()
    refused(b, 1.0)
    refused(b, 2.0)
    refused(b, 3.0, status=401)
    refused(b, 4.0, error="invalid_request")
    refused(b, 5.0, description="Missing refresh token.")
    refused(b, 6.0, grant="authorization_code")
    found = judge(b)
    assert [len(f.evidence) for f in found] == [4, 2, 2, 2, 2]
    assert found[-1].explanation.startswith("At +0:06.0 WorkOS refused the tab's sign-in code exchange with 400 ")


# -- WorkOS failures: explained ------------------------------------------------------------------

def test_a_failure_in_another_findings_evidence_is_explained():
    b = builder()
    e = refused(b, 1.0)
    assert judge(b, [named(e)]) == []


def test_a_failed_answer_whose_request_is_evidence_is_explained():
    b = builder()
    e = refused(b, 1.0)
    request = b.trace.events[e.id - 2]
    assert request.type == "request"
    assert judge(b, [named(request)]) == []
    assert len(judge(b, [named(b.trace.events[0])])) == 1


def test_a_failure_of_a_token_call_that_is_evidence_is_explained():
    b = builder()
    call = b.call_start("A", 1.0, True)
    req_id, _ = b.refresh_request("A", 1.01)
    b.refresh_failed("A", 1.1, req_id, 1.01)
    end = b.call_end("A", 1.11, call, 1.0, True, error=S.NETWORK)
    assert judge(b, [named(end)]) == []
    assert len(judge(b)) == 1


def test_retries_of_an_explained_outage_are_explained_until_a_token_is_granted():
    b = builder()
    first = fetch_error(b, 1.0)
    fetch_error(b, 2.0)  # the same outage, retried
    b.ev("A", 2.5, Kind.FETCH, "response", request=99, status=429, ok=False, auth=True, grant_type="refresh_token")
    assert judge(b, [named(first)]) == []
    granted(b, 3.0)
    after = fetch_error(b, 4.0)
    (f,) = judge(b, [named(first)])
    assert f.at == after.wall


def test_a_retry_at_the_moment_a_token_was_granted_is_not_the_same_outage():
    b = builder()
    first = fetch_error(b, 1.0)
    granted(b, 3.0)
    again = fetch_error(b, 3.0)
    (f,) = judge(b, [named(first)])
    assert f.at == again.wall


def test_an_explained_terminal_refusal_is_no_outage():
    b = builder()
    first = refused(b, 1.0)
    later = fetch_error(b, 2.0)
    (f,) = judge(b, [named(first)])
    assert f.at == later.wall


# -- Convex ---------------------------------------------------------------------------------

def authenticate(b, t, socket=1):
    return b.ev("A", t, Kind.CONVEX, "Authenticate", socket=socket, token_type="User", token="tok:x")


def auth_error(b, t, error="Token expired", socket=1):
    return b.ev("A", t, Kind.CONVEX, "AuthError", socket=socket, error=error, auth_update_attempted=True)


def test_an_auth_error_not_recovered():
    b = builder()
    e = auth_error(b, 2.0)
    (f,) = judge(b)
    assert f.at == e.wall and f.evidence == [e.id]
    assert f.explanation == ("At +0:02.0 the Convex server rejected the tab's token: AuthError \"Token expired\" "
                             "(authUpdateAttempted=True); Convex was not authenticated again within 15.0 s." + TAIL)


def test_an_auth_error_recovered():
    b = builder()
    auth_error(b, 2.0)
    b.auth_change("A", 10.0, True)
    (f,) = judge(b)
    assert f.explanation == ("At +0:02.0 the Convex server rejected the tab's token: AuthError \"Token expired\" "
                             "(authUpdateAttempted=True); Convex was authenticated again within 15.0 s." + TAIL)


def test_auth_errors_recovered_each_time_are_one_finding():
    b = builder()
    auth_error(b, 2.0)
    b.auth_change("A", 3.0, True)
    auth_error(b, 302.0)
    b.auth_change("A", 303.0, True)
    (f,) = judge(b)
    assert f.explanation == ("2 times from +0:02.0 to +5:02.0 the Convex server rejected the tab's token: AuthError "
                             "\"Token expired\" (authUpdateAttempted=True); each time Convex was authenticated again "
                             "within 15.0 s." + TAIL)


def test_auth_errors_are_grouped_by_error_and_recovery():
    b = builder()
    auth_error(b, 2.0)
    auth_error(b, 3.0, error="Invalid token")
    auth_error(b, 50.0)
    b.auth_change("A", 51.0, True)
    found = judge(b)
    assert [len(f.evidence) for f in found] == [1, 1, 1]
    assert [("not authenticated" in f.explanation) for f in found] == [True, True, False]


def test_a_fatal_error():
    b = builder()
    b.ev("A", 1.0, Kind.CONVEX, "FatalError", error="Internal")
    (f,) = judge(b)
    assert f.explanation == ("At +0:01.0 the Convex server sent the tab FatalError \"Internal\": the client terminates "
                             "its socket and never reconnects, so queries stop updating until the page reloads." + TAIL)


def test_an_auth_error_is_explained_by_the_authenticate_it_rejected():
    b = builder()
    sent = authenticate(b, 1.0)
    b.ev("A", 2.0, Kind.CONVEX, "Transition", socket=1, identity_changed=False)
    auth_error(b, 3.0)
    assert judge(b, [named(sent)]) == []


@pytest.mark.parametrize("others, explained", [(8, True), (9, False)])
def test_the_rejected_authenticate_is_looked_for_past_at_most_eight_of_other_sockets(others, explained):
    b = builder()
    sent = authenticate(b, 1.0, socket=1)
    for i in range(others):
        authenticate(b, 2.0 + i / 10, socket=2)
    auth_error(b, 3.0, socket=1)
    assert (judge(b, [named(sent)]) == []) is explained


@pytest.mark.parametrize("after_ms, explained", [(0, True), (15_000, True), (15_001, False), (-1, False)])
def test_a_finding_of_the_tab_within_the_recovery_window_explains_an_auth_error(after_ms, explained):
    b = builder()
    e = auth_error(b, 2.0)
    later = Finding("other", e.wall + after_ms, [], "", "", "A")
    assert (judge(b, [later]) == []) is explained
    elsewhere = Finding("other", e.wall, [], "", "", "B")
    assert len(judge(b, [elsewhere])) == 1
