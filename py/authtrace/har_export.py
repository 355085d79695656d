"""Traces to HAR 1.2 (pure): for tools that read DevTools network exports.

``to_har(trace)`` gives a HAR 1.2 ``log`` with

- one ``entries`` item per fetch the recorder saw (``fetch/request`` +
  ``response``/``error`` of the same request in the same tab), with
  ``_resourceType: "fetch"``; a failed fetch is ``status: 0`` with
  ``_error`` (``net::ERR_FAILED``, or ``net::ERR_ABORTED`` for an abort, as
  Chrome writes them); WorkOS ``/authenticate`` bodies are rebuilt from the
  redacted fields (tokens stay fingerprints);
- one ``websocket`` entry per WebSocket, with the Convex sync frames the
  recorder kept as ``_webSocketMessages`` (``type`` send/receive, ``time`` in
  seconds, ``opcode`` 1, ``data`` a JSON frame rebuilt from the redacted event);
- ``_authtrace`` custom fields: on each entry the ids and ``kind/type`` of the
  events it came from, the tab and the page state (visibility, online); on
  each message the event id; on the log the trace's ``meta`` and every event
  that is neither fetch nor sync traffic (visibility, lifecycle, clients...),
  so nothing is lost.

Nothing here reads a clock or the network; the input is already redacted, and
the document passes the redactor once more before it is returned. The result reads back with
:func:`authtrace.diagnosis.har_to_trace` (which keeps only what a HAR has).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from . import __version__
from .event import Event, Kind
from .redaction import Redactor
from .trace import Trace

HAR_VERSION = "1.2"

# Convex sync frames: the event's snake_case payload back to the protocol's camelCase.
_FRAME_FIELDS = {
    "connection_count": "connectionCount", "last_close_reason": "lastCloseReason", "session_id": "sessionId",
    "token_type": "tokenType", "base_version": "baseVersion", "token": "value", "request_id": "requestId",
    "udf_path": "udfPath", "auth_update_attempted": "authUpdateAttempted", "event_type": "eventType",
}
_FRAME_SKIP = {"socket", "direction", "seq", "jwt", "iat", "exp", "seconds_left", "expired_when_sent",
               "identity_from", "identity_to", "identity_changed", "query_set", "first", "queries"}
_SYNC_TYPES = {"Connect", "Authenticate", "AuthError", "Transition", "Mutation", "Action", "MutationResponse",
               "ActionResponse", "FatalError", "ClientEvent"}


def iso(wall_ms: float) -> str:
    """HAR's ``startedDateTime``: ISO 8601 with milliseconds, UTC."""
    dt = datetime.fromtimestamp(wall_ms / 1000.0, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _ref(e: Event) -> dict[str, Any]:
    return {"id": e.id, "kind": f"{e.kind.value}/{e.type}"}


def _page(e: Event) -> dict[str, Any]:
    return {"visibility": e.payload.get("visibility"), "online": e.payload.get("online")}


def _json_text(obj: dict) -> str:
    import json

    return json.dumps({k: v for k, v in obj.items() if v is not None}, separators=(",", ":"), ensure_ascii=False)


def _request_body(req: Event | None, grant: str | None) -> dict | None:
    if req is None and grant is None:
        return None
    p = req.payload if req is not None else {}
    body = {"grant_type": p.get("grant_type", grant), "client_id": p.get("client_id"),
            "refresh_token": p.get("refresh_token"), "code": p.get("code"), "organization_id": p.get("organization_id")}
    return {"mimeType": "application/json", "text": _json_text(body)}


def _response_body(p: dict) -> str | None:
    if "workos_error" in p or "workos_error_description" in p:
        return _json_text({"error": p.get("workos_error"), "error_description": p.get("workos_error_description")})
    if "access_token" in p or "refresh_token" in p:
        user = {"id": p["user_id"]} if p.get("user_id") else None
        return _json_text({"access_token": p.get("access_token"), "refresh_token": p.get("refresh_token"), "user": user,
                           "organization_id": p.get("organization_id"),
                           "authentication_method": p.get("authentication_method")})
    return None


def _fetch_entry(tab: str, req: Event | None, req_body: Event | None, end: Event | None) -> dict[str, Any]:
    first = req or end
    assert first is not None
    p_end = end.payload if end is not None else {}
    p_req = req.payload if req is not None else {}
    took = p_end.get("duration_ms")
    took = float(took) if isinstance(took, (int, float)) and not isinstance(took, bool) and took >= 0 else (
        max(0.0, end.wall - req.wall) if (end is not None and req is not None) else 0.0)
    start = req.wall if req is not None else (end.wall - took if end is not None else first.wall)
    url = str(p_req.get("url") or p_end.get("url") or "")
    method = str(p_req.get("method") or p_end.get("method") or ("POST" if p_req.get("auth") or p_end.get("auth") else "GET"))
    auth = bool(p_req.get("auth") or p_end.get("auth"))
    request: dict[str, Any] = {"method": method.upper(), "url": url, "httpVersion": "", "cookies": [], "headers": [],
                               "queryString": [], "headersSize": -1, "bodySize": -1}
    if auth:
        post = _request_body(req_body or req, p_end.get("grant_type"))
        if post is not None:
            request["postData"] = post
    content: dict[str, Any] = {"size": 0, "mimeType": ""}
    response: dict[str, Any] = {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
                                "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1}
    entry: dict[str, Any] = {"startedDateTime": iso(start), "time": took, "request": request, "response": response,
                             "cache": {}, "timings": {"send": 0, "wait": took, "receive": 0}, "_resourceType": "fetch",
                             "pageref": tab}
    if end is not None and end.type == "response":
        response["status"] = int(p_end.get("status") or 0)
        text = _response_body(p_end) if auth else None
        if text is not None:
            content.update({"size": len(text.encode()), "mimeType": "application/json", "text": text})
    elif end is not None:  # fetch/error
        name = p_end.get("name")
        err = "net::ERR_ABORTED" if name == "AbortError" else "net::ERR_FAILED"
        response["_error"] = err
        entry["_error"] = err
    else:
        entry["_error"] = "pending"  # no outcome recorded (still in flight, or the tab went away)
    events = [e for e in (req, req_body, end) if e is not None]
    entry["_authtrace"] = {"tab": tab, "request": p_req.get("request", p_end.get("request")), "auth": auth,
                           "events": [_ref(e) for e in events], "page": _page(end or first),
                           "error": ({"name": p_end.get("name"), "message": p_end.get("message")}
                                     if end is not None and end.type == "error" else None)}
    return entry


def _frame(e: Event) -> str:
    import json

    out: dict[str, Any] = {"type": "Event" if e.type == "ClientEvent" else e.type}
    for key, value in e.payload.items():
        if key in _FRAME_SKIP or value is None:
            continue
        out[_FRAME_FIELDS.get(key, key)] = value
    if e.type == "Transition":
        out["startVersion"] = {"querySet": e.payload.get("query_set"), "identity": e.payload.get("identity_from")}
        out["endVersion"] = {"querySet": e.payload.get("query_set"), "identity": e.payload.get("identity_to")}
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def _socket_entry(tab: str, socket: Any, events: list[Event]) -> dict[str, Any]:
    create = next((e for e in events if e.kind is Kind.WEBSOCKET and e.type == "create"), None)
    opened = next((e for e in events if e.kind is Kind.WEBSOCKET and e.type == "open"), None)
    closed = next((e for e in events if e.kind is Kind.WEBSOCKET and e.type == "close"), None)
    start = (create or events[0]).wall
    end = (closed or events[-1]).wall
    url = str(create.payload.get("url") or "") if create is not None else ""
    messages = []
    for e in events:
        if e.kind is Kind.CONVEX and e.type in _SYNC_TYPES:
            messages.append({"type": "send" if e.payload.get("direction") == "send" else "receive",
                             "time": e.wall / 1000.0, "opcode": 1, "data": _frame(e), "_authtrace": _ref(e)})
    entry: dict[str, Any] = {
        "startedDateTime": iso(start), "time": max(0.0, end - start),
        "request": {"method": "GET", "url": url, "httpVersion": "", "cookies": [], "headers": [], "queryString": [],
                    "headersSize": -1, "bodySize": 0},
        "response": {"status": 101 if opened is not None else 0, "statusText": "", "httpVersion": "", "cookies": [],
                     "headers": [], "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                     "bodySize": 0},
        "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0}, "_resourceType": "websocket", "pageref": tab,
        "_webSocketMessages": messages,
        "_authtrace": {"tab": tab, "socket": socket, "events": [_ref(e) for e in events if e.kind is Kind.WEBSOCKET],
                       "page": _page(create or events[0]),
                       "close": ({"code": closed.payload.get("code"), "reason": closed.payload.get("reason"),
                                  "was_clean": closed.payload.get("was_clean")} if closed is not None else None)},
    }
    if opened is None and any(e.type == "error" for e in events if e.kind is Kind.WEBSOCKET):
        entry["response"]["_error"] = "net::ERR_CONNECTION_REFUSED"
    return entry


def to_har(trace: Trace) -> dict[str, Any]:
    """A HAR 1.2 document (a dict ready for ``json.dumps``) of the trace."""
    fetch_slots: list[tuple[str, dict[str, Event]]] = []
    open_fetch: dict[tuple[str, Any], dict[str, Event]] = {}
    socket_slots: list[tuple[str, Any, list[Event]]] = []
    open_socket: dict[tuple[str, Any], list[Event]] = {}
    others: list[dict[str, Any]] = []
    first_wall: dict[str, float] = {}
    for e in trace.events:
        first_wall.setdefault(e.tab, e.wall)
        p = e.payload
        if e.kind is Kind.FETCH and e.type in ("request", "request-body", "response", "error") and "request" in p:
            key = (e.tab, p.get("request"))
            name = {"request": "request", "request-body": "body"}.get(e.type, "end")
            slot = open_fetch.get(key)
            # a request id seen again after its outcome (a reload renumbers) starts a new entry
            if slot is None or name in slot or "end" in slot:
                slot = open_fetch[key] = {}
                fetch_slots.append((e.tab, slot))
            slot[name] = e
            continue
        if (e.kind is Kind.WEBSOCKET and "socket" in p) or (e.kind is Kind.CONVEX and "socket" in p and e.type in _SYNC_TYPES):
            key = (e.tab, p.get("socket"))
            events = open_socket.get(key)
            if events is None or (e.kind is Kind.WEBSOCKET and e.type == "create"):
                events = open_socket[key] = []
                socket_slots.append((e.tab, p.get("socket"), events))
            events.append(e)
            continue
        others.append({"id": e.id, "tab": e.tab, "mono": e.mono, "wall": e.wall, "kind": e.kind.value, "type": e.type,
                       "payload": p})
    entries = [_fetch_entry(tab, slot.get("request"), slot.get("body"), slot.get("end")) for tab, slot in fetch_slots]
    entries += [_socket_entry(tab, socket, events) for tab, socket, events in socket_slots]
    entries.sort(key=lambda en: en["startedDateTime"])
    pages = [{"startedDateTime": iso(wall), "id": tab, "title": f"authtrace tab {tab}", "pageTimings": {}}
             for tab, wall in sorted(first_wall.items(), key=lambda kv: kv[1])]
    # The events were redacted when captured; this pass makes the export safe whatever trace it
    # was given (an imported, hand-made or older one), like every other output.
    return Redactor().value({"log": {
        "version": HAR_VERSION,
        "creator": {"name": "authtrace", "version": __version__},
        "pages": pages,
        "entries": entries,
        "_authtrace": {"format": "authtrace/1", "meta": dict(trace.meta), "events": others},
    }})


def dumps(trace: Trace, indent: int | None = None) -> str:
    import json

    return json.dumps(to_har(trace), indent=indent, ensure_ascii=False)
