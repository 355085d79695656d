"""``authtrace pyodide build``: assemble the offline Pyodide + PyScript files under static/
(and the wheels a page loads under web/wheels/), in an authtrace checkout."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..pyodide_dist import DistError, build, project_root


def register(sub) -> None:
    p = sub.add_parser("pyodide", help="manage the local Pyodide distribution (in a checkout)")
    psub = p.add_subparsers(dest="pyodide_command", metavar="ACTION", required=True)
    b = psub.add_parser("build", help="build static/pyodide (core from npm, pinned pure wheels, authtrace), "
                                      "static/pyscript and web/wheels")
    b.add_argument("--root", type=Path, default=None, help="project root (default: this checkout)")
    b.set_defaults(func=run_build)


def run_build(args) -> int:
    try:
        build(args.root or project_root())
    except DistError as exc:
        raise UsageError(str(exc)) from None
    return 0
