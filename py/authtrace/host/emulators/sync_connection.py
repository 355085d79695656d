"""One Convex sync connection as a pure state machine: messages in, messages and close decisions out.

No socket and no clock of its own (the model is the protocol layer of
``websockets``): the driver (:mod:`.convex`) feeds each parsed client message
to :meth:`SyncConnection.receive` together with ``now`` and, for a user
``Authenticate``, the verifier's verdict; it asks :meth:`SyncConnection.transition`
for the next ``Transition`` when :attr:`SyncConnection.update_scheduled` says one
is due. Both return a :class:`Step`: the messages to send, in order, and maybe
a :class:`Close`.

Protocol rules kept here (convex-client.md §4.5): per-connection versions
starting at zero; every Transition's ``startVersion`` is the previous
``endVersion``; ``ModifyQuerySet`` and ``Authenticate`` base versions must
match; each applied ``Authenticate`` bumps the identity version and re-runs
every query; an expired identity is noticed lazily, when a query re-runs or a
mutation or action arrives (``now >= exp``, no leeway). How an error ends the
connection follows its class (:class:`~.convex_protocol.ProtocolError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ...redaction import fingerprint
from . import convex_protocol as proto
from .convex_app import Identity
from .convex_auth import AuthRejected
from .convex_deployment import Deployment
from .convex_protocol import ProtocolError, StateVersion

_UNSET = object()
Verdict = tuple[Identity, dict[str, Any]] | AuthRejected | None


@dataclass(frozen=True)
class Close:
    """Close the socket with ``code`` (None: a close frame without a status code), after ``final``."""

    code: int | None
    reason: str = ""
    final: dict[str, Any] | None = None
    why: str = ""


@dataclass
class Step:
    """What to send, in order (messages, or a Transition as JSON text), then maybe a close."""

    send: list[dict[str, Any] | str] = field(default_factory=list)
    close: Close | None = None


@dataclass
class _Query:
    udf_path: str
    args: dict[str, Any]
    args_key: str
    body: dict[str, Any] | None = None  # last result sent
    reads: frozenset[str] = frozenset()


class SyncConnection:
    """Protocol state of one WebSocket; ``on_schedule`` is called when a Transition becomes due."""

    def __init__(self, id: int, deployment: Deployment, client_version: str, opened_at: float,
                 on_schedule: Callable[[], None] = lambda: None) -> None:
        self.id = id
        self.deployment = deployment
        self.client_version = client_version
        self.opened_at = opened_at
        self.on_schedule = on_schedule
        self.session_id: str | None = None
        self.connection_count: int | None = None
        self.last_close_reason: str | None = None
        self.clock_skew: int | None = None
        self.received_qs = 0
        self.received_identity = 0
        self.current = StateVersion()
        self.pending_mods: list[dict[str, Any]] = []
        self.pending_identity: Any = _UNSET
        self.identity: Identity | None = None
        self.token_fp: str | None = None
        self.queries: dict[int, _Query] = {}
        self.stale_tables: set[str] = set()
        self.update_scheduled = False
        self.transitions = 0  # counted by the driver once sent
        self.received = 0

    # -- in -------------------------------------------------------------------------

    def receive(self, msg: dict[str, Any], now: float, auth: Verdict = None) -> Step:
        """Apply one parsed client message (:func:`~.convex_protocol.parse_client_message`)."""
        out: list[dict[str, Any]] = []
        try:
            kind = msg["type"]
            if kind == "Connect":
                self._on_connect(msg, now)
            elif kind == "Authenticate":
                self._on_authenticate(msg, auth)
            elif kind == "ModifyQuerySet":
                self._on_modify_query_set(msg)
            elif kind == "Mutation":
                out.append(self.deployment.mutation(self, msg["requestId"], msg["udfPath"], msg["args"][0],
                                                    self._identity_for_call(now)))
            elif kind == "Action":
                out.append(self.deployment.action(msg["requestId"], msg["udfPath"], msg["args"][0],
                                                  self._identity_for_call(now)))
            elif kind == "Event":
                self.deployment.emit("client_event", connection=self.id, eventType=msg["eventType"])
        except ProtocolError as err:
            return Step(out, self.fail(err))
        if out:
            self.schedule()
        return Step(out)

    def tables_written(self, tables: frozenset[str]) -> None:
        """Another connection wrote ``tables``: re-run the subscriptions that read them."""
        if any(q.reads & tables for q in self.queries.values()):
            self.stale_tables |= tables
            self.schedule()

    def schedule(self) -> None:
        self.update_scheduled = True
        self.on_schedule()

    def _on_connect(self, msg: dict[str, Any], now: float) -> None:
        self.session_id = msg["sessionId"]
        self.connection_count = msg["connectionCount"]
        self.last_close_reason = msg.get("lastCloseReason")
        if msg.get("clientTs") is not None:
            self.clock_skew = int(msg["clientTs"] - now * 1000)
        mot = msg.get("maxObservedTimestamp")
        self.deployment.emit("hello", connection=self.id, session_id=self.session_id,
                             connectionCount=self.connection_count, lastCloseReason=self.last_close_reason,
                             maxObservedTimestamp=mot)
        latest = self.deployment.ts.latest
        if mot is not None and mot > latest:
            raise proto.internal(
                f"Client has observed a timestamp {mot} ahead of the backend latest known timestamp {latest}")

    def _on_authenticate(self, msg: dict[str, Any], auth: Verdict) -> None:
        token_type, counters, emit = msg["tokenType"], self.deployment.counters, self.deployment.emit
        identity: Identity | None = None
        fp = None
        if token_type == "User":
            fp = fingerprint(msg["value"])
            if auth is None:
                raise proto.internal("the token was not verified")
            if isinstance(auth, AuthRejected):
                counters["auth_rejected"] += 1
                emit("authenticate_rejected", connection=self.id, token=fp, reason=auth.reason,
                     error=auth.message, baseVersion=msg["baseVersion"])
                self.token_fp = fp
                raise proto.auth_update_failed("InvalidAuthHeader", auth.message)
            identity, claims = auth
            counters["auth_ok"] += 1
            emit("authenticate_ok", connection=self.id, token=fp, sub=claims.get("sub"), iss=claims.get("iss"),
                 exp=claims.get("exp"), iat=claims.get("iat"), baseVersion=msg["baseVersion"])
        elif token_type == "Admin":
            counters["auth_rejected"] += 1
            emit("authenticate_rejected", connection=self.id, token=fingerprint(msg["value"], "key"), reason="admin-key")
            raise proto.auth_update_failed("BadAdminKey", "The provided admin key was invalid for this instance")
        else:
            emit("authenticate_none", connection=self.id, baseVersion=msg["baseVersion"])
        if msg["baseVersion"] != self.received_identity:
            raise proto.internal(
                f"Identity base version {msg['baseVersion']} doesn't match the current version {self.received_identity}")
        self.pending_identity = identity
        self.token_fp = fp
        self.received_identity += 1
        self.schedule()

    def _on_modify_query_set(self, msg: dict[str, Any]) -> None:
        base, new = msg["baseVersion"], msg["newVersion"]
        if base != self.received_qs:
            raise proto.bad_request(
                "BaseVersionMismatch", f"Base version {base} passed up doesn't match the current version {self.received_qs}")
        if new <= base:
            raise proto.internal(f"New query set version {new} is not after base version {base}")
        self.pending_mods.extend(msg["modifications"])
        self.received_qs = new
        self.schedule()

    def effective_identity(self) -> Identity | None:
        return self.identity if self.pending_identity is _UNSET else self.pending_identity

    def _identity_for_call(self, now: float) -> Identity | None:
        identity = self.effective_identity()
        if identity is not None and identity.expired(now):
            raise proto.token_expired()
        return identity

    # -- out ------------------------------------------------------------------------

    def transition(self, now: float) -> Step:
        """The next Transition (as JSON text): pending query-set changes, new identity, re-run stale queries."""
        self.update_scheduled = False
        try:
            return Step([self._transition(now)])
        except ProtocolError as err:
            return Step(close=self.fail(err))

    def _transition(self, now: float) -> str:
        start = self.current
        identity_version = start.identity
        rerun_all = False
        if self.pending_identity is not _UNSET:
            self.identity, self.pending_identity = self.pending_identity, _UNSET
            identity_version = self.received_identity
            rerun_all = True
        identity = self.identity
        if identity is not None and identity.expired(now):
            raise proto.token_expired()
        mods: dict[int, str] = {}  # JSON text, see QueryResult.modification_json
        pending, self.pending_mods = self.pending_mods, []
        for mod in pending:
            qid = mod["queryId"]
            if mod["type"] == "Add":
                if qid in self.queries:
                    raise proto.internal(f"Duplicate query ID: {qid}")
                self.queries[qid] = _Query(proto.canonicalize_udf_path(mod["udfPath"]), mod["args"][0], mod["argsKey"])
            else:
                if self.queries.pop(qid, None) is None:
                    raise proto.internal(f"Nonexistent query id: {qid}")
                mods[qid] = proto.dumps(proto.query_removed(qid))
        stale, self.stale_tables = self.stale_tables, set()
        for qid, q in self.queries.items():
            if not (rerun_all or q.body is None or q.reads & stale):
                continue
            result = self.deployment.run_query(q.udf_path, q.args, q.args_key, identity)
            q.reads = result.reads
            if result.body == q.body:
                continue  # same result: no modification (the backend dedups by hash)
            q.body = result.body
            mods[qid] = result.modification_json(qid)
        end = StateVersion(self.received_qs, identity_version, max(self.deployment.ts.latest, start.ts))
        self.current = end
        return proto.transition_json(start, end, [mods[k] for k in sorted(mods)],
                                     client_clock_skew=self.clock_skew, server_ts=proto.to_ns(now))

    def fail(self, err: ProtocolError) -> Close:
        """How the backend ends a connection for this class of error (counted and logged)."""
        counters, emit = self.deployment.counters, self.deployment.emit
        if err.kind in ("auth_update_failed", "unauthenticated"):
            attempted = err.kind == "auth_update_failed"
            counters["auth_errors_sent"] += 1
            emit("auth_error_sent", connection=self.id, authUpdateAttempted=attempted, error=err.msg,
                 baseVersion=self.current.identity, token=self.token_fp)
            return Close(None, final=proto.auth_error(err.msg, self.current.identity, attempted), why=err.short)
        counters["protocol_errors"] += 1
        if err.kind == "bad_request":
            counters["fatal_errors_sent"] += 1
            emit("protocol_error", connection=self.id, short=err.short, error=err.msg, sent="FatalError")
            return Close(None, final=proto.fatal_error(err.msg), why=err.short)
        emit("protocol_error", connection=self.id, short=err.short, error=err.msg, sent="close 1011")
        return Close(1011, "InternalServerError", why=err.short)

    def snapshot(self, *, open: bool, stalled: bool) -> dict[str, Any]:
        ident = self.effective_identity()
        return {
            "id": self.id,
            "open": open,
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
            "stalled": stalled,
        }
