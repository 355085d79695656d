"""Acting out WorkOS faults on one HTTP request (the board decides which; this does it).

The answers a fault gives come from :mod:`authtrace.workos_errors`, shared with
replay's page-side injections. "drop", "hang" and "lost-response" close the
socket without any response, which ASGI cannot express (uvicorn would send a
500), so uvicorn's h11 protocol is given a way to hand each connection's
transport to the app (:func:`transport_aware_h11`).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, Awaitable, Callable

from starlette.responses import HTMLResponse, JSONResponse, Response

from ... import workos_errors
from .faults import Fault

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# uvicorn puts the connection's transport here (see transport_aware_h11).
TRANSPORT_KEY = "authtrace.transport"
NO_STORE = {"cache-control": "no-store"}


class ConnectionDropped(Exception):
    """Raised by a "drop" fault when the server gives no socket to close (e.g. TestClient)."""


def _retry_after(params: dict[str, Any]) -> dict[str, str]:
    value = params.get("retry_after")
    if value is None:
        return {}
    return {"retry-after": str(int(value)) if float(value).is_integer() else str(value)}


async def _discard(message: dict[str, Any]) -> None:
    return None


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class FaultActor:
    """Carries out a fired fault for ``api`` (the app that answers normally).

    ``closing`` is set when the emulator stops, releasing "delay" and "hang".
    """

    def __init__(self, api: App, closing: threading.Event):
        self.api = api
        self.closing = closing

    async def act(self, fault: Fault, scope: Scope, replay: Receive, receive: Receive, send: Send) -> bool:
        """Act out ``fault``; True if it produced the outcome, False to answer normally.

        ``replay`` gives the already-read body again; ``receive`` is the
        connection's own (for noticing a disconnect).
        """
        action, p = fault.action, fault.params
        if action == "delay":
            await self._sleep(p["seconds"])
            return False
        if action == "no-cors":
            return False  # the front end withholds the CORS headers
        if action == "hang":
            await self._hang(receive, p["max_s"])
            await self._drop(scope, receive)
        elif action == "drop":
            await self._drop(scope, receive)
        elif action == "lost-response":
            await self.api(scope, replay, _discard)
            await self._drop(scope, receive)
        elif action == "bad-token":
            await self._bad_token(scope, replay, send)
        elif action == "status":
            body = p.get("body") or workos_errors.status_body(p["status"])
            await JSONResponse(body, p["status"], headers={**NO_STORE, **_retry_after(p)})(scope, replay, send)
        elif action == "non-json":
            await HTMLResponse(workos_errors.gateway_page(p["status"]), p["status"], headers=_retry_after(p))(scope, replay, send)
        elif action == "garbage-200":
            await Response(workos_errors.TRUNCATED_JSON, 200, media_type="application/json")(scope, replay, send)
        elif action == "invalid-grant":
            error = workos_errors.invalid_grant(p.get("message") or p.get("description"))
            await JSONResponse(error.body(), error.status, headers=NO_STORE)(scope, replay, send)
        elif action == "missing-refresh-token":
            error = workos_errors.MISSING_REFRESH_TOKEN
            await JSONResponse(error.body(), error.status, headers=NO_STORE)(scope, replay, send)
        else:
            raise AssertionError(f"unhandled fault action {action}")  # FaultBoard validates actions
        return True

    async def _bad_token(self, scope: Scope, replay: Receive, send: Send) -> None:
        """Answer normally (the token rotates) but with an access token that is not a JWT."""
        out: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"], out["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                out["body"] += message.get("body", b"")

        await self.api(scope, replay, capture)
        status, headers, raw = out["status"], out["headers"], out["body"]
        if status == 200:
            data = json.loads(raw)
            data["access_token"] = workos_errors.NOT_A_JWT
            raw = json.dumps(data).encode()
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(raw)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})

    async def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.closing.is_set() and (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))

    async def _hang(self, receive: Receive, max_s: float) -> None:
        """Wait until the client gives up, the emulator stops, or ``max_s`` passes."""
        waiter = asyncio.ensure_future(_until_disconnect(receive))
        end = time.monotonic() + max_s
        try:
            while not waiter.done() and not self.closing.is_set() and (left := end - time.monotonic()) > 0:
                await asyncio.wait({waiter}, timeout=min(left, 0.05))
        finally:
            if not waiter.done():
                waiter.cancel()

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        transport = (scope.get("state") or {}).get(TRANSPORT_KEY)
        if transport is None:
            raise ConnectionDropped("fault: connection dropped without a response")
        transport.abort()  # RST, no bytes: the browser's fetch rejects with TypeError
        # Let uvicorn notice the disconnect so it does not try to send a 500.
        try:
            await asyncio.wait_for(_until_disconnect(receive), 1.0)
        except (asyncio.TimeoutError, Exception):
            pass


def transport_aware_h11():
    """uvicorn's h11 protocol, exposing each connection's transport to the app."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TransportAwareH11(H11Protocol):
        def connection_made(self, transport):  # type: ignore[override]
            super().connection_made(transport)
            self.app_state = {**self.app_state, TRANSPORT_KEY: transport}

    return TransportAwareH11
