"""What a report says, as data (pure): :func:`build` turns a trace into a :class:`Report`.

It redacts the trace first (every event, the metadata and the source names go
through :func:`authtrace.redaction.redact`), diagnoses it, words the verdict,
draws the swimlanes with the panel's own view model
(:func:`authtrace.browser.panel.swimlanes.layout`) and picks the rows of the
event table: the key events (:func:`authtrace.diagnosis.key_events`) and every
event a finding or a split brain rests on. :mod:`.page` writes it as HTML.

Findings may carry ``confidence`` and ``missing_evidence`` (issue 16); both are
read with defaults, so a diagnosis without them is shown without them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..browser.panel import lanes as panel_lanes
from ..browser.panel import swimlanes
from ..diagnosis import key_events
from ..diagnosis.engine import finish, judge
from ..diagnosis.timeline import Timeline
from ..diagnosis.wording import fmt_at, fmt_dur
from ..event import Event
from ..har_export import iso
from ..redaction import RULES_VERSION, redact
from ..trace import FORMAT, Trace
from .inputs import numbered
from .verdict import Verdict, title, verdict

WIDTH = 1200  # the swimlanes' drawing width (CSS px at zoom 1)
MAX_MARKS = 20_000  # per tab: a report draws every mark (the panel draws at most swimlanes.MAX_MARKS)
MAX_ROWS = 1_000  # event table rows besides the evidence (the newest key events)
# An event's payload in its mark's hover title: as much as the panel shows for small traces, less
# for long ones, so that 20,000 events stay well under 5 MB (about a third of events are marks).
HOVER_CHARS = (160, 900)
HOVER_BUDGET = 4_800_000  # characters, shared by all events
PAYLOAD_CHARS = 2_000  # of an evidence event's payload in the table


@dataclass(frozen=True)
class FindingView:
    number: int  # 1-based, the anchor "finding-N"
    id: str
    title: str
    at: float
    at_text: str  # "+0:28.7 (10:04:43 UTC)"
    tab: str | None
    explanation: str
    fix: str
    confidence: str | None  # "confirmed" | "inferred" (issue 16), None when the engine does not say
    missing_evidence: tuple[str, ...]
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class Interval:
    """A split brain: AuthKit had a user while Convex was not authenticated."""

    tab: str
    start: float
    end: float  # the end of the recording when still open
    open: bool
    text: str  # "+0:28.7 to the end (13.6 s)"
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class Row:
    id: int
    tab: str
    wall: float
    at_text: str
    clock: str
    kind: str  # "fetch/response"
    text: str
    evidence: bool  # a finding or a split brain rests on it
    findings: tuple[int, ...]  # numbers of the findings that cite it
    payload: str | None  # the (redacted) payload as JSON, for evidence


@dataclass(frozen=True)
class Report:
    verdict: Verdict
    sources: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]  # the header's (label, value) pairs
    tabs: tuple[str, ...]
    events: int
    start: float
    end: float
    findings: tuple[FindingView, ...]
    split_brain: tuple[Interval, ...]
    not_judged: tuple[tuple[str, str], ...]
    rows: tuple[Row, ...]
    rows_left_out: int  # key events not in the table (MAX_ROWS)
    lanes: swimlanes.Swimlanes
    redaction_rules: str
    version: str


def redacted(trace: Trace, sources: list[str]) -> tuple[Trace, list[str]]:
    """The trace and the source names after the redactor (numbered, so evidence ids are unique)."""
    doc = redact({"meta": trace.meta, "events": [e.to_json() for e in trace.events], "sources": sources}).value
    return numbered(Trace.from_json({"format": FORMAT, "meta": doc["meta"], "events": doc["events"]})), doc["sources"]


def clock_ms(wall: float) -> str:
    """``21:44:44.174`` (UTC)."""
    return f"{swimlanes.clock(wall)}.{int(wall % 1000):03d}"


def hover(e: Event, limit: int = HOVER_CHARS[1]) -> str:
    """A mark's hover title after its label: the event, then its payload's fields, one a line
    (at most ``limit`` characters of them; a report draws every mark, the panel a window)."""
    fields = []
    for key, value in sorted(e.payload.items()):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        fields.append(f"{key}: {text[:160] + '…' if len(text) > 160 else text}")
    body = "\n".join(fields)
    if len(body) > limit:
        body = body[:limit] + "…"
    return f"#{e.id} {e.kind.value}/{e.type} at {clock_ms(e.wall)} UTC\n{body}"


def _listed(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def _facts(trace: Trace, sources: list[str], tl: Timeline) -> tuple[tuple[str, str], ...]:
    meta = trace.meta
    facts = [("source" if len(sources) == 1 else "sources", ", ".join(sources) or "–")]
    if tl.events:
        (d0, t0), (d1, t1) = (iso(w)[:-1].split("T") for w in (tl.start, tl.end))
        facts.append(("time span", f"{d0} {t0} to {'' if d1 == d0 else d1 + ' '}{t1} UTC ({fmt_dur(tl.end - tl.start)})"))
    tabs = sorted({e.tab for e in trace.events})
    facts.append(("tabs", f"{len(tabs)}: {', '.join(tabs)}" if tabs else "0"))
    dropped = meta.get("dropped")
    facts.append(("events", f"{len(trace.events)}" + (f" ({dropped} dropped by the recorder)" if dropped else "")))
    har = meta.get("har") if isinstance(meta.get("har"), dict) else None
    if meta.get("source") == "har" and har:
        facts.append(("HAR", ", ".join(str(har[k]) for k in ("creator", "browser") if har.get(k)) or "DevTools export"))
    for key, label in (("origin", "origin"), ("user_agent", "browser"), ("recorded_by", "exported by tab"),
                       ("scenario", "scenario"), ("adapter", "adapter")):
        if meta.get(key) not in (None, ""):
            facts.append((label, str(meta[key])))
    return tuple(facts)


def finding_views(d, tl: Timeline) -> tuple[FindingView, ...]:
    out = []
    for n, f in enumerate(d.findings, 1):
        words = redact([str(f.explanation), str(f.fix), list(_listed(getattr(f, "missing_evidence", None)))]).value
        confidence = getattr(f, "confidence", None)
        out.append(FindingView(n, f.id, title(f.id), f.at, f"{fmt_at(tl, f.at)} ({swimlanes.clock(f.at)} UTC)",
                               getattr(f, "tab", None), words[0], words[1],
                               str(confidence) if confidence is not None else None, tuple(words[2]),
                               tuple(int(i) for i in f.evidence)))
    return tuple(out)


def _intervals(d, tl: Timeline) -> tuple[Interval, ...]:
    out = []
    for s in d.split_brain:
        end = s.end if s.end is not None else tl.end
        to = "the end" if s.end is None else fmt_at(tl, s.end)
        out.append(Interval(s.tab, s.start, end, s.end is None, f"{fmt_at(tl, s.start)} to {to} ({fmt_dur(end - s.start)})",
                            tuple(int(i) for i in s.evidence)))
    return tuple(out)


def _rows(trace: Trace, tl: Timeline, findings: tuple[FindingView, ...],
          intervals: tuple[Interval, ...]) -> tuple[tuple[Row, ...], int]:
    by_id = {e.id: e for e in trace.events}
    cited: dict[int, list[int]] = {}
    for f in findings:
        for i in f.evidence:
            cited.setdefault(i, []).append(f.number)
    evidence = set(cited) | {i for s in intervals for i in s.evidence}
    keys = {k.id: k.text for k in key_events(tl) if k.id is not None}
    others = [i for i in keys if i not in evidence]
    left_out = max(0, len(others) - MAX_ROWS)
    chosen = sorted({*others[left_out:], *(i for i in evidence if i in by_id)},
                    key=lambda i: (by_id[i].wall, by_id[i].mono, i))
    rows = []
    for i in chosen:
        e = by_id[i]
        text = keys.get(i)
        if text is None:
            mark = panel_lanes.classify(e)
            text = mark.label if mark is not None else f"{e.kind.value}/{e.type}"
        payload = None
        if i in evidence:
            payload = json.dumps(e.payload, ensure_ascii=False, sort_keys=True)
            payload = payload if len(payload) <= PAYLOAD_CHARS else payload[:PAYLOAD_CHARS] + "…"
        rows.append(Row(i, e.tab, e.wall, fmt_at(tl, e.wall), clock_ms(e.wall), f"{e.kind.value}/{e.type}", text,
                        i in evidence, tuple(cited.get(i, ())), payload))
    return tuple(rows), left_out


def build(trace: Trace, sources: list[str] | tuple[str, ...] = (), *, width: int = WIDTH) -> Report:
    """The report of ``trace`` (any number of tabs; ``sources`` names where it came from)."""
    trace, names = redacted(trace, list(sources))
    tl = Timeline(trace)
    d = finish(judge(tl, trace.meta))
    end = tl.end if tl.events else 0.0
    findings = finding_views(d, tl)
    intervals = _intervals(d, tl)
    rows, left_out = _rows(trace, tl, findings, intervals)
    limit = max(HOVER_CHARS[0], min(HOVER_CHARS[1], HOVER_BUDGET // max(1, len(trace.events))))
    lanes = swimlanes.layout(trace.events, zoom="all", now=end, width=width, max_marks=MAX_MARKS,
                             describe=lambda e: hover(e, limit))
    not_judged = tuple((n.id, redact(str(n.reason)).value) for n in d.not_judged)
    return Report(verdict(d, end), tuple(names), _facts(trace, names, tl), tuple(tl.tabs), len(trace.events),
                  tl.start if tl.events else 0.0, end, findings, intervals, not_judged, rows, left_out, lanes,
                  RULES_VERSION, __version__)
