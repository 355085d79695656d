"""``authtrace lab``: serve the lab page with authtrace running in Pyodide."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

from ..cli import UsageError
from ..pyodide_dist import DistError, build, is_fresh, project_root
from ..webbuild import build_lab


def register(sub) -> None:
    p = sub.add_parser("lab", help="serve the lab page (Pyodide + authtrace, all from this machine)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5173, help="port for the lab page (default: 5173)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    p.add_argument("--rebuild", action="store_true", help="rebuild the local Pyodide distribution first")
    p.set_defaults(func=run)


def check_loopback(host: str, allow_remote: bool) -> None:
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        raise UsageError(f"--host {host}: cannot resolve it") from None
    if allow_remote:
        return
    if not all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos):
        raise UsageError(f"--host {host} is not a loopback address; pass --allow-remote to serve the lab beyond this machine")


def check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: must be between 1 and 65535")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn will
        try:
            s.bind((host, port))
        except OSError:
            raise UsageError(f"port {port} on {host} is in use; choose another with --port") from None


def run(args) -> int:
    import uvicorn

    from ..lab import create_app

    root = project_root()
    check_loopback(args.host, args.allow_remote)
    check_port(args.host, args.port)
    try:
        if args.rebuild or not is_fresh(root):
            build(root)
        build_lab(root, force=args.rebuild)
    except DistError as exc:
        raise UsageError(str(exc)) from None
    url = f"http://{args.host}:{args.port}/"
    print(f"authtrace lab: {url}", flush=True)
    uvicorn.run(create_app(Path(root)), host=args.host, port=args.port, log_level="warning")
    return 0
