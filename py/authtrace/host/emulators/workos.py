"""A local emulator of the WorkOS AuthKit API that unmodified authkit-js talks to.

Point ``<AuthKitProvider apiHostname="127.0.0.1" port={8787} https={false}>``
at it. It serves exactly the requests authkit-js 0.20.3 makes
(``src/http-client.ts``): the authorize navigation, ``POST
/user_management/authenticate`` with the ``authorization_code`` and
``refresh_token`` grants (refresh token in the JSON body in devMode, in an
HttpOnly cookie with ``credentials: "include"`` otherwise), the logout
navigation, and the JWKS Convex verifies access tokens with.

Server semantics follow the reference notes (workos-authkit.md §2, §6):
single-use refresh tokens with rotation, a replay grace window that returns
the same rotated pair, then ``400 invalid_grant``; sessions that end by
maximum length or inactivity. Every time limit is in seconds (floats allowed)
and read from an injectable clock, so an hour-long story runs in seconds.

Choices where WorkOS behaviour is *not verified* (see docs/emulators.md):

* The grace window returns the byte-identical rotated pair (access token
  included) and does not itself extend the session's activity.
* Error texts other than "Missing refresh token." and "Refresh token already
  exchanged." are chosen here ("Invalid refresh token.", "Session has
  expired.", ...); only the ``error`` codes matter to clients.
* The refresh cookie is named ``wos-refresh-token`` (HttpOnly, Path=/,
  SameSite=Lax); the session hint cookie is ``workos-has-session=<clientId>``.
  Both are set on every successful authenticate response (a browser stores
  them only for credentialed requests, i.e. cookie mode). They are kept on
  ``invalid_grant`` unless ``clear_cookies_on_invalid_grant`` is set.
* Authorize errors follow RFC 6749 §4.1.2.1: a bad ``client_id`` or
  ``redirect_uri`` gets a 400 JSON page, anything else redirects back with
  ``error`` and ``error_description``.
* Access-token claims are integers when the TTL is a whole number of
  seconds (as WorkOS issues them) and millisecond floats otherwise.
* Changing a TTL at run time applies to existing sessions too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ...redaction import fingerprint
from .eventlog import EventLog
from .faults import ACTIONS, Fault, FaultBoard, FaultError
from .keys import SigningKey

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

AUTHENTICATE_PATH = "/user_management/authenticate"
CONTROL_PREFIX = "/__authtrace/"
REFRESH_COOKIE = "wos-refresh-token"
SESSION_HINT_COOKIE = "workos-has-session"
MAX_BODY = 1 << 20
# uvicorn puts the connection's transport here (see TransportAwareH11) so the
# "drop" faults can close the socket without sending any response.
TRANSPORT_KEY = "authtrace.transport"
_S256_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class ConnectionDropped(Exception):
    """Raised by a "drop" fault when the server gives no socket to close (e.g. TestClient)."""


def _ulid(now: float) -> str:
    """A ULID-shaped id like the ones WorkOS uses (``user_01H…``)."""
    value = (int(now * 1000) & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_loopback_host(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(header: str) -> str:
    """Host name of a ``Host`` header or an origin, without port."""
    if "://" in header:
        return urlsplit(header).hostname or ""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


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


# Settings that may be changed while running (POST /__authtrace/config).
RUNTIME_SETTINGS = (
    "access_token_ttl",
    "session_ttl",
    "inactivity_timeout",
    "refresh_grace",
    "code_ttl",
    "organization_id",
    "clear_cookies_on_invalid_grant",
)


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

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/user_management/{self.client_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/sso/jwks/{self.client_id}"

    def validate(self) -> None:
        if not self.client_id:
            raise ValueError("client_id must not be empty")
        for name in ("access_token_ttl", "session_ttl", "inactivity_timeout", "refresh_grace", "code_ttl"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
                raise ValueError(f"{name} must be a number of seconds >= 0")
        if self.access_token_ttl <= 0:
            raise ValueError("access_token_ttl must be > 0")
        if self.code_ttl <= 0:
            raise ValueError("code_ttl must be > 0")
        if self.organization_id is not None and not isinstance(self.organization_id, str):
            raise ValueError("organization_id must be a string or null")
        if not isinstance(self.clear_cookies_on_invalid_grant, bool):
            raise ValueError("clear_cookies_on_invalid_grant must be true or false")

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(base_url=self.base_url, issuer=self.issuer, jwks_url=self.jwks_url)
        return out


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
    response: dict[str, Any] | None = None  # what the exchange returned, for grace replays
    revoked: bool = False


class WorkOSError(Exception):
    """An error answered as WorkOS-shaped JSON (OAuth style ``error``/``error_description``)."""

    def __init__(self, status: int, error: str, description: str, **extra: Any):
        super().__init__(description)
        self.clear_cookies = False
        self.status = status
        self.body = {"error": error, "error_description": description, **extra}


class WorkOSEmulator:
    """The AuthKit API as an ASGI app (:attr:`app`), with fault injection and a control API.

    ``faults`` and ``events`` may be shared with the Convex emulator; by
    default the emulator makes its own. ``clock`` returns wall-clock seconds
    and drives every TTL (inject a fake one in tests).
    """

    def __init__(
        self,
        config: WorkOSConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        faults: FaultBoard | None = None,
        events: EventLog | None = None,
        key: SigningKey | None = None,
    ):
        self.config = config or WorkOSConfig()
        self.config.validate()
        self.clock = clock
        self.events = events if events is not None else EventLog(clock=clock)
        self.faults = faults if faults is not None else FaultBoard(clock=clock, events=self.events)
        self.key = key or SigningKey.generate()
        self._lock = threading.RLock()
        self._codes: dict[str, _Code] = {}
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._closing = threading.Event()
        self._api = Starlette(routes=self._routes())
        self._api.add_exception_handler(404, self._not_found)
        self._api.add_exception_handler(405, self._not_allowed)

    # -- public Python API (the control API mirrors it) ----------------------

    @property
    def app(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        return self.__call__

    @property
    def issuer(self) -> str:
        return self.config.issuer

    def trusted_issuer(self, jwks: str = "dict") -> dict[str, Any]:
        """The Convex ``customJwt`` provider for this emulator's tokens.

        ``jwks``: ``"dict"`` (the key set itself), ``"url"`` or ``"data"`` (a data: URI).
        """
        source = {"dict": self.key.jwks(), "url": self.config.jwks_url, "data": self.key.jwks_data_uri()}[jwks]
        return {"issuer": self.issuer, "jwks": source, "algorithms": ["RS256"]}

    def arm(self, action: str, **kwargs: Any) -> Fault:
        """Arm a WorkOS-side fault; see :meth:`FaultBoard.arm`."""
        return self.faults.arm("workos", action, **kwargs)

    def set_config(self, **changes: Any) -> WorkOSConfig:
        unknown = set(changes) - set(RUNTIME_SETTINGS)
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} at run time; allowed: {', '.join(RUNTIME_SETTINGS)}")
        with self._lock:
            candidate = replace(self.config, **changes)
            candidate.validate()
            self.config = candidate
        self.events.add("workos", "config", **changes)
        return self.config

    def minted_secrets(self) -> list[str]:
        """Every refresh token and authorization code this emulator issued, raw.

        For leak checks only (the scenario runner greps recorded traces for
        them); never print or store what this returns.
        """
        with self._lock:
            return [*self._refresh, *self._codes]

    def sessions(self) -> list[dict[str, Any]]:
        with self._lock:
            now = self.clock()
            for s in self._sessions.values():
                self._check_session(s, now)
            return [s.to_json() for s in self._sessions.values()]

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

    def reset(self, *, faults: bool = True, sessions: bool = False, events: bool = False) -> None:
        if faults:
            self.faults.reset()
        if sessions:
            with self._lock:
                self._codes.clear()
                self._sessions.clear()
                self._refresh.clear()
        if events:
            self.events.clear()
        self.events.add("workos", "reset", faults=faults, sessions=sessions, events=events)

    def sign_in(self, *, user: dict[str, Any] | None = None, organization_id: str | None = None) -> dict[str, Any]:
        """Create a session without a browser; returns the authenticate response body."""
        with self._lock:
            now = self.clock()
            session, result = self._new_session(user or self._user(None), organization_id or self.config.organization_id, now)
        self.events.add("workos", "sign-in", session_id=session.id, refresh_token=fingerprint(result["refresh_token"]))
        return result

    def close(self) -> None:
        """Release requests held by "hang" faults (called by the suite on shutdown)."""
        self._closing.set()

    # -- ASGI entry: control API, faults, CORS, then the API ----------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._api(scope, receive, send)
            return
        started = time.monotonic()
        path, method = scope["path"], scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        status: dict[str, Any] = {}

        if path.startswith(CONTROL_PREFIX) or path == CONTROL_PREFIX.rstrip("/"):
            cors = self._cors(origin) if origin and _is_loopback_host(_host_of(origin)) else None
            send = self._wrap_send(send, cors, status)
            if not self._control_allowed(scope, headers):
                await JSONResponse({"message": "The control API answers loopback clients only."}, 403)(scope, receive, send)
            elif method == "OPTIONS" and "access-control-request-method" in headers:
                await self._preflight(scope, receive, send, headers)
            else:
                await self._api(scope, receive, send)
            return

        body = b""
        if method not in ("GET", "HEAD", "OPTIONS"):
            try:
                body = await self._read_body(receive)
            except _BodyTooLarge:
                await self._json(scope, receive, self._wrap_send(send, self._cors(origin), status), 413, {"message": "Request body too large."})
                return
        facts: dict[str, Any] = {"path": path, "method": method}
        if path == AUTHENTICATE_PATH and body:
            grant_type = self._parse_body(body, headers.get("content-type", "")).get("grant_type")
            if isinstance(grant_type, str):
                facts["grant_type"] = grant_type
        preflight = method == "OPTIONS" and "access-control-request-method" in headers
        fault = self.faults.take("workos", explicit=("method",) if preflight else (), **facts)
        cors = None if (fault and fault.action == "no-cors") else self._cors(origin)
        wrapped = self._wrap_send(send, cors, status)
        replay = self._replay(body, receive)
        try:
            if fault is None or not await self._apply_fault(fault, scope, replay, receive, wrapped, body):
                if preflight:
                    await self._preflight(scope, replay, wrapped, headers)
                else:
                    await self._api(scope, replay, wrapped)
        finally:
            self.events.add(
                "workos",
                "request",
                method=method,
                path=path,
                grant_type=facts.get("grant_type"),
                status=status.get("status"),
                origin=origin,
                fault=fault.action if fault else None,
                fault_id=fault.id if fault else None,
                ms=round((time.monotonic() - started) * 1000, 1),
            )

    def _control_allowed(self, scope: Scope, headers: dict[str, str]) -> bool:
        client = scope.get("client") or ("", 0)
        if not _is_loopback_host(str(client[0])):
            return False
        # A loopback peer with a foreign Host is a DNS-rebinding page; refuse it too.
        host = _host_of(headers.get("host", ""))
        return _is_loopback_host(host) or host == self.config.host

    def _cors(self, origin: str | None) -> list[tuple[bytes, bytes]] | None:
        if not origin:
            return None
        allowed = self.config.allowed_origins
        if allowed is not None and origin not in allowed:
            return None  # like an origin missing from the dashboard's CORS list
        return [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-expose-headers", b"Retry-After"),
            (b"vary", b"Origin"),
        ]

    @staticmethod
    def _wrap_send(send: Send, cors: list[tuple[bytes, bytes]] | None, status: dict[str, Any]) -> Send:
        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["status"] = message["status"]
                hdrs = list(message.get("headers", []))
                if cors is None:  # no CORS at all, or a "no-cors" fault: nothing may leak through
                    hdrs = [(k, v) for k, v in hdrs if not k.lower().startswith(b"access-control-")]
                else:
                    hdrs.extend(cors)
                # One request per connection: Chrome silently retries a request whose
                # reused keep-alive socket closes without a response, which would hide
                # a "drop" fault from the page.
                hdrs.append((b"connection", b"close"))
                message = {**message, "headers": hdrs}
            await send(message)

        return wrapped

    async def _preflight(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> None:
        requested = headers.get("access-control-request-headers", "content-type, accept")
        await Response(
            status_code=204,
            headers={
                "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
                "access-control-allow-headers": requested,
            },
        )(scope, receive, send)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _replay(body: bytes, receive: Receive) -> Receive:
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    @staticmethod
    async def _json(scope: Scope, receive: Receive, send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        await JSONResponse(body, status, headers={"cache-control": "no-store", **(headers or {})})(scope, receive, send)

    # -- faults ----------------------------------------------------------------

    async def _apply_fault(self, fault: Fault, scope: Scope, replay: Receive, receive: Receive, send: Send, body: bytes) -> bool:
        """Act out ``fault``; True if it produced the outcome, False to answer normally."""
        action, p = fault.action, fault.params
        if action == "delay":
            await self._sleep(p["seconds"])
            return False
        if action == "no-cors":
            return False  # CORS headers already withheld
        if action == "hang":
            await self._hang(receive, p["max_s"])
            await self._drop(scope, receive)
            return True
        if action == "drop":
            await self._drop(scope, receive)
            return True
        if action == "lost-response":
            await self._api(scope, replay, _discard)
            await self._drop(scope, receive)
            return True
        if action == "bad-token":
            status, headers, raw = await self._capture(scope, replay)
            if status == 200:
                data = json.loads(raw)
                data["access_token"] = "not-a-jwt"
                raw = json.dumps(data).encode()
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(raw)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": raw})
            return True
        if action == "status":
            status = p["status"]
            extra = {"retry-after": _retry_after(p["retry_after"])} if p.get("retry_after") is not None else {}
            await self._json(scope, replay, send, status, p.get("body") or _status_body(status), extra)
            return True
        if action == "non-json":
            status = p["status"]
            html = f"<html><head><title>{status}</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
            extra = {"retry-after": _retry_after(p["retry_after"])} if p.get("retry_after") is not None else {}
            await HTMLResponse(html, status, headers=extra)(scope, replay, send)
            return True
        if action == "garbage-200":
            await Response(b'{"user": {"object": "user", "id": "us', 200, media_type="application/json")(scope, replay, send)
            return True
        if action == "invalid-grant":
            msg = p.get("message") or p.get("description") or "Invalid refresh token."
            await self._json(scope, replay, send, 400, {"error": "invalid_grant", "error_description": msg})
            return True
        if action == "missing-refresh-token":
            await self._json(scope, replay, send, 400, {"error": "invalid_request", "error_description": "Missing refresh token."})
            return True
        raise AssertionError(f"unhandled fault action {action}")  # FaultBoard validates actions

    async def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._closing.is_set() and (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))

    async def _hang(self, receive: Receive, max_s: float) -> None:
        """Wait until the client gives up, the emulator stops, or ``max_s`` passes."""
        waiter = asyncio.ensure_future(_until_disconnect(receive))
        end = time.monotonic() + max_s
        try:
            while not waiter.done() and not self._closing.is_set() and (left := end - time.monotonic()) > 0:
                await asyncio.wait({waiter}, timeout=min(left, 0.05))
        finally:
            if not waiter.done():
                waiter.cancel()

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        transport = (scope.get("state") or {}).get(TRANSPORT_KEY)
        if transport is None:
            raise ConnectionDropped("fault: connection dropped without a response")
        transport.abort()  # RST, no bytes: the browser's fetch rejects with TypeError
        # Let uvicorn notice the disconnect so it does not try to send a 500.
        try:
            await asyncio.wait_for(_until_disconnect(receive), 1.0)
        except (asyncio.TimeoutError, Exception):
            pass

    async def _capture(self, scope: Scope, receive: Receive) -> tuple[int, list, bytes]:
        out: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"], out["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        await self._api(scope, receive, capture)
        return out["status"], out["headers"], out["body"]

    # -- the WorkOS API --------------------------------------------------------

    def _routes(self) -> list[Route]:
        return [
            Route("/user_management/authorize", self._authorize, methods=["GET"]),
            Route(AUTHENTICATE_PATH, self._authenticate, methods=["POST"]),
            Route("/user_management/sessions/logout", self._logout, methods=["GET"]),
            Route("/sso/jwks/{client_id}", self._jwks, methods=["GET"]),
            Route("/__authtrace/faults", self._c_faults, methods=["GET", "POST", "DELETE"]),
            Route("/__authtrace/faults/{fault_id}", self._c_fault, methods=["DELETE"]),
            Route("/__authtrace/events", self._c_events, methods=["GET"]),
            Route("/__authtrace/counters", self._c_counters, methods=["GET"]),
            Route("/__authtrace/reset", self._c_reset, methods=["POST"]),
            Route("/__authtrace/config", self._c_config, methods=["GET", "POST"]),
            Route("/__authtrace/sessions", self._c_sessions, methods=["GET"]),
            Route("/__authtrace/sessions/{session_id}/revoke", self._c_revoke_session, methods=["POST"]),
            Route("/__authtrace/refresh-tokens/revoke", self._c_revoke_token, methods=["POST"]),
        ]

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        return JSONResponse({"message": "Not Found"}, 404)

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        return JSONResponse({"message": "Method Not Allowed"}, 405)

    def _user(self, email: str | None) -> dict[str, Any]:
        user = dict(self.config.user)
        if email and email != user.get("email"):
            # login_hint signs in another test user, with a stable id per email.
            digest = hashlib.sha256(email.encode()).digest()
            suffix = "".join(_CROCKFORD[b & 31] for b in digest[:20])
            user.update(id=f"user_01{suffix}"[:31], email=email, first_name=email.split("@")[0], last_name="")
        return user

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        cfg = self.config
        client_id, redirect_uri = q.get("client_id"), q.get("redirect_uri")
        if not client_id:
            return _error(400, "invalid_request", "Missing client_id.")
        if client_id != cfg.client_id:
            return _error(400, "invalid_client", f"Invalid client ID '{client_id}'.")
        if not redirect_uri:
            return _error(400, "invalid_request", "Missing redirect_uri.")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return _error(400, "invalid_request", "redirect_uri must be an absolute http(s) URL.")
        if cfg.redirect_uris is not None and redirect_uri not in cfg.redirect_uris:
            return _error(400, "invalid_request", f"'{redirect_uri}' is not a configured redirect URI.")
        state = q.get("state")

        def back(**params: str) -> Response:
            if state is not None:
                params["state"] = state  # verbatim: authkit-js JSON-parses it
            query = "&".join(p for p in (parts.query, urlencode(params)) if p)
            return RedirectResponse(urlunsplit(parts._replace(query=query)), 302, headers={"cache-control": "no-store"})

        if q.get("response_type") != "code":
            return back(error="unsupported_response_type", error_description="response_type must be 'code'.")
        if q.get("code_challenge_method") != "S256":
            return back(error="invalid_request", error_description="code_challenge_method must be 'S256'.")
        challenge = q.get("code_challenge") or ""
        if not _S256_RE.match(challenge):
            return back(error="invalid_request", error_description="code_challenge must be a base64url SHA-256 (43 characters).")
        org = q.get("organization_id") or cfg.organization_id
        user = self._user(q.get("login_hint"))
        with self._lock:
            now = self.clock()
            code = _ulid(now)
            self._codes[code] = _Code(challenge, redirect_uri, user, org, now + cfg.code_ttl)
        self.events.add(
            "workos", "authorize", code=fingerprint(code, "code"), user_id=user["id"], organization_id=org,
            redirect_uri=redirect_uri, screen_hint=q.get("screen_hint"), provider=q.get("provider"),
        )
        return back(code=code)

    async def _authenticate(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = self._parse_body(raw, request.headers.get("content-type", ""), strict=True)
            client_id = body.get("client_id")
            if not isinstance(client_id, str) or not client_id:
                raise WorkOSError(400, "invalid_request", "Missing client_id.")
            if client_id != self.config.client_id:
                raise WorkOSError(400, "invalid_client", "Invalid client ID.")
            grant = body.get("grant_type")
            if not isinstance(grant, str) or not grant:
                raise WorkOSError(400, "invalid_request", "Missing grant_type.")
            if grant == "authorization_code":
                return self._exchange_code(body)
            if grant == "refresh_token":
                return self._exchange_refresh(body, request)
            raise WorkOSError(400, "unsupported_grant_type", f"Unsupported grant_type '{grant[:64]}'.")
        except WorkOSError as exc:
            self.events.add("workos", "authenticate-error", status=exc.status, error=exc.body["error"], description=exc.body["error_description"])
            response = JSONResponse(exc.body, exc.status, headers={"cache-control": "no-store"})
            if exc.clear_cookies:
                self._clear_cookies(response)
            return response

    def _parse_body(self, raw: bytes, content_type: str, strict: bool = False) -> dict[str, Any]:
        """JSON (what authkit-js sends) or a form body; ``strict`` turns garbage into a 400."""
        text = raw.decode("utf-8", "replace").strip()
        if "application/x-www-form-urlencoded" in content_type:
            return dict(parse_qsl(text, keep_blank_values=True))
        if not text:
            if strict:
                raise WorkOSError(400, "invalid_request", "Missing request body.")
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            if not strict:
                return {}
            raise WorkOSError(400, "invalid_request", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            if not strict:
                return {}
            raise WorkOSError(400, "invalid_request", "The request body must be a JSON object.")
        return data

    def _exchange_code(self, body: dict[str, Any]) -> Response:
        code, verifier = body.get("code"), body.get("code_verifier")
        if not isinstance(code, str) or not code:
            raise WorkOSError(400, "invalid_request", "Missing code.")
        with self._lock:
            now = self.clock()
            # Single use: the code is gone whatever the outcome, like an OAuth server should.
            entry = self._codes.pop(code, None)
            if entry is None or now >= entry.expires:
                raise WorkOSError(400, "invalid_grant", f"The code '{code[:40]}' has expired or is invalid.")
            if not isinstance(verifier, str) or not verifier:
                raise WorkOSError(400, "invalid_grant", "Missing code_verifier for a PKCE authorization code.")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not secrets.compare_digest(digest, entry.challenge):
                raise WorkOSError(400, "invalid_grant", "The code_verifier does not match the code_challenge.")
            session, result = self._new_session(entry.user, entry.organization_id, now)
        self.events.add(
            "workos", "code-exchange", code=fingerprint(code, "code"), session_id=session.id,
            refresh_token=fingerprint(result["refresh_token"]), access_token=fingerprint(result["access_token"]),
        )
        return self._token_response(result)

    def _new_session(self, user: dict[str, Any], org: str | None, now: float) -> tuple[Session, dict[str, Any]]:
        sid = f"session_{_ulid(now)}"
        rt = self._new_refresh_token()
        user = {**user, "last_sign_in_at": _iso(now)}
        session = Session(sid, user, org, now, now, rt)
        self._sessions[sid] = session
        self._refresh[rt] = _RefreshToken(sid, now)
        return session, self._result(session, rt, now)

    @staticmethod
    def _new_refresh_token() -> str:
        return secrets.token_urlsafe(24)

    def _result(self, session: Session, rt: str, now: float) -> dict[str, Any]:
        body = {
            "user": session.user,
            "access_token": self._access_token(session, now),
            "refresh_token": rt,
            "authentication_method": self.config.authentication_method,
        }
        if session.organization_id:
            body["organization_id"] = session.organization_id
        return body

    def _access_token(self, session: Session, now: float) -> str:
        ttl = self.config.access_token_ttl
        if float(ttl).is_integer():
            iat: float = int(now)
            exp: float = iat + int(ttl)
        else:
            iat = round(now, 3)
            exp = round(iat + ttl, 3)
        claims: dict[str, Any] = {
            "iss": self.issuer,
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
        """End ``s`` if its maximum length or inactivity timeout has passed (lock held)."""
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

    def _exchange_refresh(self, body: dict[str, Any], request: Request) -> Response:
        rt = body.get("refresh_token")
        via = "body"
        if rt is None or rt == "":
            rt, via = request.cookies.get(REFRESH_COOKIE), "cookie"
        if not rt:
            self.events.add("workos", "refresh", outcome="missing", via=None)
            raise WorkOSError(400, "invalid_request", "Missing refresh token.")
        if not isinstance(rt, str):
            raise WorkOSError(400, "invalid_request", "refresh_token must be a string.")
        org = body.get("organization_id")
        if org is not None and not isinstance(org, str):
            raise WorkOSError(400, "invalid_request", "organization_id must be a string.")
        fp = fingerprint(rt)

        def fail(outcome: str, description: str, **log: Any) -> WorkOSError:
            self.events.add("workos", "refresh", outcome=outcome, via=via, refresh_token=fp, **log)
            exc = WorkOSError(400, "invalid_grant", description)
            exc.clear_cookies = self.config.clear_cookies_on_invalid_grant and via == "cookie"
            return exc

        with self._lock:
            now = self.clock()
            record = self._refresh.get(rt)
            if record is None:
                raise fail("unknown", "Invalid refresh token.")
            session = self._sessions[record.session_id]
            self._check_session(session, now)
            if session.ended_at is not None:
                text = "Session has expired." if session.end_reason in ("max-length", "inactivity") else "Session has ended."
                raise fail("session-ended", text, session_id=session.id, reason=session.end_reason)
            if record.revoked:
                raise fail("revoked", "Refresh token has been revoked.", session_id=session.id)
            if record.exchanged_at is not None:
                age = now - record.exchanged_at
                if age <= self.config.refresh_grace and record.response is not None:
                    result = record.response
                    self.events.add(
                        "workos", "refresh", outcome="replayed", via=via, refresh_token=fp, session_id=session.id,
                        age_s=round(age, 3), new_refresh_token=fingerprint(result["refresh_token"]),
                    )
                    return self._token_response(result)
                raise fail("reused", "Refresh token already exchanged.", session_id=session.id, age_s=round(age, 3))
            if org:
                session.organization_id = org  # WorkOS remembers the most recent organization
            new_rt = self._new_refresh_token()
            result = self._result(session, new_rt, now)
            record.exchanged_at, record.response = now, result
            self._refresh[new_rt] = _RefreshToken(session.id, now)
            session.refresh_token, session.last_active = new_rt, now
        self.events.add(
            "workos", "refresh", outcome="rotated", via=via, refresh_token=fp, session_id=session.id,
            new_refresh_token=fingerprint(new_rt), access_token=fingerprint(result["access_token"]),
        )
        return self._token_response(result)

    def _token_response(self, result: dict[str, Any]) -> Response:
        response = JSONResponse(result, headers={"cache-control": "no-store"})
        cfg = self.config
        max_age = int(cfg.session_ttl) if cfg.session_ttl else 400 * 86400
        response.set_cookie(REFRESH_COOKIE, result["refresh_token"], max_age=max_age, path="/", httponly=True, samesite="lax")
        response.set_cookie(SESSION_HINT_COOKIE, cfg.client_id, max_age=max_age, path="/", samesite="lax")
        return response

    @staticmethod
    def _clear_cookies(response: Response) -> None:
        response.delete_cookie(REFRESH_COOKIE, path="/", httponly=True, samesite="lax")
        response.delete_cookie(SESSION_HINT_COOKIE, path="/", samesite="lax")

    async def _logout(self, request: Request) -> Response:
        sid = request.query_params.get("session_id")
        return_to = request.query_params.get("return_to") or self.config.default_return_to
        if not sid:
            return _error(400, "invalid_request", "Missing session_id.")
        if return_to:
            parts = urlsplit(return_to)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                return _error(400, "invalid_request", "return_to must be an absolute http(s) URL.")
        with self._lock:
            session = self._sessions.get(sid)
            known = session is not None
            if session is not None and session.ended_at is None:
                self._end(session, "logout", self.clock())
        self.events.add("workos", "logout", session_id=sid, known=known, return_to=return_to)
        response: Response = (
            RedirectResponse(return_to, 302) if return_to else HTMLResponse("<!doctype html><title>Signed out</title><p>Signed out.</p>")
        )
        self._clear_cookies(response)
        return response

    async def _jwks(self, request: Request) -> Response:
        if request.path_params["client_id"] != self.config.client_id:
            return JSONResponse({"message": "Not Found"}, 404)
        self.events.incr("workos.jwks")
        # WorkOS serves application/jwk-set+json, which Convex accepts.
        return JSONResponse(self.key.jwks(), media_type="application/jwk-set+json", headers={"cache-control": "public, max-age=60"})

    # -- control API (loopback only; see __call__) --------------------------

    async def _c_body(self, request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise _ControlError("body must be JSON") from None
        if not isinstance(data, dict):
            raise _ControlError("body must be a JSON object")
        return data

    async def _c_faults(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"faults": [f.to_json() for f in self.faults.list()], "actions": ACTIONS})
        if request.method == "DELETE":
            return JSONResponse({"removed": self.faults.reset()})
        try:
            data = await self._c_body(request)
            unknown = set(data) - {"target", "action", "match", "count", "window_s", "params"}
            if unknown:
                raise _ControlError(f"unknown field(s): {', '.join(sorted(unknown))}")
            if not isinstance(data.get("action"), str):
                raise _ControlError("action is required")
            # A window without a count means every matching request in the window.
            count = data.get("count", None if "window_s" in data else 1)
            fault = self.faults.arm(
                data.get("target", "workos"), data["action"], match=data.get("match"), count=count,
                window_s=data.get("window_s"), params=data.get("params"),
            )
        except (_ControlError, FaultError) as exc:
            return JSONResponse({"message": str(exc)}, 400)
        return JSONResponse(fault.to_json(), 201)

    async def _c_fault(self, request: Request) -> Response:
        if self.faults.cancel(request.path_params["fault_id"]):
            return JSONResponse({"removed": 1})
        return JSONResponse({"message": "no such fault"}, 404)

    async def _c_events(self, request: Request) -> Response:
        q = request.query_params
        since = q.get("since")
        if since is not None and not since.lstrip("-").isdigit():
            return JSONResponse({"message": "since must be an integer event seq"}, 400)
        events = self.events.list(int(since) if since is not None else None, source=q.get("source"), type=q.get("type"))
        return JSONResponse({"events": events, "last_seq": self.events.last_seq})

    async def _c_counters(self, request: Request) -> Response:
        return JSONResponse(self.events.counters_snapshot())

    async def _c_reset(self, request: Request) -> Response:
        try:
            data = await self._c_body(request)
            opts = {k: data.get(k, k == "faults") for k in ("faults", "sessions", "events")}
            if set(data) - set(opts) or not all(isinstance(v, bool) for v in opts.values()):
                raise _ControlError("reset takes boolean faults, sessions, events")
        except _ControlError as exc:
            return JSONResponse({"message": str(exc)}, 400)
        self.reset(**opts)
        return JSONResponse({"reset": opts})

    async def _c_config(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.set_config(**await self._c_body(request))
            except (_ControlError, ValueError, TypeError) as exc:
                return JSONResponse({"message": str(exc)}, 400)
        return JSONResponse(self.config.to_json())

    async def _c_sessions(self, request: Request) -> Response:
        return JSONResponse({"sessions": self.sessions()})

    async def _c_revoke_session(self, request: Request) -> Response:
        try:
            data = await self._c_body(request)
        except _ControlError as exc:
            return JSONResponse({"message": str(exc)}, 400)
        reason = data.get("reason", "revoked")
        if not isinstance(reason, str):
            return JSONResponse({"message": "reason must be a string"}, 400)
        if not self.revoke_session(request.path_params["session_id"], reason):
            return JSONResponse({"message": "no such session"}, 404)
        return JSONResponse({"revoked": request.path_params["session_id"]})

    async def _c_revoke_token(self, request: Request) -> Response:
        try:
            data = await self._c_body(request)
        except _ControlError as exc:
            return JSONResponse({"message": str(exc)}, 400)
        token, fp, sid = data.get("refresh_token"), data.get("fingerprint"), data.get("session_id")
        if sid is not None:
            with self._lock:
                s = self._sessions.get(sid) if isinstance(sid, str) else None
                token = s.refresh_token if s else None
            if token is None:
                return JSONResponse({"message": "no such session"}, 404)
        if not (isinstance(token, str) or isinstance(fp, str)):
            return JSONResponse({"message": "give refresh_token, fingerprint or session_id"}, 400)
        n = self.revoke_refresh_token(token if isinstance(token, str) else None, fp=fp if isinstance(fp, str) else None)
        if not n:
            return JSONResponse({"message": "no such refresh token"}, 404)
        return JSONResponse({"revoked": n})


class _BodyTooLarge(Exception):
    pass


class _ControlError(Exception):
    pass


def _error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status, headers={"cache-control": "no-store"})


def _retry_after(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _status_body(status: int) -> dict[str, Any]:
    """Bodies modelled on workos-node's fixtures (workos-authkit.md §2.1)."""
    if status == 408:
        return {"error": "request_timeout", "error_description": "Request timed out. Please retry."}
    if status == 429:
        return {"error": "too_many_requests", "error_description": "Could not process refresh token. Please retry."}
    if status >= 500:
        return {"message": {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service unavailable", 504: "Gateway Timeout"}.get(status, "Server Error")}
    return {"error": "invalid_request", "error_description": f"Request failed with status {status}."}


async def _discard(message: dict[str, Any]) -> None:
    return None


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def transport_aware_h11():
    """uvicorn's h11 protocol, exposing each connection's transport to the app.

    The emulator needs the socket to act out "drop" faults: ASGI itself has no
    way to close a connection without answering (uvicorn sends a 500 instead).
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TransportAwareH11(H11Protocol):
        def connection_made(self, transport):  # type: ignore[override]
            super().connection_made(transport)
            self.app_state = {**self.app_state, TRANSPORT_KEY: transport}

    return TransportAwareH11
