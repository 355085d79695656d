"""The report's inputs as one trace (pure): traces, HARs and several tab exports at once.

Every input is a parsed JSON document with a name (its file name). A recorder
trace (``authtrace/1``) is taken as it is, a DevTools HAR export is converted
(:func:`authtrace.inputs.to_trace`, tab ``har``; ``har-2``, ``har-3``... for
further HARs). The inputs are then merged into one
recording, so causes that span tabs (one tab removing the refresh token another
needs) are found as in a single export.

Tab exports of one origin overlap (each tab's recorder keeps every tab's events):
an event already taken from an earlier input is left out, recognised by its tab
and its own sequence number there (``payload.seq``, which exports keep), or,
without one, by being identical. The ids stay as recorded when they are unique
(one input: the ids ``authtrace analyze`` prints); otherwise every event is
numbered again in time order.

This is not :func:`authtrace.diagnosis.merge` (``authtrace analyze a b``), on purpose:
merge gives each file its own tabs (``a``, ``a/<tab>``) and keeps every event, which is
right for separate recordings but doubles the events of tab exports of one origin,
where each file already holds the other tabs. Both lay the inputs out by wall time.

Redaction is not done here: :func:`authtrace.report.render` redacts what it is given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..event import Event
from ..inputs import to_trace
from ..trace import Trace, TraceFormatError


class ReportInputError(ValueError):
    """An input the report cannot read; the message says why, in one line."""


@dataclass(frozen=True)
class Input:
    name: str  # where it came from (a file name), for messages
    document: Any  # the parsed JSON


def read(item: Input) -> Trace:
    """One input as a trace: a recorder trace, or a HAR converted (ReportInputError if neither)."""
    try:
        return to_trace(item.document)
    except TraceFormatError as exc:  # NotATrace and HarFormatError too
        raise ReportInputError(str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportInputError(f"bad input: {exc}") from None


def _key(e: Event) -> tuple:
    seq = e.payload.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool):
        return (e.tab, "seq", seq)
    return (e.tab, e.mono, e.wall, e.kind.value, e.type, json.dumps(e.payload, sort_keys=True, default=str))


def _meta(traces: list[Trace]) -> dict[str, Any]:
    """The merged recording's metadata: the first input's, but a mix of HARs and traces
    declares nothing it could not have captured (the engine then judges by what it sees)."""
    meta = dict(traces[0].meta) if traces else {}
    if len(traces) > 1:
        hars = [t for t in traces if t.meta.get("source") == "har"]
        if len(hars) == len(traces):
            caps = {str(c) for t in hars for c in t.meta.get("captured") or []}
            meta["captured"] = sorted(caps)
        else:
            meta.pop("captured", None)
            meta.pop("har", None)
            meta["source"] = "trace"
        meta["tabs"] = sorted({e.tab for t in traces for e in t.events})
    return meta


def combine(inputs: Sequence[Input]) -> Trace:
    """All inputs as one trace in time order (see the module docstring); ReportInputError
    names the input that cannot be read."""
    if not inputs:
        raise ReportInputError("no input: give at least one trace or HAR file")
    traces: list[Trace] = []
    hars = 0
    for item in inputs:
        try:
            trace = read(item)
        except ReportInputError as exc:
            raise ReportInputError(f"{item.name}: {exc}") from None
        if trace.meta.get("source") == "har":
            hars += 1
            if hars > 1:
                tab = f"har-{hars}"
                trace = Trace(trace.meta, [Event(tab, e.mono, e.wall, e.kind, e.type, e.payload, e.id) for e in trace.events])
        traces.append(trace)
    events: list[Event] = list(traces[0].events)
    seen = {_key(e) for e in events} if len(traces) > 1 else set()  # the events of the inputs so far
    for trace in traces[1:]:
        keys = [_key(e) for e in trace.events]
        events.extend(e for e, key in zip(trace.events, keys) if key not in seen)
        seen.update(keys)
    events.sort(key=lambda e: (e.wall, e.mono))
    return numbered(Trace(_meta(traces), events))


def numbered(trace: Trace) -> Trace:
    """``trace`` itself when its event ids are unique; else a copy numbered 1, 2, ... in time order."""
    ids = [e.id for e in trace.events]
    if None not in ids and len(set(ids)) == len(ids):
        return trace
    events = sorted(trace.events, key=lambda e: (e.wall, e.mono))
    return Trace(trace.meta, [e.with_id(i) for i, e in enumerate(events, 1)])
