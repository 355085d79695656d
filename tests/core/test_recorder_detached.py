"""The flight recorder on a detached page (no browser): observations in through the
shim's hand-off, redacted events kept, persisted and shared; reloads, other tabs,
the bounded buffer and fail-open faults. Self-contained: also runs inside Pyodide
(with the detached page there too)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.browser._detached import DetachedPage
from authtrace.browser.recorder import Recorder
from authtrace.event import Event, Kind

SECRET = "rt_" + "S" * 28
STORE = {"area": "local", "key": "workos:refresh-token:client", "value": SECRET}


def started(page: DetachedPage, **options) -> Recorder:
    rec = Recorder(page, **options)
    assert page.run(rec.start()) is True
    return rec


def record(tab: str, id_: int, wall: float = 1.0) -> str:
    return json.dumps(Event(tab, wall, wall, Kind.NOTE, "x", {}, id=id_).to_json())


def test_observations_become_redacted_events_kept_persisted_and_shared():
    page = DetachedPage(tab="tab-a")
    rec = started(page)
    batches = []
    rec.subscribe(batches.append)
    page.advance(250)
    page.emit("storage", "setItem", STORE)
    [event] = rec.events()
    assert (event.id, event.tab, event.kind, event.type, event.mono) == (1, "tab-a", Kind.STORAGE, "setItem", 250.0)
    assert event.payload["value"].startswith("tok:")
    assert [e.id for e in batches[0]] == [1]
    for kept in (page.persisted, page.sent):  # IndexedDB and the other tabs get the same redacted record
        assert len(kept) == 1 and SECRET not in kept[0] and json.loads(kept[0])["payload"] == event.payload
    assert SECRET not in rec.trace().dumps()


def test_a_reload_restores_the_story_and_continues_the_numbering():
    page = DetachedPage(tab="tab-a")
    first = started(page)
    page.emit("lifecycle", "boot", {"visibility": "visible"})
    page.emit("network", "offline", {"online": False})
    again = started(page)  # the same tab, loaded again: the same store
    assert again.restored == 2 and [e.id for e in again.events()] == [1, 2]
    page.emit("network", "online", {"online": True})
    assert [e.id for e in again.events()] == [1, 2, 3] and len(first.events()) == 2  # the old load no longer hears
    page.deliver(page.persisted[:1])  # an echo of a known record: kept once
    assert len(again.events()) == 3


def test_other_tabs_records_merge_once_and_bad_ones_are_ignored():
    page = DetachedPage(tab="tab-a")
    rec = started(page)
    seen = []
    rec.subscribe(seen.append)
    page.deliver([record("tab-b", 1), record("tab-b", 2), "not json", json.dumps({"id": 3})])
    page.deliver([record("tab-b", 2)])
    assert [(e.tab, e.id) for e in rec.events()] == [("tab-b", 1), ("tab-b", 2)]
    assert [len(batch) for batch in seen] == [2, 0]
    page.emit("note", "mine", {})
    assert rec.events()[-1].id == 1 and rec.events()[-1].tab == "tab-a"  # other tabs' ids do not move this tab's
    assert rec.trace().meta["tabs"] == ["tab-a", "tab-b"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["tab-a", "tab-b", "tab-c"]), st.integers(1, 6)), max_size=25))
def test_any_mix_of_restored_and_broadcast_records_is_kept_once(records):
    page = DetachedPage(tab="tab-a")
    page.persisted = [record(tab, i, wall=i) for tab, i in records[: len(records) // 2]]
    rec = started(page)
    page.deliver([record(tab, i, wall=i) for tab, i in records])
    kept = [(e.tab, e.id) for e in rec.events()]
    assert sorted(kept) == sorted(set(records))
    page.emit("note", "next", {})
    own = [i for tab, i in records if tab == "tab-a"]
    assert rec.events()[-1].id == max(own, default=0) + 1


def test_the_buffer_is_bounded_and_the_store_trimmed_with_it():
    page = DetachedPage()
    rec = started(page, max_events=3)
    for i in range(5):
        page.emit("note", f"n{i}", {})
    assert [e.type for e in rec.events()] == ["n2", "n3", "n4"] and rec.buffer.dropped == 2
    assert [json.loads(r)["type"] for r in page.persisted] == ["n2", "n3", "n4"]
    assert rec.trace().meta["dropped"] == 2


def test_a_recovered_pagehide_that_was_saved_after_all_is_not_kept_twice():
    page = DetachedPage()
    rec = started(page)
    page.emit("lifecycle", "pagehide", {"persisted": False, "visibility": "hidden"})
    page.emit("lifecycle", "pagehide", {"persisted": False, "visibility": "hidden", "recovered": True})
    page.advance(1)
    page.emit("lifecycle", "pagehide", {"persisted": False, "visibility": "hidden", "recovered": True})
    assert [e.type for e in rec.events()] == ["pagehide", "pagehide"]


def test_recorder_faults_fail_open_and_say_so():
    page = DetachedPage()
    rec = started(page)
    rec.fault = "observe"
    page.emit("network", "offline", {"online": False})
    [note] = rec.events()
    assert (note.kind, note.type, note.payload["observation"]) == (Kind.NOTE, "recorder-error", "network/offline")
    assert rec.errors == 1
    rec.fault = "sink"
    with pytest.raises(RuntimeError):  # the shim catches it and notes an observer-error
        page.emit("network", "online", {"online": True})
    rec.fault = None

    def broken(_events):
        raise ValueError("listener")

    calls = []
    rec.subscribe(broken)
    rec.subscribe(calls.append)
    page.emit("network", "online", {"online": True})
    assert rec.errors == 2 and len(calls) == 1  # a broken listener costs an error count, not the others


def test_without_the_boot_shim_nothing_is_taken_over():
    page = DetachedPage(shim=False)
    rec = Recorder(page)
    assert page.run(rec.start()) is False and rec.started is False
    page.emit("network", "offline", {"online": False})
    assert rec.events() == []


def test_the_export_is_in_wall_clock_order_with_each_tabs_numbering():
    page = DetachedPage(tab="tab-a")
    rec = started(page)
    page.advance(10)
    page.emit("note", "late", {})
    page.deliver([record("tab-b", 7, wall=page.now()[1] - 5)])
    trace = rec.trace()
    assert [(e.tab, e.type, e.payload["seq"]) for e in trace.events] == [("tab-b", "x", 7), ("tab-a", "late", 1)]
    assert [e.id for e in trace.events] == [1, 2] and trace.meta["recorded_by"] == "tab-a"
    page.run(rec.clear())
    assert rec.events() == [] and page.persisted == []
