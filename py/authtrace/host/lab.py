"""The lab web server: serves the lab page and the local Pyodide/PyScript files.

Everything the page loads comes from this server (loopback by default), so a
lab session works with no network at all.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.applications import Starlette
import asyncio
import json

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


async def ws_sync_bench(ws: WebSocket) -> None:
    """Benchmark endpoint speaking the shape of Convex sync traffic: a Mutation
    gets a MutationResponse, anything else a Transition with a ~1 KB result
    and an unchanged identity (ordinary query churn)."""
    await ws.accept()
    version = 0
    rows = [{"_id": f"m{i}", "body": "x" * 40, "author": "user_1"} for i in range(16)]
    try:
        while True:
            text = await ws.receive_text()
            if text.startswith('{"type":"Mutation"'):
                request_id = json.loads(text).get("requestId")
                await ws.send_text(json.dumps({"type": "MutationResponse", "requestId": request_id, "success": True,
                                               "result": None, "ts": "AQAAAAAAAAA=", "logLines": []}))
                continue
            start = {"querySet": 1, "identity": 1, "ts": "AAAAAAAAAAA="}
            version += 1
            await ws.send_text(json.dumps({"type": "Transition", "startVersion": start,
                                           "endVersion": {**start, "ts": "AQAAAAAAAAA="},
                                           "modifications": [{"type": "QueryUpdated", "queryId": 0, "value": rows,
                                                              "logLines": [], "journal": None}]}))
    except WebSocketDisconnect:
        pass


def create_app(root: Path, config: dict | None = None) -> Starlette:
    """The lab: the app built from ``web/lab`` at ``/``, test pages, local Pyodide.

    ``config`` tells the app where the emulators are (served as ``/lab-config.js``):
    ``{"workos": {"clientId", "apiHostname", "port", "devMode"}, "convexUrl"}``.
    """
    web = root / "web"
    dist = web / "dist" / "lab"
    lab_config = json.dumps(config or {})

    def page(name: str, base: Path = web):
        async def serve(request):
            return FileResponse(base / name, headers={"Cache-Control": "no-store"})
        return serve

    async def app_page(request):
        if not (dist / "index.html").exists():
            return Response("The lab app is not built: run `authtrace lab` (it builds it) or `npx vite build`.",
                            status_code=503, media_type="text/plain")
        return FileResponse(dist / "index.html", headers={"Cache-Control": "no-store"})

    async def config_js(request):
        return Response(f"globalThis.__AUTHTRACE_LAB__ = {lab_config};\n", media_type="text/javascript",
                        headers={"Cache-Control": "no-store"})

    async def health(request):
        return JSONResponse({"authtrace": __version__, "ok": True})

    return Starlette(
        routes=[
            Route("/", app_page),
            Route("/callback", app_page),
            Route("/lab-config.js", config_js),
            Route("/recorder.html", page("recorder.html")),
            Route("/plain.html", page("plain.html")),
            Route("/shim-only.html", page("shim-only.html")),
            Route("/__lab/health", health),
            Route("/__lab/echo", echo, methods=["GET", "POST", "PUT"]),
            Route("/__lab/stream", stream),
            WebSocketRoute("/__lab/ws-echo", ws_echo),
            # Echo at a Convex-like sync path, so sync-frame capture can be checked without a backend.
            WebSocketRoute("/__lab/api/{version}/sync", ws_echo),
            WebSocketRoute("/__lab/bench/api/{version}/sync", ws_sync_bench),
            Mount("/recorder", app=StaticFiles(directory=web / "recorder"), name="recorder"),
            Mount("/static", app=StaticFiles(directory=root / "static"), name="static"),
            Mount("/assets", app=StaticFiles(directory=dist / "assets", check_dir=False), name="assets"),
        ]
    )
