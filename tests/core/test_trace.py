import json
from importlib import resources

import pytest

from authtrace import FORMAT, Event, Kind, Trace, TraceFormatError


def sample() -> Trace:
    t = Trace({"origin": "http://localhost:5173"})
    t.add(Event("tab-a", 1.0, 1_800_000_000_000.0, Kind.VISIBILITY, "visibilitychange", {"state": "hidden"}))
    t.add(Event("tab-a", 2.0, 1_800_000_000_001.0, Kind.FETCH, "request", {"url": "/x"}))
    return t


def test_round_trip_and_ids():
    t = sample()
    assert [e.id for e in t.events] == [1, 2]
    back = Trace.loads(t.dumps())
    assert back.to_json() == t.to_json()
    assert back.to_json()["format"] == FORMAT == "authtrace/1"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("not json at all", "invalid JSON"),
        ('{"format": "authtrace/1", "events": [{"tab": "a"', "truncated"),
        ('{"format": "authtrace/2", "events": []}', "unsupported trace version 'authtrace/2'"),
        ('{"format": "other", "events": []}', "expected \"authtrace/1\""),
        ('{"events": []}', 'missing "format"'),
        ('{"log": {"entries": []}}', "HAR file"),
        ("[1, 2]", "expected a JSON object"),
        ('{"format": "authtrace/1", "events": {}}', '"events" must be a list'),
        ('{"format": "authtrace/1", "events": [{"tab": "a", "mono": 1, "wall": 2, "kind": "nope", "type": "x"}]}',
         "unknown kind 'nope'"),
        ('{"format": "authtrace/1", "events": [{"tab": "a", "mono": "1", "wall": 2, "kind": "note", "type": "x"}]}',
         'event #0 has no valid "mono"'),
    ],
)
def test_bad_input_gives_clear_error(text, message):
    with pytest.raises(TraceFormatError) as info:
        Trace.loads(text)
    assert message in str(info.value)


def test_bytes_that_are_not_utf8():
    with pytest.raises(TraceFormatError, match="not UTF-8"):
        Trace.loads(b"\xff\xfe\x00garbage")


def test_schema_file_ships_with_the_package_and_matches_the_loader():
    schema = json.loads(resources.files("authtrace").joinpath("schema/authtrace-1.schema.json").read_text())
    assert schema["properties"]["format"]["const"] == FORMAT
    assert set(schema["$defs"]["event"]["properties"]["kind"]["enum"]) == {k.value for k in Kind}


def test_schema_accepts_what_the_writer_writes():
    jsonschema = pytest.importorskip("jsonschema")  # not in the page: it needs a compiled wheel
    schema = json.loads(resources.files("authtrace").joinpath("schema/authtrace-1.schema.json").read_text())
    jsonschema.validate(sample().redacted().to_json(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"format": "authtrace/1", "events": [{"tab": "a"}]}, schema)
