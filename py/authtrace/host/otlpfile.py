"""OTLP JSON files as a Collector's file exporter writes them: one ``ExportLogsServiceRequest`` per line.

:func:`sniff` tells such a file from a trace or a HAR by its first bytes;
:func:`read_sessions` reads it a line at a time (a line is one request, so the
file is never held whole) into one redacted trace per ``session.id``
(:mod:`authtrace.otlp.readback`). Every problem is one :class:`UsageError`
line naming the file and the line. :func:`run_analyze` is ``authtrace
analyze`` for such a file: a diagnosis per session.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..diagnosis import diagnose
from ..otlp.readback import OtlpFormatError, Sessions
from ..redaction import Redactor
from ..trace import Trace
from .errors import UsageError
from .jsonfile import open_input
from .jsonstream import BadJson, loads
from .terminal import json_safe, safe

_HEAD = re.compile(rb'^(?:\xef\xbb\xbf)?[ \t\r\n]*\{[ \t\r\n]*"resource(?:Logs|Spans)"')


def sniff(path: Path) -> bool:
    """Whether ``path`` starts like an OTLP/JSON export (False for anything unreadable: the caller says why)."""
    try:
        with open(path, "rb") as f:
            return _HEAD.match(f.read(256)) is not None
    except OSError:
        return False


def requests(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed request) for each non-empty line."""
    with open_input(path, "an OTLP JSON file") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                yield n, loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise UsageError(f"{path}: line {n}: not UTF-8 text ({exc.reason})") from None
            except BadJson as exc:
                raise UsageError(f"{path}: line {n}: {exc}") from None


def read_sessions(path: Path, redactor: Redactor | None = None) -> dict[str, Trace]:
    """The file's sessions (``session.id`` to its trace, redacted), in the order first seen."""
    sessions = Sessions()
    for n, request in requests(path):
        try:
            sessions.add(request)
        except OtlpFormatError as exc:
            raise UsageError(f"{path}: line {n}: {exc}") from None
    if not sessions.events:
        raise UsageError(f"{path}: no authtrace log records in this OTLP file (spans and other services' logs "
                         "are not read; point it at the logs file exporter's output)")
    r = redactor if redactor is not None else Redactor()
    return {str(r.value(sid, "session_id")): trace.redacted(r) for sid, trace in sessions.traces().items()}


def run_analyze(path: Path, as_json: bool, redactor: Redactor | None, to_json: Callable[[Any], dict],
                render: Callable[[str, Trace, Any], None]) -> int:
    """``authtrace analyze`` of an OTLP file: each session diagnosed (``--json``: ``{"source": "otlp",
    "sessions": [{"session_id", ...the diagnosis of one trace}]}``)."""
    sessions = read_sessions(path, redactor)
    if as_json:
        out = {"source": "otlp", "sessions": [{"session_id": sid, **to_json(diagnose(trace))}
                                              for sid, trace in sessions.items()]}
        sys.stdout.write(json_safe(json.dumps(out, indent=2, ensure_ascii=False)) + "\n")
        return 0
    for sid, trace in sessions.items():
        render(safe(f"{path}, session {sid}"), trace, diagnose(trace))
    return 0
