"""The lab web server: serves the lab page and the local Pyodide/PyScript files.

Everything the page loads comes from this server (loopback by default), so a
lab session works with no network at all.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.applications import Starlette
import asyncio

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from starlette.staticfiles import StaticFiles

from .. import __version__

# Python 3.11's table lacks these; a wrong type stops module scripts and
# streaming WebAssembly compilation in the browser.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")


async def echo(request: Request) -> Response:
    """Test endpoint: echoes method and body; ``?status=N`` sets the status."""
    body = await request.body()
    status = int(request.query_params.get("status", "200"))
    return JSONResponse({"method": request.method, "body": body.decode("utf-8", "replace")}, status_code=status)


async def stream(request: Request) -> StreamingResponse:
    """Test endpoint: a body sent in ``n`` chunks ``ms`` apart."""
    n = int(request.query_params.get("n", "5"))
    ms = int(request.query_params.get("ms", "20"))

    async def chunks():
        for i in range(n):
            yield f"chunk{i};".encode()
            await asyncio.sleep(ms / 1000)

    return StreamingResponse(chunks(), media_type="text/plain")


async def ws_echo(ws: WebSocket) -> None:
    """Test endpoint: a WebSocket that sends every text frame back."""
    await ws.accept()
    try:
        while True:
            await ws.send_text(await ws.receive_text())
    except WebSocketDisconnect:
        pass


def create_app(root: Path) -> Starlette:
    web = root / "web"

    def page(name: str):
        async def serve(request):
            return FileResponse(web / name, headers={"Cache-Control": "no-store"})
        return serve

    status_page = page("status.html")

    async def health(request):
        return JSONResponse({"authtrace": __version__, "ok": True})

    return Starlette(
        routes=[
            Route("/", status_page),
            Route("/status.html", status_page),
            Route("/recorder.html", page("recorder.html")),
            Route("/plain.html", page("plain.html")),
            Route("/__lab/health", health),
            Route("/__lab/echo", echo, methods=["GET", "POST", "PUT"]),
            Route("/__lab/stream", stream),
            WebSocketRoute("/__lab/ws-echo", ws_echo),
            # Echo at a Convex-like sync path, so sync-frame capture can be checked without a backend.
            WebSocketRoute("/__lab/api/{version}/sync", ws_echo),
            Mount("/recorder", app=StaticFiles(directory=web / "recorder"), name="recorder"),
            Mount("/static", app=StaticFiles(directory=root / "static"), name="static"),
        ]
    )
