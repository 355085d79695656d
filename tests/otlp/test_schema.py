"""Every OTLP payload authtrace makes parses into ExportLogsServiceRequest /
ExportTraceServiceRequest with the official definitions (opentelemetry-proto), with no
unknown field: the mapping of every scenario trace, and what the exporter posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.protobuf.json_format import ParseError
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.proto.logs.v1.logs_pb2 import SeverityNumber

from authtrace.browser._detached import DetachedPage
from authtrace.browser.recorder import Recorder
from authtrace.diagnosis import diagnose
from authtrace.event import Event, Kind
from authtrace.otlp import RefreshSpans, Source, event_record, finding_record, logs_request, split_brain_span, traces_request
from authtrace.trace import Trace

from ._proto import parse

TRACES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "traces").glob("*.json"))
SOURCE = Source("app", "Mozilla/5.0", ("Chromium 156",), "Linux", False, "en-GB")


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.stem)
def test_every_mapped_scenario_parses_without_unknown_fields(path):
    trace = Trace.loads(path.read_text())
    logs = parse(logs_request(SOURCE, [event_record(e, "s-1") for e in trace.events], "s-1"))
    [rl] = logs.resource_logs
    records = rl.scope_logs[0].log_records
    assert len(records) == len(trace.events)
    assert {kv.key for kv in rl.resource.attributes} >= {"service.name", "session.id", "user_agent.original", "browser.brands"}
    first = records[0]
    assert first.time_unix_nano == int(trace.events[0].wall) * 1_000_000 and first.severity_number == SeverityNumber.SEVERITY_NUMBER_INFO
    assert json.loads(first.body.string_value) == trace.events[0].payload
    d = diagnose(trace)
    spans = RefreshSpans("s-1").feed(trace.events)
    spans += [split_brain_span("s-1", sb.tab, sb.start, sb.end or trace.events[-1].wall, "x", sb.end is None)
              for sb in d.split_brain]
    traces = parse(traces_request(SOURCE, spans, "s-1"))
    parsed = traces.resource_spans[0].scope_spans[0].spans
    refreshes = [e for e in trace.events if e.kind is Kind.FETCH and e.type == "request" and e.payload.get("auth")]
    assert len(parsed) == len(spans) and 0 < len(parsed) - len(d.split_brain) <= len(refreshes)
    assert all(s.end_time_unix_nano >= s.start_time_unix_nano and len(s.trace_id) == 16 for s in parsed)
    findings = [finding_record("s-1", f.tab or "t", f.at, f.id, "WARN", f.explanation, f.fix) for f in d.findings]
    assert len(parse(logs_request(SOURCE, findings, "s-1")).resource_logs[0].scope_logs[0].log_records) == len(findings)


def test_what_the_exporter_posts_parses():
    trace = Trace.loads(TRACES[0].read_text())
    tab = trace.events[0].tab
    page = DetachedPage(tab=tab)
    rec = Recorder(page, otlp={"endpoint": "http://collector.test", "batch_records": 50, "cause_interval_ms": 0})
    page.run(rec.start())
    for i in range(0, len(trace.events), 20):  # the scenario's events, as if this tab were recording them
        chunk = trace.events[i:i + 20]
        for e in chunk:
            rec._keep(e)
        rec._notify(chunk)
        page.advance(3000)
    page.advance(60_000)
    kinds = {p["url"].rsplit("/", 2)[-2] + "/" + p["url"].rsplit("/", 1)[-1] for p in page.posts}
    assert kinds == {"v1/logs", "v1/traces"} and len(page.posts) > 4
    severities = set()
    for post in page.posts:
        message = parse(post["body"])
        for rl in getattr(message, "resource_logs", []):
            severities |= {r.severity_text for r in rl.scope_logs[0].log_records}
    assert severities == {"INFO", "WARN", "ERROR"}  # the events, the cause, the split-brain alarm


def test_the_check_catches_an_unknown_field_and_a_bad_id():
    good = logs_request(SOURCE, [event_record(Event("t", 1.0, 2.0, Kind.NOTE, "x", {}, 1), "s")], "s")
    parse(good)
    bad = json.loads(json.dumps(good))
    bad["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["severity"] = "INFO"
    with pytest.raises(ParseError):
        parse(bad)
    short = json.loads(json.dumps(good))
    short["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0].update(traceId="abcd", spanId="0011223344556677")
    with pytest.raises(AssertionError):
        parse(short)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8),
    max_size=5), st.sampled_from(list(Kind)), st.text(min_size=1, max_size=20))
def test_any_payload_maps_to_a_valid_record(payload, kind, type_):
    e = Event("tab-1", 12.5, 1_800_000_000_123.0, kind, type_, {**payload, "url": "https://x.test/a", "status": 503,
                                                                 "method": "POST", "name": "TypeError"}, 3)
    try:
        json.dumps(payload, allow_nan=False)
    except ValueError:
        return  # not JSON: never a recorded payload
    parse(logs_request(SOURCE, [event_record(e, "s")], "s"))
