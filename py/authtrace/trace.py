"""The versioned trace file: metadata plus events, as JSON.

Format ``authtrace/1``; the JSON Schema is ``schema/authtrace-1.schema.json``
in this package. Loading checks the same rules by hand (no jsonschema in the
page) and turns every problem into a :class:`TraceFormatError` with a message
a person can act on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .event import Event, Kind
from .redaction import Redactor

FORMAT = "authtrace/1"
SCHEMA_FILE = "schema/authtrace-1.schema.json"

_KINDS = {k.value for k in Kind}


class TraceFormatError(ValueError):
    """The input is not a readable authtrace trace; the message says why."""


@dataclass
class Trace:
    meta: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def add(self, event: Event) -> Event:
        """Append an event, numbering it when it has no id yet."""
        if event.id is None:
            last = self.events[-1].id if self.events else 0
            event = event.with_id((last or len(self.events)) + 1)
        self.events.append(event)
        return event

    def extend(self, events: Iterable[Event]) -> None:
        for event in events:
            self.add(event)

    def tabs(self) -> list[str]:
        return sorted({e.tab for e in self.events})

    def redacted(self, redactor: Redactor | None = None) -> Trace:
        """A copy with every event (tab, type, payload) and the metadata redacted."""
        r = redactor if redactor is not None else Redactor()
        meta = r.value(dict(self.meta))
        meta["redacted"] = True
        return Trace(meta, [r.event(e) for e in self.events])

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "meta": self.meta, "events": [e.to_json() for e in self.events]}

    def dumps(self, indent: int | None = None) -> str:
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, obj: Any) -> Trace:
        _check(obj)
        return cls(dict(obj.get("meta") or {}), [Event.from_json(e) for e in obj["events"]])

    @classmethod
    def loads(cls, text: str | bytes) -> Trace:
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise TraceFormatError(f"not a trace: the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        if not text.strip():
            raise TraceFormatError("not a trace: the file is empty")
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text.rstrip()) - 1:
                raise TraceFormatError(
                    f"truncated trace: the JSON ends early at line {exc.lineno}, column {exc.colno} "
                    "(was the file cut off while being written or copied?)"
                ) from None
            raise TraceFormatError(f"not a trace: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        return cls.from_json(obj)


# Times in ms: JavaScript's Date range, so that any later arithmetic or formatting stays finite.
MAX_TIME_MS = 8.64e15


def _check(obj: Any) -> None:
    check_header(obj)
    for i, ev in enumerate(obj["events"]):
        check_event(i, ev)


def check_header(obj: Any) -> None:
    """The checks of a whole trace except its events (see :func:`check_event`)."""
    if not isinstance(obj, dict):
        raise TraceFormatError(f"not a trace: expected a JSON object, got {type(obj).__name__}")
    fmt = obj.get("format")
    if fmt is None:
        if "log" in obj and isinstance(obj.get("log"), dict):
            raise TraceFormatError("this is a HAR file, not an authtrace trace (no \"format\" field)")
        raise TraceFormatError('not a trace: missing "format" (expected "authtrace/1")')
    if not isinstance(fmt, str) or not fmt.startswith("authtrace/"):
        raise TraceFormatError(f'not a trace: "format" is {fmt!r:.60}, expected "{FORMAT}"')
    if fmt != FORMAT:
        raise TraceFormatError(
            f'unsupported trace version {fmt!r:.60}: this authtrace reads "{FORMAT}"; upgrade authtrace to read it'
        )
    if "meta" in obj and not isinstance(obj["meta"], dict):
        raise TraceFormatError('bad trace: "meta" must be an object')
    if not isinstance(obj.get("events"), list):
        raise TraceFormatError('bad trace: "events" must be a list')


def check_event(i: int, ev: Any) -> None:
    """Event number ``i`` of a trace is well formed (times finite and within JavaScript's range)."""
    where = f"event #{i}"
    if not isinstance(ev, dict):
        raise TraceFormatError(f"bad trace: {where} is not an object")
    for key, types in (("tab", str), ("type", str), ("mono", (int, float)), ("wall", (int, float))):
        if not isinstance(ev.get(key), types) or isinstance(ev.get(key), bool):
            raise TraceFormatError(f'bad trace: {where} has no valid "{key}"')
    for key in ("mono", "wall"):
        if not abs(ev[key]) <= MAX_TIME_MS:  # also false for NaN
            raise TraceFormatError(f'bad trace: {where} has "{key}" out of range ({ev[key]!r:.30})')
    if not isinstance(ev.get("kind"), str) or ev["kind"] not in _KINDS:
        raise TraceFormatError(
            f'bad trace: {where} has unknown kind {ev.get("kind")!r:.40} (one of {", ".join(sorted(_KINDS))})'
        )
    if "payload" in ev and not isinstance(ev["payload"], dict):
        raise TraceFormatError(f'bad trace: {where} "payload" must be an object')
    if "id" in ev and (not isinstance(ev["id"], int) or isinstance(ev["id"], bool)):
        raise TraceFormatError(f'bad trace: {where} "id" must be an integer')
