"""workos_errors: the exact statuses and bodies the emulator and replay answer with (pure)."""

import pytest

from authtrace import workos_errors as W


def test_invalid_request_and_invalid_grant():
    assert W.invalid_request("Nope.") == W.WorkOSError(400, "invalid_request", "Nope.")
    assert W.invalid_request("Nope.").body() == {"error": "invalid_request", "error_description": "Nope."}
    assert W.invalid_grant("Gone.") == W.WorkOSError(400, "invalid_grant", "Gone.")
    assert W.invalid_grant() == W.WorkOSError(400, "invalid_grant", "Invalid refresh token.")
    assert W.invalid_grant("") == W.WorkOSError(400, "invalid_grant", "Invalid refresh token.")
    assert W.invalid_grant(None).body() == {"error": "invalid_grant", "error_description": "Invalid refresh token."}


def test_the_named_refusals():
    assert (W.MISSING_REFRESH_TOKEN.status, W.MISSING_REFRESH_TOKEN.body()) == (
        400, {"error": "invalid_request", "error_description": "Missing refresh token."})
    assert W.INVALID_REFRESH_TOKEN.body() == {"error": "invalid_grant", "error_description": "Invalid refresh token."}
    assert W.ALREADY_EXCHANGED.body() == {"error": "invalid_grant",
                                          "error_description": "Refresh token already exchanged."}
    assert W.SESSION_EXPIRED.body()["error_description"] == "Session has expired."
    assert W.SESSION_ENDED.body()["error_description"] == "Session has ended."
    assert W.REFRESH_TOKEN_REVOKED.body()["error_description"] == "Refresh token has been revoked."
    for e in (W.SESSION_EXPIRED, W.SESSION_ENDED, W.REFRESH_TOKEN_REVOKED, W.ALREADY_EXCHANGED):
        assert (e.status, e.error) == (400, "invalid_grant")


def test_status_body_timeout_and_rate_limit():
    assert W.status_body(408) == {"error": "request_timeout", "error_description": "Request timed out. Please retry."}
    assert W.status_body(429) == {"error": "too_many_requests",
                                  "error_description": "Could not process refresh token. Please retry."}


@pytest.mark.parametrize("status,message", [
    (500, "Internal Server Error"), (502, "Bad Gateway"), (503, "Service unavailable"), (504, "Gateway Timeout"),
    (501, "Server Error"), (599, "Server Error"),
])
def test_status_body_server_errors(status, message):
    assert W.status_body(status) == {"message": message}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 499])
def test_status_body_other_client_errors(status):
    assert W.status_body(status) == {"error": "invalid_request",
                                     "error_description": f"Request failed with status {status}."}


def test_gateway_page_known_and_unknown_status():
    assert W.gateway_page(502) == ("<html><head><title>502</title></head>"
                                   "<body><h1>502 Bad Gateway</h1></body></html>")
    assert W.gateway_page(599) == ("<html><head><title>599</title></head>"
                                   "<body><h1>599 Error</h1></body></html>")


def test_bodies_that_are_not_json():
    assert W.TRUNCATED_JSON == '{"user": {"object": "user", "id": "us'
    assert W.NOT_A_JWT == "not-a-jwt"
