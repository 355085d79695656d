"""Transient or terminal (authtrace.failure): what holds for any error, beyond the shared table."""

from hypothesis import given
from hypothesis import strategies as st

from authtrace.failure import RETRYABLE_STATUS, TERMINAL, TRANSIENT, classify, classify_payload, transient_reason

names = st.sampled_from(["", "Error", "TypeError", "AbortError", "TimeoutError", "RefreshError", "RefreshTimeoutError",
                         "SyntaxError", "LoginRequiredError"])
messages = st.one_of(st.text(max_size=30), st.sampled_from([
    "Failed to fetch", "Load failed", "NetworkError when attempting to fetch resource.", "Missing refresh token.",
    "Session has ended.", "No access token available", "Timed out waiting to refresh the session.", "invalid_grant"]))
classes = st.sampled_from([None, "", "Error", "TypeError", "RefreshError", "LoginRequiredError", "_e", "DOMException"])
statuses = st.one_of(st.none(), st.sampled_from([0, 200, 400, 401, 403, 408, 425, 429, 500, 503, 520, 599, 600]),
                     st.booleans(), st.text(max_size=3))
flags = st.sampled_from([None, True, False, "yes"])
errors = st.sampled_from([None, "", "invalid_grant", "invalid_request"])


@given(names, messages, classes, statuses, flags, errors)
def test_every_error_gets_one_verdict_and_evident_means_transient(name, message, cls, status, flag, error):
    v = classify(name, message, cls, status, flag, error)
    assert v.kind in (TRANSIENT, TERMINAL) and v.reason
    assert not v.evident or v.transient
    assert transient_reason(name, message, cls, status, flag, error) == (v.reason if v.evident else None)
    p = {"name": name, "message": message, "error_class": cls, "status": status, "is_transient": flag, "error": error}
    assert classify_payload(p) == v


@given(names, messages, classes, statuses, flags, errors)
def test_login_required_is_always_terminal(name, message, cls, status, flag, error):
    assert classify(name, message, cls, status, flag, error, login_required=True).kind == TERMINAL
    assert classify(name, message, "LoginRequiredError", status, flag, error).kind == TERMINAL


@given(st.sampled_from(sorted(RETRYABLE_STATUS)), st.sampled_from(["Error", "RefreshError", ""]), flags)
def test_a_retryable_status_is_transient_whatever_authkit_says(status, name, flag):
    v = classify(name, "Service Unavailable", None, status, flag)
    assert (v.kind, v.reason) == (TRANSIENT, f"http-{status}")


def test_unknown_errors_are_transient_but_not_evidently():
    v = classify("Error", "Something odd happened")
    assert v.transient and not v.evident and transient_reason("Error", "Something odd happened") is None
    assert not classify("TypeError", "Cannot read properties of undefined").evident
    assert classify("TypeError", "Failed to fetch (api.workos.com)").evident
