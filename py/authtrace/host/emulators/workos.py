"""A local emulator of the WorkOS AuthKit API that unmodified authkit-js talks to.

Point ``<AuthKitProvider apiHostname="127.0.0.1" port={8787} https={false}>``
at it. The pieces, one concept each:

* :mod:`.workos_config` -- settings and their limits;
* :mod:`.workos_sessions` -- the pure session store (codes, sessions, rotation, grace);
* :mod:`.workos_routes` -- the HTTP routes over the store;
* :mod:`.cors` -- CORS as a middleware;
* :mod:`.workos_faults` -- acting out a fired fault;
* this module -- :class:`WorkOSEmulator`: the request pipeline that ties them
  together (bounded body, fault lookup, CORS, ``Connection: close``, one
  ``request`` event per request) and the Python API.

The control API (``/__authtrace/``) is not part of this app: the suite mounts
:mod:`.control` in front of it. Choices where WorkOS behaviour is *not
verified* are listed in docs/emulators.md.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Awaitable, Callable

from starlette.responses import JSONResponse

from ...workos_errors import WorkOSError
from . import bodies
from .cors import CORS, is_preflight
from .eventlog import EventLog
from .faults import Fault, FaultBoard
from .inputs import BadInput
from .keys import ALGORITHM, SigningKey
from .workos_config import RUNTIME_SETTINGS, WorkOSConfig, default_user
from .workos_faults import ConnectionDropped, FaultActor, transport_aware_h11
from .workos_routes import AUTHENTICATE_PATH, PARSED_BODY, REFRESH_COOKIE, SESSION_HINT_COOKIE, parse_body, routes_app
from .workos_sessions import SessionStore, Tokens

__all__ = [
    "AUTHENTICATE_PATH", "REFRESH_COOKIE", "RUNTIME_SETTINGS", "SESSION_HINT_COOKIE", "ConnectionDropped",
    "WorkOSConfig", "WorkOSEmulator", "WorkOSError", "default_user", "transport_aware_h11",
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class WorkOSEmulator:
    """The AuthKit API as an ASGI app (:attr:`app`), with fault injection.

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
        self.clock = clock
        self.events = events if events is not None else EventLog(clock=clock)
        self.faults = faults if faults is not None else FaultBoard(clock=clock, events=self.events)
        self.key = key or SigningKey.generate()
        self.store = SessionStore(config or WorkOSConfig(), clock=clock, key=self.key, events=self.events)
        self._closing = threading.Event()
        routes = routes_app(self.store)
        self._cors = CORS(routes, allow=self._origin_allowed)
        self._actor = FaultActor(routes, self._closing)

    # -- the Python API (the control API mirrors it) -----------------------------

    @property
    def app(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        return self.__call__

    @property
    def config(self) -> WorkOSConfig:
        return self.store.config

    @property
    def issuer(self) -> str:
        return self.config.issuer

    def trusted_issuer(self, jwks: str = "dict") -> dict[str, Any]:
        """This emulator as a Convex ``customJwt`` provider (the ``auth.config.ts`` entry).

        ``jwks``: ``"dict"`` (the key set itself), ``"url"`` or ``"data"`` (a data: URI).
        """
        source = {"dict": self.key.jwks(), "url": self.config.jwks_url, "data": self.key.jwks_data_uri()}[jwks]
        return {"type": "customJwt", "issuer": self.issuer, "jwks": source, "algorithm": ALGORITHM}

    def arm(self, action: str, **kwargs: Any) -> Fault:
        """Arm a WorkOS-side fault; see :meth:`FaultBoard.arm`."""
        return self.faults.arm("workos", action, **kwargs)

    def set_config(self, **changes: Any) -> WorkOSConfig:
        return self.store.set_config(**changes)

    def minted_secrets(self) -> list[str]:
        """Every refresh token and authorization code this emulator issued, raw.

        For leak checks only (the scenario runner greps recorded traces for
        them); never print or store what this returns.
        """
        return self.store.minted_secrets()

    def sessions(self) -> list[dict[str, Any]]:
        return self.store.sessions()

    def revoke_session(self, session_id: str, reason: str = "revoked") -> bool:
        return self.store.revoke_session(session_id, reason)

    def revoke_refresh_token(self, token: str | None = None, *, fp: str | None = None) -> int:
        return self.store.revoke_refresh_token(token, fp=fp)

    def reset(self, *, faults: bool = True, sessions: bool = False, events: bool = False) -> None:
        if faults:
            self.faults.reset()
        if sessions:
            self.store.clear()
        if events:
            self.events.clear()
        self.events.add("workos", "reset", faults=faults, sessions=sessions, events=events)

    def sign_in(self, *, user: dict[str, Any] | None = None, organization_id: str | None = None) -> dict[str, Any]:
        """Create a session without a browser; returns the authenticate response body."""
        tokens: Tokens = self.store.sign_in(user=user, organization_id=organization_id)
        return tokens.body

    def close(self) -> None:
        """Release requests held by "hang" and "delay" faults (called by the suite on shutdown)."""
        self._closing.set()

    # -- the request pipeline ----------------------------------------------------------

    def _origin_allowed(self, origin: str) -> bool:
        allowed = self.config.allowed_origins
        return allowed is None or origin in allowed  # a listed origin, like the dashboard's CORS list

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.monotonic()
        path, method = scope["path"], scope["method"]
        status: dict[str, Any] = {}
        fault: Fault | None = None
        facts: dict[str, Any] = {"path": path, "method": method}
        try:
            body = b""
            if method not in ("GET", "HEAD", "OPTIONS"):
                try:
                    body = await bodies.read_body(receive)
                except bodies.BodyTooLarge:
                    out = self._cors.adding_headers(scope, self._send(send, status))
                    await JSONResponse({"message": "Request body too large."}, 413, headers={"cache-control": "no-store"})(scope, receive, out)
                    return
            if path == AUTHENTICATE_PATH and method == "POST":
                content_type = dict(scope.get("headers", ())).get(b"content-type", b"").decode("latin-1")
                try:
                    parsed: dict[str, Any] | BadInput = await bodies.parse(parse_body, body, content_type)
                except BadInput as exc:
                    parsed = exc
                scope = {**scope, PARSED_BODY: parsed}
                grant = parsed.get("grant_type") if isinstance(parsed, dict) else None
                if isinstance(grant, str):
                    facts["grant_type"] = grant[:64]
            # A preflight uses up only a fault that names the method, so "fail the next
            # refresh" is not spent on its OPTIONS.
            fault = self.faults.take("workos", explicit=("method",) if is_preflight(scope) else (), **facts)
            out = self._send(send, status, strip_cors=fault is not None and fault.action == "no-cors")
            replay = bodies.replaying(body, receive)
            if fault is None or not await self._actor.act(fault, scope, replay, receive, self._cors.adding_headers(scope, out)):
                await self._cors(scope, replay, out)
        finally:
            self.events.add(
                "workos", "request", method=method, path=path, grant_type=facts.get("grant_type"),
                status=status.get("status"), origin=dict(scope.get("headers", ())).get(b"origin", b"").decode("latin-1") or None,
                fault=fault.action if fault else None, fault_id=fault.id if fault else None,
                ms=round((time.monotonic() - started) * 1000, 1),
            )

    @staticmethod
    def _send(send: Send, status: dict[str, Any], strip_cors: bool = False) -> Send:
        """``send`` that records the status and adds ``Connection: close``; ``strip_cors``
        withholds every CORS header (a "no-cors" fault)."""

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["status"] = message["status"]
                hdrs = list(message.get("headers", []))
                if strip_cors:
                    hdrs = [(k, v) for k, v in hdrs if not k.lower().startswith(b"access-control-")]
                # One request per connection: Chrome silently retries a request whose
                # reused keep-alive socket closes without a response, which would hide
                # a "drop" fault from the page.
                hdrs.append((b"connection", b"close"))
                message = {**message, "headers": hdrs}
            await send(message)

        return wrapped
