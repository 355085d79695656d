"""The ``authtrace`` command.

Each sub-command lives in its own module under :mod:`authtrace.host.commands`
and exposes ``register(subparsers)``; the module is imported only when listed
here, so a command's heavy imports (uvicorn, selenium) are paid when it runs.
Bad input exits with code 2 and a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from .errors import UsageError

COMMANDS = (
    "trace",
    "pyodide",
    "lab",
    "emulate",
    "bench",
    "scenario",
    "analyze",
    "chaos",
    "replay",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authtrace",
        description="Record, diagnose, replay and fix WorkOS AuthKit + Convex sessions that lose Convex auth.",
    )
    parser.add_argument("--version", action="version", version=f"authtrace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__package__}.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.commands.{name}":
                continue  # a command another issue has not landed yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"authtrace: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
