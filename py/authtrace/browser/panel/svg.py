"""The swimlanes as SVG markup (pure): :func:`render` draws a
:class:`~.swimlanes.Swimlanes` and nothing else decides anything.

Every mark is a ``<g class="at-mark at-TONE">`` with ``data-lane``, ``data-kind``,
``data-tab`` and ``data-id``, and a ``<title>`` the browser shows on hover; bands
are ``<rect class="at-band at-TONE">``; each tab is a ``<g class="at-tab">`` holding
one ``<g class="at-lane">`` per lane. :data:`STYLE` colours them (scoped to
``.at-timeline``), for a page that does not have the panel's stylesheet.
"""

from __future__ import annotations

from html import escape

from .swimlanes import AXIS_H, LABEL_W, LANE_H, Swimlanes

STYLE = """
.at-timeline text { fill: #c7cad3; font: 10px system-ui, sans-serif; }
.at-timeline .at-tabname { fill: #fff; font-weight: 600; }
.at-timeline .at-tick line { stroke: #2a2c33; }
.at-timeline .at-tick text { fill: #70757f; }
.at-timeline .at-lanebg { fill: #1b1d22; }
.at-timeline .at-band { opacity: .35; }
.at-timeline .at-mark rect { stroke: #000; stroke-width: .5; }
.at-timeline .at-ok, .at-timeline .at-ok rect { fill: #2f9e5b; }
.at-timeline .at-warn, .at-timeline .at-warn rect { fill: #f0a020; }
.at-timeline .at-bad, .at-timeline .at-bad rect { fill: #e5484d; }
.at-timeline .at-info, .at-timeline .at-info rect { fill: #5b8def; }
.at-timeline .at-muted, .at-timeline .at-muted rect { fill: #8a8f9a; }
.at-timeline .at-exp, .at-timeline .at-exp rect { fill: #b46cf0; }
.at-timeline .at-mark:hover rect { stroke: #fff; stroke-width: 1.5; }
"""

_BASELINE = 12  # text sits this far below the top of its row


def render(view: Swimlanes) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="at-timeline" width="{view.width}" height="{view.height:.0f}" '
             f'role="img" aria-label="authtrace timeline, {len(view.tabs)} tab(s)" data-start="{view.start:.0f}" '
             f'data-end="{view.end:.0f}">', '<g class="at-axis">']
    for t in view.ticks:
        parts.append(f'<g class="at-tick"><line x1="{t.x:.1f}" x2="{t.x:.1f}" y1="0" y2="100%"/>'
                     f'<text x="{t.x + 2:.1f}" y="{AXIS_H - 5}">{t.label}</text></g>')
    parts.append("</g>")
    if not view.tabs:
        parts.append(f'<text class="at-empty" x="{LABEL_W}" y="{AXIS_H + 14}">no events yet</text>')
    for group in view.tabs:
        tab = escape(group.tab)
        parts.append(f'<g class="at-tab" data-tab="{tab}"><text class="at-tabname" x="2" y="{group.y + _BASELINE:.0f}">'
                     f'{tab}{" (this tab)" if group.own else ""}</text>')
        for lane in group.lanes:
            parts.append(f'<g class="at-lane" data-lane="{lane.lane}" data-tab="{tab}">'
                         f'<rect class="at-lanebg" x="{LABEL_W}" y="{lane.y:.0f}" width="{view.plot_width}" '
                         f'height="{LANE_H - 1}"/><text class="at-lanename" x="6" y="{lane.y + _BASELINE:.0f}">'
                         f'{escape(lane.title)}</text></g>')
        for b in group.bands:
            parts.append(f'<rect class="at-band at-{b.tone}" data-lane="{b.lane}" x="{b.x:.1f}" y="{b.y:.0f}" '
                         f'width="{b.width:.1f}" height="{b.height:.0f}"><title>{escape(b.title)}</title></rect>')
        for m in group.marks:
            parts.append(f'<g class="at-mark at-{m.tone}" data-lane="{m.lane}" data-kind="{escape(m.kind)}" '
                         f'data-tab="{tab}" data-id="{m.event_id}" tabindex="-1">'
                         f'<rect x="{m.x:.1f}" y="{m.y:.1f}" width="{m.width:.0f}" height="{m.height:.0f}" rx="1"/>'
                         f'<title>{escape(m.title)}</title></g>')
        parts.append("</g>")
    if view.left_out:
        parts.append(f'<text class="at-empty" x="{LABEL_W}" y="{view.height - 2:.0f}">'
                     f'{view.left_out} older events in this window not drawn</text>')
    parts.append("</svg>")
    return "".join(parts)
