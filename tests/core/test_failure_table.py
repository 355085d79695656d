"""Transient or terminal, one row per branch of authtrace.failure.classify, with its reason.

The shared table (tests/fixtures/transient-cases.json) is what the JS bridge agrees on; this
one pins the Python verdict itself, row by row, including the edges: each retryable status
and its neighbours, the order in which the checks win, and what only "looks" terminal.
"""

import pytest

from authtrace.failure import (
    RETRYABLE_STATUS, TERMINAL, TRANSIENT, Verdict, classify, classify_payload, is_network_message, is_retryable_status,
    transient_reason,
)

T, X = TRANSIENT, TERMINAL

# (name, message, error_class, status, is_transient, error, login_required) -> (kind, reason)
TABLE = [
    # login required wins over everything, even a retryable status
    (("Error", "", None, 503, None, None, True), (X, "login-required")),
    (("Error", "x", "LoginRequiredError", 503, True, None, False), (X, "login-required")),
    (("Error", "No access token available", "_t", None, None, None, False), (X, "login-required")),
    # ...but only that exact message (a prefix or other case is a terminal message, not login-required)
    (("Error", "No access token available.", None, None, None, None, False), (X, "message")),
    # the lock timeout, by name, class or message (minified), before AuthKit's own verdict
    (("RefreshTimeoutError", "x", None, None, None, None, False), (T, "lock-timeout")),
    (("Error", "x", "RefreshTimeoutError", 400, False, "invalid_grant", False), (T, "lock-timeout")),
    (("Error", "  Timed out waiting to refresh the session.", "_e", None, None, None, False), (T, "lock-timeout")),
    (("Error", "We timed out waiting to refresh the session", None, None, None, None, False), (T, "unknown")),
    # aborts
    (("AbortError", "The user aborted a request.", "DOMException", None, None, None, False), (T, "abort")),
    (("TimeoutError", "signal timed out", "DOMException", None, None, None, False), (T, "abort")),
    (("Error", "x", "AbortError", None, None, None, False), (T, "unknown")),
    # AuthKit's RefreshError: a retryable status first, then its flag, then what it says
    (("RefreshError", "Request Timeout", "RefreshError", 408, True, None, False), (T, "http-408")),
    (("RefreshError", "Too Many Requests", "RefreshError", 429, False, None, False), (T, "http-429")),
    (("RefreshError", "x", "RefreshError", 425, None, None, False), (T, "http-425")),
    (("RefreshError", "x", "RefreshError", 500, None, None, False), (T, "http-500")),
    (("RefreshError", "x", "RefreshError", 599, False, None, False), (T, "http-599")),
    (("RefreshError", "Refresh failed", "RefreshError", None, True, None, False), (T, "transient")),
    (("RefreshError", "Refresh failed", "RefreshError", 400, True, "invalid_grant", False), (T, "transient")),
    (("RefreshError", "Session has ended.", "RefreshError", 400, False, "invalid_grant", False), (X, "invalid_grant")),
    (("RefreshError", "Unauthorized", "RefreshError", 401, False, None, False), (X, "http-401")),
    (("RefreshError", "x", "RefreshError", 600, False, "", False), (X, "http-600")),
    (("RefreshError", "x", "RefreshError", 407, False, None, False), (X, "http-407")),
    (("RefreshError", "x", "RefreshError", 499, False, None, False), (X, "http-499")),
    (("RefreshError", "x", "RefreshError", None, None, None, False), (X, "refresh-error")),
    (("RefreshError", "x", "RefreshError", True, None, None, False), (X, "refresh-error")),
    (("Error", "x", "RefreshError", 403, False, "mfa_enrollment", False), (X, "mfa_enrollment")),
    # an is_transient flag alone makes it AuthKit's verdict; a non-bool flag does not
    (("Error", "Failed to fetch", None, None, False, None, False), (X, "refresh-error")),
    (("Error", "Failed to fetch", None, None, "yes", None, False), (T, "network")),
    # plain errors with a status
    (("Error", "Too Many Requests", "Error", 429, None, None, False), (T, "http-429")),
    (("Error", "x", None, 408, None, None, False), (T, "http-408")),
    (("Error", "x", None, 502, None, None, False), (T, "http-502")),
    (("Error", "x", None, 409, None, None, False), (T, "unknown")),
    (("Error", "x", None, 428, None, None, False), (T, "unknown")),
    (("Error", "x", None, 430, None, None, False), (T, "unknown")),
    (("Error", "Refresh token has been revoked", "Error", 400, None, "invalid_grant", False), (X, "invalid_grant")),
    (("Error", "Missing refresh token.", None, 401, None, None, False), (X, "http-401")),
    (("Error", "Missing refresh token.", None, 403, None, None, False), (X, "message")),
    (("Error", "Bad Request", None, 400, None, "invalid_grant", False), (X, "invalid_grant")),
    (("Error", "Bad Request", None, 400, None, "invalid_request", False), (T, "unknown")),
    # network failures: a TypeError with a network message; any error whose message is one
    (("TypeError", "Failed to fetch", "TypeError", None, None, None, False), (T, "network")),
    (("TypeError", "x", "TypeError", None, None, None, False), (T, "type-error")),
    (("Error", "Failed to fetch", "TypeError", None, None, None, False), (T, "network")),
    (("Error", "Cannot read properties of undefined", "TypeError", None, None, None, False), (T, "type-error")),
    (("Error", "NetworkError when attempting to fetch resource.", None, None, None, None, False), (T, "network")),
    (("Error", "request terminated", None, None, None, None, False), (T, "network")),
    (("Error", "net::ERR_INTERNET_DISCONNECTED", None, None, None, None, False), (T, "network")),
    # a body that is not JSON
    (("SyntaxError", "Unexpected token <", None, None, None, None, False), (T, "bad-body")),
    (("Error", "Unexpected token <", "SyntaxError", None, None, None, False), (T, "bad-body")),
    # terminal words in the message, unless it also speaks of a timeout
    (("Error", "Missing refresh token.", "Error", None, None, None, False), (X, "message")),
    (("Error", "Session has ended.", None, None, None, None, False), (X, "message")),
    (("Error", "session expired", None, None, None, None, False), (X, "message")),
    (("Error", "Refresh token already used", None, None, None, None, False), (X, "message")),
    (("Error", "Timed out: session expired", "Error", None, None, None, False), (T, "unknown")),
    (("Error", "session expired (timeout)", None, None, None, None, False), (T, "unknown")),
    (("Error", "Something odd happened", "Error", None, None, None, False), (T, "unknown")),
    ((None, None, None, None, None, None, False), (T, "unknown")),
]


@pytest.mark.parametrize("args, expected", TABLE, ids=[f"{a[0]}-{a[1]!s:.24}-{a[3]}" for a, _ in TABLE])
def test_verdict_table(args, expected):
    *positional, login_required = args
    v = classify(*positional, login_required=login_required)
    assert (v.kind, v.reason) == expected
    if not login_required:
        keys = ("name", "message", "error_class", "status", "is_transient", "error")
        assert classify_payload(dict(zip(keys, positional))) == v


@pytest.mark.parametrize("status", [407, 408, 409, 424, 425, 426, 428, 429, 430, 499, 500, 599, 600, None, "503", True])
def test_retryable_statuses_are_exactly_408_425_429_and_5xx(status):
    expected = status in (408, 425, 429) or (type(status) is int and 500 <= status <= 599)
    assert is_retryable_status(status) is expected
    assert (status in RETRYABLE_STATUS) is (expected and type(status) is int)


def test_evident_is_transient_for_a_reason_the_error_shows():
    assert Verdict(T, "network").evident and Verdict(T, "http-429").evident and Verdict(T, "abort").evident
    for by_default in ("type-error", "bad-body", "unknown"):
        assert Verdict(T, by_default).transient and not Verdict(T, by_default).evident
    assert not Verdict(X, "network").evident and not Verdict(X, "message").transient
    assert transient_reason("TypeError", "Failed to fetch") == "network"
    assert transient_reason("RefreshError", "x", None, 503) == "http-503"
    assert transient_reason("TypeError", "x") is None
    assert transient_reason("RefreshError", "x", None, 400, False, "invalid_grant") is None


@pytest.mark.parametrize("message, expected", [
    ("Failed to fetch", True), ("FAILED TO FETCH", True), ("Load failed", True), ("fetch failed", True),
    ("The network connection was lost.", True), ("Network request failed", True), ("error sending request", True),
    ("The Internet connection appears to be offline.", True), ("net::ERR_NETWORK_CHANGED", True),
    ("", False), (None, False), ("failed", False), ("fetch", False), ("network", False),
])
def test_network_messages(message, expected):
    assert is_network_message(message) is expected
