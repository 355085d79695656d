"""The WorkOS emulator's settings: client, addresses, lifetimes, the test user.

Every lifetime is seconds (fractions allowed) so an hour-long story runs in
seconds; each must be a finite number in ``[0, MAX_SECONDS]``. A setting named
in :data:`RUNTIME_SETTINGS` may be changed while running (the control API's
``POST /__authtrace/config``); a change is validated on a copy and applied
whole or not at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .inputs import is_text

# 400 days: the longest cookie lifetime browsers keep, and far beyond any story.
MAX_SECONDS = 400 * 86_400
LIFETIMES = ("access_token_ttl", "session_ttl", "inactivity_timeout", "refresh_grace", "code_ttl")
RUNTIME_SETTINGS = (*LIFETIMES, "organization_id", "clear_cookies_on_invalid_grant")


def default_user() -> dict[str, Any]:
    return {
        "object": "user",
        "id": "user_01LOCALTESTUSER0000000000",
        "email": "test.user@example.com",
        "email_verified": True,
        "first_name": "Test",
        "last_name": "User",
        "profile_picture_url": None,
        "external_id": None,
        "metadata": {},
        "created_at": "2026-01-01T00:00:00.000Z",
        "updated_at": "2026-01-01T00:00:00.000Z",
    }


@dataclass
class WorkOSConfig:
    """Emulator settings. TTLs are seconds; 0 for session_ttl/inactivity_timeout means none."""

    client_id: str = "client_local"
    host: str = "127.0.0.1"  # also the host in ``iss`` and the JWKS URL
    port: int = 8787
    access_token_ttl: float = 300.0
    session_ttl: float = 0.0
    inactivity_timeout: float = 0.0
    refresh_grace: float = 30.0
    code_ttl: float = 600.0  # WorkOS authorization codes last 10 minutes
    user: dict[str, Any] = field(default_factory=default_user)
    organization_id: str | None = None
    authentication_method: str = "Password"
    redirect_uris: tuple[str, ...] | None = None  # None: any http(s) URI
    allowed_origins: tuple[str, ...] | None = None  # None: echo any Origin
    default_return_to: str | None = None
    clear_cookies_on_invalid_grant: bool = False
    # The real host the emulator stands in for (https://api.workos.com, see stand_in.py):
    # the tokens' issuer and the JWKS URL name it, as that host's do. None: this server.
    public_url: str | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.public_url or self.base_url}/user_management/{self.client_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.public_url or self.base_url}/sso/jwks/{self.client_id}"

    def validate(self) -> None:
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ValueError("client_id must not be empty")
        for name in LIFETIMES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SECONDS:  # NaN too
                raise ValueError(f"{name} must be a number of seconds from 0 to {MAX_SECONDS}")
        if self.access_token_ttl <= 0:
            raise ValueError("access_token_ttl must be > 0")
        if self.code_ttl <= 0:
            raise ValueError("code_ttl must be > 0")
        org = self.organization_id
        if org is not None and (not isinstance(org, str) or not 0 < len(org) <= 256 or not is_text(org)):
            raise ValueError("organization_id must be a string of 1-256 characters or null")
        if not isinstance(self.clear_cookies_on_invalid_grant, bool):
            raise ValueError("clear_cookies_on_invalid_grant must be true or false")

    def changed(self, **changes: Any) -> "WorkOSConfig":
        """A validated copy with run-time ``changes``; raises ValueError and changes nothing if any is bad."""
        unknown = set(changes) - set(RUNTIME_SETTINGS)
        if unknown:
            names = ", ".join(sorted(str(k)[:64] for k in unknown))
            raise ValueError(f"cannot change {names} at run time; allowed: {', '.join(RUNTIME_SETTINGS)}")
        candidate = replace(self, **changes)
        candidate.validate()
        return candidate

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(base_url=self.base_url, issuer=self.issuer, jwks_url=self.jwks_url)
        return out
