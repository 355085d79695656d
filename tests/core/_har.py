"""Chrome-style HAR 1.2 documents built in Python (tokens made at test time by the caller)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

HAR_T0 = 1_800_000_000_000.0  # ms; 2027-01-15T08:00:00Z
AUTH_URL = "https://api.workos.test/user_management/authenticate"
SYNC_URL = "wss://happy-otter-123.convex.test/api/1.48.0/sync"


def iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _timings(total: float) -> dict:
    return {"blocked": 0.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": max(total - 0.8, 0),
            "receive": 0.2, "_blocked_queueing": 0.3}


def auth_entry(t: float, body: dict, status: int = 200, answer: dict | None = None, took: float = 120.0,
               net_error: str | None = None) -> dict:
    """A POST to WorkOS authenticate at ``t`` seconds after HAR_T0."""
    text = json.dumps(answer) if answer is not None else ""
    response = {"status": 0 if net_error else status, "statusText": "" if net_error else "OK",
                "httpVersion": "http/2.0" if not net_error else "",
                "headers": [] if net_error else [{"name": "content-type", "value": "application/json"}],
                "cookies": [], "content": {"size": len(text), "mimeType": "application/json",
                                           **({"text": text} if not net_error else {})},
                "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 0 if net_error else 512}
    if net_error:
        response["_error"] = net_error
    return {
        "_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "fetch", "cache": {},
        "connection": "443", "pageref": "page_1",
        "request": {"method": "POST", "url": AUTH_URL, "httpVersion": "http/2.0",
                    "headers": [{"name": "content-type", "value": "application/json"},
                                {"name": "accept", "value": "application/json, text/plain, */*"}],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": len(json.dumps(body)),
                    "postData": {"mimeType": "application/json", "text": json.dumps(body)}},
        "response": response, "serverIPAddress": "203.0.113.7", "startedDateTime": iso(HAR_T0 + t * 1000),
        "time": took, "timings": _timings(took),
    }


def ws_entry(t: float, messages: list[tuple[float, str, dict]]) -> dict:
    """A Convex sync socket opened at ``t``; messages are (t, "send"|"receive", frame)."""
    return {
        "_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "websocket", "cache": {},
        "connection": "443", "pageref": "page_1",
        "request": {"method": "GET", "url": SYNC_URL, "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Upgrade", "value": "websocket"}], "queryString": [], "cookies": [],
                    "headersSize": 420, "bodySize": 0},
        "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "Upgrade", "value": "websocket"}], "cookies": [],
                     "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": 129,
                     "bodySize": 0, "_transferSize": 129, "_error": None},
        "serverIPAddress": "203.0.113.8", "startedDateTime": iso(HAR_T0 + t * 1000), "time": 35.2,
        "timings": _timings(35.2),
        "_webSocketMessages": [{"type": d, "time": (HAR_T0 + mt * 1000) / 1000, "opcode": 1, "data": json.dumps(f)}
                               for mt, d, f in messages],
    }


def page_entry(t: float, url: str = "https://app.example.test/") -> dict:
    return {"_resourceType": "document", "request": {"method": "GET", "url": url, "headers": [], "cookies": [],
                                                      "queryString": [], "httpVersion": "http/2.0",
                                                      "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "headers": [], "cookies": [],
                         "content": {"size": 10, "mimeType": "text/html", "text": "<!doctype html>"},
                         "redirectURL": "", "httpVersion": "http/2.0", "headersSize": -1, "bodySize": -1},
            "startedDateTime": iso(HAR_T0 + t * 1000), "time": 20.0, "timings": _timings(20.0), "cache": {}}


def har(entries: list[dict]) -> dict:
    return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                    "browser": {"name": "Chrome", "version": "142.0.0.0"},
                    "pages": [{"startedDateTime": iso(HAR_T0), "id": "page_1", "title": "app",
                               "pageTimings": {"onContentLoad": 300, "onLoad": 500}}],
                    "entries": entries}}
