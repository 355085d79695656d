"""The shareable report (``authtrace.report``), pure: the verdict, the panel's lanes, the findings
with their evidence links, the event table, nothing to fetch, no secret in the file, inputs merged,
and the panel's "export report" button on a detached page. Self-contained: also runs inside Pyodide
(the tests/browser/test_report.py opens the files in Chromium)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import _har as H
import _traces as S
from _builders import make_jwt, opaque_token
from hypothesis import example, given, settings
from hypothesis import strategies as st

from authtrace import Event, Kind, Trace, fingerprint, redact
from authtrace.browser._detached import DetachedPage
from authtrace.browser.panel import mount, svg, swimlanes
from authtrace.browser.panel.lanes import LANES, classify
from authtrace.browser.recorder import Recorder
from authtrace.diagnosis import Diagnosis, Finding, NotJudged, SplitBrain, diagnose, key_events
from authtrace.diagnosis.timeline import Timeline
from authtrace.redaction import RULES_VERSION
from authtrace.report import Input, ReportInputError, build, combine, render
from authtrace.report import page as report_page
from authtrace.report.assets import CSS, SCRIPT
from authtrace.report.model import MAX_MARKS, WIDTH, finding_views, redacted
from authtrace.report.verdict import verdict

VOID = {"meta", "input", "br", "img", "link", "col", "hr", "wbr", "source"}


class El:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.parts = tag, dict(attrs), parent, [], []

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def all(self, tag=None, cls=None, **attrs):
        return [e for e in self.walk() if (tag is None or e.tag == tag) and (cls is None or cls in e.classes())
                and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def one(self, tag=None, cls=None, **attrs):
        found = self.all(tag, cls, **attrs)
        assert len(found) == 1, (tag, cls, attrs, len(found))
        return found[0]


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.at = El("#root", {}, None)

    def handle_starttag(self, tag, attrs):
        el = El(tag, attrs, self.at)
        self.at.children.append(el)
        self.at.parts.append(el)
        if tag not in VOID:
            self.at = el

    def handle_startendtag(self, tag, attrs):
        el = El(tag, attrs, self.at)
        self.at.children.append(el)
        self.at.parts.append(el)

    def handle_endtag(self, tag):
        el = self.at
        while el is not None and el.tag != tag:
            el = el.parent
        if el is not None and el.parent is not None:
            self.at = el.parent

    def handle_data(self, data):
        self.at.parts.append(data)


def parse(text: str) -> El:
    tree = Tree()
    tree.feed(text)
    tree.close()
    return tree.root


def story():
    b, ids = S.readme_story()
    return b.trace, ids


# -- what the report says ----------------------------------------------------------------------------
def test_the_story_report_says_the_verdict_draws_the_lanes_and_cites_the_evidence():
    trace, ids = story()
    doc = parse(render(trace, ["story.json"]))
    v = doc.one(id="rp-verdict")
    assert v.text() == "split brain for 1 min 9 s (still so at the end), cause: transient refresh reported as sign-out"
    assert v.attrs["data-tone"] == "bad" and v.attrs["data-causes"] == "transient-refresh-reported-as-signout"
    assert "story.json" in doc.one("dl", "rp-facts").text()

    lanes = doc.one(id="rp-lanes").one("svg", "at-timeline")
    assert [g.attrs["data-tab"] for g in lanes.all("g", "at-tab")] == ["A"]
    assert [g.attrs["data-lane"] for g in lanes.all("g", "at-lane")] == [lane for lane, _ in LANES]

    d = diagnose(trace)
    articles = doc.all("article", "rp-finding")
    assert [a.attrs["data-cause"] for a in articles] == d.ids()
    by_id = {e.id: e for e in trace.events}
    rows = {r.attrs["id"]: r for r in doc.one(id="events").all("tr") if r.attrs.get("id")}
    marks = {g.attrs["data-id"] for g in lanes.all("g", "at-mark")}
    for article, f in zip(articles, d.findings, strict=True):
        assert article.one("p", "rp-explanation").text() == f.explanation
        links = article.all("a", "rp-ev")
        assert [int(a.attrs["data-id"]) for a in links] == f.evidence
        for a in links:
            assert a.attrs["href"] == f"#ev-{a.attrs['data-id']}" and a.attrs["href"][1:] in rows
            assert (a.attrs["data-id"] in marks) == (classify(by_id[int(a.attrs["data-id"])]) is not None)
    assert "rp-cited" in rows[f"ev-{ids['auth_false'].id}"].classes()
    assert articles[0].one("p", "rp-fix").text() == "Fix: " + d.findings[0].fix
    # every key event of the story has its row, in time order
    keys = [f"ev-{k.id}" for k in key_events(trace)]
    assert set(keys) <= set(rows) and [r for r in rows if r in keys] == keys

    model = build(trace)
    split = lanes.one("rect", "rp-split")
    assert split.attrs["data-tab"] == "A" and split.attrs["x"] == f"{model.lanes.x(d.split_brain[0].start):.1f}"
    assert float(split.attrs["width"]) == round(model.lanes.x(model.end) - model.lanes.x(d.split_brain[0].start), 1)
    assert "to the end" in doc.one(id="split-brain").text()

    assert f"redaction rules version {RULES_VERSION}" in doc.one(id="rp-redaction").text()
    assert doc.one("meta", name="authtrace-redaction-rules").attrs["content"] == RULES_VERSION


def test_the_lanes_are_the_panels_drawing():
    """One renderer: the report's SVG is svg.render of swimlanes.layout, only the hover texts
    are the report's (shorter) and the split-brain shading is added."""
    trace, _ = story()
    text = render(trace)
    drawn = text[text.index("<svg"):text.index("</svg>")]
    drawn = re.sub(r'<rect class="rp-split.*', "", drawn)  # the overlay comes last
    model = build(trace)
    events = redacted(trace, [])[0].events  # what the report draws: the trace after the redactor
    panel = svg.render(swimlanes.layout(events, zoom="all", now=model.end, width=WIDTH, max_marks=MAX_MARKS))
    strip = re.compile(r"<title>.*?</title>", re.S)
    assert strip.sub("", drawn) == strip.sub("", panel[: -len("</svg>")])
    assert len(model.lanes.tabs[0].marks) == sum(classify(e) is not None for e in trace.events)


def test_one_file_that_fetches_nothing_and_whose_policy_names_its_inline_code():
    trace, _ = story()
    text = render(trace)
    doc = parse(text)
    scripts, styles = doc.all("script"), doc.all("style")
    assert len(scripts) == 1 and len(styles) == 1 and scripts[0].text() == SCRIPT and styles[0].text() == CSS
    csp = doc.one("meta", http_equiv="Content-Security-Policy").attrs["content"]
    policy = dict(p.strip().split(" ", 1) for p in csp.split(";"))
    digest = lambda s: "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"  # noqa: E731
    assert policy["default-src"] == "'none'" and policy["script-src"] == digest(SCRIPT) and policy["style-src"] == digest(CSS)
    for el in doc.walk():
        assert "src" not in el.attrs and "style" not in el.attrs and el.tag not in ("link", "img", "iframe", "object")
        assert not any(k.startswith("on") for k in el.attrs)
        assert el.attrs.get("href") is None or el.attrs["href"].startswith("#")
    assert "url(" not in CSS and "@import" not in CSS and "@font-face" not in CSS
    assert not re.search(r"\b(fetch|XMLHttpRequest|import\(|WebSocket|sendBeacon)\b", SCRIPT)
    toolbar = doc.one(id="rp-toolbar")
    assert "hidden" in toolbar.attrs  # the zoom needs the script: without it there is nothing to press


def test_an_empty_trace_still_makes_a_report():
    doc = parse(render(Trace()))
    assert doc.one(id="rp-verdict").text().startswith("no known failure chain found (3 cause(s) not judged")
    assert doc.one("text", "at-empty").text() == "no events yet"
    assert doc.one(id="rp-no-findings")


# -- redaction ------------------------------------------------------------------------------------------
def test_no_secret_reaches_the_report():
    """Secrets in the places the redaction tests name (headers, bodies, URLs, storage, frames, cookies),
    in a trace, its metadata, a HAR and the source names: the file holds fingerprints only."""
    at, rt, code, verifier, cookie = make_jwt(), opaque_token(), opaque_token(), opaque_token(32), opaque_token()
    t = Trace({"origin": f"http://127.0.0.1:5173/callback?code={code}", "note": f"Bearer {at}"})
    body = json.dumps({"grant_type": "refresh_token", "refresh_token": rt, "code_verifier": verifier})
    t.add(Event("A", 1, S.T0 + 1000, Kind.FETCH, "request",
                {"request": 1, "auth": True, "url": f"{S.AUTH_URL}?code={code}", "grant_type": "refresh_token",
                 "headers": {"Authorization": f"Bearer {at}", "Cookie": f"wos-session={cookie}; theme=dark"},
                 "body": body, "refresh_token": rt}))
    t.add(Event("A", 2, S.T0 + 2000, Kind.FETCH, "response",
                {"request": 1, "auth": True, "status": 200, "body": json.dumps({"access_token": at, "refresh_token": rt})}))
    t.add(Event("A", 3, S.T0 + 3000, Kind.STORAGE, "setItem", {"key": S.RT_KEY, "value": rt, "area": "local"}))
    t.add(Event("A", 4, S.T0 + 4000, Kind.WEBSOCKET, "send",
                {"sync": True, "message": json.dumps({"type": "Authenticate", "tokenType": "User", "value": at})}))
    t.add(Event("A", 5, S.T0 + 5000, Kind.CONVEX, "Authenticate", {"token": at, "seconds_left": 200}))
    t.add(Event("A", 6, S.T0 + 6000, Kind.NOTE, "unhandledrejection", {"message": f"401 for Bearer {at}"}))
    har = H.har([H.auth_entry(7, {"grant_type": "refresh_token", "refresh_token": rt},
                              answer={"access_token": at, "refresh_token": opaque_token()})])
    har["log"]["entries"][0]["request"]["headers"].append({"name": "authorization", "value": f"Bearer {at}"})
    har["log"]["entries"][0]["request"]["cookies"] = [{"name": "wos-session", "value": cookie}]
    merged = combine([Input("trace.json", t.to_json()), Input("export.har", har)])
    text = render(merged, [f"trace-{at}.json", "export.har"])
    for secret in (at, rt, code, verifier, cookie, *at.split(".")[1:]):
        assert secret not in text
    assert fingerprint(rt) in text and fingerprint(at) in text  # where they were is still told


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
@example("</title></svg><script>alert(1)</script>&amp;", "<b>tab</b>")
@example("\"><img src=x onerror=alert(1)>", "A\" onclick=\"x")
def test_whatever_a_payload_says_is_text_never_markup(message, tab):
    t = Trace()
    t.add(Event(tab or "A", 1, S.T0, Kind.NOTE, "unhandledrejection", {"message": message, message: tab}))
    t.add(Event("B", 2, S.T0 + 10, Kind.NETWORK, "offline", {"why": message}))
    doc = parse(render(t, [message]))
    assert len(doc.all("script")) == 1 and len(doc.all("svg")) == 1 and len(doc.all("g", "at-mark")) == 2
    assert len(doc.all("article")) == 0 and doc.one("html")
    cells = [c.text() for c in doc.one("tr", id="ev-1").all("td")]  # what was said is shown as it was said
    assert cells[2] == redact(tab or "A").value and cells[5] == f"unhandled rejection None: {redact(message).value}"
    assert doc.one("g", "at-tab", data_tab=redact(tab or "A").value).one("text", "at-tabname").text().startswith(
        redact(tab or "A").value)


# -- inputs -------------------------------------------------------------------------------------------------
def exports_of(trace: Trace) -> tuple[dict, dict]:
    """Two tabs' exports of one origin, as the recorder makes them: each has its tab's events and
    some of the other's (relayed), numbered anew, every event's own number in ``payload.seq``."""
    seqs: dict[str, int] = {}
    events = []
    for e in trace.events:
        seqs[e.tab] = seqs.get(e.tab, 0) + 1
        events.append(e.with_payload({**e.payload, "seq": seqs[e.tab]}))

    def export(own: str) -> dict:
        kept = [e for e in events if e.tab == own or e.payload["seq"] % 2 == 0]
        return Trace({"recorded_by": own}, [e.with_id(i) for i, e in enumerate(kept, 1)]).to_json()

    return export("A"), export("B")


def test_several_tab_exports_are_one_recording():
    b, _ = S.refresh_token_removed_by_other_tab()
    one, two = exports_of(b.trace)
    merged = combine([Input("a.json", one), Input("b.json", two)])
    assert len(merged.events) == len(b.trace.events)  # what both had is there once
    assert [e.id for e in merged.events] == list(range(1, len(merged.events) + 1))
    assert [e.wall for e in merged.events] == sorted(e.wall for e in merged.events)
    assert diagnose(merged).ids() == diagnose(b.trace).ids() == ["refresh-token-removed-by-other-tab"]
    assert diagnose(Trace.from_json(one)).ids() != diagnose(b.trace).ids()  # one export alone misses it
    alone = combine([Input("a.json", b.trace.to_json())])
    assert {e.id: e for e in alone.events} == {e.id: e for e in b.trace.events}  # one input: the ids analyze prints


def test_hars_become_tabs_and_a_mix_declares_nothing():
    a = H.har([H.auth_entry(1, {"grant_type": "refresh_token", "refresh_token": "tok:000000000001"})])
    b = H.har([H.auth_entry(2, {"grant_type": "refresh_token", "refresh_token": "tok:000000000002"})])
    hars = combine([Input("a.har", a), Input("b.har", b)])
    assert sorted({e.tab for e in hars.events}) == ["har", "har-2"]
    assert hars.meta["source"] == "har" and hars.meta["captured"] == ["fetch", "net-errors", "sockets", "sync"]
    trace, _ = story()
    mixed = combine([Input("story.json", trace.to_json()), Input("a.har", a)])
    assert mixed.meta["source"] == "trace" and "captured" not in mixed.meta
    assert sorted({e.tab for e in mixed.events}) == ["A", "har"]


def test_unreadable_inputs_are_named_in_one_line():
    cases = [([Input("x.json", {"foo": 1})], "x.json: neither an authtrace trace"),
             ([Input("e.json", {})], "e.json: neither an authtrace trace ({\"format\": \"authtrace/1\", ...}) nor a HAR "
                                    "export ({\"log\": {\"entries\": [...]}}); got an empty object"),
             ([Input("ok.json", Trace().to_json()), Input("l.json", [1, 2])], "l.json: neither"),
             ([Input("v.json", {"format": "authtrace/9", "events": []})], "v.json: unsupported trace version"),
             ([Input("h.har", {"log": {"entries": 3}})], 'h.har: bad HAR: "log.entries" must be a list'),
             ([], "no input")]
    for inputs, message in cases:
        try:
            combine(inputs)
        except ReportInputError as exc:
            assert str(exc).startswith(message) and "\n" not in str(exc)
        else:
            raise AssertionError(f"{message}: no error")


# -- the verdict and the findings ------------------------------------------------------------------------
T0 = S.T0


def f(cause: str, at: float, tab: str | None = "A") -> Finding:
    return Finding(cause, T0 + at * 1000, [1], "explained", "fixed", tab)


def test_the_verdict_in_one_line():
    end = T0 + 100_000
    assert verdict(Diagnosis("trace"), end).text == "no known failure chain found"
    assert verdict(Diagnosis("har", not_judged=[NotJudged("throw-wedge", "needs x")]), end).text == \
        "no known failure chain found (1 cause(s) not judged: the input lacks what they need)"
    v = verdict(Diagnosis("trace", [f("session-ended", 1), f("rotation-race", 2), f("session-ended", 3)]), end)
    assert (v.text, v.tone, v.causes) == ("no split brain; causes: session ended, refresh-token rotation race", "warn",
                                          ("session-ended", "rotation-race"))
    d = Diagnosis("trace", [f("stale-token-on-reconnect", 10), f("transient-refresh-reported-as-signout", 11),
                            f("offline-at-refresh", 12, "B"), f("split-brain", 11), f("session-ended", 80)],
                  [SplitBrain("A", T0 + 11_000, T0 + 31_000), SplitBrain("B", T0 + 90_000, None)])
    v = verdict(d, end)
    # A: its own newest cause before it ended (not B's, not the later one); B: its own, not A's newer one
    assert v.text == ("split brain for 30.0 s in 2 intervals in 2 tabs (still so at the end), causes: transient "
                      "refresh reported as sign-out, offline at refresh")
    assert v.tone == "bad" and v.causes == ("transient-refresh-reported-as-signout", "offline-at-refresh")
    lone = Diagnosis("trace", [], [SplitBrain("A", T0, T0 + 1500)])
    assert verdict(lone, end).text == "split brain for 1.5 s, no cause named"
    many = Diagnosis("trace", [f(c, i) for i, c in enumerate(["throw-wedge", "rotation-race", "session-ended",
                                                               "offline-at-refresh", "a-new-cause"])])
    assert verdict(many, end).text == ("no split brain; causes: token fetch threw and wedged the socket, "
                                       "refresh-token rotation race, session ended and 2 more")


@dataclass(frozen=True)
class Graded(Finding):
    """A finding as issue 16 makes them."""

    confidence: str = "inferred"
    missing_evidence: tuple[str, ...] = ("AuthKit client events (getAccessToken calls, the user)",)


def test_confidence_and_missing_evidence_are_shown_when_the_engine_gives_them():
    trace, _ = story()
    tl = Timeline(trace)
    graded, plain = finding_views(Diagnosis("trace", [Graded("session-ended", T0, [1], "it <ended>", "sign in", "A"),
                                                      Finding("rotation-race", T0, [2], "raced", "one refresh")]), tl)
    assert (graded.confidence, graded.missing_evidence) == ("inferred", Graded.missing_evidence)
    assert (plain.confidence, plain.missing_evidence) == ("confirmed", ())  # the engine grades every finding
    html = report_page.finding(graded, {}, False, {})
    doc = parse(html)
    assert doc.one("article").attrs["data-confidence"] == "inferred"
    assert doc.one("span", "rp-conf").text() == "inferred" and "it <ended>" == doc.one("p", "rp-explanation").text()
    assert doc.one("p", "rp-missing").text() == "Missing evidence: " + Graded.missing_evidence[0]
    plain_doc = parse(report_page.finding(plain, {}, False, {}))
    assert plain_doc.one("span", "rp-conf").text() == "confirmed" and not plain_doc.all("p", "rp-missing")


def test_a_fix_given_once_is_linked_after():
    d = Diagnosis("trace", [f("session-ended", 1), f("session-ended", 5), f("rotation-race", 6)])
    views = finding_views(d, Timeline(Trace()))
    fixed: dict = {}
    fixes = [parse(report_page.finding(v, {}, False, fixed)).one("p", "rp-fix") for v in views]
    assert fixes[0].text() == "Fix: fixed" and fixes[2].text() == "Fix: fixed"
    assert fixes[1].text() == "Fix: as for finding 1." and fixes[1].one("a").attrs["href"] == "#finding-1"


# -- the panel's button -----------------------------------------------------------------------------------
def test_the_panels_export_report_button_downloads_the_report_of_the_live_recording():
    page = DetachedPage(tab="A", wall=S.T0 + 701_000)
    rec = Recorder(page)
    page.run(rec.start())
    panel = mount(rec)
    trace, _ = story()
    page.deliver([json.dumps(e.to_json()) for e in trace.events])
    page.fire("authtrace-export-report")
    name, text, mime = page.downloads[-1]
    assert name.startswith("authtrace-report-A-") and name.endswith(".html") and mime == "text/html"
    assert text == render(rec.trace(), ["the live recording of tab A"])  # the same file as the CLI's
    assert parse(text).one(id="rp-verdict").text().startswith("split brain for 1 min 9 s")

    def broken():
        raise RuntimeError("no trace today")

    errors = rec.errors
    rec.trace = broken
    page.fire("authtrace-export-report")
    assert len(page.downloads) == 1 and rec.errors == errors + 1
    assert page.attribute("authtrace-view", "data-state") == "error"
    assert page.text("authtrace-view-text") == "could not make the report: RuntimeError: no trace today"
    assert panel.notice is not None
