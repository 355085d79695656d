"""The swimlane timeline as SVG text (pure): one group of lanes per tab.

Every mark is a ``<g class="at-mark">`` with ``data-lane``, ``data-kind``,
``data-tab`` and ``data-id``, and a ``<title>`` holding the event (kind/type,
time, redacted payload) that the browser shows on hover. Bands are
``<rect class="at-band">``. The caller picks the window (:data:`ZOOMS`).
"""

from __future__ import annotations

import json
from html import escape

from ...event import Event
from .lanes import LANES, bands, classify

ZOOMS: dict[str, float | None] = {"1m": 60_000.0, "5m": 300_000.0, "15m": 900_000.0, "all": None}
LABEL_W = 96
LANE_H = 16
HEADER_H = 16
AXIS_H = 16
MAX_MARKS = 4000  # per render: beyond this the oldest in the window are left out (and counted)


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


def _clock(wall: float) -> str:
    s = int(wall // 1000) % 86400
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _detail(e: Event) -> str:
    payload = json.dumps(e.payload, ensure_ascii=False, sort_keys=True)
    if len(payload) > 900:
        payload = payload[:900] + "…"
    return f"#{e.id} {e.kind.value}/{e.type} at {_clock(e.wall)} UTC (tab {e.tab})\n{payload}"


def _ticks(start: float, end: float, x, width: float) -> list[str]:
    span = end - start
    step = next((s for s in (1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000)
                 if span / s <= max(2, width // 90)), 86_400_000)
    first = (start // step + 1) * step
    out = []
    t = first
    while t < end:
        out.append(f'<g class="at-tick"><line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="0" y2="100%"/>'
                   f'<text x="{x(t) + 2:.1f}" y="11">{_clock(t)}</text></g>')
        t += step
    return out


def render(events: list[Event], *, zoom: str = "5m", now: float, width: int = 1000, own_tab: str | None = None) -> str:
    """SVG markup for ``events`` (any order, any tabs) in the zoom window ending at ``now``."""
    start, end = window(events, zoom, now)
    plot_w = max(100, width - LABEL_W - 8)
    span = max(1.0, end - start)

    def x(wall: float) -> float:
        return LABEL_W + (min(max(wall, start), end) - start) / span * plot_w

    by_tab: dict[str, list[Event]] = {}
    for e in sorted(events, key=lambda e: (e.wall, e.mono)):
        by_tab.setdefault(e.tab, []).append(e)
    tabs = sorted(by_tab, key=lambda t: (t != own_tab, t))
    height = AXIS_H + len(tabs) * (HEADER_H + LANE_H * len(LANES)) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="at-timeline" width="{width}" height="{height}" '
             f'role="img" aria-label="authtrace timeline, {len(tabs)} tab(s)" data-start="{start:.0f}" data-end="{end:.0f}">',
             '<g class="at-axis">', *_ticks(start, end, x, plot_w), "</g>"]
    if not tabs:
        parts.append(f'<text class="at-empty" x="{LABEL_W}" y="{AXIS_H + 14}">no events yet</text>')
    y = AXIS_H
    left_out = 0
    for tab in tabs:
        evs = by_tab[tab]
        own = " (this tab)" if tab == own_tab else ""
        parts.append(f'<g class="at-tab" data-tab="{escape(tab)}"><text class="at-tabname" x="2" y="{y + 12}">'
                     f'{escape(tab)}{own}</text>')
        y += HEADER_H
        lane_y = {}
        for i, (lane, title) in enumerate(LANES):
            ly = y + i * LANE_H
            lane_y[lane] = ly
            parts.append(f'<g class="at-lane" data-lane="{lane}" data-tab="{escape(tab)}">'
                         f'<rect class="at-lanebg" x="{LABEL_W}" y="{ly}" width="{plot_w}" height="{LANE_H - 1}"/>'
                         f'<text class="at-lanename" x="6" y="{ly + 12}">{escape(title)}</text></g>')
        for b in bands(evs, end=now):
            b_end = b.end if b.end is not None else now
            if b_end < start or b.start > end:
                continue
            x0, x1 = x(b.start), x(b_end)
            parts.append(f'<rect class="at-band at-{b.tone}" data-lane="{b.lane}" x="{x0:.1f}" y="{lane_y[b.lane] + 2}" '
                         f'width="{max(1.0, x1 - x0):.1f}" height="{LANE_H - 5}"><title>{escape(b.label)} from '
                         f'{_clock(b.start)}{"" if b.end is None else " to " + _clock(b.end)}</title></rect>')
        visible = [e for e in evs if start <= e.wall <= end]
        if len(visible) > MAX_MARKS:
            left_out += len(visible) - MAX_MARKS
            visible = visible[-MAX_MARKS:]
        for e in visible:
            m = classify(e)
            if m is None:
                continue
            cx, cy = x(e.wall), lane_y[m.lane] + LANE_H / 2 - 0.5
            parts.append(f'<g class="at-mark at-{m.tone}" data-lane="{m.lane}" data-kind="{e.kind.value}/{escape(e.type)}" '
                         f'data-tab="{escape(tab)}" data-id="{e.id}" tabindex="-1">'
                         f'<rect x="{cx - 2:.1f}" y="{cy - 5:.1f}" width="4" height="10" rx="1"/>'
                         f'<title>{escape(m.label)}\n{escape(_detail(e))}</title></g>')
        parts.append("</g>")
        y += LANE_H * len(LANES)
    if left_out:
        parts.append(f'<text class="at-empty" x="{LABEL_W}" y="{height - 2}">{left_out} older events in this window not drawn</text>')
    parts.append("</svg>")
    return "".join(parts)
