"""The report's inputs merged (``authtrace.report.combine``), exactly: an event both tab exports hold
is recognised by its tab and sequence number even when its clocks differ, a second HAR keeps its
events' types under its own tab, and a mix of HARs and traces declares nothing a HAR said."""

from __future__ import annotations

import _har as H

from authtrace import Event, Kind, Trace
from authtrace.report import Input, combine

T0 = 1_800_000_000_000.0


def doc(events: list[Event], meta: dict | None = None) -> dict:
    return Trace(meta or {}, events).to_json()


def test_an_event_in_two_exports_is_known_by_its_tab_and_seq():
    # the same event of tab A, as each tab's recorder saw it (the relayed copy has other clocks and id)
    own = Event("A", 10, T0 + 10, Kind.NOTE, "x", {"seq": 1, "message": "m"}, 1)
    relayed = Event("A", 12, T0 + 11, Kind.NOTE, "x", {"seq": 1, "message": "m"}, 7)
    other = Event("A", 20, T0 + 20, Kind.NOTE, "x", {"seq": 2, "message": "m"}, 8)
    merged = combine([Input("a.json", doc([own])), Input("b.json", doc([relayed, other]))])
    assert [(e.tab, e.wall, e.payload["seq"]) for e in merged.events] == [("A", T0 + 10, 1), ("A", T0 + 20, 2)]
    assert [e.id for e in merged.events] == [1, 8]  # unique ids stay as recorded


def test_without_seq_only_identical_events_are_one():
    a = Event("A", 10, T0 + 10, Kind.NOTE, "x", {"message": "m"}, 1)
    moved = Event("A", 11, T0 + 10, Kind.NOTE, "x", {"message": "m"}, 2)
    merged = combine([Input("a.json", doc([a])), Input("b.json", doc([a.with_id(5), moved]))])
    assert [(e.mono, e.id) for e in merged.events] == [(10, 1), (11, 2)]


def test_a_payload_value_json_cannot_write_does_not_stop_the_merge():
    odd = Event("A", 10, T0 + 10, Kind.NOTE, "x", {"value": {1, 2}}, 1)  # an in-memory document, not parsed JSON
    merged = combine([Input("a.json", doc([odd])), Input("b.json", doc([odd]))])
    assert len(merged.events) == 1


def test_a_second_har_is_its_own_tab_with_the_same_events():
    a = H.har([H.auth_entry(1, {"grant_type": "refresh_token", "refresh_token": "tok:000000000001"})])
    b = H.har([H.auth_entry(5, {"grant_type": "refresh_token", "refresh_token": "tok:000000000002"})])
    one = combine([Input("b.har", b)])
    two = combine([Input("a.har", a), Input("b.har", b)])
    second = [e for e in two.events if e.tab == "har-2"]
    assert [(e.kind, e.type) for e in second] == [(e.kind, e.type) for e in one.events]
    assert [e.payload for e in second] == [e.payload for e in one.events] and second


def test_a_har_then_a_trace_declares_no_har_capture():
    a = H.har([H.auth_entry(1, {"grant_type": "refresh_token", "refresh_token": "tok:000000000001"})])
    alone = combine([Input("a.har", a)])
    assert alone.meta["source"] == "har" and "captured" in alone.meta and "har" in alone.meta
    trace = doc([Event("A", 1, T0 + 1, Kind.NOTE, "x", {"message": "m"}, 1)], {"origin": "o"})
    mixed = combine([Input("a.har", a), Input("t.json", trace)])
    assert mixed.meta["source"] == "trace" and "captured" not in mixed.meta and "har" not in mixed.meta
    assert mixed.meta["tabs"] == ["A", "har"]
