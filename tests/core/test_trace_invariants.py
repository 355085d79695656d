"""Invariants of the trace file, its events and the ring buffer, pinned at their edges."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace import Event, Kind, RingBuffer, Trace, TraceFormatError
from authtrace.trace import MAX_TIME_MS, check_event

WALL = 1_800_000_000_000.0


def ev(i=0, payload=None, id=None, tab="tab-a", kind=Kind.NOTE):
    return Event(tab, float(i), WALL + i, kind, "n", {"i": i} if payload is None else payload, id)


# -- Trace ids ------------------------------------------------------------------------------

def test_ids_count_up_from_one_and_continue_after_a_given_id():
    t = Trace()
    assert t.add(ev(0)).id == 1
    assert t.add(ev(1)).id == 2
    assert t.add(ev(2, id=10)).id == 10  # a given id is kept
    assert t.add(ev(3)).id == 11
    t.extend([ev(4), ev(5)])
    assert [e.id for e in t.events] == [1, 2, 10, 11, 12, 13]


def test_ids_after_unnumbered_events_follow_their_count():
    t = Trace(events=[ev(0), ev(1), ev(2)])  # loaded without ids
    assert t.add(ev(3)).id == 4
    t = Trace(events=[ev(0, id=0)])
    assert t.add(ev(1)).id == 2  # never a second 0 or 1... the count wins over a zero id


@given(st.lists(st.one_of(st.none(), st.integers(1, 50)), max_size=30))
@settings(max_examples=40, deadline=None)
def test_added_ids_never_repeat_a_given_last_id(given_ids):
    t = Trace()
    for i, id_ in enumerate(given_ids):
        before = t.events[-1].id if t.events else None
        added = t.add(ev(i, id=id_))
        if id_ is None:
            assert added.id == (before or len(t.events) - 1) + 1
            assert before is None or added.id > before


def test_add_returns_the_numbered_event_and_keeps_the_original():
    original = ev(0)
    t = Trace()
    added = t.add(original)
    assert original.id is None and added.id == 1 and t.events == [added]
    assert added.payload is original.payload and (added.tab, added.mono, added.wall) == ("tab-a", 0.0, WALL)


def test_tabs_are_sorted_and_unique():
    t = Trace(events=[ev(0, tab="b"), ev(1, tab="a"), ev(2, tab="b")])
    assert t.tabs() == ["a", "b"]
    assert Trace().tabs() == []


def test_redacted_copies_marks_and_leaves_the_original_alone():
    secret = "sk_live_" + "Zq3xV9pL2mN8bR4tY7wK1cH6"
    t = Trace({"note": secret}, [ev(0, {"authorization": "Bearer " + secret})])
    r = t.redacted()
    assert r.meta["redacted"] is True and "redacted" not in t.meta
    assert secret not in r.dumps() and secret in t.dumps()
    assert r.events[0].id == t.events[0].id


def test_dumps_keeps_unicode_and_indents_on_request():
    t = Trace({"who": "é"}, [ev(0, id=1)])
    assert '"é"' in t.dumps() and "\n" not in t.dumps()
    assert t.dumps(indent=2).startswith('{\n  "format": "authtrace/1"')
    back = Trace.loads(t.dumps())
    assert back.meta == {"who": "é"} and back.events == t.events


def test_from_json_tolerates_absent_or_null_meta_and_payload():
    obj = {"format": "authtrace/1", "meta": None,
           "events": [{"tab": "a", "mono": 1, "wall": 2, "kind": "note", "type": "x", "payload": None}]}
    with pytest.raises(TraceFormatError, match='"meta" must be an object'):
        Trace.from_json(obj)
    del obj["meta"]
    with pytest.raises(TraceFormatError, match='"payload" must be an object'):
        Trace.from_json(obj)
    del obj["events"][0]["payload"]
    t = Trace.from_json(obj)
    assert t.meta == {} and t.events[0].payload == {} and t.events[0].id is None
    assert isinstance(t.events[0].mono, float)


# -- loading: where a JSON error is, and what is out of range ------------------------------

@pytest.mark.parametrize("text, word", [
    ("[1,", "truncated"),  # ends in the middle of the list
    # (not a trailing comma: Python 3.14 reports that at the comma, 3.11 after it)
    ("[1 }", "truncated"),  # the error is at the very last character
    ('{"a": 1 ]  ', "truncated"),  # ...trailing blanks do not count
    ("[1,]]", "invalid JSON"),  # the error is two characters before the end
    ("[1] xyz", "invalid JSON"),
    ("   \n\t", "empty"),
    (b"", "empty"),
])
def test_truncated_or_invalid(text, word):
    with pytest.raises(TraceFormatError, match=word):
        Trace.loads(text)


def test_bytes_are_read_as_utf8():
    t = Trace({"who": "é"})
    assert Trace.loads(t.dumps().encode()).meta == {"who": "é"}


def good_event(**over):
    e = {"tab": "a", "mono": 1, "wall": 2, "kind": "note", "type": "x"}
    e.update(over)
    return e


@pytest.mark.parametrize("value", [MAX_TIME_MS, -MAX_TIME_MS, 0, 0.5])
@pytest.mark.parametrize("key", ["mono", "wall"])
def test_times_up_to_javascripts_range_are_accepted(key, value):
    check_event(0, good_event(**{key: value}))


@pytest.mark.parametrize("value", [MAX_TIME_MS + 1, -MAX_TIME_MS - 1, float("nan"), float("inf"), True])
@pytest.mark.parametrize("key", ["mono", "wall"])
def test_times_beyond_it_are_refused(key, value):
    with pytest.raises(TraceFormatError, match=f'event #3 has (no valid "{key}"|"{key}" out of range)'):
        check_event(3, good_event(**{key: value}))


@pytest.mark.parametrize("over, words", [
    ({"tab": 1}, 'no valid "tab"'), ({"type": None}, 'no valid "type"'), ({"kind": 3}, "unknown kind 3"),
    ({"payload": []}, '"payload" must be an object'), ({"id": True}, '"id" must be an integer'),
    ({"id": 1.5}, '"id" must be an integer'), ({"id": "1"}, '"id" must be an integer'),
])
def test_bad_event_fields(over, words):
    with pytest.raises(TraceFormatError, match=words):
        check_event(0, good_event(**over))
    check_event(0, good_event(id=7, payload={}))


def test_not_an_object_and_bad_headers():
    with pytest.raises(TraceFormatError, match="event #2 is not an object"):
        check_event(2, [1])
    for obj, words in [({"format": 1, "events": []}, '"format" is 1'),
                       ({"format": "authtrace/10", "events": []}, "unsupported trace version"),
                       ({"log": [], "events": []}, 'missing "format"'),
                       ({"format": "authtrace/1", "meta": [], "events": []}, '"meta" must be an object'),
                       ({"format": "authtrace/1"}, '"events" must be a list')]:
        with pytest.raises(TraceFormatError, match=words):
            Trace.from_json(obj)


# -- Event ------------------------------------------------------------------------------------

def test_event_json_puts_the_id_first_only_when_there_is_one():
    assert list(ev(0, id=5).to_json()) == ["id", "tab", "mono", "wall", "kind", "type", "payload"]
    assert "id" not in ev(0).to_json()
    assert ev(0, id=0).to_json()["id"] == 0
    assert ev(0).to_json()["kind"] == "note"


def test_with_id_and_with_payload_change_only_that():
    e = Event("t", 1.0, 2.0, Kind.FETCH, "request", {"a": 1}, 3)
    assert e.with_id(9) == Event("t", 1.0, 2.0, Kind.FETCH, "request", {"a": 1}, 9)
    assert e.with_payload({"b": 2}) == Event("t", 1.0, 2.0, Kind.FETCH, "request", {"b": 2}, 3)


def test_size_is_the_compact_utf8_json():
    e = ev(0, {"x": "é"}, id=1)
    compact = json.dumps(e.to_json(), separators=(",", ":"), ensure_ascii=False)
    assert e.size() == len(compact.encode()) == len(compact) + 1


# -- RingBuffer ----------------------------------------------------------------------------------

def test_clear_forgets_the_bytes_too_so_the_buffer_fills_again():
    one = ev(0).size()
    rb = RingBuffer(max_events=10, max_bytes=one * 3)
    rb.extend(ev(0) for _ in range(3))
    assert rb.bytes == one * 3 and rb.dropped == 0
    rb.clear()
    assert (len(rb), rb.bytes, rb.events()) == (0, 0, [])
    rb.extend(ev(0) for _ in range(3))
    assert len(rb) == 3 and rb.dropped == 0 and rb.bytes == one * 3


def test_an_event_of_exactly_max_bytes_is_kept_alone():
    one = ev(0).size()
    rb = RingBuffer(max_events=10, max_bytes=one)
    rb.append(ev(0))
    assert len(rb) == 1 and rb.bytes == one and rb.dropped == 0
    rb.append(ev(0))  # the older one goes
    assert len(rb) == 1 and rb.dropped == 1 and rb.dropped_bytes == one
    rb.append(ev(0), size=one + 1)  # too big on its own: dropped, the buffer untouched
    assert len(rb) == 1 and rb.bytes == one and rb.dropped == 2 and rb.dropped_bytes == 2 * one + 1


def test_exactly_max_events_are_kept():
    rb = RingBuffer(max_events=2, max_bytes=10_000)
    rb.extend([ev(0), ev(1)])
    assert len(rb) == 2 and rb.dropped == 0
    rb.append(ev(2))
    assert [e.payload["i"] for e in rb] == [1, 2] and rb.dropped == 1 and rb.bytes == ev(1).size() + ev(2).size()


def test_a_given_size_is_what_is_budgeted():
    rb = RingBuffer(max_events=10, max_bytes=100)
    rb.append(ev(0), size=60)
    rb.append(ev(1), size=40)
    assert rb.bytes == 100 and len(rb) == 2
    rb.append(ev(2), size=1)
    assert [e.payload["i"] for e in rb] == [1, 2] and rb.bytes == 41 and rb.dropped_bytes == 60


@pytest.mark.parametrize("events, bytes_", [(1, 0), (0, 1), (-1, 5)])
def test_bounds_below_one_are_refused(events, bytes_):
    with pytest.raises(ValueError, match="positive"):
        RingBuffer(max_events=events, max_bytes=bytes_)
    RingBuffer(max_events=1, max_bytes=1)


@given(st.lists(st.integers(1, 50), max_size=40), st.integers(1, 6), st.integers(1, 120))
@settings(max_examples=40, deadline=None)
def test_bounds_hold_and_nothing_is_lost_without_being_counted(sizes, max_events, max_bytes):
    rb = RingBuffer(max_events=max_events, max_bytes=max_bytes)
    for i, size in enumerate(sizes):
        rb.append(ev(i), size=size)
    assert len(rb) <= max_events and rb.bytes <= max_bytes
    kept = [e.payload["i"] for e in rb]
    assert kept == sorted(kept)
    assert rb.bytes == sum(sizes[i] for i in kept)
    assert rb.dropped == len(sizes) - len(kept)
    assert rb.dropped_bytes == sum(sizes) - rb.bytes
