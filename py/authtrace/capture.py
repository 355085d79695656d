"""Turn raw observations from the page into redacted trace events.

The boot shim (``web/recorder/boot.js``) and the client wrappers hand over
plain records ``{kind, type, mono, wall, payload}`` that may still contain
tokens. :class:`Capture` keeps what a diagnosis needs (request/response
pairing, WorkOS grant types and errors, the Convex sync messages that matter,
token lifetimes) and redacts everything before an :class:`Event` exists. It
is pure: the tab id and the times come in with the records.

(About 420 lines: one handler per observation the recorder makes, dispatched by
kind and type from :meth:`Capture.observe`; they share the redactor and the
request/socket tables, so the whole catalog of docs/trace-events.md reads here
top to bottom.)
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .event import Event, Kind
from .jwt import read_claims
from .redaction import STORAGE_PREFIXES, Redactor

# Convex sync messages worth an event; the rest (Ping, ModifyQuerySet, most
# Transitions) would only bury the story.
_SYNC_KEEP = {"Connect", "Authenticate", "AuthError", "Transition", "Mutation", "MutationResponse",
              "Action", "ActionResponse", "FatalError", "Event"}


@dataclass
class _Socket:
    """Per socket: how many Transitions came (the first is always kept, later ones when the identity changes)."""
    transitions: int = 0


@dataclass
class Capture:
    tab: str
    redactor: Redactor = field(default_factory=Redactor)
    _requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    _sockets: dict[int, _Socket] = field(default_factory=dict)
    _handlers: dict = field(default_factory=dict)
    _jwt: dict = field(default_factory=dict)

    # -- entry point ----------------------------------------------------------
    def observe(self, raw: dict[str, Any]) -> list[Event]:
        """Events for one raw observation (often one, sometimes none).

        The handlers below pick the fields a diagnosis needs and fingerprint
        the ones they know are secret (``_secret``, which also keeps a JWT's
        claims); then every payload they produce goes through the redactor
        like any other value (its keys, free text, URLs, ids by field name).
        Anything without a handler (unknown observations) is redacted whole,
        its tab and type included.
        """
        kind, type_ = raw.get("kind"), raw.get("type")
        payload = dict(raw.get("payload") or {})
        for id_key in ("request", "socket"):  # ids key tables below: a list or an object cannot
            if isinstance(payload.get(id_key), (list, dict)):
                payload[id_key] = json.dumps(payload[id_key])[:64]
        mono, wall = float(raw.get("mono", 0.0)), float(raw.get("wall", 0.0))
        handler = self._handlers.get((kind, type_)) if self._handlers else None
        if handler is None and not self._handlers:
            self._handlers = self._discover()
            for key, name in self._ALIASES.items():
                self._handlers[key] = getattr(self, name)
            handler = self._handlers.get((kind, type_))
        if handler is not None:
            self._jwt = {}
            produced = handler(payload, mono, wall)
            events = []
            for k, t, p in produced:
                p = self._redacted(p)
                if self._jwt:
                    p["jwt"] = self._jwt
                events.append(Event(self.tab, mono, wall, k, t, p))
            return events
        k = Kind(kind) if kind in Kind._value2member_map_ else Kind.NOTE
        return [self.redactor.event(Event(self.tab, mono, wall, k, str(type_), payload))]

    def _discover(self) -> dict:
        table = {}
        for name in dir(type(self)):
            for kind in Kind:
                prefix = f"_{kind.value}_"
                if name.startswith(prefix):
                    # handler names spell the observation type with "_" for "-"
                    table[(kind.value, name[len(prefix):].replace("_", "-"))] = getattr(self, name)
        return table

    # Types whose handler names cannot spell them ("-" inside a camelCase name).
    _ALIASES = {("authkit", "getAccessToken-start"): "_authkit_getAccessToken_start",
                ("convex", "fetchToken-start"): "_convex_fetchToken_start"}

    def _secret(self, value: Any, prefix: str = "tok") -> Any:
        """Fingerprint a known secret; a JWT's claims go to this event's ``jwt`` map."""
        before = self.redactor.jwt
        self.redactor.jwt = {}
        out = self.redactor.secret(value, prefix)
        self._jwt.update(self.redactor.jwt)
        self.redactor.jwt = before
        return out

    def _redacted(self, payload: dict) -> dict:
        """A handler's payload through the redactor, field by field (its keys are the handler's own
        names, and the secrets that depend on a sibling were fingerprinted by the handler); JWT
        claims found go to this event's ``jwt``."""
        r = self.redactor
        before = r.jwt
        r.jwt = {}
        out = {}
        for key, value in payload.items():
            if isinstance(value, str):
                out[key] = r.string(value, key)
            elif isinstance(value, (dict, list, tuple)):
                out[key] = r.value(value, key)
            else:
                out[key] = value
        self._jwt.update(r.jwt)
        r.jwt = before
        return out

    # -- fetch ------------------------------------------------------------------
    def _fetch_request(self, p: dict, mono: float, wall: float):
        out = {"request": p.get("request"), "method": p.get("method"), "url": p.get("url"),
               **self._page(p)}
        if p.get("auth"):
            out["auth"] = True
            out["credentials"] = p.get("credentials")
            out["has_session_cookie"] = p.get("hasSessionCookie")
            out.update(self._auth_body(p.get("body")))
        injected = _injected(p)
        out.update(injected)
        self._requests[p.get("request")] = {"mono": mono, "auth": bool(p.get("auth")),
                                             "grant_type": out.get("grant_type"), "injected": injected}
        return [(Kind.FETCH, "request", out)]

    def _fetch_request_body(self, p: dict, mono: float, wall: float):
        info = self._auth_body(p.get("body"))
        req = self._requests.get(p.get("request"))
        if req is not None and info.get("grant_type"):
            req["grant_type"] = info["grant_type"]
        return [(Kind.FETCH, "request-body", {"request": p.get("request"), **info})]

    def _fetch_response(self, p: dict, mono: float, wall: float):
        req = self._requests.pop(p.get("request"), {})
        out = {"request": p.get("request"), "status": p.get("status"), "ok": p.get("ok"),
               "duration_ms": _ms(p.get("durationMs")), **self._page(p)}
        if "url" in p:  # an ordinary request, reported once when it settles
            out["method"], out["url"] = p.get("method"), p.get("url")
        if req.get("auth"):
            out["auth"] = True
            out["grant_type"] = req.get("grant_type")
            out.update(self._auth_response(p.get("body"), wall))
        out.update(req.get("injected") or {})
        return [(Kind.FETCH, "response", out)]

    def _fetch_error(self, p: dict, mono: float, wall: float):
        req = self._requests.pop(p.get("request"), {})
        out = {"request": p.get("request"), "name": p.get("name"), "message": p.get("message"),
               "duration_ms": _ms(p.get("durationMs")), **self._page(p)}
        if "url" in p:
            out["method"], out["url"] = p.get("method"), p.get("url")
        if req.get("auth"):
            out["auth"] = True
            out["grant_type"] = req.get("grant_type")
        out.update(req.get("injected") or {})
        return [(Kind.FETCH, "error", out)]

    @staticmethod
    def _page(p: dict) -> dict:
        page = _obj(p.get("page"))
        return {"visibility": page.get("visibility"), "online": page.get("online")}

    def _auth_body(self, body: Any) -> dict:
        data = _json_object(body)
        if data is None:
            return {"body_readable": body is None}
        out = {"grant_type": data.get("grant_type"), "client_id": data.get("client_id"),
               "refresh_token_sent": bool(data.get("refresh_token"))}
        if data.get("refresh_token"):
            out["refresh_token"] = self._secret(data["refresh_token"])
        if data.get("code"):
            out["code"] = self._secret(data["code"], "code")
        if data.get("organization_id"):
            out["organization_id"] = data["organization_id"]
        return out

    def _auth_response(self, body: Any, wall: float) -> dict:
        data = _json_object(body)
        if data is None:
            return {"body_json": False}
        if "error" in data or "error_description" in data:
            return {"workos_error": data.get("error"),
                    "workos_error_description": data.get("error_description")}
        out: dict[str, Any] = {}
        token = data.get("access_token")
        if isinstance(token, str):
            out["access_token"] = self._secret(token)
            claims = read_claims(token)
            if claims and claims.exp is not None:
                out["expires_in_s"] = round(claims.exp - wall / 1000, 1)
        if data.get("refresh_token"):
            out["refresh_token"] = self._secret(data["refresh_token"])
        user = data.get("user")
        if isinstance(user, dict):
            out["user_id"] = user.get("id")
        out["organization_id"] = data.get("organization_id")
        out["authentication_method"] = data.get("authentication_method")
        return out

    # -- websocket / Convex sync --------------------------------------------------
    def _websocket_create(self, p: dict, mono: float, wall: float):
        if p.get("sync"):
            self._sockets[p.get("socket")] = _Socket()
        return [(Kind.WEBSOCKET, "create", {"socket": p.get("socket"), "url": p.get("url"), "sync": p.get("sync"),
                                            **self._page(p)})]

    def _websocket_open(self, p: dict, mono: float, wall: float):
        return [(Kind.WEBSOCKET, "open", {"socket": p.get("socket"), "sync": p.get("sync"), **self._page(p)})]

    def _websocket_error(self, p: dict, mono: float, wall: float):
        return [(Kind.WEBSOCKET, "error", {"socket": p.get("socket"), "sync": p.get("sync"), **self._page(p)})]

    def _websocket_close(self, p: dict, mono: float, wall: float):
        return [(Kind.WEBSOCKET, "close", {"socket": p.get("socket"), "sync": p.get("sync"), "code": p.get("code"),
                                           "reason": p.get("reason"), "was_clean": p.get("wasClean"), **self._page(p)})]

    def _websocket_send(self, p: dict, mono: float, wall: float):
        return self._sync(p, "send", wall)

    def _websocket_receive(self, p: dict, mono: float, wall: float):
        return self._sync(p, "receive", wall)

    def _sync(self, p: dict, direction: str, wall: float):
        msg = _json_object(p.get("data"))
        if msg is None or not isinstance(msg.get("type"), str) or msg["type"] not in _SYNC_KEEP:
            return []
        socket_id = p.get("socket")
        sock = self._sockets.setdefault(socket_id, _Socket())
        kind = msg["type"]
        base = {"socket": socket_id, "direction": direction}
        if kind == "Connect":
            return [(Kind.CONVEX, "Connect", {**base, "connection_count": msg.get("connectionCount"),
                                              "last_close_reason": msg.get("lastCloseReason"),
                                              "session_id": msg.get("sessionId")})]
        if kind == "Authenticate":
            out = {**base, "token_type": msg.get("tokenType"), "base_version": msg.get("baseVersion")}
            value = msg.get("value")
            if isinstance(value, str) and value:
                out["token"] = self._secret(value)
                claims = read_claims(value)
                if claims and claims.exp is not None:
                    out["iat"], out["exp"] = claims.iat, claims.exp
                    out["seconds_left"] = round(claims.exp - wall / 1000, 1)
                    out["expired_when_sent"] = claims.exp <= wall / 1000
            return [(Kind.CONVEX, "Authenticate", out)]
        if kind == "AuthError":
            return [(Kind.CONVEX, "AuthError", {**base, "error": msg.get("error"), "base_version": msg.get("baseVersion"),
                                                "auth_update_attempted": msg.get("authUpdateAttempted")})]
        if kind == "Transition":
            # A recorded frame is input like any other: a version that is not an object counts as empty.
            start, end = _obj(msg.get("startVersion")), _obj(msg.get("endVersion"))
            sock.transitions += 1
            changed = end.get("identity", 0) != start.get("identity", 0)
            if not changed and sock.transitions > 1:
                return []
            return [(Kind.CONVEX, "Transition", {**base, "identity_from": start.get("identity"),
                                                 "identity_to": end.get("identity"), "identity_changed": changed,
                                                 "query_set": end.get("querySet"), "first": sock.transitions == 1,
                                                 "queries": len(_list(msg.get("modifications")))})]
        if kind in ("Mutation", "Action"):
            return [(Kind.CONVEX, kind, {**base, "request_id": msg.get("requestId"), "udf_path": msg.get("udfPath")})]
        if kind in ("MutationResponse", "ActionResponse"):
            out = {**base, "request_id": msg.get("requestId"), "success": msg.get("success")}
            if not msg.get("success"):
                out["error"] = msg.get("result") if isinstance(msg.get("result"), str) else None
            return [(Kind.CONVEX, kind, out)]
        if kind == "FatalError":
            return [(Kind.CONVEX, "FatalError", {**base, "error": msg.get("error")})]
        if kind == "Event":
            return [(Kind.CONVEX, "ClientEvent", {**base, "event_type": msg.get("eventType")})]
        return []

    # -- storage ------------------------------------------------------------------
    def _storage_setItem(self, p: dict, mono: float, wall: float):
        value = p.get("value")
        if str(p.get("key", "")).startswith(STORAGE_PREFIXES):
            value = self._secret(value)
        return [(Kind.STORAGE, "setItem", {"area": p.get("area"), "key": p.get("key"), "value": value})]

    def _storage_removeItem(self, p: dict, mono: float, wall: float):
        return [(Kind.STORAGE, "removeItem", {"area": p.get("area"), "key": p.get("key"), "existed": p.get("existed")})]

    def _storage_storage_event(self, p: dict, mono: float, wall: float):
        key = p.get("key")
        removed = p.get("newValue") is None
        return [(Kind.STORAGE, "storage-event", {"key": key, "from_other_tab": True,
                                                 "change": "clear" if key is None else ("removed" if removed else "set"),
                                                 "oldValue": self._secret(p.get("oldValue")),
                                                 "newValue": self._secret(p.get("newValue"))})]

    # -- client wrappers (web/recorder/clients.js) ---------------------------------------
    def _authkit_getAccessToken_start(self, p: dict, mono: float, wall: float):
        return [(Kind.AUTHKIT, "getAccessToken-start", {"call": p.get("call"), "force_refresh": p.get("forceRefresh"),
                                                        **self._page(p)})]

    def _token_answer(self, p: dict, wall: float, force_key: str, force: Any) -> dict:
        """A token request's answer, as AuthKit gave it to the adapter or the adapter to Convex."""
        out = {"call": p.get("call"), force_key: force, "outcome": p.get("outcome"),
               "duration_ms": _ms(p.get("durationMs")), **self._page(p)}
        token = p.get("token")
        if isinstance(token, str) and token:
            out["token"] = self._secret(token)
            claims = read_claims(token)
            if claims and claims.exp is not None:
                out["seconds_left"] = round(claims.exp - wall / 1000, 1)
        return out

    def _authkit_getAccessToken(self, p: dict, mono: float, wall: float):
        out = self._token_answer(p, wall, "force_refresh", p.get("forceRefresh"))
        if p.get("outcome") == "error":
            out.update({"name": p.get("name"), "message": p.get("message"),
                        "error_class": p.get("errorClass"), "is_transient": p.get("isTransient"),
                        "status": p.get("status"), "error": p.get("error")})
        return [(Kind.AUTHKIT, "getAccessToken", out)]

    def _authkit_user(self, p: dict, mono: float, wall: float):
        return [(Kind.AUTHKIT, "user", {"present": p.get("present"), "user_id": p.get("userId"),
                                        "is_loading": p.get("isLoading"), **self._page(p)})]

    def _convex_fetchToken_start(self, p: dict, mono: float, wall: float):
        return [(Kind.CONVEX, "fetchToken-start", {"call": p.get("call"), "force_refresh_token": p.get("forceRefreshToken"),
                                                   **self._page(p)})]

    def _convex_fetchToken(self, p: dict, mono: float, wall: float):
        out = self._token_answer(p, wall, "force_refresh_token", p.get("forceRefreshToken"))
        if p.get("outcome") == "throw":
            out.update({"name": p.get("name"), "message": p.get("message")})
        return [(Kind.CONVEX, "fetchToken", out)]

    def _convex_setAuth(self, p: dict, mono: float, wall: float):
        return [(Kind.CONVEX, "setAuth", {})]

    def _convex_auth_change(self, p: dict, mono: float, wall: float):
        return [(Kind.CONVEX, "auth-change", {"is_authenticated": p.get("isAuthenticated"), **self._page(p)})]

    def _convex_refresh_change(self, p: dict, mono: float, wall: float):
        return [(Kind.CONVEX, "refresh-change", {"is_refreshing": p.get("isRefreshing"), **self._page(p)})]

    def _convex_log(self, p: dict, mono: float, wall: float):
        # Convex's verbose log shows the last 7 characters of a sent token; drop them.
        message = _TOKEN_TAIL.sub('"value":"…"', str(p.get("message") or ""))
        return [(Kind.CONVEX, "log", {"level": p.get("level"), "message": message})]

    def _convex_state(self, p: dict, mono: float, wall: float):
        return [(Kind.CONVEX, "state", {"socket": p.get("socket"), "paused": p.get("paused"), "auth": p.get("auth"),
                                        "is_websocket_connected": p.get("isWebSocketConnected"),
                                        "has_ever_connected": p.get("hasEverConnected"),
                                        "connection_count": p.get("connectionCount"),
                                        "connection_retries": p.get("connectionRetries"),
                                        "inflight_mutations": p.get("inflightMutations")})]

    # -- the rest -------------------------------------------------------------------
    def _lifecycle_boot(self, p: dict, mono: float, wall: float):
        url = p.get("url") or ""
        return [(Kind.LIFECYCLE, "boot", {"visibility": p.get("visibility"), "online": p.get("online"),
                                          "was_discarded": p.get("wasDiscarded"), "path": _path(url),
                                          "has_session_cookie": p.get("hasSessionCookie"),
                                          "user_agent": p.get("userAgent")})]


_TOKEN_TAIL = re.compile(r'"value"\s*:\s*"\.\.\.[^"]*"')


def _injected(p: dict) -> dict:
    """An answer the page made up, not the network's: the in-tab replay's ``replayed``
    (the fault id) or an experiment's ``simulated`` (its mode). Carried to the outcome."""
    out = {}
    for key in ("replayed", "simulated"):
        v = p.get(key)
        if isinstance(v, (str, bool)) and v:
            out[key] = v if isinstance(v, bool) else v[:40]
    return out


def _ms(value: Any) -> float | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return None
    return round(float(value), 1)


def _obj(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _path(url: Any) -> str | None:
    try:
        return urlsplit(url).path if isinstance(url, str) else None
    except ValueError:  # "http://[::1" and the like
        return None


def _json_object(text: Any) -> dict | None:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
