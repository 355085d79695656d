"""How a Convex deployment checks a user's JWT: ``customJwt`` providers and the backend's rules.

The trusted providers are configuration, in the shape of the ``providers`` of
an app's ``convex/auth.config.ts`` (convex-client.md §4.6)::

    {"type": "customJwt", "issuer": "https://api.workos.com/user_management/<clientId>",
     "jwks": "https://…/sso/jwks/<clientId>" | "data:…" | {"keys": [...]},
     "algorithm": "RS256", "applicationID": "<optional aud>"}

The rules of the real backend (``crates/common/src/auth.rs``,
``crates/authentication/src/lib.rs``):

* a provider matches when the token's ``iss`` equals its ``issuer``, ignoring a
  trailing ``/`` (and with ``https://`` put before a scheme-less value), and,
  **only if** it sets ``applicationID``, when ``aud`` contains it;
* the token is verified with the provider's JWKS (the key named by ``kid``) and
  its configured algorithm;
* ``exp``, ``nbf`` and ``iat`` are checked with a 5 s epsilon; ``sub``, ``iss``
  and ``exp`` are required.

Every failure is an :class:`AuthRejected` with a short reason for the event
log. Fetching a JWKS URL is the only I/O; it is injected (``fetch``) and
cached, refetched at most every 5 s (by the injected clock) when a ``kid`` is
unknown, as keys rotate.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import urllib.request
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .convex_app import Identity
from .inputs import BadInput, check_plain

LEEWAY_S = 5
JWKS_REFETCH_S = 5.0
ALGORITHMS = ("RS256", "ES256")  # what customJwt providers may use
MAX_TOKEN = 16_384  # characters; longer is refused before any parsing
MAX_TIMESTAMP = 2**53  # seconds; a larger exp/nbf/iat is not a date


class AuthRejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # short code for events: bad-issuer, bad-kid, ...
        self.message = message


@dataclass(frozen=True)
class CustomJwtProvider:
    """One ``customJwt`` entry of ``auth.config.ts``."""

    issuer: str
    jwks: dict | str  # a key set, an http(s) URL or a data: URI
    algorithm: str = "RS256"
    application_id: str | None = None

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "CustomJwtProvider":
        """From the ``auth.config.ts`` shape; also takes ``algorithms: [one]`` and ``application_id``."""
        if not isinstance(cfg, dict):
            raise ValueError("an auth provider must be an object")
        if cfg.get("type", "customJwt") != "customJwt":
            raise ValueError(f"only customJwt auth providers are supported, not {str(cfg.get('type'))[:32]!r}")
        issuer, jwks = cfg.get("issuer"), cfg.get("jwks")
        if not isinstance(issuer, str) or not issuer:
            raise ValueError("a customJwt provider needs an issuer")
        if not isinstance(jwks, (str, dict)) or not jwks:
            raise ValueError("a customJwt provider needs jwks: a URL, a data: URI or a key set")
        algorithms = cfg.get("algorithms") or [cfg.get("algorithm") or "RS256"]
        if len(algorithms) != 1 or algorithms[0] not in ALGORITHMS:
            raise ValueError(f"a customJwt provider's algorithm is one of {', '.join(ALGORITHMS)}")
        app_id = cfg.get("applicationID", cfg.get("application_id"))
        if app_id is not None and not isinstance(app_id, str):
            raise ValueError("applicationID must be a string")
        return cls(issuer, jwks, algorithms[0], app_id)

    def matches(self, iss: str, aud: Any) -> bool:
        if _norm_issuer(self.issuer) != _norm_issuer(iss):
            return False
        if self.application_id is None:
            return True
        return self.application_id in ([aud] if isinstance(aud, str) else aud if isinstance(aud, list) else [])


def _norm_issuer(value: str) -> str:
    value = value.rstrip("/")
    return value if "://" in value else "https://" + value


def _b64json(part: str) -> dict:
    obj = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj


def read_url(url: str) -> bytes:
    """GET a JWKS (http(s) or data:), as the backend does: ``Accept: application/json``."""
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - http(s) and data: only
        if not url.startswith("data:"):
            ctype = resp.headers.get_content_type()
            if ctype not in ("application/json", "application/jwk-set+json"):
                raise ValueError(f"unexpected content type {ctype!r}")
        return resp.read(1 << 20)


async def _fetch_in_thread(url: str) -> bytes:
    return await asyncio.to_thread(read_url, url)


def _find_key(keyset: KeySet, kid: Any):
    if kid is None:
        return keyset.keys[0] if len(keyset.keys) == 1 else None
    return next((key for key in keyset.keys if key.kid == kid), None)


class JwtVerifier:
    """Validates user tokens against the trusted ``customJwt`` providers."""

    def __init__(self, providers: Iterable[dict[str, Any] | CustomJwtProvider], clock: Callable[[], float],
                 fetch: Callable[[str], Awaitable[bytes]] = _fetch_in_thread) -> None:
        self.providers = [p if isinstance(p, CustomJwtProvider) else CustomJwtProvider.from_config(p) for p in providers]
        self.clock = clock
        self.fetch = fetch
        self._cache: dict[str, tuple[KeySet, float]] = {}
        self.jwks_fetches = 0

    async def _keyset(self, source: dict | str, *, refresh: bool = False) -> KeySet:
        if isinstance(source, dict):
            return KeySet.import_key_set(source)
        cached = self._cache.get(source)
        if cached and not (refresh and self.clock() - cached[1] > JWKS_REFETCH_S):
            return cached[0]
        if not source.startswith("data:"):
            self.jwks_fetches += 1
        keyset = KeySet.import_key_set(json.loads(await self.fetch(source)))
        self._cache[source] = (keyset, self.clock())
        return keyset

    async def verify(self, token: str) -> tuple[Identity, dict[str, Any]]:
        if len(token) > MAX_TOKEN:
            raise AuthRejected("malformed", f"Could not parse JWT: longer than {MAX_TOKEN} characters")
        parts = token.split(".")
        if len(parts) != 3:
            raise AuthRejected("malformed", "Could not parse JWT: expected three dot-separated parts")
        try:
            header, claims = _b64json(parts[0]), _b64json(parts[1])
        except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise AuthRejected("malformed", "Could not parse JWT header or payload") from None
        iss, aud = claims.get("iss"), claims.get("aud")
        if not isinstance(iss, str):
            raise AuthRejected("missing-claim", "Token is missing the required claim `iss`")
        provider = next((p for p in self.providers if p.matches(iss, aud)), None)
        if provider is None:
            raise AuthRejected(
                "bad-issuer",
                f"No auth provider found matching the given token (issuer {iss[:256]!r}"
                + (f", audience {str(aud)[:256]!r}" if aud is not None else "")
                + "). Check your auth.config.ts.",
            )
        alg = header.get("alg")
        if alg != provider.algorithm:
            raise AuthRejected("bad-algorithm", f"Token algorithm {str(alg)[:32]!r} is not allowed for issuer {iss[:256]!r}")
        try:
            keyset = await self._keyset(provider.jwks)
        except Exception as exc:  # network, JSON or key import
            raise AuthRejected("jwks-unavailable", f"Could not fetch the JWKS for issuer {iss[:256]!r}: {exc}") from None
        kid = header.get("kid")
        key = _find_key(keyset, kid)
        if key is None and not isinstance(provider.jwks, dict):
            try:  # keys may have rotated
                key = _find_key(await self._keyset(provider.jwks, refresh=True), kid)
            except Exception:
                pass
        if key is None:
            raise AuthRejected("bad-kid", f"No key in the JWKS matches the token's kid {str(kid)[:64]!r}")
        try:
            decoded = jwt.decode(token, key, algorithms=[alg])
        except (JoseError, ValueError) as exc:
            raise AuthRejected("bad-signature", f"Could not verify the token signature: {_describe(exc)}") from None
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self.clock()), leeway=LEEWAY_S,
            iss={"essential": True}, sub={"essential": True}, exp={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            error = getattr(exc, "error", "")
            reason = {"expired_token": "expired", "missing_claim": "missing-claim"}.get(error, "invalid-claim")
            raise AuthRejected(reason, f"Token claims are not valid: {_describe(exc)}") from None
        try:  # signed, but still what a function sees and the client gets back: plain JSON only
            check_plain(decoded.claims, max_depth=16, what="the token's claims")
        except BadInput as exc:
            raise AuthRejected("invalid-claim", f"Token claims are not valid: {exc}") from None
        for name in ("exp", "nbf", "iat"):  # the backend reads them as i64 seconds
            if abs(decoded.claims.get(name, 0)) > MAX_TIMESTAMP:
                raise AuthRejected("invalid-claim", f"Token claims are not valid: `{name}` is out of range")
        return Identity.from_claims(decoded.claims), decoded.claims


def _describe(exc: Exception) -> str:
    return str(getattr(exc, "description", None) or getattr(exc, "error", None) or exc)[:256]
