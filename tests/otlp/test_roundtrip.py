"""The round trip: the scenario traces exported by the recorder's exporter (tab by tab, in
batches, findings included), stored as a Collector's file exporter stores them (one request per
line, several sessions interleaved in one file, a batch delivered twice), then `authtrace
analyze FILE --json`: every session gives the findings and split-brain intervals of the trace
itself."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from authtrace.trace import Trace

from ._export import exported_requests, file_exporter_line

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _run import run  # noqa: E402

TRACES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "traces").glob("*.json"))


def test_export_file_exporter_analyze_gives_the_traces_own_findings(tmp_path):
    lines: list[list[str]] = []
    for path in TRACES:
        bodies = exported_requests(Trace.loads(path.read_text()), f"session-{path.stem}")
        lines.append([file_exporter_line(b) for b in bodies])
    lines[0].insert(3, lines[0][1])  # a retried batch that had been stored already
    stored = tmp_path / "logs.json"
    with stored.open("w") as f:  # interleaved, as many browsers export at once
        for i in range(max(map(len, lines))):
            for session in lines:
                if i < len(session):
                    f.write(session[i] + "\n")
    result = run("analyze", str(stored), "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["source"] == "otlp"
    by_session = {s["session_id"]: s for s in out["sessions"]}
    assert sorted(by_session) == sorted(f"session-{p.stem}" for p in TRACES)
    for path in TRACES:
        direct = json.loads(run("analyze", str(path), "--json").out)
        got = by_session[f"session-{path.stem}"]
        assert got["findings"] == direct["findings"], path.stem
        assert got["split_brain"] == direct["split_brain"] and got["not_judged"] == direct["not_judged"]
        assert direct["findings"], path.stem  # every scenario has something to find


def test_analyze_of_an_otlp_file_prints_each_session(tmp_path):
    path = TRACES[0]
    stored = tmp_path / "logs.json"
    stored.write_text("\n".join(file_exporter_line(b) for b in exported_requests(Trace.loads(path.read_text()), "s-1")))
    result = run("analyze", str(stored))
    assert result.code == 0 and "session s-1" in result.out and "hidden-tab-refresh-paused" in result.out


def test_bad_otlp_files_are_one_line_errors(tmp_path):
    cases = {
        "truncated": '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[',
        "no records": '{"resourceSpans":[]}\n',
        "bad kind": '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","attributes":'
                    '[{"key":"authtrace.kind","value":{"stringValue":"nope"}}]}]}]}]}\n',
        "bad body": '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","body":{"stringValue":"{"},'
                    '"attributes":[{"key":"authtrace.kind","value":{"stringValue":"note"}},{"key":"authtrace.tab",'
                    '"value":{"stringValue":"t"}},{"key":"authtrace.type","value":{"stringValue":"x"}}]}]}]}]}\n',
    }
    for name, text in cases.items():
        f = tmp_path / f"{name.replace(' ', '-')}.json"
        f.write_text(text)
        line = run("analyze", str(f), "--json").one_line_error()
        assert str(f) in line, (name, line)
