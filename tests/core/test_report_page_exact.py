"""The report's HTML (``authtrace.report.page``) piece by piece, exactly: what a reader sees in each
section (headings, captions, counts, the redaction note), hostile text escaped, and the sections
that are left out when there is nothing to say."""

from __future__ import annotations

import dataclasses

import _traces as S

from authtrace import Event, Kind, Trace
from authtrace.report import build, render
from authtrace.report import page as P
from authtrace.report.model import FindingView, Interval, Row

T0 = S.T0


def row(i: int, text: str = "said", evidence: bool = False) -> Row:
    return Row(i, "A", T0 + i, f"+0:0{i}.0", "21:44:44.001", "note/x", text, evidence, (), None)


def view(number: int = 1, confidence: str | None = None, evidence: tuple[int, ...] = (), tab: str | None = None,
         missing: tuple[str, ...] = ()) -> FindingView:
    return FindingView(number, "session-ended", "session ended", T0, "+0:01.0 (10:00:01 UTC)", tab,
                       "it <ended>", "sign in", confidence, missing, evidence)


def small_trace(tab: str = "A") -> Trace:
    t = Trace()
    t.add(Event(tab, 1, T0, Kind.NOTE, "unhandledrejection", {"message": "boom"}))
    t.add(Event(tab, 2, T0 + 10, Kind.NETWORK, "offline", {}))
    return t


# -- split brain ------------------------------------------------------------------------------------------
def test_no_split_brain_no_section():
    assert P._split_brain(()) == ""


def test_split_brain_rows_name_tab_when_and_evidence_escaped():
    a = Interval("A", T0, T0 + 1000, False, "+0:00.0 to +0:01.0 (1.0 s)", (3, 4))
    b = Interval("<b>x</b>", T0, T0 + 2000, True, "+0:00.0 to the end (2.0 s)", (5,))
    assert P._split_brain((a, b)) == (
        '<section id="split-brain"><h2>Split brain</h2><table><caption>AuthKit showed a user while Convex was '
        'not authenticated (shaded red on the lanes)</caption><thead><tr><th>tab</th><th>when</th>'
        '<th>evidence</th></tr></thead><tbody>'
        '<tr data-tab="A"><td>A</td><td>+0:00.0 to +0:01.0 (1.0 s)</td><td>'
        '<a class="rp-ev" href="#ev-3" data-id="3">#3</a> <a class="rp-ev" href="#ev-4" data-id="4">#4</a></td></tr>'
        '<tr data-tab="&lt;b&gt;x&lt;/b&gt;"><td>&lt;b&gt;x&lt;/b&gt;</td><td>+0:00.0 to the end (2.0 s)</td><td>'
        '<a class="rp-ev" href="#ev-5" data-id="5">#5</a></td></tr>'
        '</tbody></table></section>')


def test_an_interval_of_a_tab_without_lanes_draws_nothing():
    report = build(small_trace("A"))
    elsewhere = Interval("B", T0, T0 + 5, False, "x", ())
    assert P.split_brain_overlay(report.lanes, (elsewhere,)) == ""
    here = P.split_brain_overlay(report.lanes, (Interval("A", T0, T0 + 5, False, "+0:00.0 to +0:00.0 (5 ms)", ()),))
    assert here.count('<rect class="rp-split" data-tab="A"') == 1 and here.count('class="rp-splitbar"') == 1
    assert ("<title>split brain +0:00.0 to +0:00.0 (5 ms): AuthKit had a user, Convex was not authenticated"
            "</title>") in here


# -- findings -----------------------------------------------------------------------------------------------
def test_evidence_list_is_left_out_when_there_is_none():
    assert P._evidence((), {}) == ""
    assert P._evidence((7, 9), {7: row(7, "<i>said</i>")}) == (
        '<ul class="rp-cites"><li><a class="rp-ev" href="#ev-7" data-id="7">#7</a> note/x · &lt;i&gt;said&lt;/i&gt;</li>'
        '<li><a class="rp-ev" href="#ev-9" data-id="9">#9</a></li></ul>')


def test_a_finding_without_confidence_or_evidence():
    html = P.finding(view(), {}, False, {})
    assert html == ('<article class="rp-finding" id="finding-1" data-cause="session-ended">'
                    '<h3><span class="rp-num">1.</span>session ended<code>session-ended</code></h3>'
                    '<p class="rp-when">at +0:01.0 (10:00:01 UTC)</p>'
                    '<p class="rp-explanation">it &lt;ended&gt;</p><p class="rp-fix"><b>Fix:</b> sign in</p>'
                    '<div class="rp-evidence">Evidence:</div></article>')


def test_a_finding_with_confidence_tab_and_missing_evidence():
    html = P.finding(view(2, "inferred", (4,), tab="B", missing=("x<y", "z")), {}, True, {})
    assert ('<p class="rp-when">at +0:01.0 (10:00:01 UTC) · tab B · '
            '<span class="rp-conf" data-confidence="inferred">inferred</span></p>') in html
    assert '<article class="rp-finding" id="finding-2" data-cause="session-ended" data-confidence="inferred">' in html
    assert '<p class="rp-missing"><b>Missing evidence:</b> x&lt;y; z</p>' in html
    assert " · tab B" not in P.finding(view(2, tab="B"), {}, False, {})  # one tab: no tab named


# -- the event table --------------------------------------------------------------------------------------------
CAPTION = ('<section id="events"><h2>Events</h2><p class="rp-caption">The key events and every event a finding or '
           'split brain rests on (those in bold, with their payload).{} Every event is a mark on the lanes '
           '(hover it); click a row to find it there.</p>')
HEAD = ('<thead><tr><th>time (UTC)</th><th>since start</th><th>tab</th><th>#</th><th>event</th><th>what</th>'
        '<th>finding</th></tr></thead>')


def test_the_events_section_says_what_is_left_out():
    report = build(Trace())
    assert P._events(dataclasses.replace(report, rows=(), rows_left_out=0)) == CAPTION.format("") + "</section>"
    assert P._events(dataclasses.replace(report, rows=(), rows_left_out=3)) == \
        CAPTION.format(" The 3 oldest key events are left out.") + "</section>"


def test_the_event_table_has_its_head_once_per_file():
    report = dataclasses.replace(build(Trace()), rows=tuple(row(i) for i in range(1, P.CHUNK + 2)), rows_left_out=0)
    text = P._events(report)
    assert text.startswith(CAPTION.format("") + '<div class="rp-chunk"><table class="rp-events">' + HEAD + "<tbody>")
    assert text.count(HEAD) == 1 and text.count('<div class="rp-chunk">') == 2
    assert text.count("<tr id=") == P.CHUNK + 1


# -- header, toolbar, whole file -----------------------------------------------------------------------------------
def test_the_header_heading_nav_and_redaction_note():
    report = build(small_trace())
    text = P._header(report)
    assert text.startswith('<header class="rp-head"><h1>authtrace report</h1>'
                           '<p id="rp-verdict" class="rp-verdict" data-tone="ok" data-causes="">')
    rules = report.redaction_rules
    assert (f'<p id="rp-redaction" class="rp-redaction" data-rules="{rules}">Redacted: everything in this file passed '
            f"authtrace's redactor (redaction rules version {rules}) before it was written. Tokens, authorization "
            "codes and cookies appear only as fingerprints (<code>tok:</code>, <code>code:</code> or "
            "<code>cookie:</code> and 12 hex digits of their SHA-256), which cannot be turned back into the secret."
            "</p>") in text
    n = len(report.rows)
    nav = text[text.index("<nav"):text.index("</nav>") + 6]
    assert nav == (f'<nav class="rp-nav"><a href="#findings">Findings (0)</a>'
                   f'<a href="#not-judged">Not judged ({len(report.not_judged)})</a>'
                   f'<a href="#events">Events ({n})</a></nav>')
    assert report.not_judged and not report.split_brain
    with_split = dataclasses.replace(report, split_brain=(Interval("A", T0, T0 + 1, False, "x", ()),) * 2,
                                     not_judged=())
    nav = P._header(with_split)
    nav = nav[nav.index("<nav"):]
    assert nav.startswith('<nav class="rp-nav"><a href="#findings">Findings (0)</a>'
                          '<a href="#split-brain">Split brain (2)</a><a href="#events">')


def test_the_pan_slider_of_the_toolbar():
    text = P._timeline_section(build(small_trace()))
    assert ('<label>pan <input type="range" id="rp-pan" min="0" max="1000" value="500" disabled></label>'
            '<span id="rp-window"></span></div>') in text
    assert '<button type="button" data-zoom="1" aria-pressed="true">1×</button>' in text
    assert '<button type="button" data-zoom="4" aria-pressed="false">4×</button>' in text


def test_the_whole_file_has_the_not_judged_section():
    report = build(Trace())
    assert report.not_judged
    text = P.html(report)
    first = report.not_judged[0]
    assert f'<section id="not-judged"><h2>Not judged</h2><ul><li><code>{first[0]}</code>: ' in text
    assert text.count("<li><code>") == len(report.not_judged)
    assert '<section id="split-brain">' not in text and "XXXX" not in text


def test_render_passes_the_lanes_width():
    narrow, wide = render(small_trace(), width=600), render(small_trace())
    assert 'class="at-timeline" width="600"' in narrow and 'class="at-timeline" width="1200"' in wide
