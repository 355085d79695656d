"""The control API of both emulators: faults, events, counters, WorkOS settings and sessions.

Served under ``/__authtrace/`` on the WorkOS port: the suite puts
:func:`mount` in front of the WorkOS app. Loopback clients only (``403``
otherwise, also for a loopback peer sending a foreign ``Host``: a DNS-rebinding
page); CORS for loopback origins; no fault applies here.

Bad input never changes anything: a body over 1 MiB gets ``413``; a body that
is not a JSON object, not UTF-8, deeper than 32 levels, or holds ``NaN``,
``Infinity`` or a lone surrogate gets ``400``; so do unknown fields, values of
the wrong type or out of range (see docs/emulators.md). Unknown ids get ``404``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ...fault_actions import ACTIONS
from . import bodies
from .cors import CORS
from .eventlog import EventLog
from .faults import FaultBoard, FaultError
from .inputs import BadInput, parse_json
from .workos import WorkOSEmulator
from .workos_routes import add_json_errors

PREFIX = "/__authtrace"
FAULT_FIELDS = ("target", "action", "match", "count", "window_s", "params")
_SEQ = re.compile(r"-?[0-9]{1,19}")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Refused(Exception):
    """A control request refused with ``status`` and a one-line message."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_of(header: str) -> str:
    """Host name of a ``Host`` header or an origin, without port."""
    if "://" in header:
        try:
            return urlsplit(header).hostname or ""
        except ValueError:
            return ""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


async def _body(request: Request) -> dict[str, Any]:
    try:
        raw = await bodies.read_body(request.receive)
    except bodies.BodyTooLarge:
        raise Refused("body too large", 413) from None
    if not raw.strip():
        return {}
    try:
        value = await bodies.parse(parse_json, raw)
    except BadInput as exc:
        raise Refused(str(exc)) from None
    if not isinstance(value, dict):
        raise Refused("body must be a JSON object")
    return value


def _string(data: dict[str, Any], key: str, limit: int = 256) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise Refused(f"{key} must be a string of at most {limit} characters")
    return value


class ControlAPI:
    """The control routes over the suite's shared board and log and its WorkOS emulator."""

    def __init__(self, *, faults: FaultBoard, events: EventLog, workos: WorkOSEmulator):
        self.faults = faults
        self.events = events
        self.workos = workos
        routes = [
            Route(f"{PREFIX}/faults", self.faults_route, methods=["GET", "POST", "DELETE"]),
            Route(f"{PREFIX}/faults/{{fault_id}}", self.fault_route, methods=["DELETE"]),
            Route(f"{PREFIX}/events", self.events_route, methods=["GET"]),
            Route(f"{PREFIX}/counters", self.counters_route, methods=["GET"]),
            Route(f"{PREFIX}/reset", self.reset_route, methods=["POST"]),
            Route(f"{PREFIX}/config", self.config_route, methods=["GET", "POST"]),
            Route(f"{PREFIX}/sessions", self.sessions_route, methods=["GET"]),
            Route(f"{PREFIX}/sessions/{{session_id}}/revoke", self.revoke_session_route, methods=["POST"]),
            Route(f"{PREFIX}/refresh-tokens/revoke", self.revoke_token_route, methods=["POST"]),
        ]
        self.app = Starlette(routes=routes, exception_handlers={Refused: self._refused})
        add_json_errors(self.app)

    @staticmethod
    async def _refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return JSONResponse({"message": str(exc)}, exc.status)

    async def faults_route(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"faults": [f.to_json() for f in self.faults.list()], "actions": ACTIONS})
        if request.method == "DELETE":
            return JSONResponse({"removed": self.faults.reset()})
        data = await _body(request)
        unknown = set(data) - set(FAULT_FIELDS)
        if unknown:
            raise Refused(f"unknown field(s): {', '.join(sorted(k[:64] for k in unknown))}")
        if not isinstance(data.get("action"), str):
            raise Refused("action is required")
        # A window without a count means every matching request in the window.
        count = data.get("count", None if "window_s" in data else 1)
        try:
            fault = self.faults.arm(data.get("target", "workos"), data["action"], match=data.get("match"),
                                    count=count, window_s=data.get("window_s"), params=data.get("params"))
        except FaultError as exc:
            raise Refused(str(exc)) from None
        return JSONResponse(fault.to_json(), 201)

    async def fault_route(self, request: Request) -> Response:
        if self.faults.cancel(request.path_params["fault_id"]):
            return JSONResponse({"removed": 1})
        raise Refused("no such fault", 404)

    async def events_route(self, request: Request) -> Response:
        q = request.query_params
        since = q.get("since")
        if since is not None and not _SEQ.fullmatch(since):
            raise Refused("since must be an integer event seq")
        events = self.events.list(int(since) if since is not None else None, source=q.get("source"), type=q.get("type"))
        return JSONResponse({"events": events, "last_seq": self.events.last_seq, "dropped": self.events.dropped})

    async def counters_route(self, request: Request) -> Response:
        return JSONResponse(self.events.counters_snapshot())

    async def reset_route(self, request: Request) -> Response:
        data = await _body(request)
        opts = {k: data.get(k, k == "faults") for k in ("faults", "sessions", "events")}
        if set(data) - set(opts) or not all(isinstance(v, bool) for v in opts.values()):
            raise Refused("reset takes boolean faults, sessions, events")
        self.workos.reset(**opts)
        return JSONResponse({"reset": opts})

    async def config_route(self, request: Request) -> Response:
        if request.method == "POST":
            data = await _body(request)
            try:
                self.workos.set_config(**data)
            except (ValueError, TypeError) as exc:
                raise Refused(str(exc)) from None
        return JSONResponse(self.workos.config.to_json())

    async def sessions_route(self, request: Request) -> Response:
        return JSONResponse({"sessions": self.workos.sessions()})

    async def revoke_session_route(self, request: Request) -> Response:
        data = await _body(request)
        reason = _string(data, "reason", 64) or "revoked"
        if not self.workos.revoke_session(request.path_params["session_id"], reason):
            raise Refused("no such session", 404)
        return JSONResponse({"revoked": request.path_params["session_id"]})

    async def revoke_token_route(self, request: Request) -> Response:
        data = await _body(request)
        token, fp, sid = _string(data, "refresh_token", 4096), _string(data, "fingerprint"), _string(data, "session_id")
        if sid is not None:
            token = self.workos.store.live_refresh_token(sid)
            if token is None:
                raise Refused("no such session", 404)
        if token is None and fp is None:
            raise Refused("give refresh_token, fingerprint or session_id")
        if not self.workos.revoke_refresh_token(token, fp=fp):
            raise Refused("no such refresh token", 404)
        return JSONResponse({"revoked": 1})


def mount(control: ControlAPI, api: App) -> App:
    """One ASGI app: ``/__authtrace`` to the control API (loopback only), the rest to ``api``."""
    guarded = CORS(control.app, allow=lambda origin: is_loopback(host_of(origin)))

    async def front(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == PREFIX or path.startswith(PREFIX + "/")):
            await api(scope, receive, send)
            return
        client = scope.get("client") or ("", 0)
        host = host_of(dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1"))
        # A loopback peer with a foreign Host is a DNS-rebinding page; refuse it too.
        if not is_loopback(str(client[0])) or not (is_loopback(host) or host == control.workos.config.host):
            await JSONResponse({"message": "The control API answers loopback clients only."}, 403)(scope, receive, send)
            return
        await guarded(scope, receive, send)

    return front
