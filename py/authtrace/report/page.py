"""A :class:`~.model.Report` as one self-contained HTML file (pure): :func:`html`.

Nothing in it is fetched: the stylesheet and the script are inline and named by
their SHA-256 in the page's Content-Security-Policy (``default-src 'none'``), so
the browser refuses any request the page might otherwise make (an image, a font,
a link prefetch), and any other script. Every text from the trace is escaped.

The swimlanes are :func:`authtrace.browser.panel.svg.render`'s markup (the
panel's), with the split-brain intervals added as shaded rectangles over their
tab's lanes and a bar in its name row (hover: when, how long).
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from ..browser.panel import svg
from ..browser.panel.swimlanes import HEADER_H, LANE_H, Swimlanes
from .assets import CSS, SCRIPT
from .model import FindingView, Interval, Report, Row

ZOOMS = (1, 4, 16, 64)
CHUNK = 100  # event table rows per <table> (in a div): the browser lays out only the chunks in view
TONES = (("ok", "success"), ("warn", "transient failure, refreshing"), ("bad", "failure, not authenticated"),
         ("info", "request, state"), ("muted", "hidden, ended"), ("exp", "experiment"))


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _e(text: object) -> str:
    return escape(str(text))


def split_brain_overlay(lanes: Swimlanes, intervals: tuple[Interval, ...]) -> str:
    """Shaded rectangles over each split brain's tab (lanes) and a bar in its name row."""
    rows = {group.tab: group for group in lanes.tabs}
    parts = []
    for s in intervals:
        group = rows.get(s.tab)
        if group is None or not group.lanes:
            continue
        x0, x1 = lanes.x(s.start), lanes.x(s.end)
        width = f"{max(1.0, x1 - x0):.1f}"
        top, bottom = group.lanes[0].y, group.lanes[-1].y + LANE_H
        title = f"split brain {s.text}: AuthKit had a user, Convex was not authenticated"
        parts.append(f'<rect class="rp-split" data-tab="{_e(s.tab)}" x="{x0:.1f}" y="{top:.0f}" width="{width}" '
                     f'height="{bottom - top:.0f}"/>'
                     f'<rect class="rp-splitbar" data-tab="{_e(s.tab)}" x="{x0:.1f}" y="{group.y + HEADER_H - 5:.0f}" '
                     f'width="{width}" height="4"><title>{_e(title)}</title></rect>')
    return "".join(parts)


def timeline(report: Report) -> str:
    markup = svg.render(report.lanes)
    assert markup.endswith("</svg>")
    return markup[: -len("</svg>")] + split_brain_overlay(report.lanes, report.split_brain) + "</svg>"


def _evidence(ids: tuple[int, ...], rows: dict[int, Row]) -> str:
    items = []
    for i in ids:
        row = rows.get(i)
        what = f" {_e(row.kind)} · {_e(row.text)}" if row else ""
        items.append(f'<li><a class="rp-ev" href="#ev-{i}" data-id="{i}">#{i}</a>{what}</li>')
    return f'<ul class="rp-cites">{"".join(items)}</ul>' if items else ""


def finding(f: FindingView, rows: dict[int, Row], several_tabs: bool, fixed: dict[tuple[str, str], int]) -> str:
    """One finding; a fix already given for an earlier finding of the same cause is a link to it."""
    where = f" · tab {_e(f.tab)}" if f.tab and several_tabs else ""
    conf = (f' · <span class="rp-conf" data-confidence="{_e(f.confidence)}">{_e(f.confidence)}</span>'
            if f.confidence else "")
    missing = ""
    if f.missing_evidence:
        missing = '<p class="rp-missing"><b>Missing evidence:</b> ' + "; ".join(_e(m) for m in f.missing_evidence) + "</p>"
    conf_attr = f' data-confidence="{_e(f.confidence)}"' if f.confidence else ""
    first = fixed.setdefault((f.id, f.fix), f.number)
    fix = _e(f.fix) if first == f.number else f'as for <a href="#finding-{first}">finding {first}</a>.'
    return (f'<article class="rp-finding" id="finding-{f.number}" data-cause="{_e(f.id)}"{conf_attr}>'
            f'<h3><span class="rp-num">{f.number}.</span>{_e(f.title)}<code>{_e(f.id)}</code></h3>'
            f'<p class="rp-when">at {_e(f.at_text)}{where}{conf}</p>'
            f'<p class="rp-explanation">{_e(f.explanation)}</p><p class="rp-fix"><b>Fix:</b> {fix}</p>{missing}'
            f'<div class="rp-evidence">Evidence:{_evidence(f.evidence, rows)}</div></article>')


def _row(r: Row) -> str:
    cited = " ".join(f'<a href="#finding-{n}">{n}</a>' for n in r.findings)
    payload = f"<details><summary>payload</summary><pre>{_e(r.payload)}</pre></details>" if r.payload else ""
    return (f'<tr id="ev-{r.id}"{" class=rp-cited" if r.evidence else ""}><td>{r.clock}</td><td>{_e(r.at_text)}</td>'
            f'<td>{_e(r.tab)}</td><td>{r.id}</td><td>{_e(r.kind)}</td><td>{_e(r.text)}{payload}</td><td>{cited}</td></tr>')


def _split_brain(intervals: tuple[Interval, ...]) -> str:
    if not intervals:
        return ""
    rows = "".join(f'<tr data-tab="{_e(s.tab)}"><td>{_e(s.tab)}</td><td>{_e(s.text)}</td><td>'
                   + " ".join(f'<a class="rp-ev" href="#ev-{i}" data-id="{i}">#{i}</a>' for i in s.evidence)
                   + "</td></tr>" for s in intervals)
    return ('<section id="split-brain"><h2>Split brain</h2><table><caption>AuthKit showed a user while Convex was '
            'not authenticated (shaded red on the lanes)</caption><thead><tr><th>tab</th><th>when</th>'
            f'<th>evidence</th></tr></thead><tbody>{rows}</tbody></table></section>')


def _not_judged(items: tuple[tuple[str, str], ...]) -> str:
    if not items:
        return ""
    return ('<section id="not-judged"><h2>Not judged</h2><ul>'
            + "".join(f"<li><code>{_e(i)}</code>: {_e(reason)}</li>" for i, reason in items) + "</ul></section>")


def _events(report: Report) -> str:
    left_out = f" The {report.rows_left_out} oldest key events are left out." if report.rows_left_out else ""
    head = ('<thead><tr><th>time (UTC)</th><th>since start</th><th>tab</th><th>#</th><th>event</th><th>what</th>'
            '<th>finding</th></tr></thead>')
    chunks = "".join(f'<div class="rp-chunk"><table class="rp-events">{head if i == 0 else ""}<tbody>'
                     + "".join(_row(r) for r in report.rows[i:i + CHUNK]) + "</tbody></table></div>"
                     for i in range(0, len(report.rows), CHUNK))
    return ('<section id="events"><h2>Events</h2><p class="rp-caption">The key events and every event a finding or '
            f'split brain rests on (those in bold, with their payload).{left_out} Every event is a mark on the lanes '
            f'(hover it); click a row to find it there.</p>{chunks}</section>')


def _timeline_section(report: Report) -> str:
    legend = "".join(f'<i class="at-{tone}"></i>{_e(words)}' for tone, words in TONES) + \
        '<i class="rp-split"></i>split brain'
    toolbar = ('<div class="rp-toolbar" id="rp-toolbar" role="toolbar" aria-label="zoom" hidden>zoom '
               + "".join(f'<button type="button" data-zoom="{z}" aria-pressed="{str(z == 1).lower()}">{z}×</button>'
                         for z in ZOOMS)
               + '<label>pan <input type="range" id="rp-pan" min="0" max="1000" value="500" disabled></label>'
               '<span id="rp-window"></span></div>')
    return (f'<section id="timeline" class="rp-timeline" aria-label="timeline">{toolbar}'
            f'<div class="rp-lanes" id="rp-lanes">{timeline(report)}</div><p class="rp-legend">{legend}</p></section>')


def _header(report: Report) -> str:
    v, rules = report.verdict, _e(report.redaction_rules)
    facts = "".join(f"<dt>{_e(k)}</dt><dd>{_e(val)}</dd>" for k, val in report.facts)
    nav = (f'<nav class="rp-nav"><a href="#findings">Findings ({len(report.findings)})</a>'
           + (f'<a href="#split-brain">Split brain ({len(report.split_brain)})</a>' if report.split_brain else "")
           + (f'<a href="#not-judged">Not judged ({len(report.not_judged)})</a>' if report.not_judged else "")
           + f'<a href="#events">Events ({len(report.rows)})</a></nav>')
    return ('<header class="rp-head"><h1>authtrace report</h1>'
            f'<p id="rp-verdict" class="rp-verdict" data-tone="{v.tone}" data-causes="{_e(" ".join(v.causes))}">'
            f'{_e(v.text)}</p><dl class="rp-facts">{facts}</dl>'
            f'<p id="rp-redaction" class="rp-redaction" data-rules="{rules}">Redacted: everything in this file passed '
            f"authtrace's redactor (redaction rules version {rules}) before it was written. Tokens, authorization "
            "codes and cookies appear only as fingerprints (<code>tok:</code>, <code>code:</code> or "
            "<code>cookie:</code> and 12 hex digits of their SHA-256), which cannot be turned back into the secret."
            f"</p>{nav}</header>")


def html(report: Report) -> str:
    """The whole file."""
    rows = {r.id: r for r in report.rows}
    fixed: dict[tuple[str, str], int] = {}
    findings = "".join(finding(f, rows, len(report.tabs) > 1, fixed) for f in report.findings) or \
        '<p id="rp-no-findings">No findings: nothing in this input matches a known failure chain.</p>'
    csp = (f"default-src 'none'; style-src {_hash(CSS)}; script-src {_hash(SCRIPT)}; "
           "base-uri 'none'; form-action 'none'")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="authtrace {_e(report.version)}">'
        f'<meta name="authtrace-redaction-rules" content="{_e(report.redaction_rules)}">'
        f"<title>authtrace report: {_e(report.verdict.text)}</title><style>{CSS}</style></head>\n<body>"
        f"{_header(report)}\n{_timeline_section(report)}\n"
        f'<main><section id="findings"><h2>Findings</h2>{findings}</section>{_split_brain(report.split_brain)}'
        f"{_not_judged(report.not_judged)}\n{_events(report)}</main>\n"
        f"<footer>authtrace {_e(report.version)} · one file, nothing fetched: open it in any current browser. "
        "Reading needs no JavaScript; a small inline script adds the zoom and the highlighting.</footer>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
