"""What a JSON document given to authtrace is: a trace, a HAR export or a replay plan (pure).

Every command and the panel read the same three documents, told apart here once:

* an authtrace trace: an object with a ``"format"`` (``"authtrace/1"``; another value is a
  trace of a version :mod:`authtrace.trace` names in its error);
* a DevTools HAR 1.2 export (Chrome, Firefox, Safari): an object with a ``"log"`` object
  and no ``"format"``;
* a replay plan: an object whose ``"format"`` starts ``"authtrace-replay/"``.

:func:`to_trace` reads a trace or a HAR as a :class:`~authtrace.trace.Trace` (a HAR is
converted, and so redacted, by the diagnosis engine); callers word their own errors.
"""

from __future__ import annotations

from typing import Any

from .trace import Trace, TraceFormatError

TRACE, HAR, PLAN = "trace", "har", "plan"
PLAN_FORMAT_PREFIX = "authtrace-replay/"
NEITHER = ('neither an authtrace trace ({"format": "authtrace/1", ...}) nor a HAR export '
           '({"log": {"entries": [...]}})')


class NotATrace(TraceFormatError):
    """The input is neither a trace nor a HAR export (perhaps a replay plan); the message says what it is."""


def kind_of(obj: Any) -> str | None:
    """``"trace"``, ``"har"``, ``"plan"``, or None for anything else."""
    if not isinstance(obj, dict):
        return None
    fmt = obj.get("format")
    if isinstance(fmt, str) and fmt.startswith(PLAN_FORMAT_PREFIX):
        return PLAN
    if "format" in obj:
        return TRACE
    if isinstance(obj.get("log"), dict):
        return HAR
    return None


def shape_of(obj: Any) -> str:
    """What the input is instead, for a one-line message: ``list``, ``an object with keys 'a', 'b'``..."""
    if not isinstance(obj, dict):
        return type(obj).__name__
    if not obj:
        return "an empty object"
    return f"an object with keys {', '.join(repr(k) for k in list(obj)[:5])}"


def to_trace(obj: Any) -> Trace:
    """The trace in ``obj`` (a Trace, a trace's JSON, or a HAR converted by the diagnosis engine).

    Raises :class:`NotATrace` for a replay plan or anything else; a trace or HAR that cannot
    be read raises :class:`TraceFormatError` (``HarFormatError`` for a HAR), or KeyError,
    TypeError, ValueError from deep inside, which callers word as a bad input."""
    if isinstance(obj, Trace):
        return obj
    kind = kind_of(obj)
    if kind == HAR:
        from .diagnosis.har import har_to_trace

        return har_to_trace(obj)
    if kind == TRACE:
        return Trace.from_json(obj)
    if kind == PLAN:
        raise NotATrace(f"this is a replay plan ({obj['format']!r:.40}), not a trace or HAR export")
    raise NotATrace(f"{NEITHER}; got {shape_of(obj)}")
