"""``authtrace emulate``: run the WorkOS AuthKit and Convex emulators in the foreground.

Prints where they listen and the exact ``AuthKitProvider`` props and
``ConvexReactClient`` URL to point an unmodified app at them; Ctrl-C (SIGINT)
or SIGTERM stops both cleanly with exit code 0.

``--convex-functions DIR`` serves the app's own Convex functions (convex-test in
Node) and trusts its ``auth.config.ts``; ``--stand-in`` answers as
``https://api.workos.com`` (and prints the Chromium flags that route that host here).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import re
import signal
import socket
from pathlib import Path

from ..emulators.workos_config import MAX_SECONDS
from ..errors import UsageError


def seconds_arg(name: str, *, positive: bool = False):
    """An argparse type: seconds from 0 (or above 0) to the emulators' MAX_SECONDS (``lab`` uses it too)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number of seconds, got {text!r}") from None
        if not math.isfinite(value) or not 0 <= value <= MAX_SECONDS or (positive and value == 0):
            raise argparse.ArgumentTypeError(
                f"{name} must be {'> 0' if positive else '>= 0'} and <= {MAX_SECONDS} seconds, got {text!r}")
        return int(value) if value.is_integer() else value

    return parse


def _port(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a port number, got {text!r}") from None
        if not 0 <= value <= 65535:
            raise argparse.ArgumentTypeError(f"{name} must be between 0 (any free port) and 65535, got {value}")
        return value

    return parse


def register(sub) -> None:
    p = sub.add_parser(
        "emulate",
        help="run local WorkOS AuthKit + Convex emulators with fault injection",
        description="Run the WorkOS AuthKit API emulator and the Convex emulator until Ctrl-C. "
        "TTLs are seconds (fractions allowed) so long sessions can be replayed fast. "
        "Faults and run-time settings: the control API under /__authtrace/ on the WorkOS port (see docs/emulators.md).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address for both emulators (default: 127.0.0.1)")
    p.add_argument("--workos-port", type=_port("--workos-port"), default=8787, help="WorkOS API port (default: 8787; 0 = any free port)")
    p.add_argument("--convex-port", type=_port("--convex-port"), default=8765, help="Convex port (default: 8765; 0 = any free port)")
    p.add_argument("--client-id", default="client_local", help="the AuthKit client ID (default: client_local)")
    p.add_argument("--access-token-ttl", type=seconds_arg("--access-token-ttl", positive=True), default=300, help="access token lifetime, s (default: 300)")
    p.add_argument("--session-ttl", type=seconds_arg("--session-ttl"), default=0, help="maximum session length, s (default: 0 = unlimited)")
    p.add_argument("--inactivity-timeout", type=seconds_arg("--inactivity-timeout"), default=0, help="end sessions not refreshed for this long, s (default: 0 = never)")
    p.add_argument("--refresh-grace", type=seconds_arg("--refresh-grace"), default=30, help="refresh-token replay grace window, s (default: 30)")
    p.add_argument("--redirect-uri", action="append", metavar="URI", help="allowed redirect URI (repeatable; default: any http(s) URI)")
    p.add_argument("--no-convex", action="store_true", help="run the WorkOS emulator only")
    p.add_argument("--convex-functions", metavar="DIR", type=Path,
                   help="serve the app's own Convex functions from DIR (its convex/ folder, run by convex-test in "
                        "Node) and trust the providers of DIR/auth.config.ts")
    p.add_argument("--convex-env", action="append", metavar="NAME=VALUE", default=[],
                   help="a deployment environment variable the functions and auth.config.ts see "
                        "(repeatable; WORKOS_CLIENT_ID defaults to --client-id)")
    p.add_argument("--stand-in", action="store_true",
                   help="answer as https://api.workos.com: tokens carry its issuer, and an HTTPS endpoint with a "
                        "locally generated certificate serves the API for a browser started with the printed flags")
    p.add_argument("--tls-port", type=_port("--tls-port"), default=0,
                   help="port of the --stand-in HTTPS endpoint (default: any free port)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    p.set_defaults(func=run)


def check_host(host: str, allow_remote: bool) -> None:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise UsageError(f"--host {host}: cannot resolve it") from None
    if not allow_remote and not all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos):
        raise UsageError(f"--host {host} is not a loopback address; pass --allow-remote to expose the emulators beyond this machine")


def check_port(host: str, port: int, flag: str) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers will
        try:
            s.bind((host, port))
        except OSError:
            raise UsageError(f"port {port} on {host} is in use; choose another with {flag}") from None


def _jsx(props: dict) -> str:
    parts = []
    for k, v in props.items():
        parts.append(f'{k}="{v}"' if isinstance(v, str) else f"{k}={{{json.dumps(v)}}}")
    return "<AuthKitProvider " + " ".join(parts) + ">"


def run(args) -> int:
    from ..emulators.suite import EmulatorSuite
    from ..emulators.workos_config import WorkOSConfig

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", args.client_id):
        raise UsageError(f"--client-id {args.client_id!r}: use letters, digits, '_', '.', '-' (1-128 characters)")
    if args.workos_port and args.workos_port == args.convex_port and not args.no_convex:
        raise UsageError("--workos-port and --convex-port must differ")
    for uri in args.redirect_uri or ():
        if not re.match(r"^https?://[^/\s]+", uri):
            raise UsageError(f"--redirect-uri {uri!r}: must be an absolute http(s) URL")
    check_host(args.host, args.allow_remote)
    check_port(args.host, args.workos_port, "--workos-port")
    if not args.no_convex:
        check_port(args.host, args.convex_port, "--convex-port")
    if args.stand_in:
        check_port(args.host, args.tls_port, "--tls-port")
    functions = _functions_dir(args)
    env = _convex_env(args.convex_env)

    config = WorkOSConfig(
        client_id=args.client_id,
        host=args.host,
        port=args.workos_port,
        access_token_ttl=args.access_token_ttl,
        session_ttl=args.session_ttl,
        inactivity_timeout=args.inactivity_timeout,
        refresh_grace=args.refresh_grace,
        redirect_uris=tuple(args.redirect_uri) if args.redirect_uri else None,
    )
    suite = EmulatorSuite(config, convex_port=args.convex_port, convex=not args.no_convex, convex_functions=functions,
                          convex_env=env, stand_in=args.stand_in, tls_port=args.tls_port)
    return asyncio.run(_serve(suite))


def _functions_dir(args) -> Path | None:
    if args.convex_functions is None:
        return None
    if args.no_convex:
        raise UsageError("--convex-functions needs the Convex emulator; drop --no-convex")
    folder = args.convex_functions
    if not folder.is_dir():
        raise UsageError(f"--convex-functions {folder}: not a folder (give the app's convex/ folder)")
    if not any(folder.glob("*.ts")) and not any(folder.glob("*.js")):
        raise UsageError(f"--convex-functions {folder}: no .ts or .js files in it")
    return folder


def _convex_env(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", name):
            raise UsageError(f"--convex-env {pair!r}: use NAME=VALUE")
        env[name] = value
    return env


async def _serve(suite) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from ..emulators.auth_config import AuthConfigError
    from ..emulators.function_runner import FunctionLoadError

    try:
        try:
            await suite.start()
        except OSError as exc:
            raise UsageError(f"cannot listen: {exc.strerror or exc}") from None
        except (FunctionLoadError, AuthConfigError) as exc:
            raise UsageError(" ".join(str(exc).split())) from None
        _print_banner(suite)
        await stop.wait()
        print("authtrace emulate: stopping", flush=True)
    finally:
        await suite.shutdown()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("authtrace emulate: stopped", flush=True)
    return 0


def _print_banner(suite) -> None:
    cfg = suite.workos.config
    props = {"clientId": cfg.client_id} if suite.stand_in else suite.authkit_props(dev_mode=True)
    lines = [
        f"WorkOS AuthKit API: {suite.workos_url}",
        f"  issuer:  {suite.issuer}",
        f"  JWKS:    {suite.jwks_url}",
        f"  control: {suite.workos_url}/__authtrace/ (loopback clients only)",
        f"  TTLs:    access token {cfg.access_token_ttl}s, session {cfg.session_ttl or 'unlimited'}"
        f"{'s' if cfg.session_ttl else ''}, inactivity {cfg.inactivity_timeout or 'none'}"
        f"{'s' if cfg.inactivity_timeout else ''}, refresh grace {cfg.refresh_grace}s",
    ]
    if suite.stand_in:
        lines.append(f"  stand-in for https://api.workos.com on https://{suite.host}:{suite.tls_port}"
                     " (certificate made for this run)")
    if suite.convex_url:
        lines.append(f"Convex deployment: {suite.convex_url}")
    if suite.functions is not None:
        public = [f["path"] for f in suite.functions.functions if f["visibility"] == "public"]
        lines.append(f"  functions: {len(public)} public from {suite.convex_functions} ({', '.join(public[:6])}"
                     f"{', …' if len(public) > 6 else ''})")
        config = "its auth.config.ts" if suite.functions.auth_config is not None else "the WorkOS emulator (no auth.config.ts)"
        lines.append(f"  trusts:    {config}")
    lines += ["", "Point the app at them:"]
    if suite.stand_in:
        lines += [
            f'  <AuthKitProvider clientId="{cfg.client_id}" redirectUri="…">   (no other prop: it talks to https://api.workos.com)',
            "  and start Chromium with: " + " ".join(f"'{flag}'" for flag in suite.browser_flags),
        ]
    else:
        lines += [
            f"  {_jsx(props)}",
            "    (devMode={true} keeps the refresh token in localStorage; devMode={false} uses the HttpOnly cookie)",
        ]
    if suite.convex_url:
        lines.append(f'  new ConvexReactClient("{suite.convex_url}")   (VITE_CONVEX_URL={suite.convex_url})')
    lines += [
        f"AuthKitProvider props (JSON): {json.dumps(props)}",
        "Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
