import pytest

from authtrace import Event, Kind, RingBuffer


def ev(i, text=""):
    return Event("t", float(i), float(i), Kind.NOTE, "n", {"i": i, "text": text})


def test_keeps_newest_by_count_and_counts_dropped():
    rb = RingBuffer(max_events=3, max_bytes=10_000)
    rb.extend(ev(i) for i in range(5))
    assert [e.payload["i"] for e in rb] == [2, 3, 4]
    assert rb.dropped == 2
    assert len(rb) == 3


def test_keeps_newest_by_bytes():
    one = ev(0, "x" * 100).size()
    rb = RingBuffer(max_events=100, max_bytes=one * 2 + 10)
    rb.extend(ev(i, "x" * 100) for i in range(4))
    assert [e.payload["i"] for e in rb] == [2, 3]
    assert rb.dropped == 2
    assert rb.bytes <= rb.max_bytes
    assert rb.dropped_bytes == 2 * one


def test_oversized_event_is_dropped_alone():
    rb = RingBuffer(max_events=10, max_bytes=200)
    rb.append(ev(0))
    rb.append(ev(1, "y" * 500))
    assert [e.payload["i"] for e in rb] == [0]
    assert rb.dropped == 1


def test_bounds_must_be_positive():
    with pytest.raises(ValueError):
        RingBuffer(max_events=0)
