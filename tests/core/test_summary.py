"""The one-line event descriptions of `authtrace analyze`'s timeline."""

from authtrace.diagnosis.summary import describe
from authtrace.event import Event, Kind


def _response(**payload):
    return Event("t1", 1.0, 1_800_000_000_000.0, Kind.FETCH, "response",
                 {"auth": True, "grant_type": "refresh_token", **payload})


def test_a_refresh_answered_with_a_token_says_so():
    line = describe(_response(status=200, ok=True, access_token="tok:0123456789ab", expires_in_s=300))
    assert line.startswith("WorkOS refresh ← 200 new token tok:0123456789ab")


def test_a_5xx_without_an_error_body_is_not_a_new_token():
    line = describe(_response(status=503, ok=False))
    assert line == "WorkOS refresh ← 503 (no token)"


def test_a_workos_error_is_quoted():
    line = describe(_response(status=400, ok=False, workos_error="invalid_request",
                              workos_error_description="Missing refresh token."))
    assert "400 invalid_request" in line and "Missing refresh token." in line
