"""OTLP log records back to authtrace traces, one per ``session.id`` (pure).

Input is what a Collector stored: ``ExportLogsServiceRequest`` objects (its file
exporter writes one per line). Records of authtrace events (those with
``authtrace.kind``) become :class:`~authtrace.event.Event` s again: time from
``timeUnixNano``, the monotonic clock from ``authtrace.mono``, the payload from
the body. A session's events are put in time order (wall clock, then the tab's
monotonic clock; records in input order otherwise, as the exporter sent each
tab's events in order) and numbered 1.., as the recorder's export numbers
them. Export is at-least-once (a retried batch may have been stored already), so
a tab's event number (``authtrace.seq``) seen twice is kept once. Findings
records, spans and other services' logs are not events and are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from ..event import Event, Kind
from ..trace import MAX_TIME_MS, Trace
from .logs import KIND, MONO, SEQ, SESSION_ID, TAB, TYPE
from .values import attribute_map, from_any

_KINDS = {k.value for k in Kind}
NO_SESSION = "(no session.id)"


class OtlpFormatError(ValueError):
    """Not an OTLP logs export authtrace can read; the message says why."""


def is_otlp(obj: Any) -> bool:
    """An ``ExportLogsServiceRequest`` or ``ExportTraceServiceRequest`` (as OTLP/JSON)."""
    return isinstance(obj, dict) and ("resourceLogs" in obj or "resourceSpans" in obj)


def _list(obj: Any, key: str) -> list:
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise OtlpFormatError(f'"{key}" must be a list')
    return value


def records(request: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(resource attributes, record) for every log record of a request."""
    if not is_otlp(request):
        raise OtlpFormatError('not an OTLP export: expected an object with "resourceLogs"')
    for rl in _list(request, "resourceLogs"):
        resource = attribute_map(((rl or {}).get("resource") or {}).get("attributes")) if isinstance(rl, dict) else {}
        for sl in _list(rl, "scopeLogs"):
            for record in _list(sl, "logRecords"):
                if isinstance(record, dict):
                    yield resource, record


_WANTED = {KIND, TYPE, TAB, SEQ, MONO, SESSION_ID}
_KIND = {k.value: k for k in Kind}


def _wanted(attrs: Any) -> dict[str, Any]:
    """The attributes the read-back needs (one pass; the others are for backends' queries)."""
    out: dict[str, Any] = {}
    if isinstance(attrs, list):
        for kv in attrs:
            if isinstance(kv, dict) and kv.get("key") in _WANTED:
                out[kv["key"]] = from_any(kv.get("value"))
    return out


def event_of(resource: dict[str, Any], record: dict[str, Any]) -> tuple[str, Event] | None:
    """(session id, the event, its ``id`` the tab's event number) of an authtrace event record; None for others."""
    attrs = _wanted(record.get("attributes"))
    kind = attrs.get(KIND)
    if kind is None:
        return None
    if kind not in _KIND:
        raise OtlpFormatError(f"unknown authtrace.kind {kind!r:.40}")
    tab, type_ = attrs.get(TAB), attrs.get(TYPE)
    if not isinstance(tab, str) or not isinstance(type_, str):
        raise OtlpFormatError("an authtrace record without authtrace.tab or authtrace.type")
    try:
        wall = int(record.get("timeUnixNano") or record.get("observedTimeUnixNano")) / 1_000_000
        mono = float(attrs.get(MONO, 0.0))
    except (TypeError, ValueError):
        raise OtlpFormatError("a record with no valid timeUnixNano or authtrace.mono") from None
    if not (abs(wall) <= MAX_TIME_MS and abs(mono) <= MAX_TIME_MS):
        raise OtlpFormatError(f"a time out of range ({wall!r:.30})")
    body = record.get("body")
    body = body["stringValue"] if isinstance(body, dict) and "stringValue" in body else from_any(body)
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            raise OtlpFormatError("a record body that is not the event's JSON payload") from None
    if not isinstance(body, dict):
        raise OtlpFormatError("a record body that is not an object")
    seq = attrs.get(SEQ)
    session = attrs.get(SESSION_ID, resource.get(SESSION_ID))
    return (str(session) if session is not None else NO_SESSION,
            Event(tab, mono, wall, _KIND[kind], type_, body, seq if isinstance(seq, int) else None))


def session_trace(session_id: str, events: Iterable[Event]) -> Trace:
    """One session's events (each ``id`` the tab's event number, or None) as a trace numbered 1.."""
    seen: set[tuple[str, int]] = set()
    kept: list[Event] = []
    for e in events:
        if e.id is not None:
            if (e.tab, e.id) in seen:
                continue
            seen.add((e.tab, e.id))
        kept.append(e)
    kept.sort(key=lambda e: (e.wall, e.mono))
    trace = Trace({"session_id": session_id, "tabs": sorted({e.tab for e in kept}), "redacted": True})
    for i, e in enumerate(kept, 1):
        object.__setattr__(e, "id", i)  # these events are the read-back's own: renumbered in place
    trace.events = kept
    return trace


class Sessions:
    """Log records grouped by ``session.id``; :meth:`traces` once everything was added."""

    def __init__(self) -> None:
        self.events: dict[str, list[Event]] = {}
        self.others = 0  # records that are not authtrace events (findings, other services)

    def add(self, request: Any) -> set[str]:
        """Add a request's records; the sessions it had events of."""
        touched = set()
        for resource, record in records(request):
            found = event_of(resource, record)
            if found is None:
                self.others += 1
            else:
                self.events.setdefault(found[0], []).append(found[1])
                touched.add(found[0])
        return touched

    def traces(self) -> dict[str, Trace]:
        return {sid: session_trace(sid, evs) for sid, evs in self.events.items()}

    def traces_of(self, session_id: str) -> Trace:
        """One session's trace; its events are let go here (a bucket's sessions one after another)."""
        return session_trace(session_id, self.events.pop(session_id))
