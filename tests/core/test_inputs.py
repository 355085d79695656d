"""Which document an input is (``authtrace.inputs``): a trace, a HAR export, a replay plan or none."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.inputs import HAR, PLAN, TRACE, NotATrace, kind_of, shape_of, to_trace
from authtrace.trace import Trace, TraceFormatError


@pytest.mark.parametrize("doc, kind", [
    ({"format": "authtrace/1", "events": []}, TRACE),
    ({"format": "authtrace/7"}, TRACE),  # a trace of another version: trace.py names the version
    ({"format": None, "log": {}}, TRACE),  # a "format" makes it no HAR
    ({"log": {"entries": []}}, HAR),
    ({"log": {}, "x": 1}, HAR),
    ({"format": "authtrace-replay/1"}, PLAN),
    ({"format": "authtrace-replay/2", "log": {}}, PLAN),
    ({"log": []}, None), ({}, None), ([1], None), ("authtrace/1", None), (None, None),
])
def test_kind(doc, kind):
    assert kind_of(doc) == kind


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["format", "log", "events", "meta", "x"]),
                       st.none() | st.integers() | st.text(max_size=20) | st.dictionaries(st.text(max_size=3),
                                                                                          st.integers(), max_size=2)))
def test_kind_follows_format_then_log(doc):
    fmt = doc.get("format")
    want = (PLAN if isinstance(fmt, str) and fmt.startswith("authtrace-replay/") else TRACE if "format" in doc
            else HAR if isinstance(doc.get("log"), dict) else None)
    assert kind_of(doc) == want
    if want in (None, PLAN):
        with pytest.raises(NotATrace):
            to_trace(doc)


def test_to_trace_says_what_it_got_instead():
    assert to_trace(Trace()) == Trace()
    for doc, shape in (([1, 2], "list"), ({}, "an empty object"), ({"a": 1, "b": 2}, "an object with keys 'a', 'b'")):
        assert shape_of(doc) == shape
        with pytest.raises(NotATrace, match=f"nor a HAR export .*; got {shape}$"):
            to_trace(doc)
    with pytest.raises(NotATrace, match="replay plan"):
        to_trace({"format": "authtrace-replay/1"})
    assert issubclass(NotATrace, TraceFormatError)  # every reader that catches a bad trace catches it
