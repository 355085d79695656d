"""CORS as an ASGI middleware, the way a credentialed cross-origin API answers.

authkit-js posts JSON (so every request is preflighted) and, in cookie mode,
with ``credentials: "include"``: the browser then accepts only the exact
``Access-Control-Allow-Origin: <origin>`` plus ``Access-Control-Allow-Credentials:
true``, on the preflight and on every response, errors included
(workos-authkit.md §1.6, §6). An origin the API does not allow gets no CORS
headers at all, so the browser's fetch fails with ``TypeError``, as it does
for an origin missing from the WorkOS dashboard.

Why not Starlette's ``CORSMiddleware``: it answers a refused preflight with
``400 Disallowed CORS origin`` instead of leaving the headers out, answers an
allowed one ``200`` with ``Access-Control-Max-Age: 600`` (the browser would
then skip the preflights a fault may target for ten minutes, where this API
and the emulator's tests rely on the browser default of 5 s), and echoes an
empty ``Origin`` header.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

ALLOW_METHODS = b"GET, POST, DELETE, OPTIONS"
DEFAULT_ALLOW_HEADERS = b"content-type, accept"


def is_preflight(scope: Scope) -> bool:
    return scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return None


class CORS:
    """Answers preflights itself and adds the CORS headers to every response of ``app``.

    ``allow(origin)`` decides whether an origin is echoed. A preflight gets
    ``204`` with the requested headers allowed.
    """

    def __init__(self, app: App, allow: Callable[[str], bool]):
        self.app = app
        self.allow = allow

    def headers_for(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        raw = _header(scope, b"origin")
        origin = raw.decode("latin-1") if raw else ""
        if not origin or not self.allow(origin):
            return []
        return [
            (b"access-control-allow-origin", raw),  # type: ignore[list-item]
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-expose-headers", b"Retry-After"),
            (b"vary", b"Origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cors = self.headers_for(scope)
        if is_preflight(scope):
            headers = []
            if cors:
                requested = _header(scope, b"access-control-request-headers") or DEFAULT_ALLOW_HEADERS
                headers = [*cors, (b"access-control-allow-methods", ALLOW_METHODS),
                           (b"access-control-allow-headers", requested)]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        await self.app(scope, receive, self.adding_headers(scope, send, cors))

    def adding_headers(self, scope: Scope, send: Send, cors: list[tuple[bytes, bytes]] | None = None) -> Send:
        """``send`` with this request's CORS headers added (for answers made outside ``app``)."""
        headers = self.headers_for(scope) if cors is None else cors

        async def with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and headers:
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        return with_cors
