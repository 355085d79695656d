"""``authtrace report FILE... -o OUT [--force]``: one self-contained HTML report of traces and HARs.

The inputs (recorder traces, DevTools HAR exports, several tabs' exports) are
merged into one recording (:func:`authtrace.report.combine`) and written by
:func:`authtrace.report.render`. ``-o -`` writes to stdout. A file is written
to a unique temporary file next to OUT and then renamed, so OUT is either the
old file or the whole report; an existing OUT is kept unless ``--force``, and an
input is never overwritten.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ... import report
from ..errors import UsageError
from ..jsonfile import read_json


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="write one self-contained HTML report (swimlanes, findings, evidence) of traces and HARs",
        description="Write one self-contained HTML file (no network, no external script or font) with the verdict, "
                    "the swimlanes per tab, the findings with their evidence, and the key events of traces, "
                    "DevTools HAR exports or several tabs' exports (merged into one recording). Everything in it "
                    "has passed the redactor.",
    )
    p.add_argument("inputs", metavar="FILE", type=Path, nargs="+", help="authtrace traces (.json) or HAR exports (.har)")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="the HTML file to write, or - for stdout")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists (never an input)")
    p.set_defaults(func=run_report)


def _check_output(out: Path, inputs: list[Path], force: bool) -> None:
    if out.exists():
        if any(src.exists() and os.path.samefile(src, out) for src in inputs):
            raise UsageError(f"refusing to overwrite the input {out}; choose another -o")
        if out.is_dir():
            raise UsageError(f"{out} is a directory; give a file name to -o")
        if not force:
            raise UsageError(f"{out} exists; pass --force to overwrite it")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such directory for -o")


def write(out: Path, text: str, force: bool) -> None:
    """``text`` to ``out`` through a unique temporary file in the same directory, then renamed."""
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            os.replace(tmp, out)
        else:
            try:
                os.link(tmp, out)  # fails if OUT appeared meanwhile: never overwritten without --force
            except FileExistsError:
                raise UsageError(f"{out} exists; pass --force to overwrite it") from None
            except OSError:  # no hard links here: the check before has to do
                if out.exists():
                    raise UsageError(f"{out} exists; pass --force to overwrite it") from None
                os.replace(tmp, out)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def run_report(args) -> int:
    paths: list[Path] = args.inputs
    to_stdout = args.output == "-"
    out = Path(args.output)
    if not to_stdout:
        _check_output(out, paths, args.force)
    items = [report.Input(str(path), read_json(path, "a trace or HAR file")) for path in paths]
    try:
        trace = report.combine(items)
    except report.ReportInputError as exc:
        raise UsageError(str(exc)) from None
    model = report.build(trace, [p.name for p in paths])
    text = report.html(model)
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write(out, text, args.force)
        print(f"{out}: {len(text.encode()) / 1024:.0f} KB, {model.events} events, {len(model.tabs)} tab(s), "
              f"{len(model.findings)} finding(s): {model.verdict.text}")
    return 0
