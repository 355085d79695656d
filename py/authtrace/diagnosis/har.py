"""DevTools HAR 1.2 exports (Chrome, Firefox, Safari) to authtrace traces.

A HAR holds what the network panel saw: requests with their timings, failed
requests as ``status: 0``, and, from Chrome only, WebSocket frames. Each entry is
fed to :class:`~authtrace.capture.Capture` in the recorder's raw shape, so parsing
(WorkOS grant types and errors, Convex sync frames, token lifetimes) and
redaction are the recorder's own: nothing secret from the HAR reaches the trace.

The three exporters differ (docs/diagnosis.md cites their sources):

- Chrome (``creator.name`` "WebInspector"): ``_resourceType``, ``_webSocketMessages``
  (``type`` send/receive, ``time`` in seconds, ``opcode``, ``data``) and ``_error``
  with the net error (``net::ERR_INTERNET_DISCONNECTED``).
- Firefox (``creator.name`` "Firefox"): no frames, no ``_resourceType``, no error
  text: a failed request is only ``status: 0``; times carry a UTC offset.
- Safari ("WebKit Web Inspector"): no frames, and only sockets already closed when
  exported; ``_error`` holds the failure text ("The Internet connection appears
  to be offline.").

A HAR has no page lifecycle, visibility, storage or client events; the trace says
what it captured in ``meta.captured`` (and what it lacks in ``meta.inputs``) and
the engine judges the rest by inference or reports it as not judged.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone
from typing import Any

from ..capture import Capture
from ..inputs import HAR, kind_of
from ..trace import Trace, TraceFormatError
from .payload import num

HAR_TAB = "har"
HAR_CAPTURED = ["fetch", "sync", "sockets", "net-errors"]  # Chrome's

AUTH_PATH = re.compile(r"/user_management/authenticate(?:$|[?#])")
SYNC_PATH = re.compile(r"/api/[^/]+/sync(?:$|[?#])")
_ORDINARY_TYPES = {"fetch", "xhr"}

CHROME, FIREFOX, SAFARI, OTHER = "chrome", "firefox", "safari", "other"
_CAPTURED = {
    CHROME: ("fetch", "sync", "sockets", "net-errors"),
    FIREFOX: ("fetch", "sockets"),
    SAFARI: ("fetch", "sockets", "net-errors"),
    OTHER: ("fetch", "sockets"),  # and what the entries show (frames, error texts)
}
_NAMES = {CHROME: "Chrome", FIREFOX: "Firefox", SAFARI: "Safari", OTHER: "This exporter"}
# What the page saw for a failed fetch, per engine (the TypeError message each throws).
_NETWORK_ERROR = {CHROME: "Failed to fetch", FIREFOX: "NetworkError when attempting to fetch resource.",
                  SAFARI: "Load failed", OTHER: "Failed to fetch"}
# Chrome's net errors the page sees as something other than TypeError "Failed to fetch"; Safari's texts.
# (Compared lower-case.)
_ABORTED = {"net::err_aborted", "cancelled"}
_OFFLINE = {"net::err_internet_disconnected", "the internet connection appears to be offline."}
# Every capability a HAR can lack, and how each exporter's lack reads.
_LACKS: dict[str, str] = {
    "page": "page visibility, freeze/resume and online/offline events (no HAR has them)",
    "storage": "localStorage writes and other tabs' storage events (no HAR has them)",
    "locks": "the WORKOS_REFRESH_SESSION Web Lock (no HAR has it)",
    "authkit-client": "AuthKit's getAccessToken calls, their errors and the user (no HAR has them)",
    "convex-client": "the Convex client's setAuth, isAuthenticated and socket state (no HAR has them)",
}
_LACKS_BY_BROWSER: dict[str, dict[str, str]] = {
    "sync": {FIREFOX: "Convex sync frames: Firefox's HAR export writes no WebSocket messages (no Connect, "
                      "Authenticate or AuthError)",
             SAFARI: "Convex sync frames: Safari's HAR export writes no WebSocket messages (no Connect, "
                     "Authenticate or AuthError)",
             OTHER: "Convex sync frames: this HAR has no WebSocket messages"},
    "net-errors": {FIREFOX: "why a failed request failed: Firefox's HAR export writes status 0 and no error text, so "
                            "offline, DNS and aborted requests look alike",
                   OTHER: "why a failed request failed: this HAR has status 0 and no error text"},
}
_SAFARI_SOCKETS = ("WebSocket connections still open at export: Safari's HAR export includes only finished "
                   "resources, so the current Convex socket is left out")


class HarFormatError(TraceFormatError):
    """The input looks like a HAR but cannot be read as one."""


def is_har(obj: Any) -> bool:
    """A HAR export, as :mod:`authtrace.inputs` tells the documents apart."""
    return kind_of(obj) == HAR


def browser_of(log: dict) -> str:
    """Which exporter wrote the HAR: Chrome's, Firefox's, Safari's Web Inspector, or another."""
    creator = log.get("creator") if isinstance(log.get("creator"), dict) else {}
    browser = log.get("browser") if isinstance(log.get("browser"), dict) else {}
    names = f"{creator.get('name', '')} {browser.get('name', '')}".lower()
    if "webkit web inspector" in names or "safari" in names:
        return SAFARI
    if "firefox" in names:
        return FIREFOX
    if "webinspector" in names or "chrom" in names or "edge" in names:
        return CHROME
    return OTHER


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


def _net_error(entry: dict, response: dict, browser: str) -> str | None:
    """Why the request failed, as the HAR says it (None: it did not fail); "" when it failed
    without saying why (Firefox's status 0)."""
    err = response.get("_error") or entry.get("_error")
    if err:
        return str(err)
    if response.get("status") in (0, None):
        return "net::ERR_FAILED" if browser == CHROME else ""
    return None


def _is_websocket(entry: dict, url: str, response: dict, rtype: str) -> bool:
    if rtype == "websocket" or url.startswith(("ws://", "wss://")) or "_webSocketMessages" in entry:
        return True
    request = entry.get("request") or {}
    return response.get("status") == 101 or _headers(request).get("upgrade", "").lower() == "websocket"


def _is_document(entry: dict, method: str, response: dict, rtype: str) -> bool:
    if rtype:
        return rtype == "document"
    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    return method == "GET" and str(content.get("mimeType") or "").startswith("text/html")


def har_to_trace(obj: Any) -> Trace:
    """A redacted authtrace trace of one tab (``har``) from a parsed HAR document."""
    if not is_har(obj):
        raise HarFormatError("not a HAR: expected a JSON object with a \"log\" object")
    log = obj["log"]
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise HarFormatError('bad HAR: "log.entries" must be a list')
    browser = browser_of(log)
    caps = set(_CAPTURED[browser])
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
        net = _net_error(entry, response, browser)
        if net:
            caps.add("net-errors")
        offline = (net or "").lower() in _OFFLINE
        page = {"visibility": None, "online": False if offline else None}

        if _is_websocket(entry, url, response, rtype):
            sockets += 1
            sync = bool(SYNC_PATH.search(url))
            messages = entry.get("_webSocketMessages")
            if isinstance(messages, list):
                caps.add("sync")
            add(start, "websocket", "create", {"socket": sockets, "url": url, "sync": sync, "page": page,
                                               "_frames": isinstance(messages, list)})
            if response.get("status") == 101:
                add(start + min(took, 1.0), "websocket", "open", {"socket": sockets, "sync": sync, "page": page})
            elif net is not None:
                add(start + took, "websocket", "error", {"socket": sockets, "sync": sync, "page": page})
            for msg in messages if isinstance(messages, list) else []:
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
            if net is not None:
                add(start + took, "fetch", "error", _error_payload(seq_id, net, took, page, browser))
            else:
                add(start + took, "fetch", "response", {"request": seq_id, "status": response.get("status"),
                                                        "ok": 200 <= (num(response.get("status")) or 0) < 300,
                                                        "durationMs": took, "page": page,
                                                        "body": _body_text(response.get("content"))})
        elif _is_document(entry, method, response, rtype):
            add(start, "lifecycle", "navigation", {"url": url, "status": response.get("status")})
        elif rtype in _ORDINARY_TYPES:
            if net is not None:
                add(start + took, "fetch", "error", {**_error_payload(seq_id, net, took, page, browser), "url": url,
                                                     "method": method})
            else:
                add(start + took, "fetch", "response", {"request": seq_id, "status": response.get("status"),
                                                        "ok": 200 <= (num(response.get("status")) or 0) < 300,
                                                        "durationMs": took, "page": page, "url": url,
                                                        "method": method})

    raws.sort(key=lambda r: (r[0], r[1]))
    t0 = raws[0][0] if raws else 0.0
    cap = Capture(HAR_TAB)
    trace = Trace(_meta(log, len(entries), skipped, browser, caps))
    for wall, _, raw in raws:
        raw["mono"] = wall - t0
        extra = {k: raw["payload"].pop(k) for k in ("_net_error", "_frames") if k in raw["payload"]}
        for ev in cap.observe(raw):
            if extra.get("_net_error") and ev.type == "error" and ev.kind.value == "fetch":
                ev = ev.with_payload({**ev.payload, "net_error": extra["_net_error"]})
            if extra.get("_frames") is False and ev.type == "create":
                ev = ev.with_payload({**ev.payload, "frames": False})
            trace.add(ev)
    return trace


def _error_payload(request: int, net: str, took: float, page: dict, browser: str) -> dict:
    if net.lower() in _ABORTED:
        name, message = "AbortError", "The user aborted a request."
    else:
        name, message = "TypeError", _NETWORK_ERROR[browser]  # what the page saw
    return {"request": request, "name": name, "message": message, "durationMs": took, "page": page,
            "_net_error": net}


def lacks(browser: str, caps: set[str]) -> list[str]:
    """What a HAR of this exporter lacks, in words."""
    out = []
    for cap in ("sync", "net-errors", "page", "storage", "locks", "authkit-client", "convex-client"):
        if cap not in caps:
            out.append(_LACKS_BY_BROWSER.get(cap, {}).get(browser) or _LACKS.get(cap) or cap)
    if browser == SAFARI:
        out.insert(0, _SAFARI_SOCKETS)
    return out


def _meta(log: dict, entries: int, skipped: int, browser: str, caps: set[str]) -> dict:
    creator = log.get("creator") if isinstance(log.get("creator"), dict) else {}
    agent = log.get("browser") if isinstance(log.get("browser"), dict) else {}
    captured = [c for c in ("fetch", "sync", "sockets", "net-errors") if c in caps]
    meta: dict[str, Any] = {
        "source": "har",
        "captured": captured,
        "redacted": True,
        "har": {"version": str(log.get("version") or ""), "entries": entries, "skipped": skipped,
                "exporter": browser},
        "inputs": [{"name": None, "kind": "har", "browser": browser, "tabs": [HAR_TAB],
                    "lacks": lacks(browser, caps)}],
    }
    if creator:
        meta["har"]["creator"] = f"{creator.get('name', '')} {creator.get('version', '')}".strip()
    if agent:
        meta["har"]["browser"] = f"{agent.get('name', '')} {agent.get('version', '')}".strip()
    return meta
