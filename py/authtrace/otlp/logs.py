"""Recorded events and live findings as OTLP log records (pure).

One event is one ``LogRecord``: its time is the event's wall clock, its body the
event's (already redacted) payload as compact JSON text, its ``eventName``
``authtrace.<kind>.<type>``, severity INFO. Attributes follow the OpenTelemetry
semantic conventions where one exists, and the ``authtrace.*`` namespace for
the rest (docs/fleet.md has the table). What :mod:`.readback` needs to rebuild
the event exactly is in ``authtrace.kind``/``type``/``tab``/``seq``/``mono``,
the time and the body; the other attributes are for queries in a backend.

A finding of the live diagnosis is a record of its own, ``eventName``
``authtrace.finding``: the split-brain alarm (ERROR) and the cause the
diagnosis named for it (WARN), so a Collector pipeline can alert on severity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..event import Event
from .values import attributes

SCOPE = {"name": "authtrace", "version": __version__}
SEVERITY = {"INFO": 9, "WARN": 13, "ERROR": 17}
FINDING = "authtrace.finding"
EVENT_PREFIX = "authtrace."

# Attribute keys: semantic conventions first, then authtrace's own namespace.
SERVICE_NAME = "service.name"
SESSION_ID = "session.id"
USER_AGENT = "user_agent.original"
KIND, TYPE, TAB, SEQ, MONO = "authtrace.kind", "authtrace.type", "authtrace.tab", "authtrace.seq", "authtrace.mono"
TOKEN, CAUSE, FIX, GRANT = "authtrace.token", "authtrace.cause", "authtrace.fix", "authtrace.grant_type"


@dataclass(frozen=True)
class Source:
    """Who exports: the resource of every request (the app's service, the browser)."""

    service: str = "authtrace"
    user_agent: str | None = None
    brands: tuple[str, ...] = ()
    platform: str | None = None
    mobile: bool | None = None
    language: str | None = None

    def resource(self, session_id: str | None = None) -> dict[str, Any]:
        """The resource attributes; ``session.id`` too, as each tab's requests carry one session."""
        return {"attributes": attributes({
            SERVICE_NAME: self.service, SESSION_ID: session_id, "telemetry.sdk.name": "authtrace", "telemetry.sdk.language": "python",
            "telemetry.sdk.version": __version__, USER_AGENT: self.user_agent,
            "browser.brands": list(self.brands) or None, "browser.platform": self.platform,
            "browser.mobile": self.mobile, "browser.language": self.language})}


def nanos(wall_ms: float) -> str:
    """Milliseconds since the epoch as OTLP's nanoseconds (a decimal string: a fixed64). The whole
    milliseconds are multiplied as integers: a double cannot hold 10^18 to the nanosecond, and
    ``int(nanos(w)) / 10**6 == w`` must hold for the trace to come back exactly."""
    if not wall_ms > 0:
        return "0"
    whole = int(wall_ms)
    return str(whole * 1_000_000 + round((wall_ms - whole) * 1_000_000))


def _fingerprint(v: Any) -> str | None:
    return v if isinstance(v, str) and v.startswith(("tok:", "code:", "cookie:")) else None


def semantic(event: Event) -> dict[str, Any]:
    """The semantic-convention and query attributes an event's payload gives."""
    p = event.payload
    out: dict[str, Any] = {}
    url = p.get("url") if isinstance(p.get("url"), str) else None
    if url is not None:
        out["url.full" if "://" in url else "url.path"] = url
    elif isinstance(p.get("path"), str):
        out["url.path"] = p["path"]
    if event.kind.value == "fetch":
        if isinstance(p.get("method"), str):
            out["http.request.method"] = p["method"]
        if isinstance(p.get("status"), int) and not isinstance(p.get("status"), bool):
            out["http.response.status_code"] = p["status"]
        if event.type == "error" and isinstance(p.get("name"), str):
            out["error.type"] = p["name"]
        if isinstance(p.get("grant_type"), str):
            out[GRANT] = p["grant_type"]
    if isinstance(p.get("user_agent"), str):
        out[USER_AGENT] = p["user_agent"]
    token = _fingerprint(p.get("token")) or _fingerprint(p.get("access_token"))
    if token:
        out[TOKEN] = token
    return out


def event_record(event: Event, session_id: str) -> dict[str, Any]:
    """The log record of one redacted event (``event.id``: the recorder's number, kept as ``authtrace.seq``)."""
    attrs = {SESSION_ID: session_id, KIND: event.kind.value, TYPE: event.type, TAB: event.tab, SEQ: event.id,
             MONO: float(event.mono), **semantic(event)}
    t = nanos(event.wall)
    return {"timeUnixNano": t, "observedTimeUnixNano": t, "severityNumber": SEVERITY["INFO"], "severityText": "INFO",
            "eventName": f"{EVENT_PREFIX}{event.kind.value}.{event.type}",
            "body": {"stringValue": json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False)},
            "attributes": attributes(attrs)}


def finding_record(session_id: str, tab: str, wall_ms: float, cause: str, severity: str, text: str,
                   fix: str | None = None, trace_id: str | None = None, span_id: str | None = None) -> dict[str, Any]:
    """A finding of the live diagnosis: the split-brain alarm (ERROR) or its named cause (WARN).
    ``trace_id``/``span_id`` tie the alarm to its split-brain span."""
    t = nanos(wall_ms)
    record: dict[str, Any] = {
        "timeUnixNano": t, "observedTimeUnixNano": t, "severityNumber": SEVERITY[severity], "severityText": severity,
        "eventName": FINDING, "body": {"stringValue": text},
        "attributes": attributes({SESSION_ID: session_id, TAB: tab, CAUSE: cause, FIX: fix})}
    if trace_id and span_id:
        record["traceId"], record["spanId"] = trace_id, span_id
    return record


def logs_request(source: Source, records: Iterable[dict[str, Any]], session_id: str | None = None) -> dict[str, Any]:
    """An ``ExportLogsServiceRequest`` (what ``POST <endpoint>/v1/logs`` takes as JSON): one session's records.
    ``session.id`` is on the resource as well as on each record: a Collector's processors may drop
    either, and the resource's lets a reader sort a stored line without parsing its records."""
    return {"resourceLogs": [{"resource": source.resource(session_id),
                              "scopeLogs": [{"scope": SCOPE, "logRecords": list(records)}]}]}
