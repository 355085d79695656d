import json

import pytest

from authtrace import Event, Kind


def test_event_json_round_trip_keeps_every_field():
    ev = Event(tab="t1", mono=12.5, wall=1_800_000_000_123.0, kind=Kind.FETCH, type="response",
               payload={"status": 200}, id=7)
    back = Event.from_json(json.loads(json.dumps(ev.to_json())))
    assert back == ev
    assert back.kind is Kind.FETCH


def test_kind_is_coerced_from_string_and_validated():
    assert Event("t", 0, 0, "visibility", "visibilitychange").kind is Kind.VISIBILITY
    with pytest.raises(ValueError):
        Event("t", 0, 0, "bogus", "x")


def test_all_issue_kinds_exist():
    assert {k.value for k in Kind} == {
        "visibility", "lifecycle", "network", "fetch", "websocket",
        "authkit", "convex", "storage", "lock", "note",
    }


def test_size_counts_payload_bytes():
    small = Event("t", 0, 0, Kind.NOTE, "n", {"x": ""})
    big = Event("t", 0, 0, Kind.NOTE, "n", {"x": "é" * 100})
    assert big.size() - small.size() == 200  # two UTF-8 bytes per é
