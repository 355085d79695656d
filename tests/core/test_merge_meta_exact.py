"""merge(): the merged trace's tabs, event order and meta (source, tabs, inputs, redacted), exactly."""

from __future__ import annotations

from authtrace import Event, Kind, Trace
from authtrace.diagnosis import har_to_trace
from authtrace.diagnosis.merge import merge, unique_labels

TRACE_CAPS = ["fetch", "locks", "net-errors", "page", "sockets", "storage", "sync"]
TRACE_LACKS = ["AuthKit client events (getAccessToken calls, the user)",
               "Convex client events (setAuth, auth changes, socket state)"]


def trace(meta: dict, *events: tuple[str, float, str]) -> Trace:
    t = Trace(dict(meta))
    for tab, wall, type_ in events:
        t.add(Event(tab, 0.0, wall, Kind.NOTE, type_, {}))
    return t


def test_tabs_are_named_after_their_inputs_and_events_laid_out_by_wall_time():
    a = trace({"source": "trace"}, ("t1", 1000.0, "x"))
    b = trace({}, ("t1", 500.0, "y"), ("t2", 1500.0, "z"), ("t1", 1500.0, "w"))
    m = merge([("a", a), ("b", b)])
    assert [(e.id, e.tab, e.wall, e.type) for e in m.events] == [
        (1, "b/t1", 500.0, "y"), (2, "a", 1000.0, "x"), (3, "b/t2", 1500.0, "z"), (4, "b/t1", 1500.0, "w")]
    tab = {"captured": TRACE_CAPS, "source": "trace"}
    assert m.meta == {
        "source": "trace", "captured": TRACE_CAPS,
        "tabs": {"a": {**tab, "file": "a"}, "b/t1": {**tab, "file": "b"}, "b/t2": {**tab, "file": "b"}},
        "inputs": [{"name": "a", "kind": "trace", "browser": None, "tabs": ["a"], "lacks": TRACE_LACKS},
                   {"name": "b", "kind": "trace", "browser": None, "tabs": ["b/t1", "b/t2"], "lacks": TRACE_LACKS}],
    }


def test_inputs_of_different_sources_are_mixed():
    m = merge([("a", trace({"source": "har"}, ("har", 1.0, "x"))), ("b", trace({}, ("t", 2.0, "y")))])
    assert m.meta["source"] == "mixed"
    assert {k: v["source"] for k, v in m.meta["tabs"].items()} == {"a": "har", "b": "trace"}


def test_redacted_only_when_every_input_was():
    both = merge([("a", trace({"redacted": True}, ("t", 1.0, "x"))), ("b", trace({"redacted": True}))])
    assert both.meta["redacted"] is True
    one = merge([("a", trace({"redacted": True}, ("t", 1.0, "x"))), ("b", trace({"redacted": "yes"}))])
    none = merge([("a", trace({}, ("t", 1.0, "x"))), ("b", trace({}))])
    assert "redacted" not in one.meta and "redacted" not in none.meta


def test_an_empty_har_keeps_the_tab_its_input_describes():
    m = merge([("x", har_to_trace({"log": {"entries": []}})), ("x", har_to_trace({"log": {"entries": []}}))])
    assert (m.meta["source"], m.meta["tabs"], m.meta["redacted"]) == ("har", {}, True)
    assert [(d["name"], d["kind"], d["browser"], d["tabs"]) for d in m.meta["inputs"]] == [
        ("x", "har", "other", ["har"]), ("x-2", "har", "other", ["har"])]


def test_unique_labels_number_the_repeats():
    assert unique_labels(["a", "b", "a", "a", "b"]) == ["a", "b", "a-2", "a-3", "b-2"]
