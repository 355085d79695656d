"""The ``authtrace`` command.

Each sub-command lives in its own module under :mod:`authtrace.host.commands`
and exposes ``register(subparsers)``; the module is imported only when listed
here, so a command's heavy imports (uvicorn, selenium) are paid when it runs.

Any input gives exit 0, or exit 2 with one line on stderr (``authtrace: …``),
never a traceback: bad arguments (argparse's usage block is not printed), bad
files (:class:`UsageError`), and, as a last resort, any other exception
(``AUTHTRACE_DEBUG=1`` shows its traceback). Text from inputs is printed
through :mod:`.terminal`, so it cannot drive the terminal.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .. import __version__
from .errors import UsageError
from .terminal import one_line

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
    "doctor",
    "report",
    "fleet",
)


class Parser(argparse.ArgumentParser):
    """argparse, with errors as one line (the usage block stays in ``--help``)."""

    def error(self, message: str):  # type: ignore[override]
        where = self.prog.removeprefix("authtrace").strip()
        raise UsageError(f"{where + ': ' if where else ''}{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="authtrace",
        description="Record, diagnose, replay and fix WorkOS AuthKit + Convex sessions that lose Convex auth.",
    )
    parser.add_argument("--version", action="version", version=f"authtrace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").register(sub)
    return parser


def _fail(message: str) -> int:
    print(f"authtrace: {one_line(message)}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # never die on a character the terminal cannot show
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except UsageError as exc:
        return _fail(str(exc).removeprefix("authtrace: "))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `authtrace analyze x --json | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except RecursionError:
        return _fail("the input is nested too deeply")
    except MemoryError:
        return _fail("out of memory reading the input")
    except Exception as exc:  # last resort: one line, never a traceback
        if os.environ.get("AUTHTRACE_DEBUG"):
            raise
        return _fail(f"unexpected error ({type(exc).__name__}: {exc}); set AUTHTRACE_DEBUG=1 for the traceback")


if __name__ == "__main__":
    sys.exit(main())
