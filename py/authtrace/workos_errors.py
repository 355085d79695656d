"""What the WorkOS AuthKit API answers when it refuses or breaks (pure).

One home for the bodies both the WorkOS emulator (which answers them) and
replay's page-side injections (:mod:`authtrace.replay.inject`, which imitate
them) use. Sources (``/work/shared/reference/workos-authkit.md``): the texts
"Missing refresh token." and "Refresh token already exchanged." are observed
(§5, authkit-react #40, workos-node #1202); the status bodies follow workos-node's
test fixtures (§2.1: 429 ``too_many_requests`` "Could not process refresh token.
Please retry.", 408, 503 ``{"message": "Service unavailable"}``). The other
``invalid_grant`` texts are chosen here; clients look only at ``error`` and the
status.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any


@dataclass(frozen=True)
class WorkOSError:
    """An OAuth-style refusal: HTTP ``status`` with ``{"error", "error_description"}``."""

    status: int
    error: str
    description: str

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


def invalid_request(description: str) -> WorkOSError:
    return WorkOSError(400, "invalid_request", description)


def invalid_grant(description: str | None = None) -> WorkOSError:
    return WorkOSError(400, "invalid_grant", description or "Invalid refresh token.")


MISSING_REFRESH_TOKEN = invalid_request("Missing refresh token.")
INVALID_REFRESH_TOKEN = invalid_grant("Invalid refresh token.")
ALREADY_EXCHANGED = invalid_grant("Refresh token already exchanged.")
SESSION_EXPIRED = invalid_grant("Session has expired.")  # maximum length or inactivity
SESSION_ENDED = invalid_grant("Session has ended.")  # logout or revoked
REFRESH_TOKEN_REVOKED = invalid_grant("Refresh token has been revoked.")

# A 200 whose JSON is cut off (client: SyntaxError), and the token a "bad-token" fault puts in.
TRUNCATED_JSON = '{"user": {"object": "user", "id": "us'
NOT_A_JWT = "not-a-jwt"

_GATEWAY_MESSAGES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service unavailable", 504: "Gateway Timeout"}


def status_body(status: int) -> dict[str, Any]:
    """The JSON body of an HTTP error ``status`` that is not a refusal of the grant itself."""
    if status == 408:
        return {"error": "request_timeout", "error_description": "Request timed out. Please retry."}
    if status == 429:
        return {"error": "too_many_requests", "error_description": "Could not process refresh token. Please retry."}
    if status >= 500:
        return {"message": _GATEWAY_MESSAGES.get(status, "Server Error")}
    return {"error": "invalid_request", "error_description": f"Request failed with status {status}."}


def gateway_page(status: int) -> str:
    """The HTML a proxy in front of the API answers (not JSON: authkit-js tolerates it)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return f"<html><head><title>{status}</title></head><body><h1>{status} {phrase}</h1></body></html>"
