"""Refresh attempts and split-brain intervals as OTLP spans (pure).

A refresh attempt is a WorkOS ``/user_management/authenticate`` request the
boot shim saw (``fetch/request`` with ``auth``) up to its outcome (the
``fetch/response`` or ``fetch/error`` with the same request id in that tab): a
CLIENT span named ``authtrace.refresh`` with the HTTP semantic conventions and
``authtrace.grant_type``/``authtrace.outcome``; status ERROR for a network error
or an HTTP error. A split-brain interval (AuthKit has a user, Convex is not
authenticated) is an INTERNAL span ``authtrace.split_brain`` with the cause the
live diagnosis named, status ERROR.

Ids are derived from the session, the tab and what the span is about (SHA-256),
not drawn at random: the core has no randomness of its own, and the alarm's log
record can name the span of its interval before the interval ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from ..event import Event
from .logs import CAUSE, GRANT, SCOPE, SESSION_ID, TAB, Source, nanos
from .values import attributes

KIND_INTERNAL, KIND_CLIENT = 1, 3
STATUS_OK, STATUS_ERROR = 1, 2
REFRESH, SPLIT_BRAIN = "authtrace.refresh", "authtrace.split_brain"


def span_ids(*parts: Any) -> tuple[str, str]:
    """(trace id, span id) as OTLP/JSON's hex, from what identifies the span."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:32], digest[32:48]


def _span(session_id: str, name: str, kind: int, start: float, end: float, attrs: dict[str, Any],
          error: str | None, ids: tuple[str, str]) -> dict[str, Any]:
    status = {"code": STATUS_ERROR, "message": error} if error else {"code": STATUS_OK}
    return {"traceId": ids[0], "spanId": ids[1], "name": name, "kind": kind,
            "startTimeUnixNano": nanos(start), "endTimeUnixNano": nanos(max(start, end)),
            "attributes": attributes({SESSION_ID: session_id, **attrs}), "status": status}


class RefreshSpans:
    """Pairs refresh requests with their outcomes as events come (one tab's or several)."""

    def __init__(self, session_id: str, max_open: int = 64) -> None:
        self.session_id = session_id
        self.max_open = max_open
        self._open: dict[tuple[str, Any], Event] = {}

    def feed(self, events: Iterable[Event]) -> list[dict[str, Any]]:
        """The spans the outcomes among ``events`` close."""
        out = []
        for e in events:
            if e.kind.value != "fetch" or not e.payload.get("auth"):
                continue
            key = (e.tab, e.payload.get("request"))
            if e.type == "request":
                if len(self._open) >= self.max_open:  # outcomes never seen (a reload): forget the oldest
                    self._open.pop(next(iter(self._open)))
                self._open[key] = e
            elif e.type in ("response", "error") and key in self._open:
                out.append(self.span(self._open.pop(key), e))
        return out

    def span(self, request: Event, outcome: Event) -> dict[str, Any]:
        p, o = request.payload, outcome.payload
        attrs: dict[str, Any] = {TAB: request.tab, "http.request.method": p.get("method"), "url.full": p.get("url"),
                                 GRANT: p.get("grant_type") or o.get("grant_type")}
        error = None
        if outcome.type == "error":
            name = o.get("name") if isinstance(o.get("name"), str) else "Error"
            attrs["error.type"] = name
            attrs["authtrace.outcome"] = "network-error"
            error = f"{name}: {o.get('message')}" if o.get("message") else name
        else:
            status = o.get("status")
            attrs["http.response.status_code"] = status if isinstance(status, int) else None
            failed = isinstance(status, int) and status >= 400
            attrs["authtrace.outcome"] = "http-error" if failed else "ok"
            if failed:
                attrs["error.type"] = str(status)
                error = f"HTTP {status}" + (f" {o.get('error')}" if isinstance(o.get("error"), str) else "")
        ids = span_ids(self.session_id, request.tab, p.get("request"), nanos(request.wall))
        return _span(self.session_id, REFRESH, KIND_CLIENT, request.wall, outcome.wall, attrs, error, ids)


def split_brain_ids(session_id: str, tab: str, start: float) -> tuple[str, str]:
    return span_ids(session_id, tab, "split-brain", nanos(start))


def split_brain_span(session_id: str, tab: str, start: float, end: float, cause: str | None,
                     still_open: bool = False) -> dict[str, Any]:
    """The interval ``start``..``end`` (wall ms); ``still_open``: it had not ended when the page went away."""
    attrs = {TAB: tab, CAUSE: cause, "authtrace.split_brain.open": still_open or None}
    return _span(session_id, SPLIT_BRAIN, KIND_INTERNAL, start, end, attrs,
                 "AuthKit has a user, Convex is not authenticated", split_brain_ids(session_id, tab, start))


def traces_request(source: Source, spans: Iterable[dict[str, Any]], session_id: str | None = None) -> dict[str, Any]:
    """An ``ExportTraceServiceRequest`` (what ``POST <endpoint>/v1/traces`` takes as JSON)."""
    return {"resourceSpans": [{"resource": source.resource(session_id), "scopeSpans": [{"scope": SCOPE, "spans": list(spans)}]}]}
