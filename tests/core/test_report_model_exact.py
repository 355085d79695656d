"""What a report says, as data (``authtrace.report.model``), exactly: the header's facts, the hover
titles of the marks (and how long they may be), the split-brain intervals' wording, the evidence
rows' payloads; and the verdict's one line for the cases the other tests leave out."""

from __future__ import annotations

import json
from types import SimpleNamespace

import _traces as S

from authtrace import Event, Kind, Trace
from authtrace.diagnosis import Diagnosis, Finding, NotJudged, SplitBrain
from authtrace.report import build
from authtrace.report import model as M
from authtrace.report.verdict import verdict

T0 = S.T0  # 2027-01-15 08:00:00 UTC


def note(i: int, wall: float, tab: str = "A", **payload) -> Event:
    return Event(tab, wall - T0, wall, Kind.NOTE, "unhandledrejection", payload or {"message": "m"}, i)


def facts(meta: dict, events=()) -> dict:
    return dict(build(Trace(meta, list(events)), ["a.json"]).facts)


# -- facts ------------------------------------------------------------------------------------------------
def test_facts_of_a_recording_within_one_day():
    t = Trace({"origin": "http://127.0.0.1:5173", "user_agent": "UA/1", "recorded_by": "tab-1",
               "scenario": "story", "adapter": "convex", "dropped": 2},
              [note(1, T0), note(2, T0 + 61_500, "B")])
    assert build(t, ["a.json"]).facts == (
        ("source", "a.json"), ("time span", "2027-01-15 08:00:00.000 to 08:01:01.500 UTC (1 min 2 s)"),
        ("tabs", "2: A, B"), ("events", "2 (2 dropped by the recorder)"), ("origin", "http://127.0.0.1:5173"),
        ("browser", "UA/1"), ("exported by tab", "tab-1"), ("scenario", "story"), ("adapter", "convex"))


def test_facts_of_a_recording_over_midnight_name_both_days():
    late = T0 + 16 * 3600_000 - 1000  # 23:59:59
    t = Trace({}, [note(1, late), note(2, late + 2000)])
    assert facts({}, t.events)["time span"] == "2027-01-15 23:59:59.000 to 2027-01-16 00:00:01.000 UTC (2.0 s)"


def test_the_har_fact():
    har = {"creator": "WebInspector 537.36", "browser": "Chrome 120"}
    assert facts({"source": "har", "har": har})["HAR"] == "WebInspector 537.36, Chrome 120"
    assert facts({"source": "har", "har": {"browser": "Firefox"}})["HAR"] == "Firefox"
    assert facts({"source": "har", "har": {"pages": 1}})["HAR"] == "DevTools export"
    assert "HAR" not in facts({"source": "har", "har": {}})
    assert "HAR" not in facts({"source": "har", "har": "Chrome"})
    assert "HAR" not in facts({"source": "trace", "har": har})
    assert list(facts({"source": "har", "har": har})) == ["source", "tabs", "events", "HAR"]


def test_empty_metadata_values_are_not_facts():
    assert facts({"origin": "", "user_agent": None, "scenario": "s"}) == \
        {"source": "a.json", "tabs": "0", "events": "0", "scenario": "s"}


# -- hover titles --------------------------------------------------------------------------------------------
def test_hover_one_field_a_line():
    e = Event("A", 1, T0 + 174, Kind.NOTE, "x", {"b": [1, "é"], "a": "text"}, 5)
    assert M.hover(e) == "#5 note/x at 08:00:00.174 UTC\na: text\nb: [1, \"é\"]"


def test_hover_cuts_a_long_field_and_a_long_body():
    e = Event("A", 1, T0, Kind.NOTE, "x", {"a": "y" * 160, "b": "z" * 161}, 1)
    head = "#1 note/x at 08:00:00.000 UTC\n"
    assert M.hover(e) == head + "a: " + "y" * 160 + "\nb: " + "z" * 160 + "…"
    assert M.hover(e, 10) == head + "a: yyyyyyy" + "…"


def test_a_long_trace_gets_shorter_hover_titles(monkeypatch):
    monkeypatch.setattr(M, "HOVER_BUDGET", 1000)  # as if the trace were 4 * 4,800 events long
    t = Trace({}, [note(i, T0 + i * 100, message="a few words " * 15, more="and some more " * 12) for i in range(1, 5)])
    titles = [m.title for m in build(t).lanes.tabs[0].marks]
    assert len(titles) == 4
    for text in titles:
        body = text.split(" UTC\n", 1)[1]
        assert body.endswith("…") and len(body) == 250 + 1  # HOVER_BUDGET // 4, not the 900 of a short trace


# -- intervals and rows ----------------------------------------------------------------------------------------
def test_a_closed_split_brain_is_worded_from_start_to_end():
    tl = SimpleNamespace(start=T0, end=T0 + 60_000)
    d = SimpleNamespace(split_brain=[SplitBrain("A", T0 + 1000, T0 + 3500, [2, 3]), SplitBrain("B", T0 + 50_000, None, [4])])
    closed, still = M._intervals(d, tl)
    assert closed == M.Interval("A", T0 + 1000, T0 + 3500, False, "+0:01.0 to +0:03.5 (2.5 s)", (2, 3))
    assert still == M.Interval("B", T0 + 50_000, T0 + 60_000, True, "+0:50.0 to the end (10.0 s)", (4,))


def test_evidence_rows_carry_their_payload_sorted():
    b, _ = S.readme_story()
    report = build(b.trace)
    events = {e.id: e for e in M.redacted(b.trace, [])[0].events}
    cited = [r for r in report.rows if r.evidence]
    assert cited and all(r.payload is None for r in report.rows if not r.evidence)
    for r in cited:
        assert r.payload == json.dumps(events[r.id].payload, ensure_ascii=False, sort_keys=True)
    # the order is the sorted one, not the recorded one, for at least one of them
    assert any(r.payload != json.dumps(events[r.id].payload, ensure_ascii=False) for r in cited)


# -- verdict --------------------------------------------------------------------------------------------------
def test_the_verdict_names_one_cause_in_the_singular_and_nothing_found_is_ok():
    one = Diagnosis("trace", [Finding("session-ended", T0, [1], "x", "y", "A")])
    assert verdict(one, T0).text == "no split brain; cause: session ended"
    nothing = verdict(Diagnosis("trace"), T0)
    assert (nothing.text, nothing.tone, nothing.causes) == ("no known failure chain found", "ok", ())
    nj = verdict(Diagnosis("har", not_judged=[NotJudged("a", "b"), NotJudged("c", "d")]), T0)
    assert nj.tone == "ok" and nj.text.endswith("(2 cause(s) not judged: the input lacks what they need)")
