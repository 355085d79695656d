"""The swimlanes as a drawing in data (pure): where every tab, lane, band, mark and
time tick goes, and what each says on hover.

:func:`layout` turns events (any tabs, any order) into a :class:`Swimlanes` of
plain numbers and strings; :func:`authtrace.browser.panel.svg.render` draws it
as SVG markup, in the panel and in anything else that wants the same picture
(a report file). Which lane an event belongs on and its colour come from
:mod:`.lanes`. Coordinates are SVG user units (CSS pixels at zoom 1); ``x`` grows
with time, ``y`` downwards; bands and marks are rectangles.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from ...event import Event
from .lanes import LANES, bands, classify

ZOOMS: dict[str, float | None] = {"1m": 60_000.0, "5m": 300_000.0, "15m": 900_000.0, "all": None}
LABEL_W = 96  # the lane names' column
LANE_H = 16
HEADER_H = 16  # a tab's name above its lanes
AXIS_H = 16  # the time ticks' labels
MAX_MARKS = 4000  # per tab and drawing: beyond this the oldest in the window are left out (and counted)


@dataclass(frozen=True)
class Tick:
    x: float
    label: str  # HH:MM:SS UTC


@dataclass(frozen=True)
class Lane:
    lane: str  # id: "page", "network", "authkit", "socket", "convex", "notes"
    title: str
    y: float  # top of the lane's background (x = LABEL_W, width = plot width, height = LANE_H - 1)


@dataclass(frozen=True)
class BandBox:
    """A state that lasted (hidden, offline, a socket state, Convex auth) as a rectangle."""

    lane: str
    tone: str  # "ok", "warn", "bad", "info", "muted", "exp"
    x: float
    y: float
    width: float
    height: float
    title: str  # "hidden from 10:00:00 to 10:05:00"


@dataclass(frozen=True)
class MarkBox:
    """One event as a tick on its lane."""

    lane: str
    tone: str
    x: float  # the rectangle (centred on the event's time)
    y: float
    width: float
    height: float
    label: str  # "refresh_token: 503"
    title: str  # label, then the event (id, kind/type, time, tab) and its redacted payload
    kind: str  # "fetch/response"
    event_id: int | None
    tab: str


@dataclass(frozen=True)
class TabLanes:
    tab: str
    own: bool  # the tab the panel runs in
    y: float  # top of the tab's name row
    lanes: tuple[Lane, ...]
    bands: tuple[BandBox, ...]
    marks: tuple[MarkBox, ...]


@dataclass(frozen=True)
class Swimlanes:
    width: float
    height: float
    start: float  # wall ms at x = LABEL_W
    end: float  # wall ms at the right edge
    plot_width: float
    ticks: tuple[Tick, ...]
    tabs: tuple[TabLanes, ...]
    left_out: int  # marks in the window not drawn (MAX_MARKS)

    def x(self, wall: float) -> float:
        """Where a wall time (ms) is drawn, as the marks and bands are (clamped to the window)."""
        return position(wall, self.start, self.end, self.plot_width)


def position(wall: float, start: float, end: float, plot_w: float) -> float:
    return LABEL_W + (min(max(wall, start), end) - start) / max(1.0, end - start) * plot_w


def window(events: list[Event], zoom: str, now: float) -> tuple[float, float]:
    """(start, end) wall ms of the view: the last ``zoom`` before ``now``, or all events."""
    span = ZOOMS.get(zoom)
    if span is not None:
        return now - span, now
    if not events:
        return now - 60_000.0, now
    start = min(e.wall for e in events)
    end = max(now, max(e.wall for e in events))
    return start - max(1000.0, (end - start) * 0.02), end


def clock(wall: float) -> str:
    s = int(wall // 1000) % 86400
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def detail(e: Event) -> str:
    """The hover text of an event: id, kind/type, time, tab, then its (redacted) payload."""
    payload = json.dumps(e.payload, ensure_ascii=False, sort_keys=True)
    if len(payload) > 900:
        payload = payload[:900] + "…"
    return f"#{e.id} {e.kind.value}/{e.type} at {clock(e.wall)} UTC (tab {e.tab})\n{payload}"


def _ticks(start: float, end: float, x, plot_w: float) -> tuple[Tick, ...]:
    span = end - start
    step = next((s for s in (1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000)
                 if span / s <= max(2, plot_w // 90)), 86_400_000)
    out = []
    t = (start // step + 1) * step
    while t < end:
        out.append(Tick(x(t), clock(t)))
        t += step
    return tuple(out)


def layout(events: list[Event], *, zoom: str = "5m", now: float, width: int = 1000,
           own_tab: str | None = None, max_marks: int | None = None,
           describe: Callable[[Event], str] = detail) -> Swimlanes:
    """The drawing of ``events`` in the ``zoom`` window ending at ``now`` (wall ms), ``width`` wide.

    One group of lanes per tab (``own_tab`` first, then by name); bands still open
    at ``now`` end there. At most ``max_marks`` (default MAX_MARKS) marks per tab, the newest;
    ``describe`` words an event for its mark's hover title (after the mark's label)."""
    start, end = window(events, zoom, now)
    plot_w = max(100, width - LABEL_W - 8)
    max_marks = MAX_MARKS if max_marks is None else max_marks

    def x(wall: float) -> float:
        return position(wall, start, end, plot_w)

    by_tab: dict[str, list[Event]] = {}
    for e in sorted(events, key=lambda e: (e.wall, e.mono)):
        by_tab.setdefault(e.tab, []).append(e)
    tabs = sorted(by_tab, key=lambda t: (t != own_tab, t))
    groups = []
    left_out = 0
    y = float(AXIS_H)
    for tab in tabs:
        evs = by_tab[tab]
        lanes = tuple(Lane(lane, title, y + HEADER_H + i * LANE_H) for i, (lane, title) in enumerate(LANES))
        lane_y = {lane.lane: lane.y for lane in lanes}
        boxes = []
        for b in bands(evs, end=now):
            b_end = b.end if b.end is not None else now
            if b_end < start or b.start > end:
                continue
            x0, x1 = x(b.start), x(b_end)
            boxes.append(BandBox(b.lane, b.tone, x0, lane_y[b.lane] + 2, max(1.0, x1 - x0), LANE_H - 5,
                                 f"{b.label} from {clock(b.start)}" + ("" if b.end is None else f" to {clock(b.end)}")))
        visible = [e for e in evs if start <= e.wall <= end]
        if len(visible) > max_marks:
            left_out += len(visible) - max_marks
            visible = visible[-max_marks:]
        marks = []
        for e in visible:
            m = classify(e)
            if m is None:
                continue
            cx, cy = x(e.wall), lane_y[m.lane] + LANE_H / 2 - 0.5
            marks.append(MarkBox(m.lane, m.tone, cx - 2, cy - 5, 4, 10, m.label, f"{m.label}\n{describe(e)}",
                                 f"{e.kind.value}/{e.type}", e.id, tab))
        groups.append(TabLanes(tab, tab == own_tab, y, lanes, tuple(boxes), tuple(marks)))
        y += HEADER_H + LANE_H * len(LANES)
    return Swimlanes(width, y + 4, start, end, plot_w, _ticks(start, end, x, plot_w), tuple(groups), left_out)
