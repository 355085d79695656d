"""A Convex deployment, as far as the sync protocol goes: enough for the real client.

``ConvexEmulator`` serves ``/api/<version>/sync`` on loopback with
``websockets`` and speaks the protocol of the unmodified ``convex`` 1.48.0
client: per-connection versions (``querySet``, ``identity``, ``ts``),
Transitions whose ``startVersion`` is always the previous ``endVersion``,
mutations answered once per ``(sessionId, requestId)``, subscriptions re-run
when a table they read changes, ``Ping`` after 15 s of silence.

``Authenticate`` is checked like a ``customJwt`` provider of ``auth.config.ts``
(issuer, JWKS, algorithm, ``kid``, ``sub``/``iss``/``exp`` required, 5 s
leeway). A rejected token gets ``AuthError{authUpdateAttempted: true}`` and a
close frame without a status code (the client sees 1005); an identity that
has expired since is noticed lazily, when a query re-runs or a mutation or
action arrives, and gets ``AuthError{authUpdateAttempted: false}`` and the
same close. Bad input ends only the connection that sent it, the way the
backend does it (``FatalError`` + code-less close, or close 1011).

Faults (target ``"convex"`` on a :class:`FaultBoard`): ``refuse-upgrade``,
``close``, ``auth-error``, ``stall``. Events go to an :class:`EventLog`,
tokens only as fingerprints.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import logging
import re
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from ...redaction import fingerprint
from . import convex_protocol as proto
from .convex_app import ConvexApp, FunctionError, Identity, Outcome
from .convex_protocol import ProtocolError, StateVersion

log = logging.getLogger(__name__)

CLIENT_VERSION = "1.48.0"
TARGET = "convex"
LEEWAY_S = 5
MAX_STALL_S = 300.0
DEFAULT_STALL_S = 30.0  # the board's default; > 60 s makes the client reconnect
JWKS_REFETCH_S = 5.0
MAX_CLOSED_KEPT = 1000

_SYNC_PATH = re.compile(r"^/api/([^/?#]+)/sync/?(?:\?.*)?$")
_UNSET = object()


# -- JWT validation ------------------------------------------------------------


class AuthRejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # short code for events: bad-issuer, bad-kid, ...
        self.message = message


@dataclass
class TrustedIssuer:
    issuer: str
    jwks: dict | str
    algorithms: tuple[str, ...] = ("RS256",)
    application_id: str | None = None

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "TrustedIssuer":
        algs = cfg.get("algorithms") or ([cfg["algorithm"]] if cfg.get("algorithm") else ["RS256"])
        app_id = cfg.get("application_id", cfg.get("applicationID"))
        return cls(cfg["issuer"], cfg["jwks"], tuple(algs), app_id)


def _norm_issuer(value: str) -> str:
    value = value.rstrip("/")
    return value if "://" in value else "https://" + value


def _b64json(part: str) -> dict:
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    obj = json.loads(raw)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return obj


class JwtVerifier:
    """Validates user tokens against the trusted issuers (``customJwt`` rules)."""

    def __init__(self, issuers: Iterable[dict[str, Any]], clock: Callable[[], float]) -> None:
        self.issuers = [TrustedIssuer.from_config(c) for c in issuers]
        self.clock = clock
        self._cache: dict[str, tuple[KeySet, float]] = {}
        self.jwks_fetches = 0

    async def _keyset(self, source: dict | str, *, refresh: bool = False) -> KeySet:
        if isinstance(source, dict):
            return KeySet.import_key_set(source)
        cached = self._cache.get(source)
        if cached and not (refresh and time.monotonic() - cached[1] > JWKS_REFETCH_S):
            return cached[0]
        if source.startswith("data:"):
            body = await asyncio.to_thread(_read_url, source)
        else:
            self.jwks_fetches += 1
            body = await asyncio.to_thread(_read_url, source)
        keyset = KeySet.import_key_set(json.loads(body))
        self._cache[source] = (keyset, time.monotonic())
        return keyset

    async def verify(self, token: str) -> tuple[Identity, dict[str, Any]]:
        parts = token.split(".")
        if len(parts) != 3:
            raise AuthRejected("malformed", "Could not parse JWT: expected three dot-separated parts")
        try:
            header, claims = _b64json(parts[0]), _b64json(parts[1])
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise AuthRejected("malformed", "Could not parse JWT header or payload") from None
        iss = claims.get("iss")
        if not isinstance(iss, str):
            raise AuthRejected("missing-claim", "Token is missing the required claim `iss`")
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else list(aud) if isinstance(aud, list) else []
        provider = next(
            (p for p in self.issuers
             if _norm_issuer(p.issuer) == _norm_issuer(iss)
             and (p.application_id is None or p.application_id in auds)),
            None,
        )
        if provider is None:
            raise AuthRejected(
                "bad-issuer",
                f"No auth provider found matching the given token (issuer {iss!r}"
                + (f", audience {aud!r}" if aud is not None else "")
                + "). Check your auth.config.ts.",
            )
        alg = header.get("alg")
        if alg not in provider.algorithms:
            raise AuthRejected("bad-algorithm", f"Token algorithm {alg!r} is not allowed for issuer {iss!r}")
        try:
            keyset = await self._keyset(provider.jwks)
        except Exception as exc:  # network, JSON or key import
            raise AuthRejected("jwks-unavailable", f"Could not fetch the JWKS for issuer {iss!r}: {exc}") from None
        kid = header.get("kid")
        key = _find_key(keyset, kid)
        if key is None and not isinstance(provider.jwks, dict):
            try:  # keys may have rotated
                keyset = await self._keyset(provider.jwks, refresh=True)
            except Exception:
                pass
            key = _find_key(keyset, kid)
        if key is None:
            raise AuthRejected("bad-kid", f"No key in the JWKS matches the token's kid {kid!r}")
        try:
            decoded = jwt.decode(token, key, algorithms=[alg])
        except JoseError as exc:
            raise AuthRejected("bad-signature", f"Could not verify the token signature: {exc.description or exc.error}") from None
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self.clock()),
            leeway=LEEWAY_S,
            iss={"essential": True},
            sub={"essential": True},
            exp={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            reason = "expired" if getattr(exc, "error", "") == "expired_token" else "missing-claim" \
                if getattr(exc, "error", "") == "missing_claim" else "invalid-claim"
            raise AuthRejected(reason, f"Token claims are not valid: {exc.description or exc.error}") from None
        if not isinstance(decoded.claims.get("exp"), (int, float)):
            raise AuthRejected("invalid-claim", "Token claim `exp` must be a number")
        return Identity.from_claims(decoded.claims), decoded.claims


def _find_key(keyset: KeySet, kid: Any):
    if kid is None:
        return keyset.keys[0] if len(keyset.keys) == 1 else None
    for key in keyset.keys:
        if key.kid == kid:
            return key
    return None


def _read_url(url: str) -> bytes:
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - http(s) and data: only
        if not url.startswith("data:"):
            ctype = resp.headers.get_content_type()
            if ctype not in ("application/json", "application/jwk-set+json"):
                raise ValueError(f"unexpected content type {ctype!r}")
        return resp.read()


# -- query cache -----------------------------------------------------------------


@dataclass
class _CachedResult:
    outcome: Outcome
    text: tuple[str, str]  # modification type and body, serialized once for every subscriber
    table_versions: tuple[tuple[str, int], ...]


def _result_text(outcome: Outcome) -> tuple[str, str]:
    """The middle of a QueryUpdated/QueryFailed modification, as JSON text."""
    if outcome.ok:
        return "QueryUpdated", '"value":' + proto.dumps(outcome.value)
    err = outcome.error
    text = '"errorMessage":' + proto.dumps(err.message)
    if err.error_data is not None:
        text += ',"errorData":' + proto.dumps(err.error_data)
    return "QueryFailed", text


# -- connections -----------------------------------------------------------------


@dataclass
class _Query:
    udf_path: str
    args: dict[str, Any]
    args_key: str
    text: tuple[str, str] | None = None  # last result sent
    reads: frozenset[str] = frozenset()


@dataclass
class _Conn:
    id: int
    ws: ServerConnection
    client_version: str
    opened_at: float
    session_id: str | None = None
    connection_count: int | None = None
    last_close_reason: str | None = None
    clock_skew: int | None = None
    received_qs: int = 0
    received_identity: int = 0
    current: StateVersion = field(default_factory=StateVersion)
    pending_mods: list = field(default_factory=list)
    pending_identity: Any = _UNSET
    identity: Identity | None = None
    token_fp: str | None = None
    queries: dict[int, _Query] = field(default_factory=dict)
    stale_tables: set = field(default_factory=set)
    update_scheduled: bool = False
    outbox: list = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stalled_until: float = 0.0
    last_send: float = field(default_factory=time.monotonic)
    dead: bool = False
    closed_by_server: bool = False
    transitions: int = 0
    received: int = 0

    def schedule(self) -> None:
        self.update_scheduled = True
        self.wake.set()

    def effective_identity(self) -> Identity | None:
        return self.identity if self.pending_identity is _UNSET else self.pending_identity

    def snapshot(self) -> dict[str, Any]:
        ident = self.effective_identity()
        return {
            "id": self.id,
            "open": not self.dead,
            "client_version": self.client_version,
            "session_id": self.session_id,
            "connection_count": self.connection_count,
            "last_close_reason": self.last_close_reason,
            "version": {"querySet": self.current.query_set, "identity": self.current.identity, "ts": self.current.ts},
            "received_versions": {"querySet": self.received_qs, "identity": self.received_identity},
            "subject": ident.attributes["subject"] if ident else None,
            "token": self.token_fp,
            "token_exp": ident.exp if ident else None,
            "queries": {qid: q.udf_path for qid, q in self.queries.items()},
            "transitions_sent": self.transitions,
            "messages_received": self.received,
            "stalled": self.stalled_until > time.monotonic(),
        }


# -- the emulator ------------------------------------------------------------------


class ConvexEmulator:
    """An in-process Convex sync endpoint for the real ``convex`` client.

    ``trusted_issuers`` are ``customJwt`` providers:
    ``{"issuer": str, "jwks": dict | "http(s)://…" | "data:…", "algorithms": ["RS256"],
    "application_id": optional aud}``. Use ``port=0`` for a free port.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8765,
        *,
        trusted_issuers: Iterable[dict[str, Any]] = (),
        faults: Any = None,
        events: Any = None,
        clock: Callable[[], float] = time.time,
        app: ConvexApp | None = None,
        ping_interval_s: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.faults = faults
        self.events = events
        self.clock = clock
        self.app = app or ConvexApp()
        self.ping_interval_s = ping_interval_s
        self.verifier = JwtVerifier(trusted_issuers, clock)
        self._ts = proto.Timestamps()
        self._server: Server | None = None
        self._conns: dict[int, _Conn] = {}
        self._ids = itertools.count(1)
        self._mutation_results: dict[tuple[str, int], dict[str, Any]] = {}
        self._cache: dict[tuple[str, str], _CachedResult] = {}
        self._table_versions: dict[str, int] = {}
        #: snapshots of the most recent closed connections (newest last)
        self.closed_connections: list[dict[str, Any]] = []
        self.counters: dict[str, int] = dict.fromkeys(
            [
                "connections_total", "connections_open", "max_concurrent", "upgrades_refused",
                "messages_received", "transitions_sent", "pings_sent", "auth_ok", "auth_rejected",
                "auth_errors_sent", "fatal_errors_sent", "protocol_errors", "mutations_applied",
                "mutations_failed", "mutations_deduplicated", "actions_run", "faults_fired", "stalls",
            ],
            0,
        )

    # -- lifecycle --------------------------------------------------------------

    async def start(self) -> "ConvexEmulator":
        self._server = await serve(
            self._handler,
            self.host,
            self.port,
            process_request=self._process_request,
            compression=None,  # the backend does not negotiate permessage-deflate
            ping_interval=5.0,
            ping_timeout=60.0,
            close_timeout=2.0,
            max_size=16 * 1024 * 1024,
            max_queue=None,
        )
        sock = next(iter(self._server.sockets))
        self.port = sock.getsockname()[1]
        self._event("started", url=self.url)
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close(close_connections=True)
        await server.wait_closed()
        self._event("stopped")

    async def __aenter__(self) -> "ConvexEmulator":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The deployment URL to give ``ConvexReactClient``."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The sync endpoint the 1.48.0 client derives from :attr:`url`."""
        return self.sync_url()

    def sync_url(self, client_version: str = CLIENT_VERSION) -> str:
        return f"ws://{self.host}:{self.port}/api/{client_version}/sync"

    # -- inspection ---------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The stored ``messages`` table (oldest first)."""
        return self.app.messages

    def connections(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        return [c.snapshot() for c in self._conns.values() if not (open_only and c.dead)]

    @property
    def latest_ts(self) -> int:
        return self._ts.latest

    async def disconnect_all(self, code: int | None = 1001, reason: str = "") -> int:
        """Close every open sync connection (the client reconnects). Returns how many."""
        conns = [c for c in self._conns.values() if not c.dead]
        await asyncio.gather(*(self._close(c, code, reason, why="disconnect_all") for c in conns))
        return len(conns)

    # -- plumbing -------------------------------------------------------------------

    def _event(self, type_: str, **fields: Any) -> None:
        if self.events is not None:
            try:
                self.events.add(TARGET, type_, **{k: v for k, v in fields.items() if v is not None})
            except Exception:  # an event log must never break the emulator
                log.exception("event log failed")

    def _take_fault(self, phase: str, actions: tuple[str, ...], **facts: Any):
        """Use up the first armed ``convex`` fault that matches ``facts`` and applies at ``phase``.

        Facts: ``phase`` (``connect`` = the upgrade, ``message`` = a client
        frame, ``transition`` = before a Transition), ``type`` (client message
        type), ``udfPath``, ``connection``, ``session``, ``path``. A fault
        whose action cannot happen at this phase (``refuse-upgrade`` while a
        socket is open, ``close`` during the upgrade) is left for its phase
        and does not hide later faults.
        """
        board = self.faults
        if board is None:
            return None
        facts = {"phase": phase, **{k: v for k, v in facts.items() if v is not None}}
        try:
            first = board.peek(TARGET, **facts)
            if first is None:
                return None
            if first.action in actions:
                fault = board.take(TARGET, **facts)
            else:
                fault = self._take_behind(board, actions, facts)
        except Exception:
            log.exception("fault board failed")
            return None
        if fault is not None:
            self.counters["faults_fired"] += 1
            self._event("fault", action=fault.action, phase=phase, fault=fault.id,
                        **{k: v for k, v in facts.items() if k in ("connection", "type", "udfPath")})
        return fault

    @staticmethod
    def _take_behind(board: Any, actions: tuple[str, ...], facts: dict[str, Any]):
        # The oldest matching fault is for another phase; the board's take()
        # would hand out that one, so use a later applicable one through the
        # public API: a single-use fault is consumed by cancelling it, a
        # window-only fault applies to every request anyway; a multi-use
        # counted fault waits its turn (it cannot be decremented from here).
        for f in board.list(TARGET):
            if f.action not in actions or not f.matches(facts):
                continue
            if f.remaining == 1:
                return f if board.cancel(f.id) else None
            if f.remaining is None:
                return f
            return None
        return None

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        m = _SYNC_PATH.match(request.path)
        if m is None:
            return connection.respond(404, "Not Found\n")
        fault = self._take_fault("connect", ("refuse-upgrade",), path=request.path)
        if fault is not None:
            params = fault.params or {}
            status = int(params.get("status", 503))
            self.counters["upgrades_refused"] += 1
            self._event("upgrade_refused", status=status, path=request.path)
            return connection.respond(status, params.get("body", "Service Unavailable\n"))
        return None

    async def _send(self, conn: _Conn, msg: dict[str, Any] | str, *, final: bool = False) -> bool:
        if conn.dead and not final:
            return False
        text = msg if isinstance(msg, str) else proto.dumps(msg)
        try:
            async with conn.send_lock:
                await conn.ws.send(text)
        except ConnectionClosed:
            conn.dead = True
            return False
        conn.last_send = time.monotonic()
        return True

    async def _close(self, conn: _Conn, code: int | None, reason: str = "", *, final: dict | None = None,
                     why: str = "") -> None:
        """Send an optional last message, then a close frame (``code=None``: no status code)."""
        if conn.closed_by_server:
            return
        conn.closed_by_server = True
        conn.dead = True
        conn.wake.set()
        if final is not None:
            await self._send(conn, final, final=True)
        self._event("closing", connection=conn.id, code=code, reason=reason, why=why)
        try:
            async with conn.send_lock:
                await conn.ws.close(code, reason)  # type: ignore[arg-type]  # None = empty frame
        except ConnectionClosed:
            pass

    async def _fail(self, conn: _Conn, err: ProtocolError) -> None:
        """End a connection the way the backend does for this class of error."""
        if err.kind in ("auth_update_failed", "unauthenticated"):
            attempted = err.kind == "auth_update_failed"
            msg = proto.auth_error(err.msg, conn.current.identity, attempted)
            self.counters["auth_errors_sent"] += 1
            self._event("auth_error_sent", connection=conn.id, authUpdateAttempted=attempted,
                        error=err.msg, baseVersion=conn.current.identity, token=conn.token_fp)
            await self._close(conn, None, final=msg, why=err.short)
        elif err.kind == "bad_request":
            self.counters["fatal_errors_sent"] += 1
            self.counters["protocol_errors"] += 1
            self._event("protocol_error", connection=conn.id, short=err.short, error=err.msg, sent="FatalError")
            await self._close(conn, None, final=proto.fatal_error(err.msg), why=err.short)
        else:
            self.counters["protocol_errors"] += 1
            self._event("protocol_error", connection=conn.id, short=err.short, error=err.msg, sent="close 1011")
            await self._close(conn, 1011, "InternalServerError", why=err.short)

    async def _apply_fault(self, conn: _Conn, fault: Any, *, during_auth: bool = False) -> bool:
        """Act on a message/transition-phase fault; True if the connection is now over.

        ``close``: close frame with ``params.code`` (default 1011) and
        ``params.reason``. ``auth-error``: ``AuthError{error: params.message}``
        then a code-less close; ``authUpdateAttempted`` is ``params.authUpdateAttempted``,
        by default true when it replaces an ``Authenticate`` and false otherwise
        (like a lazily noticed expiry). ``stall``: nothing is processed or sent
        on this connection, Pings included, for ``params.max_s`` seconds.
        """
        params = fault.params or {}
        if fault.action == "close":
            code = params.get("code", 1011)
            await self._close(conn, code, params.get("reason") or "", why="fault")
            return True
        if fault.action == "auth-error":
            attempted = bool(params.get("authUpdateAttempted", during_auth))
            error = params.get("message") or ("Could not verify the token (injected fault)" if attempted
                                              else "Convex token identity expired")
            kind = "auth_update_failed" if attempted else "unauthenticated"
            await self._fail(conn, ProtocolError(kind, "InjectedFault", error))
            return True
        if fault.action == "stall":
            seconds = min(float(params.get("max_s", DEFAULT_STALL_S)), MAX_STALL_S)
            conn.stalled_until = max(conn.stalled_until, time.monotonic() + seconds)
            self.counters["stalls"] += 1
            self._event("stall", connection=conn.id, seconds=seconds)
            return False
        return False

    async def _wait_stall(self, conn: _Conn) -> None:
        while not conn.dead and (left := conn.stalled_until - time.monotonic()) > 0:
            if conn.ws.protocol.state is State.CLOSED:  # the client gave up on us
                conn.dead = True
                break
            await asyncio.sleep(min(left, 0.2))

    # -- per connection ---------------------------------------------------------------

    async def _handler(self, ws: ServerConnection) -> None:
        m = _SYNC_PATH.match(ws.request.path) if ws.request else None
        conn = _Conn(next(self._ids), ws, m.group(1) if m else "?", self.clock())
        self._conns[conn.id] = conn
        self.counters["connections_total"] += 1
        self.counters["connections_open"] += 1
        self.counters["max_concurrent"] = max(self.counters["max_concurrent"], self.counters["connections_open"])
        self._event("connect", connection=conn.id, client_version=conn.client_version,
                    remote=_peer(ws))
        worker = asyncio.create_task(self._worker(conn))
        try:
            async for frame in ws:
                if conn.dead:
                    break
                conn.received += 1
                self.counters["messages_received"] += 1
                await self._wait_stall(conn)
                if conn.dead:
                    break
                try:
                    msg = proto.parse_client_message(frame)
                    await self._handle(conn, msg)
                except ProtocolError as err:
                    await self._fail(conn, err)
                    break
                except Exception as exc:  # a bug here must only cost this connection
                    log.exception("convex emulator: error handling a message")
                    await self._fail(conn, proto.internal(f"{type(exc).__name__}: {exc}"))
                    break
        except ConnectionClosed:
            pass
        finally:
            conn.dead = True
            conn.wake.set()
            try:
                await asyncio.wait_for(worker, 5)
            except (asyncio.TimeoutError, Exception):
                worker.cancel()
            self.counters["connections_open"] -= 1
            rcvd, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
            self._event(
                "close",
                connection=conn.id,
                initiator="server" if conn.closed_by_server else "client",
                code=int(rcvd.code if rcvd else sent.code if sent else 1006),
                reason=(rcvd.reason if rcvd else sent.reason if sent else ""),
                session_id=conn.session_id,
            )
            self._conns.pop(conn.id, None)
            self.closed_connections.append(conn.snapshot())
            del self.closed_connections[:-MAX_CLOSED_KEPT]

    async def _worker(self, conn: _Conn) -> None:
        """Sends everything for one connection, in order: responses, Transitions, Pings."""
        while not conn.dead:
            timeout = max(0.0, self.ping_interval_s - (time.monotonic() - conn.last_send))
            try:
                await asyncio.wait_for(conn.wake.wait(), timeout)
            except asyncio.TimeoutError:
                if conn.stalled_until <= time.monotonic() and await self._send(conn, proto.PING):
                    self.counters["pings_sent"] += 1
                else:
                    conn.last_send = time.monotonic()
                continue
            conn.wake.clear()
            if conn.dead:
                break
            if conn.stalled_until > time.monotonic():
                await self._wait_stall(conn)
                conn.wake.set()
                continue
            outbox, conn.outbox = conn.outbox, []
            for msg in outbox:
                await self._send(conn, msg)
            if not conn.update_scheduled or conn.dead:
                continue
            fault = self._take_fault("transition", ("close", "auth-error", "stall"),
                                     connection=conn.id, session=conn.session_id, type="Transition")
            if fault is not None and await self._apply_fault(conn, fault):
                break
            if conn.stalled_until > time.monotonic():
                conn.wake.set()
                continue
            conn.update_scheduled = False
            try:
                text = self._transition(conn)
            except ProtocolError as err:
                await self._fail(conn, err)
                break
            except Exception as exc:
                log.exception("convex emulator: error computing a transition")
                await self._fail(conn, proto.internal(f"{type(exc).__name__}: {exc}"))
                break
            if await self._send(conn, text):
                conn.transitions += 1
                self.counters["transitions_sent"] += 1

    async def _handle(self, conn: _Conn, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        fault = self._take_fault(
            "message", ("close", "auth-error", "stall"),
            connection=conn.id, session=conn.session_id, type=kind, udfPath=msg.get("udfPath"),
        )
        if fault is not None:
            if await self._apply_fault(conn, fault, during_auth=kind == "Authenticate"):
                return
            await self._wait_stall(conn)
            if conn.dead:
                return
        if kind == "Connect":
            self._on_connect(conn, msg)
        elif kind == "Authenticate":
            await self._on_authenticate(conn, msg)
        elif kind == "ModifyQuerySet":
            self._on_modify_query_set(conn, msg)
        elif kind == "Mutation":
            self._on_mutation(conn, msg)
        elif kind == "Action":
            self._on_action(conn, msg)
        elif kind == "Event":
            self._event("client_event", connection=conn.id, eventType=msg["eventType"])

    def _on_connect(self, conn: _Conn, msg: dict[str, Any]) -> None:
        conn.session_id = msg["sessionId"]
        conn.connection_count = msg["connectionCount"]
        conn.last_close_reason = msg.get("lastCloseReason")
        if msg.get("clientTs") is not None:
            conn.clock_skew = int(msg["clientTs"] - self.clock() * 1000)
        self._event("hello", connection=conn.id, session_id=conn.session_id,
                    connectionCount=conn.connection_count, lastCloseReason=conn.last_close_reason,
                    maxObservedTimestamp=msg.get("maxObservedTimestamp"))
        mot = msg.get("maxObservedTimestamp")
        if mot is not None and mot > self._ts.latest:
            raise proto.internal(
                f"Client has observed a timestamp {mot} ahead of the backend latest known timestamp {self._ts.latest}")

    async def _on_authenticate(self, conn: _Conn, msg: dict[str, Any]) -> None:
        token_type = msg["tokenType"]
        identity: Identity | None = None
        fp = None
        if token_type == "User":
            fp = fingerprint(msg["value"])
            try:
                identity, claims = await self.verifier.verify(msg["value"])
            except AuthRejected as rej:
                self.counters["auth_rejected"] += 1
                self._event("authenticate_rejected", connection=conn.id, token=fp, reason=rej.reason,
                            error=rej.message, baseVersion=msg["baseVersion"])
                conn.token_fp = fp
                raise proto.auth_update_failed("InvalidAuthHeader", rej.message) from None
            self.counters["auth_ok"] += 1
            self._event("authenticate_ok", connection=conn.id, token=fp, sub=claims.get("sub"),
                        iss=claims.get("iss"), exp=claims.get("exp"), iat=claims.get("iat"),
                        baseVersion=msg["baseVersion"])
        elif token_type == "Admin":
            self.counters["auth_rejected"] += 1
            self._event("authenticate_rejected", connection=conn.id, token=fingerprint(msg["value"], "key"),
                        reason="admin-key")
            raise proto.auth_update_failed("BadAdminKey", "The provided admin key was invalid for this instance")
        else:
            self._event("authenticate_none", connection=conn.id, baseVersion=msg["baseVersion"])
        if msg["baseVersion"] != conn.received_identity:
            raise proto.internal(
                f"Identity base version {msg['baseVersion']} doesn't match the current version {conn.received_identity}")
        conn.pending_identity = identity
        conn.token_fp = fp
        conn.received_identity += 1
        conn.schedule()

    def _on_modify_query_set(self, conn: _Conn, msg: dict[str, Any]) -> None:
        base, new = msg["baseVersion"], msg["newVersion"]
        if base != conn.received_qs:
            raise proto.bad_request(
                "BaseVersionMismatch",
                f"Base version {base} passed up doesn't match the current version {conn.received_qs}")
        if new <= base:
            raise proto.internal(f"New query set version {new} is not after base version {base}")
        conn.pending_mods.extend(msg["modifications"])
        conn.received_qs = new
        conn.schedule()

    def _identity_for_call(self, conn: _Conn) -> Identity | None:
        identity = conn.effective_identity()
        if identity is not None and identity.expired(self.clock()):
            raise proto.token_expired()
        return identity

    def _on_mutation(self, conn: _Conn, msg: dict[str, Any]) -> None:
        identity = self._identity_for_call(conn)
        request_id, path = msg["requestId"], msg["udfPath"]
        key = (conn.session_id, request_id) if conn.session_id else None
        if key is not None and key in self._mutation_results:
            self.counters["mutations_deduplicated"] += 1
            self._event("mutation_deduplicated", connection=conn.id, session_id=conn.session_id,
                        requestId=request_id, udfPath=path)
            conn.outbox.append(self._mutation_results[key])
            conn.schedule()
            return
        ts = self._ts.next()
        outcome = self.app.mutation(path, msg["args"][0], identity, ts / 1e6)
        if outcome.ok:
            response = proto.mutation_success(request_id, outcome.value, ts)
            if key is not None:
                self._mutation_results[key] = response
            self.counters["mutations_applied"] += 1
            self._event("mutation_applied", connection=conn.id, session_id=conn.session_id,
                        requestId=request_id, udfPath=path, ts=ts, writes=sorted(outcome.writes))
            self._notify_writes(outcome.writes)
        else:
            response = proto.mutation_failure(request_id, outcome.error.message, outcome.error.error_data)
            self.counters["mutations_failed"] += 1
            self._event("mutation_failed", connection=conn.id, session_id=conn.session_id,
                        requestId=request_id, udfPath=path, error=outcome.error.message.splitlines()[-1])
        conn.outbox.append(response)
        conn.schedule()

    def _on_action(self, conn: _Conn, msg: dict[str, Any]) -> None:
        identity = self._identity_for_call(conn)
        outcome = self.app.action(msg["udfPath"], msg["args"][0], identity)
        self.counters["actions_run"] += 1
        if outcome.ok:
            response = proto.action_response(msg["requestId"], success=True, result=outcome.value)
        else:
            response = proto.action_response(msg["requestId"], success=False, result=outcome.error.message,
                                             error_data=outcome.error.error_data)
        conn.outbox.append(response)
        conn.schedule()

    def _notify_writes(self, tables: frozenset[str]) -> None:
        if not tables:
            return
        for name in tables:
            self._table_versions[name] = self._table_versions.get(name, 0) + 1
        for other in self._conns.values():
            if other.dead:
                continue
            if any(q.reads & tables for q in other.queries.values()):
                other.stale_tables |= tables
                other.schedule()

    # -- transitions -------------------------------------------------------------------

    def _run_query(self, q: _Query, identity: Identity | None) -> tuple[str, str]:
        """Run (or reuse) a query; returns its modification body text."""
        key = (q.udf_path, q.args_key)
        cached = self._cache.get(key)
        if cached is not None and all(self._table_versions.get(t, 0) == v for t, v in cached.table_versions):
            q.reads = cached.outcome.reads
            return cached.text
        outcome = self.app.query(q.udf_path, q.args, identity)
        text = _result_text(outcome)
        q.reads = outcome.reads
        if not outcome.uses_identity:
            self._cache[key] = _CachedResult(
                outcome, text, tuple((t, self._table_versions.get(t, 0)) for t in sorted(outcome.reads)))
        return text

    def _transition(self, conn: _Conn) -> str:
        start = conn.current
        identity_version = start.identity
        rerun_all = False
        if conn.pending_identity is not _UNSET:
            conn.identity = conn.pending_identity
            conn.pending_identity = _UNSET
            identity_version = conn.received_identity
            rerun_all = True
        identity = conn.identity
        if identity is not None and identity.expired(self.clock()):
            raise proto.token_expired()
        mods: dict[int, str] = {}
        pending, conn.pending_mods = conn.pending_mods, []
        for mod in pending:
            qid = mod["queryId"]
            if mod["type"] == "Add":
                if qid in conn.queries:
                    raise proto.internal(f"Duplicate query ID: {qid}")
                args = mod["args"][0]
                conn.queries[qid] = _Query(
                    proto.canonicalize_udf_path(mod["udfPath"]), args,
                    json.dumps(args, sort_keys=True, separators=(",", ":")))
            else:
                if conn.queries.pop(qid, None) is None:
                    raise proto.internal(f"Nonexistent query id: {qid}")
                mods[qid] = proto.dumps(proto.query_removed(qid))
        stale, conn.stale_tables = conn.stale_tables, set()
        for qid, q in conn.queries.items():
            if not (rerun_all or q.text is None or q.reads & stale):
                continue
            text = self._run_query(q, identity)
            if text == q.text:
                continue  # same result: no modification (the backend dedups by hash)
            q.text = text
            mods[qid] = '{"type":"%s","queryId":%d,%s,"logLines":[],"journal":null}' % (text[0], qid, text[1])
        end = StateVersion(conn.received_qs, identity_version, max(self._ts.latest, start.ts))
        conn.current = end
        extra = ""
        if conn.clock_skew is not None:
            extra += ',"clientClockSkew":%d' % conn.clock_skew
        extra += ',"serverTs":%d' % time.time_ns()
        return '{"type":"Transition","startVersion":%s,"endVersion":%s,"modifications":[%s]%s}' % (
            proto.dumps(start.to_json()), proto.dumps(end.to_json()),
            ",".join(mods[k] for k in sorted(mods)), extra)


def _peer(ws: ServerConnection) -> str | None:
    try:
        host, port = ws.remote_address[:2]
        return f"{host}:{port}"
    except Exception:
        return None
