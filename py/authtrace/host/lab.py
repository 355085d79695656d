"""The lab web server: serves the lab page and the local Pyodide/PyScript files.

Everything the page loads comes from this server (loopback by default), so a
lab session works with no network at all.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__

# Python 3.11's table lacks these; a wrong type stops module scripts and
# streaming WebAssembly compilation in the browser.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")


def create_app(root: Path) -> Starlette:
    web = root / "web"

    async def status_page(request):
        return FileResponse(web / "status.html", headers={"Cache-Control": "no-store"})

    async def health(request):
        return JSONResponse({"authtrace": __version__, "ok": True})

    return Starlette(
        routes=[
            Route("/", status_page),
            Route("/status.html", status_page),
            Route("/__lab/health", health),
            Mount("/static", app=StaticFiles(directory=root / "static"), name="static"),
        ]
    )
