"""Small exact promises of the core that a mutation run showed unpinned: the words of errors a
user or a caller reads, default bounds, rounding, and one classification edge."""

import json

import pytest

from authtrace import Event, Kind, Trace
from authtrace.capture import Capture
from authtrace.diagnosis.timeline import Timeline
from authtrace.failure import TRANSIENT, classify
from authtrace.inputs import shape_of
from authtrace.ringbuffer import RingBuffer
from authtrace.trace import TraceFormatError

from _builders import make_jwt


def test_a_type_error_is_known_by_its_name_alone():
    # a minified bundle may lose the class name; the error's name still says TypeError
    v = classify(name="TypeError", message="x is not a function")
    assert (v.kind, v.reason) == (TRANSIENT, "type-error")
    v = classify(error_class="TypeError", message="x is not a function")
    assert (v.kind, v.reason) == (TRANSIENT, "type-error")
    v = classify(name="TypeError", message="Failed to fetch")
    assert (v.kind, v.reason) == (TRANSIENT, "network")


def test_the_ring_buffer_keeps_ten_thousand_events_or_five_megabytes_by_default():
    b = RingBuffer()
    assert (b.max_events, b.max_bytes) == (10_000, 5_000_000)
    for bad in ((0, 1), (1, 0), (-5, 10)):
        with pytest.raises(ValueError, match="^RingBuffer bounds must be positive$"):
            RingBuffer(*bad)


def test_shape_of_names_at_most_five_keys():
    assert shape_of({k: 1 for k in "abcdefg"}) == "an object with keys 'a', 'b', 'c', 'd', 'e'"
    assert shape_of({"x": 1}) == "an object with keys 'x'"
    assert shape_of({}) == "an empty object"
    assert shape_of([1]) == "list"


def test_a_cut_off_trace_file_says_so():
    text = json.dumps({"format": "authtrace/1", "meta": {}, "events": []})
    with pytest.raises(TraceFormatError) as exc:
        Trace.loads(text[:-3])
    assert str(exc.value) == ("truncated trace: the JSON ends early at line 1, column "
                              f"{len(text) - 2} (was the file cut off while being written or copied?)")


def test_a_span_refuses_an_index_past_its_end():
    t = Trace()
    t.add(Event("A", 1, 1_000.0, Kind.NOTE, "x", {}))
    span = Timeline(t).series("A", Kind.NOTE, "x").span()
    assert span[0].type == "x" and span[-1].type == "x"
    with pytest.raises(IndexError, match="^span index out of range$"):
        span[1]


def test_an_authenticate_frame_tells_the_seconds_left_to_a_tenth():
    token = make_jwt()  # expires at 1_800_000_300 s
    frame = json.dumps({"type": "Authenticate", "tokenType": "User", "value": token, "baseVersion": 0})
    [ev] = Capture("t").observe({"kind": "websocket", "type": "send", "mono": 1.0, "wall": 1_800_000_100_234.0,
                                 "payload": {"socket": 1, "data": frame}})
    assert ev.payload["seconds_left"] == 199.8 and ev.payload["expired_when_sent"] is False
