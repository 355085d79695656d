"""The options that point ``authtrace scenario run`` and ``authtrace chaos`` at your own app
(the same as the pytest plugin's ``--authtrace-*`` options), and their checks."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import UsageError

DEFAULT_CONVEX_PORT = 8765  # with --app-url: where the app you started finds the Convex emulator
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def add(parser) -> None:
    g = parser.add_argument_group("your own app (instead of the lab)")
    where = g.add_mutually_exclusive_group()
    where.add_argument("--app-url", metavar="URL",
                       help="your app, already running, with VITE_CONVEX_URL=http://127.0.0.1:<--convex-port> "
                            f"(default port {DEFAULT_CONVEX_PORT}); api.workos.com is routed to the WorkOS emulator")
    where.add_argument("--app-cmd", metavar="CMD",
                       help="start your app's dev server with CMD ({port}: a free port), e.g. "
                            "\"npm run dev -- --port {port} --strictPort\", with VITE_CONVEX_URL, VITE_WORKOS_CLIENT_ID "
                            "and VITE_WORKOS_REDIRECT_URI pointing at the emulators")
    g.add_argument("--app-env", action="append", default=[], metavar="NAME=VALUE",
                   help="more environment for --app-cmd's dev server (repeatable)")
    g.add_argument("--app-action", metavar="JS",
                   help="what your app's user does where a story's user acts (the lab sends a message): a JavaScript "
                        "expression run in the tab, e.g. \"document.querySelector('#add').click()\"; Convex notices "
                        "an expired token only when the client sends it something (default: nothing)")
    g.add_argument("--convex-functions", metavar="DIR", help="serve your app's own Convex functions from DIR (its convex/)")
    g.add_argument("--convex-port", type=int, metavar="N",
                   help=f"the Convex emulator's port (default: {DEFAULT_CONVEX_PORT} with --app-url, any free one with --app-cmd)")
    g.add_argument("--client-id", default="client_local", metavar="ID",
                   help="the WorkOS client id your app uses (default: client_local)")
    g.add_argument("--redirect-path", default="/callback", metavar="PATH",
                   help="VITE_WORKOS_REDIRECT_URI's path on the dev server (default: /callback)")


def wanted(args) -> bool:
    """Whether the command runs against an app; app options without one are refused."""
    if args.app_url or args.app_cmd:
        return True
    stray = [flag for flag, value in (("--app-env", args.app_env), ("--app-action", args.app_action),
                                      ("--convex-functions", args.convex_functions),
                                      ("--convex-port", args.convex_port)) if value]
    if stray:
        raise UsageError(f"{', '.join(stray)} {'needs' if len(stray) == 1 else 'need'} --app-url or --app-cmd")
    return False


def station(args):
    """An :class:`~authtrace.host.scenarios.app.AppStation` from the options (not started)."""
    from ..scenarios.app import AppStation

    if args.app_url:
        parts = urlsplit(args.app_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--app-url {args.app_url!r} is not an http(s) URL")
    if args.app_cmd is not None and "{port}" not in args.app_cmd:
        raise UsageError("--app-cmd needs {port} where the port goes, e.g. \"npm run dev -- --port {port} --strictPort\"")
    env = {}
    for item in args.app_env:
        name, sep, value = item.partition("=")
        if not sep or not ENV_NAME.match(name):
            raise UsageError(f"--app-env {item!r}: give NAME=VALUE")
        env[name] = value
    if env and not args.app_cmd:
        raise UsageError("--app-env is for the dev server --app-cmd starts")
    if args.convex_functions is not None and not Path(args.convex_functions).is_dir():
        raise UsageError(f"--convex-functions {args.convex_functions}: not a folder (give your app's convex/ folder)")
    port = args.convex_port if args.convex_port is not None else (DEFAULT_CONVEX_PORT if args.app_url else 0)
    if not 0 <= port <= 65535:
        raise UsageError(f"--convex-port {port}: not a port")
    return AppStation(app_url=args.app_url, app_cmd=args.app_cmd, app_env=env, convex_functions=args.convex_functions,
                      convex_port=port, client_id=args.client_id, redirect_path=args.redirect_path,
                      action=args.app_action)
