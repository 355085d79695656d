"""HAR 1.2 entries in the shapes Chrome's, Firefox's and Safari's DevTools export them.

Written by hand from each exporter's source (docs/diagnosis.md cites them):

- Chrome, devtools-frontend ``front_end/models/har/Log.ts``: ``creator.name``
  "WebInspector"; ``_resourceType``, ``_initiator``, ``_priority``; failed requests
  ``status: 0`` with ``response._error`` (the net error, ``net::ERR_…``); WebSocket
  entries with ``_webSocketMessages`` (``type`` send/receive, ``time`` in epoch
  seconds, ``opcode``, ``data``); times in UTC (``Z``).
- Firefox, ``devtools/client/netmonitor/src/har/har-builder.js`` (and
  ``har-builder-utils.js``): ``log.version`` "1.1", ``creator`` and ``browser`` named
  "Firefox"; no ``_resourceType``, no ``_error``: an aborted or failed request is
  ``status: 0`` with nothing else; ``_securityState``; ``startedDateTime`` in local
  time with its UTC offset; ``time`` the sum of the timings; no WebSocket messages
  (the handshake entry only, status 101).
- Safari, WebKit ``Source/WebInspectorUI/UserInterface/Controllers/HARBuilder.js``
  and ``NetworkTableContentView._HARResources``: ``creator.name`` "WebKit Web
  Inspector", no ``browser``; ``_fetchType``; a failed request is ``status: 0`` with
  ``response._error`` the failure text; only finished resources, so a WebSocket still
  open at export is left out, and no messages for the closed ones; times in UTC.

Each shape builds the same scenario step (``page``, ``auth``, ``socket``) its way;
``log`` wraps the entries. Tokens are made by the caller (at test time, or as
placeholders for the committed fixtures).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from _har import AUTH_URL, SYNC_URL, iso

APP_URL = "https://app.example.test/"


def _timings(total: float) -> dict:
    return {"blocked": 0.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": max(total - 0.8, 0),
            "receive": 0.2}


class Chrome:
    name = "chrome"

    def __init__(self, t0_ms: float) -> None:
        self.t0 = t0_ms

    def when(self, t: float) -> str:
        return iso(self.t0 + t * 1000)

    def log(self, entries: list[dict]) -> dict:
        return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                        "browser": {"name": "Chrome", "version": "142.0.0.0"},
                        "pages": [{"startedDateTime": self.when(0), "id": "page_1", "title": APP_URL,
                                   "pageTimings": {"onContentLoad": 300, "onLoad": 500}}],
                        "entries": entries}}

    def page(self, t: float) -> dict:
        return {"_initiator": {"type": "other"}, "_priority": "VeryHigh", "_resourceType": "document", "cache": {},
                "pageref": "page_1",
                "request": {"method": "GET", "url": APP_URL, "httpVersion": "http/2.0", "headers": [],
                            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
                             "headers": [{"name": "content-type", "value": "text/html"}], "cookies": [],
                             "content": {"size": 15, "mimeType": "text/html", "text": "<!doctype html>"},
                             "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 700,
                             "_error": None},
                "serverIPAddress": "203.0.113.5", "startedDateTime": self.when(t), "time": 20.0,
                "timings": {**_timings(20.0), "_blocked_queueing": 0.3}}

    def _request(self, body: dict) -> dict:
        text = json.dumps(body)
        return {"method": "POST", "url": AUTH_URL, "httpVersion": "http/2.0",
                "headers": [{"name": "content-type", "value": "application/json"}],
                "queryString": [], "cookies": [], "headersSize": -1, "bodySize": len(text),
                "postData": {"mimeType": "application/json", "text": text}}

    def auth(self, t: float, body: dict, status: int, answer: dict | None, took: float,
             failure: dict | None = None) -> dict:
        text = json.dumps(answer) if answer is not None else ""
        if failure:
            response = {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [],
                        "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1,
                        "bodySize": -1, "_transferSize": 0, "_error": failure["chrome"]}
        else:
            response = {"status": status, "statusText": "", "httpVersion": "http/2.0",
                        "headers": [{"name": "content-type", "value": "application/json"}], "cookies": [],
                        "content": {"size": len(text), "mimeType": "application/json", "text": text},
                        "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 512, "_error": None}
        return {"_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "fetch", "cache": {},
                "connection": "443", "pageref": "page_1", "request": self._request(body), "response": response,
                "serverIPAddress": "203.0.113.7", "startedDateTime": self.when(t), "time": took,
                "timings": {**_timings(took), "_blocked_queueing": 0.3}}

    def socket(self, t: float, messages: list[tuple[float, str, dict]], closed_at: float | None) -> dict | None:
        return {"_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "websocket", "cache": {},
                "connection": "443", "pageref": "page_1",
                "request": {"method": "GET", "url": SYNC_URL, "httpVersion": "HTTP/1.1",
                            "headers": [{"name": "Upgrade", "value": "websocket"}], "queryString": [],
                            "cookies": [], "headersSize": 420, "bodySize": 0},
                "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                             "headers": [{"name": "Upgrade", "value": "websocket"}], "cookies": [],
                             "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                             "headersSize": 129, "bodySize": 0, "_transferSize": 129, "_error": None},
                "serverIPAddress": "203.0.113.8", "startedDateTime": self.when(t), "time": 35.2,
                "timings": {**_timings(35.2), "_blocked_queueing": 0.3},
                "_webSocketMessages": [{"type": d, "time": (self.t0 + mt * 1000) / 1000, "opcode": 1,
                                        "data": json.dumps(f)} for mt, d, f in messages]}


class Firefox(Chrome):
    name = "firefox"
    OFFSET = timezone(timedelta(hours=1))  # the exporting machine's zone, written as an offset

    def when(self, t: float) -> str:
        dt = datetime.fromtimestamp((self.t0 + t * 1000) / 1000, tz=self.OFFSET)
        return dt.isoformat(timespec="milliseconds")

    def log(self, entries: list[dict]) -> dict:
        return {"log": {"version": "1.1", "creator": {"name": "Firefox", "version": "140.0"},
                        "browser": {"name": "Firefox", "version": "140.0"},
                        "pages": [{"startedDateTime": self.when(0), "id": "page_1", "title": APP_URL,
                                   "pageTimings": {"onContentLoad": 310, "onLoad": 520}}],
                        "entries": entries}}

    @staticmethod
    def _entry(t_iso: str, request: dict, response: dict, took: float) -> dict:
        timings = _timings(took)
        return {"startedDateTime": t_iso, "request": request, "response": response, "cache": {},
                "timings": timings, "time": sum(v for v in timings.values() if v != -1),
                "_securityState": "secure", "serverIPAddress": "203.0.113.7", "connection": "443",
                "pageref": "page_1"}

    def page(self, t: float) -> dict:
        return self._entry(self.when(t), {"bodySize": 0, "method": "GET", "url": APP_URL, "httpVersion": "HTTP/2",
                                          "headers": [], "cookies": [], "queryString": [], "headersSize": 310},
                           {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
                            "headers": [{"name": "content-type", "value": "text/html"}], "cookies": [],
                            "content": {"mimeType": "text/html", "size": 15, "text": "<!doctype html>"},
                            "redirectURL": "", "headersSize": 180, "bodySize": 700}, 20.0)

    def auth(self, t: float, body: dict, status: int, answer: dict | None, took: float,
             failure: dict | None = None) -> dict:
        text = json.dumps(body)
        request = {"bodySize": len(text), "method": "POST", "url": AUTH_URL, "httpVersion": "HTTP/2",
                   "headers": [{"name": "Content-Type", "value": "application/json"}], "cookies": [],
                   "queryString": [], "headersSize": 420,
                   "postData": {"mimeType": "application/json", "params": [], "text": text}}
        if failure:  # "Arbitrary value if it's aborted": status 0, and nothing says why
            response = {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [],
                        "content": {"mimeType": "", "size": -1}, "redirectURL": "", "headersSize": -1,
                        "bodySize": -1}
            return {**self._entry(self.when(t), request, response, 0.0), "timings": {}, "time": 0}
        answer_text = json.dumps(answer) if answer is not None else ""
        response = {"status": status, "statusText": "OK" if status == 200 else "Bad Request", "httpVersion": "HTTP/2",
                    "headers": [{"name": "content-type", "value": "application/json"}], "cookies": [],
                    "content": {"mimeType": "application/json", "size": len(answer_text), "text": answer_text},
                    "redirectURL": "", "headersSize": 200, "bodySize": 512}
        return self._entry(self.when(t), request, response, took)

    def socket(self, t: float, messages: list[tuple[float, str, dict]], closed_at: float | None) -> dict | None:
        request = {"bodySize": 0, "method": "GET", "url": SYNC_URL, "httpVersion": "HTTP/1.1",
                   "headers": [{"name": "Upgrade", "value": "websocket"}, {"name": "Connection", "value": "Upgrade"}],
                   "cookies": [], "queryString": [], "headersSize": 520}
        response = {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "upgrade", "value": "websocket"}], "cookies": [],
                    "content": {"mimeType": "", "size": 0}, "redirectURL": "", "headersSize": 160, "bodySize": 0}
        return self._entry(self.when(t), request, response, 35.0)  # the handshake only: no messages


class Safari(Chrome):
    name = "safari"

    def log(self, entries: list[dict]) -> dict:
        return {"log": {"version": "1.2", "creator": {"name": "WebKit Web Inspector", "version": "20621.1.15.11.10"},
                        "pages": [{"startedDateTime": self.when(0), "id": "page_0", "title": APP_URL,
                                   "pageTimings": {"onContentLoad": 305, "onLoad": 498}}],
                        "entries": entries}}

    @staticmethod
    def _entry(t_iso: str, request: dict, response: dict, took: float) -> dict:
        return {"pageref": "page_0", "startedDateTime": t_iso, "time": took, "request": request,
                "response": response, "cache": {}, "timings": _timings(took), "serverIPAddress": "203.0.113.7",
                "connection": "1", "_fetchType": "Network Load"}

    def page(self, t: float) -> dict:
        return self._entry(self.when(t), {"method": "GET", "url": APP_URL, "httpVersion": "h2", "cookies": [],
                                          "headers": [], "queryString": [], "headersSize": -1, "bodySize": -1},
                           {"status": 200, "statusText": "", "httpVersion": "h2", "cookies": [],
                            "headers": [{"name": "Content-Type", "value": "text/html"}],
                            "content": {"size": 15, "compression": 0, "mimeType": "text/html",
                                        "text": "<!doctype html>"},
                            "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 700}, 20.0)

    def auth(self, t: float, body: dict, status: int, answer: dict | None, took: float,
             failure: dict | None = None) -> dict:
        text = json.dumps(body)
        request = {"method": "POST", "url": AUTH_URL, "httpVersion": "h2", "cookies": [],
                   "headers": [{"name": "Content-Type", "value": "application/json"}], "queryString": [],
                   "headersSize": -1, "bodySize": len(text),
                   "postData": {"mimeType": "application/json", "text": text, "params": []}}
        if failure:
            response = {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
                        "content": {"size": 0, "compression": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                        "headersSize": -1, "bodySize": -1, "_error": failure["safari"]}
            return self._entry(self.when(t), request, response, took)
        answer_text = json.dumps(answer) if answer is not None else ""
        response = {"status": status, "statusText": "", "httpVersion": "h2", "cookies": [],
                    "headers": [{"name": "Content-Type", "value": "application/json"}],
                    "content": {"size": len(answer_text), "compression": 0, "mimeType": "application/json",
                                "text": answer_text},
                    "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 512}
        return self._entry(self.when(t), request, response, took)

    def socket(self, t: float, messages: list[tuple[float, str, dict]], closed_at: float | None) -> dict | None:
        if closed_at is None:
            return None  # not finished when exported: Safari leaves it out
        request = {"method": "GET", "url": SYNC_URL, "httpVersion": "HTTP/1.1", "cookies": [],
                   "headers": [{"name": "Upgrade", "value": "websocket"}], "queryString": [], "headersSize": -1,
                   "bodySize": -1}
        response = {"status": 101, "statusText": "Switching Protocols", "httpVersion": "HTTP/1.1", "cookies": [],
                    "headers": [{"name": "Upgrade", "value": "websocket"}],
                    "content": {"size": 0, "compression": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                    "headersSize": -1, "bodySize": -1}
        return self._entry(self.when(t), request, response, 35.0)


SHAPES = {"chrome": Chrome, "firefox": Firefox, "safari": Safari}
