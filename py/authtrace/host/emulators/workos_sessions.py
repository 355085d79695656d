"""WorkOS AuthKit sessions as a pure state machine: codes, sessions, refresh-token rotation.

No HTTP here: the routes (:mod:`.workos_routes`) turn requests into calls and
results into responses. Every call reads the injected clock, and returns either
a result or a :class:`~authtrace.workos_errors.WorkOSError` value (never raises
for bad input), so rotation and grace rules are tested as plain function calls.

Semantics (workos-authkit.md §2, §6): authorization codes are single use and
last ``code_ttl``; refresh tokens are single use with rotation; the token just
exchanged, presented again within ``refresh_grace``, returns the byte-identical
rotated pair (not counted as activity), later ``400 invalid_grant "Refresh
token already exchanged."``; sessions end by maximum length (``session_ttl``),
inactivity (``inactivity_timeout``, counted from sign-in or the last rotation),
logout or revocation. Limits changed at run time apply to existing sessions.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from ... import workos_errors as errors
from ...redaction import fingerprint
from ...workos_errors import WorkOSError
from .eventlog import EventLog
from .keys import SigningKey
from .workos_config import WorkOSConfig

_S256_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_SECRET = 4096  # longest code, verifier or refresh token looked up


def _ulid(now: float) -> str:
    """A ULID-shaped id like the ones WorkOS uses (``user_01H…``)."""
    value = (int(now * 1000) & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Tokens:
    """A successful authenticate: the response body (user, access and refresh token, ...)."""

    body: dict[str, Any]
    session_id: str

    @property
    def refresh_token(self) -> str:
        return self.body["refresh_token"]

    @property
    def access_token(self) -> str:
        return self.body["access_token"]


@dataclass
class _Code:
    challenge: str
    redirect_uri: str
    user: dict[str, Any]
    organization_id: str | None
    expires: float


@dataclass
class Session:
    id: str
    user: dict[str, Any]
    organization_id: str | None
    created: float
    last_active: float  # last code exchange or successful (non-replayed) refresh
    refresh_token: str  # the live one; never leaves the process except in responses
    ended_at: float | None = None
    end_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user.get("id"),
            "organization_id": self.organization_id,
            "created": self.created,
            "last_active": self.last_active,
            "refresh_token": fingerprint(self.refresh_token),
            "ended_at": self.ended_at,
            "end_reason": self.end_reason,
        }


@dataclass
class _RefreshToken:
    session_id: str
    issued: float
    exchanged_at: float | None = None
    tokens: Tokens | None = None  # what the exchange returned, for grace replays
    revoked: bool = False


class SessionStore:
    """All WorkOS state of one emulator; thread-safe (the Python API runs beside the server)."""

    def __init__(self, config: WorkOSConfig, *, clock: Callable[[], float], key: SigningKey, events: EventLog):
        config.validate()
        self.config = config
        self.clock = clock
        self.key = key
        self.events = events
        self._lock = threading.RLock()
        self._codes: dict[str, _Code] = {}
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, _RefreshToken] = {}

    # -- settings ----------------------------------------------------------------

    def set_config(self, **changes: Any) -> WorkOSConfig:
        with self._lock:
            self.config = self.config.changed(**changes)
        self.events.add("workos", "config", **changes)
        return self.config

    # -- authorize -----------------------------------------------------------------

    def user_for(self, email: str | None) -> dict[str, Any]:
        user = dict(self.config.user)
        if email and email != user.get("email"):
            # login_hint signs in another test user, with a stable id per email.
            digest = hashlib.sha256(email.encode("utf-8", "replace")).digest()
            suffix = "".join(_CROCKFORD[b & 31] for b in digest[:20])
            user.update(id=f"user_01{suffix}"[:31], email=email[:256], first_name=email.split("@")[0][:64], last_name="")
        return user

    def authorize(self, q: Mapping[str, str]) -> str | WorkOSError:
        """Where to send the browser: ``redirect_uri`` with a code or an OAuth error (RFC 6749
        §4.1.2.1), or a WorkOSError for a bad ``client_id``/``redirect_uri`` (a 400 page)."""
        cfg = self.config
        client_id, redirect_uri = q.get("client_id"), q.get("redirect_uri")
        if not client_id:
            return errors.invalid_request("Missing client_id.")
        if client_id != cfg.client_id:
            return WorkOSError(400, "invalid_client", f"Invalid client ID '{client_id[:64]}'.")
        if not redirect_uri:
            return errors.invalid_request("Missing redirect_uri.")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return errors.invalid_request("redirect_uri must be an absolute http(s) URL.")
        if cfg.redirect_uris is not None and redirect_uri not in cfg.redirect_uris:
            return errors.invalid_request(f"'{redirect_uri[:256]}' is not a configured redirect URI.")
        state = q.get("state")

        def back(**params: str) -> str:
            if state is not None:
                params["state"] = state  # verbatim: authkit-js JSON-parses it
            query = "&".join(p for p in (parts.query, urlencode(params)) if p)
            return urlunsplit(parts._replace(query=query))

        if q.get("response_type") != "code":
            return back(error="unsupported_response_type", error_description="response_type must be 'code'.")
        if q.get("code_challenge_method") != "S256":
            return back(error="invalid_request", error_description="code_challenge_method must be 'S256'.")
        challenge = q.get("code_challenge") or ""
        if not _S256_RE.match(challenge):
            return back(error="invalid_request", error_description="code_challenge must be a base64url SHA-256 (43 characters).")
        org = q.get("organization_id") or cfg.organization_id
        user = self.user_for(q.get("login_hint"))
        with self._lock:
            now = self.clock()
            code = _ulid(now)
            self._codes[code] = _Code(challenge, redirect_uri, user, org, now + cfg.code_ttl)
        self.events.add(
            "workos", "authorize", code=fingerprint(code, "code"), user_id=user["id"], organization_id=org,
            redirect_uri=redirect_uri, screen_hint=q.get("screen_hint"), provider=q.get("provider"),
        )
        return back(code=code)

    # -- authenticate ----------------------------------------------------------------

    def exchange_code(self, code: Any, verifier: Any) -> Tokens | WorkOSError:
        """``grant_type=authorization_code`` with PKCE; the code is gone whatever the outcome."""
        if not isinstance(code, str) or not code:
            return errors.invalid_request("Missing code.")
        with self._lock:
            now = self.clock()
            entry = self._codes.pop(code, None) if len(code) <= MAX_SECRET else None
            if entry is None or now >= entry.expires:
                # WorkOS echoes the code here (issue 12); the event log stores a fingerprint instead.
                return errors.invalid_grant(f"The code '{code[:40]}' has expired or is invalid.")
            if not isinstance(verifier, str) or not verifier:
                return errors.invalid_grant("Missing code_verifier for a PKCE authorization code.")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("utf-8", "replace")).digest())
            if not secrets.compare_digest(digest.rstrip(b"=").decode(), entry.challenge):
                return errors.invalid_grant("The code_verifier does not match the code_challenge.")
            session, tokens = self._new_session(entry.user, entry.organization_id, now)
        self.events.add(
            "workos", "code-exchange", code=fingerprint(code, "code"), session_id=session.id,
            refresh_token=fingerprint(tokens.refresh_token), access_token=fingerprint(tokens.access_token),
        )
        return tokens

    def exchange_refresh(self, token: Any, via: str | None, org: Any = None) -> Tokens | WorkOSError:
        """``grant_type=refresh_token``: rotate ``token`` (sent in the ``via`` "body" or "cookie")."""
        if not token:
            self.events.add("workos", "refresh", outcome="missing", via=None)
            return errors.MISSING_REFRESH_TOKEN
        if not isinstance(token, str):
            return errors.invalid_request("refresh_token must be a string.")
        if org is not None and not isinstance(org, str):
            return errors.invalid_request("organization_id must be a string.")
        fp = fingerprint(token)

        def fail(outcome: str, error: WorkOSError, **log: Any) -> WorkOSError:
            self.events.add("workos", "refresh", outcome=outcome, via=via, refresh_token=fp, **log)
            return error

        with self._lock:
            now = self.clock()
            record = self._refresh.get(token)
            if record is None:
                return fail("unknown", errors.INVALID_REFRESH_TOKEN)
            session = self._sessions[record.session_id]
            self._check_session(session, now)
            if session.ended_at is not None:
                error = errors.SESSION_EXPIRED if session.end_reason in ("max-length", "inactivity") else errors.SESSION_ENDED
                return fail("session-ended", error, session_id=session.id, reason=session.end_reason)
            if record.revoked:
                return fail("revoked", errors.REFRESH_TOKEN_REVOKED, session_id=session.id)
            if record.exchanged_at is not None:
                age = now - record.exchanged_at
                if age <= self.config.refresh_grace and record.tokens is not None:
                    tokens = record.tokens
                    self.events.add(
                        "workos", "refresh", outcome="replayed", via=via, refresh_token=fp, session_id=session.id,
                        age_s=round(age, 3), new_refresh_token=fingerprint(tokens.refresh_token),
                    )
                    return tokens
                return fail("reused", errors.ALREADY_EXCHANGED, session_id=session.id, age_s=round(age, 3))
            if org:
                session.organization_id = org[:256]  # WorkOS remembers the most recent organization
            new_rt = secrets.token_urlsafe(24)
            tokens = self._tokens(session, new_rt, now)
            record.exchanged_at, record.tokens = now, tokens
            self._refresh[new_rt] = _RefreshToken(session.id, now)
            session.refresh_token, session.last_active = new_rt, now
        self.events.add(
            "workos", "refresh", outcome="rotated", via=via, refresh_token=fp, session_id=session.id,
            new_refresh_token=fingerprint(new_rt), access_token=fingerprint(tokens.access_token),
        )
        return tokens

    def sign_in(self, *, user: dict[str, Any] | None = None, organization_id: str | None = None) -> Tokens:
        """A session without a browser."""
        with self._lock:
            now = self.clock()
            session, tokens = self._new_session(user or self.user_for(None), organization_id or self.config.organization_id, now)
        self.events.add("workos", "sign-in", session_id=session.id, refresh_token=fingerprint(tokens.refresh_token))
        return tokens

    def logout(self, session_id: str, return_to: str | None) -> bool:
        """End the session (if known and live); True if it was known."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and session.ended_at is None:
                self._end(session, "logout", self.clock())
        self.events.add("workos", "logout", session_id=session_id, known=session is not None, return_to=return_to)
        return session is not None

    # -- inspection and administration (the control API mirrors these) ---------------

    def minted_secrets(self) -> list[str]:
        """Every refresh token and authorization code issued, raw (for leak checks only)."""
        with self._lock:
            return [*self._refresh, *self._codes]

    def sessions(self) -> list[dict[str, Any]]:
        with self._lock:
            now = self.clock()
            for s in self._sessions.values():
                self._check_session(s, now)
            return [s.to_json() for s in self._sessions.values()]

    def live_refresh_token(self, session_id: str) -> str | None:
        with self._lock:
            s = self._sessions.get(session_id)
            return s.refresh_token if s else None

    def revoke_session(self, session_id: str, reason: str = "revoked") -> bool:
        """End a session as if revoked in the dashboard: its refresh tokens stop working."""
        with self._lock:
            s = self._sessions.get(session_id)
            if s is None:
                return False
            if s.ended_at is None:
                self._end(s, reason, self.clock())
            return True

    def revoke_refresh_token(self, token: str | None = None, *, fp: str | None = None) -> int:
        """Revoke one refresh token, by value or by fingerprint (``tok:…``); the session stays."""
        with self._lock:
            hits = [t for t in self._refresh if t == token or (fp is not None and fingerprint(t) == fp)]
            for t in hits:
                self._refresh[t].revoked = True
        for t in hits:
            self.events.add("workos", "refresh-token-revoked", refresh_token=fingerprint(t))
        return len(hits)

    def clear(self) -> None:
        with self._lock:
            self._codes.clear()
            self._sessions.clear()
            self._refresh.clear()

    # -- internals (lock held) ----------------------------------------------------------

    def _new_session(self, user: dict[str, Any], org: str | None, now: float) -> tuple[Session, Tokens]:
        rt = secrets.token_urlsafe(24)
        session = Session(f"session_{_ulid(now)}", {**user, "last_sign_in_at": _iso(now)}, org, now, now, rt)
        self._sessions[session.id] = session
        self._refresh[rt] = _RefreshToken(session.id, now)
        return session, self._tokens(session, rt, now)

    def _tokens(self, session: Session, rt: str, now: float) -> Tokens:
        body = {
            "user": session.user,
            "access_token": self._access_token(session, now),
            "refresh_token": rt,
            "authentication_method": self.config.authentication_method,
        }
        if session.organization_id:
            body["organization_id"] = session.organization_id
        return Tokens(body, session.id)

    def _access_token(self, session: Session, now: float) -> str:
        # Integer claims for whole-second TTLs (as WorkOS issues them), millisecond floats otherwise.
        ttl = self.config.access_token_ttl
        if float(ttl).is_integer():
            iat: float = int(now)
            exp: float = iat + int(ttl)
        else:
            iat = round(now, 3)
            exp = round(iat + ttl, 3)
        claims: dict[str, Any] = {
            "iss": self.config.issuer,
            "sub": session.user["id"],
            "sid": session.id,
            "jti": f"token_{_ulid(now)}",
            "iat": iat,
            "exp": exp,
        }
        if session.organization_id:
            claims.update(org_id=session.organization_id, role="member", roles=["member"], permissions=[])
        return self.key.sign(claims)

    def _check_session(self, s: Session, now: float) -> None:
        """End ``s`` if its maximum length or inactivity timeout has passed."""
        if s.ended_at is not None:
            return
        cfg = self.config
        if cfg.session_ttl and now >= s.created + cfg.session_ttl:
            self._end(s, "max-length", now)
        elif cfg.inactivity_timeout and now >= s.last_active + cfg.inactivity_timeout:
            self._end(s, "inactivity", now)

    def _end(self, s: Session, reason: str, now: float) -> None:
        s.ended_at, s.end_reason = now, reason
        self.events.add("workos", "session-ended", session_id=s.id, reason=reason, age_s=round(now - s.created, 3))
