"""``trace redact``'s engine: a JSON file in, its redacted copy out, a piece at a time.

An ``authtrace/1`` trace is checked and redacted event by event
(:meth:`Redactor.event`, so each event keeps its JWT claims in
``payload.jwt``; ``meta.redacted`` is set). Any other JSON (a HAR, a dump of
captured events) is redacted as a value, with the JWT claims found added as
``_authtrace_jwt`` at the top level.

Only the outer levels are walked here (objects and arrays at depth 0-4: a
HAR's ``log.entries`` and each entry's ``_webSocketMessages``, a trace's
``events``); each value below is parsed whole and given to the :class:`~authtrace.redaction.Redactor` with the
same field and sibling context as :meth:`Redactor.value` would give it, so
the result is exactly the one of redacting the parsed document (a test
checks this), with memory bounded by the largest single piece. The output is
indented by two spaces down to the streamed levels, and each value below is
on one line (a trace: one event per line); lone surrogates and C1 controls
are escaped (see :mod:`.terminal`).
"""

from __future__ import annotations

import json
from typing import IO, Any

from ..event import Event
from ..redaction import Redactor
from ..redaction.names import STORAGE_PREFIXES
from ..redaction.walk import _CONTEXT_KEYS, Context
from ..trace import FORMAT, TraceFormatError, check_event, check_header
from .jsonstream import WINDOW, BadJson, Source
from .terminal import json_safe

STREAM_DEPTH = 5  # containers above this depth are walked a member at a time


class Restart(Exception):
    """The root object turned out to be a trace ("format" after other members): start over."""


def dumps(value: Any, level: int) -> str:
    """A value below the streamed levels, on one line (the C encoder: indenting is 10x slower)."""
    return json_safe(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))


class _Writer:
    """Writes a JSON document the way ``json.dumps(indent=2)`` lays it out, piece by piece."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.first = [True]

    def open(self, ch: str) -> None:
        self.out.write(ch)
        self.first.append(True)

    def _sep(self, level: int) -> None:
        self.out.write("\n" if self.first[-1] else ",\n")
        self.first[-1] = False
        self.out.write("  " * level)

    def key(self, key: str, level: int) -> None:
        self._sep(level)
        self.out.write(json_safe(json.dumps(key, ensure_ascii=False)) + ": ")

    def element(self, level: int) -> None:
        self._sep(level)

    def close(self, ch: str, level: int) -> None:
        empty = self.first.pop()
        if not empty:
            self.out.write("\n" + "  " * level)
        self.out.write(ch)


def redact_stream(stream: IO[bytes], out: IO[str], redactor: Redactor, *, trace: bool = False,
                  window: int = WINDOW) -> str:
    """Redact the JSON document in ``stream`` into ``out``; returns what it was
    ("authtrace/1 trace, N events" or "JSON document"). Raises BadJson, TraceFormatError, or
    Restart when a root object has a "format" member and ``trace`` was False (call again with
    ``trace=True`` on a fresh stream and output)."""
    src = Source(stream, window)
    if not src.peek():
        raise BadJson("the file is empty")
    w = _Writer(out)
    if src.peek() == "{":
        src.pos += 1
        summary = _trace(src, w, redactor) if trace else _generic_root(src, w, redactor)
    else:
        _value(src, w, redactor, None, None, 0)
        summary = "JSON document"
    src.end()
    out.write("\n")
    return summary


# -- authtrace traces -------------------------------------------------------------------------
def _trace(src: Source, w: _Writer, r: Redactor) -> str:
    w.open("{")
    header: dict[str, Any] = {}
    count = 0
    for key in src.members():
        if key == "format":
            header["format"] = src.value()
            check_header({"format": header["format"], "events": []})
            w.key("format", 1)
            w.out.write(dumps(header["format"], 1))
        elif key == "meta":
            meta = src.value()
            check_header({"format": FORMAT, "meta": meta, "events": []})
            meta = r.value(dict(meta))
            meta["redacted"] = True
            header["meta"] = True
            w.key("meta", 1)
            w.out.write(dumps(meta, 1))
        elif key == "events":
            if src.peek() != "[":
                raise TraceFormatError('bad trace: "events" must be a list')
            src.pos += 1
            header["events"] = True
            w.key("events", 1)
            w.open("[")
            for _ in src.elements():
                ev = src.value()
                check_event(count, ev)
                w.element(2)
                w.out.write(dumps(r.event(Event.from_json(ev)).to_json(), 2))
                count += 1
            w.close("]", 1)
        else:
            src.value()  # not part of authtrace/1: dropped, as Trace.from_json does
    if "format" not in header:
        raise TraceFormatError('not a trace: missing "format" (expected "authtrace/1")')
    if "events" not in header:
        raise TraceFormatError('bad trace: "events" must be a list')
    if "meta" not in header:
        w.key("meta", 1)
        w.out.write(dumps({"redacted": True}, 1))
    w.close("}", 0)
    return f"{FORMAT} trace, {count} events"


# -- any other JSON ---------------------------------------------------------------------------
def _generic_root(src: Source, w: _Writer, r: Redactor) -> str:
    _object(src, w, r, None, 0, root=True)
    return "JSON document"


def _value(src: Source, w: _Writer, r: Redactor, field: str | None, secret: str | None, level: int) -> None:
    ch = src.peek()
    streamable = level < STREAM_DEPTH and ch in "{[" and secret is None and not (
        field is not None and r.names.is_secret(field))
    if not streamable:
        w.out.write(dumps(r.value(src.value(), field, secret), level))
        return
    src.pos += 1
    if ch == "{":
        _object(src, w, r, field, level)
    else:
        _array(src, w, r, field, level)


def _object(src: Source, w: _Writer, r: Redactor, field: str | None, level: int, root: bool = False) -> None:
    """A streamed object. Members whose meaning depends on their siblings ("value", "text"...)
    wait, with everything after them, until the object's end shows the context. At the root, a
    "format" member means a trace (start over), and the JWT claims found are added at the end."""
    w.open("{")
    scalars: dict[str, Any] = {}
    pending: list[tuple[str, Any]] | None = None
    for key in src.members():
        if root and key == "format":
            raise Restart
        if root and key == "_authtrace_jwt" and src.peek() == "{":
            earlier = r.value(src.value())  # claims of an earlier run: kept with the new ones
            r.jwt = {**earlier, **r.jwt}
            continue
        if pending is None and key not in _CONTEXT_KEYS:
            if src.peek() not in "{[":
                value = src.value()
                scalars[key] = value
                w.key(r.key(key), level + 1)
                secret = "tok" if key.startswith(STORAGE_PREFIXES) else None
                w.out.write(dumps(r.value(value, None if secret else key, secret), level + 1))
            else:
                w.key(r.key(key), level + 1)
                if key.startswith(STORAGE_PREFIXES):
                    w.out.write(dumps(r.value(src.value(), None, "tok"), level + 1))
                else:
                    _value(src, w, r, key, None, level + 1)
            continue
        if pending is None:
            pending = []
        value = src.value()
        pending.append((key, value))
        if not isinstance(value, (dict, list)):
            scalars[key] = value
    for key, value in pending or ():
        ctx = Context({**scalars, **({"value": None} if any(k == "value" for k, _ in pending) else {})}, field)
        f, p, special = r.member(key, value, ctx)
        w.key(r.key(key), level + 1)
        w.out.write(dumps(special if special is not None else r.value(value, f, p), level + 1))
    if root and r.jwt:
        w.key("_authtrace_jwt", 1)
        w.out.write(dumps(r.jwt, 1))
    w.close("}", level)


def _array(src: Source, w: _Writer, r: Redactor, field: str | None, level: int) -> None:
    """A streamed array. One that starts with a string is held until its third element (or its
    end): two elements make a [name, value] pair (see Redactor._elements)."""
    w.open("[")
    head: list[Any] | None = []
    for _ in src.elements():
        if head is not None and (head or src.peek() == '"') and len(head) < 2:
            head.append(src.value())
            continue
        if head:
            for v in head:
                w.element(level + 1)
                w.out.write(dumps(r.value(v, field), level + 1))
        head = None
        w.element(level + 1)
        _value(src, w, r, field, None, level + 1)
    if head:
        for v in r.value(head, field):
            w.element(level + 1)
            w.out.write(dumps(v, level + 1))
    w.close("]", level)
