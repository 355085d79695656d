"""Read a JSON input file for a command; every problem is a one-line UsageError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..trace import Trace, TraceFormatError
from .errors import UsageError


def read_json(path: Path, expected: str = "a JSON file") -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, expected {expected}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a trace: the file is not UTF-8 text") from None
    if not text.strip():
        raise UsageError(f"{path}: not a trace: the file is empty")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        try:
            Trace.loads(text)  # words the error (truncated vs invalid) like everywhere else
        except TraceFormatError as exc:
            raise UsageError(f"{path}: {exc}") from None
        except RecursionError:
            pass
        raise UsageError(f"{path}: not a trace: invalid JSON") from None
