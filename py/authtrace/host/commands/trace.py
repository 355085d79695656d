"""``authtrace trace redact IN -o OUT``: redact a trace, a HAR or any JSON of captured events.

The file is streamed (:mod:`authtrace.host.redactfile`): memory stays a small
multiple of the largest single entry, not of the file. OUT is written through
a temporary file next to it and never replaces IN, a non-regular file, or an
existing file without ``--force`` (:func:`authtrace.host.jsonfile.output`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ...redaction import Redactor
from ...trace import TraceFormatError
from ..errors import UsageError
from ..jsonfile import open_input, output
from ..jsonstream import BadJson
from ..redactfile import Restart, redact_stream
from ..terminal import one_line


def register(sub) -> None:
    trace = sub.add_parser("trace", help="work with trace files")
    tsub = trace.add_subparsers(dest="trace_command", metavar="ACTION", required=True)
    red = tsub.add_parser(
        "redact",
        help="replace tokens, codes and cookies in a trace (or any JSON/HAR of captured events) by fingerprints",
        description="Redact a trace, a HAR or any JSON: every secret becomes a fingerprint (docs/redaction.md).",
    )
    red.add_argument("input", metavar="IN", type=Path)
    red.add_argument("-o", "--output", metavar="OUT", required=True,
                     help="the redacted copy; - for standard output")
    red.add_argument("--force", action="store_true", help="overwrite OUT if it exists (never IN)")
    add_redaction_options(red)
    red.set_defaults(func=run_redact)


def add_redaction_options(parser) -> None:
    parser.add_argument("--allow-field", action="append", default=[], metavar="NAME",
                        help="a field whose values are not secret (skips the entropy fallback); repeatable")
    parser.add_argument("--secret-field", action="append", default=[], metavar="NAME",
                        help="a field whose values are always secret; repeatable")


def redactor_from(args) -> Redactor:
    return Redactor(allow_fields=args.allow_field, secret_fields=args.secret_field)


def run_redact(args) -> int:
    try:
        kind = _redact(args, trace=False)
    except Restart:  # the root object has "format": redact it as a trace, from the start
        kind = _redact(args, trace=True)
    dst = "standard output" if args.output == "-" else args.output
    print(one_line(f"redacted {kind}: {args.input} -> {dst}"), file=sys.stderr if args.output == "-" else sys.stdout)
    return 0


def _redact(args, trace: bool) -> str:
    src: Path = args.input
    with open_input(src) as f, output(args.output, force=args.force, inputs=(src,)) as out:
        try:
            return redact_stream(f, out, redactor_from(args), trace=trace)
        except (BadJson, TraceFormatError) as exc:
            raise UsageError(f"{src}: {exc}") from None
