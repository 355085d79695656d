"""Chrome DevTools HAR 1.2 exports to authtrace traces.

A HAR holds what the network panel saw: requests with their timings, failed
requests as ``status: 0`` with ``_error`` (``net::ERR_INTERNET_DISCONNECTED``),
and WebSocket frames in ``_webSocketMessages``. Each entry is fed to
:class:`~authtrace.capture.Capture` in the recorder's raw shape, so parsing
(WorkOS grant types and errors, Convex sync frames, token lifetimes) and
redaction are the recorder's own: nothing secret from the HAR reaches the
trace. A HAR has no page lifecycle, visibility, storage or client events;
the trace says so in ``meta.captured`` and the engine reports which causes it
could not judge.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone
from typing import Any

from ..capture import Capture
from ..trace import Trace, TraceFormatError
from .timeline import num

HAR_TAB = "har"
HAR_CAPTURED = ["fetch", "sync"]

AUTH_PATH = re.compile(r"/user_management/authenticate(?:$|[?#])")
SYNC_PATH = re.compile(r"/api/[^/]+/sync(?:$|[?#])")
_ORDINARY_TYPES = {"fetch", "xhr"}
# Chrome's net errors the page sees as something other than TypeError "Failed to fetch".
_ABORTED = {"net::ERR_ABORTED"}
_OFFLINE = {"net::ERR_INTERNET_DISCONNECTED"}


class HarFormatError(TraceFormatError):
    """The input looks like a HAR but cannot be read as one."""


def is_har(obj: Any) -> bool:
    return isinstance(obj, dict) and "format" not in obj and isinstance(obj.get("log"), dict)


def _wall_ms(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp() * 1000.0


def _headers(obj: dict) -> dict[str, str]:
    out = {}
    for h in obj.get("headers") or []:
        if isinstance(h, dict) and isinstance(h.get("name"), str):
            out[h["name"].lower()] = str(h.get("value", ""))
    return out


def _has_session_cookie(request: dict) -> bool | None:
    cookies = request.get("cookies")
    if isinstance(cookies, list) and cookies:
        return any(isinstance(c, dict) and c.get("name") == "workos-has-session" for c in cookies)
    cookie = _headers(request).get("cookie")
    if cookie is not None:
        return "workos-has-session=" in cookie
    return None


def _body_text(content: Any) -> str | None:
    if not isinstance(content, dict):
        return None
    text = content.get("text")
    if not isinstance(text, str):
        return None
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    return text


def _net_error(entry: dict, response: dict) -> str | None:
    err = response.get("_error") or entry.get("_error")
    if err:
        return str(err)
    status = response.get("status")
    if status in (0, None):
        return "net::ERR_FAILED"
    return None


def har_to_trace(obj: Any) -> Trace:
    """A redacted authtrace trace of one tab (``har``) from a parsed HAR document."""
    if not is_har(obj):
        raise HarFormatError("not a HAR: expected a JSON object with a \"log\" object")
    log = obj["log"]
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise HarFormatError('bad HAR: "log.entries" must be a list')
    raws: list[tuple[float, int, dict]] = []
    skipped = 0
    seq = 0
    sockets = 0

    def add(wall: float, kind: str, type_: str, payload: dict) -> None:
        nonlocal seq
        seq += 1
        raws.append((wall, seq, {"kind": kind, "type": type_, "wall": wall, "payload": payload}))

    for entry in entries:
        if not isinstance(entry, dict):
            skipped += 1
            continue
        request, response = entry.get("request"), entry.get("response") or {}
        start = _wall_ms(entry.get("startedDateTime"))
        if not isinstance(request, dict) or not isinstance(request.get("url"), str) or start is None \
                or not isinstance(response, dict):
            skipped += 1
            continue
        url, method = request["url"], str(request.get("method") or "GET").upper()
        took = entry.get("time")
        took = float(took) if isinstance(took, (int, float)) and not isinstance(took, bool) and took >= 0 else 0.0
        rtype = str(entry.get("_resourceType") or "").lower()
        is_ws = rtype == "websocket" or url.startswith(("ws://", "wss://")) or "_webSocketMessages" in entry
        net = _net_error(entry, response)
        offline = net in _OFFLINE
        page = {"visibility": None, "online": False if offline else None}

        if is_ws:
            sockets += 1
            sync = bool(SYNC_PATH.search(url))
            add(start, "websocket", "create", {"socket": sockets, "url": url, "sync": sync, "page": page})
            if response.get("status") == 101:
                add(start + min(took, 1.0), "websocket", "open", {"socket": sockets, "sync": sync, "page": page})
            elif net:
                add(start + took, "websocket", "error", {"socket": sockets, "sync": sync, "page": page})
            for msg in entry.get("_webSocketMessages") or []:
                if not isinstance(msg, dict) or msg.get("opcode", 1) != 1 or not isinstance(msg.get("data"), str):
                    continue
                t = msg.get("time")
                wall = float(t) * 1000.0 if isinstance(t, (int, float)) and not isinstance(t, bool) else start
                direction = "send" if msg.get("type") == "send" else "receive"
                if sync:
                    add(wall, "websocket", direction, {"socket": sockets, "sync": True, "data": msg["data"]})
            continue

        seq_id = seq + 1
        if AUTH_PATH.search(url):
            post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
            add(start, "fetch", "request", {"request": seq_id, "url": url, "method": method, "auth": True,
                                            "credentials": None, "page": page, "body": post.get("text"),
                                            "hasSessionCookie": _has_session_cookie(request)})
            if net:
                add(start + took, "fetch", "error", _error_payload(seq_id, net, took, page))
            else:
                add(start + took, "fetch", "response", {"request": seq_id, "status": response.get("status"),
                                                        "ok": 200 <= (num(response.get("status")) or 0) < 300,
                                                        "durationMs": took, "page": page,
                                                        "body": _body_text(response.get("content"))})
        elif rtype in _ORDINARY_TYPES:
            if net:
                add(start + took, "fetch", "error", {**_error_payload(seq_id, net, took, page), "url": url,
                                                     "method": method})
            else:
                add(start + took, "fetch", "response", {"request": seq_id, "status": response.get("status"),
                                                        "ok": 200 <= (num(response.get("status")) or 0) < 300,
                                                        "durationMs": took, "page": page, "url": url,
                                                        "method": method})

    raws.sort(key=lambda r: (r[0], r[1]))
    t0 = raws[0][0] if raws else 0.0
    cap = Capture(HAR_TAB)
    trace = Trace(_meta(log, len(entries), skipped))
    for wall, _, raw in raws:
        raw["mono"] = wall - t0
        net = raw["payload"].pop("_net_error", None)
        for ev in cap.observe(raw):
            if net and ev.type == "error" and ev.kind.value == "fetch":
                ev = ev.with_payload({**ev.payload, "net_error": net})
            trace.add(ev)
    return trace


def _error_payload(request: int, net: str, took: float, page: dict) -> dict:
    if net in _ABORTED:
        name, message = "AbortError", "The user aborted a request."
    else:
        name, message = "TypeError", "Failed to fetch"  # what Chrome's page saw
    return {"request": request, "name": name, "message": message, "durationMs": took, "page": page,
            "_net_error": net}


def _meta(log: dict, entries: int, skipped: int) -> dict:
    creator = log.get("creator") if isinstance(log.get("creator"), dict) else {}
    browser = log.get("browser") if isinstance(log.get("browser"), dict) else {}
    meta: dict[str, Any] = {
        "source": "har",
        "captured": list(HAR_CAPTURED),
        "redacted": True,
        "har": {"version": str(log.get("version") or ""), "entries": entries, "skipped": skipped},
    }
    if creator:
        meta["har"]["creator"] = f"{creator.get('name', '')} {creator.get('version', '')}".strip()
    if browser:
        meta["har"]["browser"] = f"{browser.get('name', '')} {browser.get('version', '')}".strip()
    return meta
