"""``authtrace lab``: the emulators plus the lab app, with authtrace running in Pyodide."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

from ..errors import UsageError
from ..pyodide_dist import DistError, build, is_bundle, is_fresh, project_root
from ..webbuild import build_lab
from .emulate import seconds_arg


def register(sub) -> None:
    p = sub.add_parser("lab", help="start the emulators and serve the lab app (everything from this machine)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5173, help="port for the lab page (default: 5173)")
    p.add_argument("--workos-port", type=int, default=8787, help="WorkOS emulator port (default: 8787; 0 = any)")
    p.add_argument("--convex-port", type=int, default=8765, help="Convex emulator port (default: 8765; 0 = any)")
    p.add_argument("--access-token-ttl", type=seconds_arg("--access-token-ttl", positive=True), default=60,
                   help="access token lifetime in seconds (default: 60, so refreshes are seen in minutes)")
    p.add_argument("--no-emulators", action="store_true", help="serve only the pages (for the recorder check pages)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    p.add_argument("--rebuild", action="store_true", help="rebuild the Pyodide distribution and the lab app first (in a checkout)")
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


def check_port(host: str, port: int, flag: str = "--port") -> None:
    if port == 0 and flag != "--port":
        return
    if not 0 < port < 65536:
        raise UsageError(f"{flag} {port}: must be between 1 and 65535")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn will
        try:
            s.bind((host, port))
        except OSError:
            raise UsageError(f"port {port} on {host} is in use; choose another with {flag}") from None


def run(args) -> int:
    import uvicorn

    from ..lab import create_app

    root = project_root()
    if args.rebuild and is_bundle(root):
        raise UsageError("--rebuild works in an authtrace checkout; the installed package ships the lab app "
                         "and the Pyodide distribution built")
    check_loopback(args.host, args.allow_remote)
    check_port(args.host, args.port)
    suite = None
    config: dict = {}
    if not args.no_emulators:
        check_port(args.host, args.workos_port, "--workos-port")
        check_port(args.host, args.convex_port, "--convex-port")
    try:
        if args.rebuild or not is_fresh(root):
            build(root)
        build_lab(root, force=args.rebuild)
    except DistError as exc:
        raise UsageError(str(exc)) from None
    if not args.no_emulators:
        from ..emulators.suite import EmulatorSuite

        suite = EmulatorSuite(host=args.host, workos_port=args.workos_port, convex_port=args.convex_port,
                              access_token_ttl=args.access_token_ttl).start_in_thread()
        config = {"workos": suite.authkit_props(dev_mode=True), "convexUrl": suite.convex_url}
        print(f"WorkOS AuthKit emulator: {suite.workos_url}  (faults: {suite.workos_url}/__authtrace/faults)")
        print(f"Convex emulator:         {suite.convex_url}")
    url = f"http://{args.host}:{args.port}/"
    print(f"authtrace lab: {url}", flush=True)
    try:
        uvicorn.run(create_app(Path(root), config), host=args.host, port=args.port, log_level="warning")
    finally:
        if suite is not None:
            suite.stop()
    return 0
