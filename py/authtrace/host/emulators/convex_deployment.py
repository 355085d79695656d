"""What all sync connections of one Convex deployment share (pure).

The app and its data, the commit timestamps, the results of mutations (for
idempotence per ``(sessionId, requestId)``, as the backend passes
``SessionRequestIdentifier`` to the application layer), a cache of query
results keyed by function, arguments and the versions of the tables they read,
and the open connections, so that a write marks the subscriptions that read the
written tables stale (Convex's read sets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from . import convex_protocol as proto
from .convex_app import ConvexApp, Identity, Outcome

if TYPE_CHECKING:
    from .sync_connection import SyncConnection

COUNTERS = (
    "connections_total", "connections_open", "max_concurrent", "upgrades_refused",
    "messages_received", "transitions_sent", "pings_sent", "auth_ok", "auth_rejected",
    "auth_errors_sent", "fatal_errors_sent", "protocol_errors", "mutations_applied",
    "mutations_failed", "mutations_deduplicated", "actions_run", "faults_fired", "stalls",
)
MAX_MUTATION_RESULTS = 100_000  # (session, request) pairs remembered for idempotence


def result_body(outcome: Outcome) -> dict[str, Any]:
    """The ``QueryUpdated``/``QueryFailed`` modification of ``outcome``, without its query id."""
    if outcome.ok:
        return {"type": "QueryUpdated", "value": outcome.value}
    err = outcome.error
    body: dict[str, Any] = {"type": "QueryFailed", "errorMessage": err.message}
    if err.error_data is not None:
        body["errorData"] = err.error_data
    return body


@dataclass
class QueryResult:
    """One run of a query, shared by every connection subscribed to the same function and arguments."""

    body: dict[str, Any]  # see result_body
    reads: frozenset[str]
    table_versions: tuple[tuple[str, int], ...] = ()
    _texts: dict[int, str] = field(default_factory=dict)

    def modification_json(self, query_id: int) -> str:
        """The modification for ``query_id`` as JSON text, serialized once per query id.

        200 subscribers of one query then cost one serialization, not 200 (the
        clients number their queries alike, so the ids repeat).
        """
        text = self._texts.get(query_id)
        if text is None:
            if len(self._texts) >= 64:
                self._texts.clear()
            body = self.body
            if body["type"] == "QueryUpdated":
                mod = proto.query_updated(query_id, body["value"])
            else:
                mod = proto.query_failed(query_id, body["errorMessage"], body.get("errorData"))
            text = self._texts[query_id] = proto.dumps(mod)
        return text


class Deployment:
    """Shared state of one emulated deployment; ``emit(type, **fields)`` logs an event."""

    def __init__(self, app: ConvexApp, clock: Callable[[], float], emit: Callable[..., None]) -> None:
        self.app = app
        self.clock = clock
        self.emit = emit
        self.ts = proto.Timestamps(clock)
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.connections: dict[int, "SyncConnection"] = {}
        self._mutation_results: dict[tuple[str, int], dict[str, Any]] = {}
        self._cache: dict[tuple[str, str], QueryResult] = {}
        self._table_versions: dict[str, int] = {}

    def run_query(self, udf_path: str, args: dict[str, Any], args_key: str, identity: Identity | None) -> QueryResult:
        """Run a query, or reuse the last run while the tables it read are unchanged."""
        key = (udf_path, args_key)
        cached = self._cache.get(key)
        if cached is not None and all(self._table_versions.get(t, 0) == v for t, v in cached.table_versions):
            return cached
        outcome = self.app.query(udf_path, args, identity)
        result = QueryResult(result_body(outcome), outcome.reads)
        if not outcome.uses_identity:  # a result that depends on the caller is not shared
            result.table_versions = tuple((t, self._table_versions.get(t, 0)) for t in sorted(outcome.reads))
            self._cache[key] = result
        return result

    def mutation(self, conn: "SyncConnection", request_id: int, path: str, args: dict[str, Any],
                 identity: Identity | None) -> dict[str, Any]:
        """Apply a mutation once per ``(sessionId, requestId)``; returns its ``MutationResponse``."""
        key = (conn.session_id, request_id) if conn.session_id else None
        if key is not None and key in self._mutation_results:
            self.counters["mutations_deduplicated"] += 1
            self.emit("mutation_deduplicated", connection=conn.id, session_id=conn.session_id,
                      requestId=request_id, udfPath=path)
            return self._mutation_results[key]
        ts = self.ts.next()
        outcome = self.app.mutation(path, args, identity, ts / 1e6)
        if not outcome.ok:
            self.counters["mutations_failed"] += 1
            self.emit("mutation_failed", connection=conn.id, session_id=conn.session_id, requestId=request_id,
                      udfPath=path, error=outcome.error.message.splitlines()[-1])
            return proto.mutation_failure(request_id, outcome.error.message, outcome.error.error_data)
        response = proto.mutation_success(request_id, outcome.value, ts)
        if key is not None:
            if len(self._mutation_results) >= MAX_MUTATION_RESULTS:
                self._mutation_results.pop(next(iter(self._mutation_results)))
            self._mutation_results[key] = response
        self.counters["mutations_applied"] += 1
        self.emit("mutation_applied", connection=conn.id, session_id=conn.session_id, requestId=request_id,
                  udfPath=path, ts=ts, writes=sorted(outcome.writes))
        self.notify_writes(outcome.writes)
        return response

    def action(self, request_id: int, path: str, args: dict[str, Any], identity: Identity | None) -> dict[str, Any]:
        outcome = self.app.action(path, args, identity)
        self.counters["actions_run"] += 1
        self.notify_writes(outcome.writes)  # an action's mutations (the app's own functions)
        if outcome.ok:
            return proto.action_response(request_id, success=True, result=outcome.value)
        return proto.action_response(request_id, success=False, result=outcome.error.message,
                                     error_data=outcome.error.error_data)

    def notify_writes(self, tables: frozenset[str]) -> None:
        """``tables`` were written: re-run the subscriptions that read them ("*": all of them)."""
        if not tables:
            return
        for name in tables:
            self._table_versions[name] = self._table_versions.get(name, 0) + 1
        for other in list(self.connections.values()):  # the driver adds connections from its loop
            other.tables_written(tables)
