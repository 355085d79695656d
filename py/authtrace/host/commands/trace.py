"""``authtrace trace redact IN -o OUT``: redact a trace or any JSON of captured events."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...redaction import Redactor
from ...trace import FORMAT, Trace, TraceFormatError
from ..errors import UsageError
from ..jsonfile import read_json


def register(sub) -> None:
    trace = sub.add_parser("trace", help="work with trace files")
    tsub = trace.add_subparsers(dest="trace_command", metavar="ACTION", required=True)
    red = tsub.add_parser(
        "redact",
        help="replace tokens, codes and cookies in a trace (or any JSON/HAR of captured events) by fingerprints",
    )
    red.add_argument("input", metavar="IN", type=Path)
    red.add_argument("-o", "--output", metavar="OUT", type=Path, required=True)
    red.add_argument("--force", action="store_true", help="overwrite OUT if it exists (never IN)")
    red.set_defaults(func=run_redact)


def run_redact(args) -> int:
    src: Path = args.input
    dst: Path = args.output
    if dst.exists() and src.exists() and os.path.samefile(src, dst):
        raise UsageError(f"refusing to overwrite the input {src}; choose another -o")
    if dst.exists() and not args.force:
        raise UsageError(f"{dst} exists; pass --force to overwrite it")
    obj = read_json(src)
    if isinstance(obj, dict) and "format" in obj:
        try:
            out = Trace.from_json(obj).redacted().to_json()
        except TraceFormatError as exc:
            raise UsageError(f"{src}: {exc}") from None
        kind = f"{FORMAT} trace, {len(out['events'])} events"
    else:
        r = Redactor()
        out = r.value(obj)
        if isinstance(out, dict) and r.jwt:
            out["_authtrace_jwt"] = r.jwt
        kind = "JSON document"
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(dst)
    print(f"redacted {kind}: {src} -> {dst}")
    return 0
