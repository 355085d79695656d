"""The recorder's events in time order (what the panel renders and diagnoses) stay exactly the
buffer's events sorted by (wall, mono), however events arrive, whatever the buffer drops.
Self-contained: also runs inside Pyodide."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.browser._detached import DetachedPage
from authtrace.browser.recorder import Recorder

record = st.tuples(st.sampled_from(["B", "C"]), st.integers(0, 50), st.integers(0, 3), st.integers(0, 300))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(record, max_size=12), max_size=8), st.integers(1, 25), st.data())
def test_events_are_the_buffer_in_time_order(batches, cap, data):
    page = DetachedPage(tab="A")
    rec = Recorder(page, max_events=cap, max_bytes=data.draw(st.sampled_from([250, 2_000, 1 << 20])))
    page.run(rec.start())
    ids = {"B": 0, "C": 0}
    for batch in batches:
        records = []
        for tab, wall, mono, pad in batch:
            ids[tab] += 1
            records.append(json.dumps({"id": ids[tab], "tab": tab, "mono": mono, "wall": 1_800_000_000_000 + wall,
                                       "kind": "note", "type": "x", "payload": {"pad": "x" * pad}}))
        page.deliver(records)
        if data.draw(st.booleans()):
            page.emit("note", "own", {})  # this tab's, at the page's time
        if data.draw(st.integers(0, 9)) == 0:
            page.run(rec.clear())
        assert [id(e) for e in rec.events()] == [id(e) for e in sorted(rec.buffer, key=lambda e: (e.wall, e.mono))]
