"""The OTLP export on a detached page (no browser, a virtual clock): events to log records,
refresh attempts and split-brain intervals to spans, batches, the bounded queue, retry with
backoff, keepalive on pagehide, sampling, fail-open, and no secret leaving. The read-back gives
the recorder's own export again. Self-contained: also runs inside Pyodide (schema checks with
the official protocol package are in tests/otlp)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.browser._detached import DetachedPage
from authtrace.browser.exporter import OtlpExporter, check_options
from authtrace.browser.recorder import Recorder
from authtrace.otlp import Backoff, Queue, Sessions, sampled
from authtrace.otlp.batch import retryable
from authtrace.otlp.logs import nanos
from authtrace.otlp.values import any_value, from_any

ENDPOINT = "http://collector.test:4318"
SECRET = "rt_" + "S" * 28
AUTH = "https://api.workos.com/user_management/authenticate"


def started(page: DetachedPage, **otlp) -> Recorder:
    rec = Recorder(page, otlp={"endpoint": ENDPOINT, "interval_ms": 2000, **otlp})
    assert page.run(rec.start()) is True
    return rec


def bodies(page: DetachedPage, path: str = "/v1/logs") -> list[dict]:
    return [json.loads(p["body"]) for p in page.posts if p["url"] == ENDPOINT + path]


def log_records(page: DetachedPage) -> list[dict]:
    return [r for b in bodies(page) for rl in b["resourceLogs"] for sl in rl["scopeLogs"] for r in sl["logRecords"]]


def attrs(record: dict) -> dict:
    return {kv["key"]: from_any(kv["value"]) for kv in record["attributes"]}


def signed_in_then_split(page: DetachedPage) -> None:
    """AuthKit has a user; a refresh fails with TypeError; Convex says it is not authenticated."""
    page.emit("lifecycle", "boot", {"visibility": "visible", "online": True, "url": "http://app.test/?code=abc"})
    page.emit("authkit", "user", {"present": True, "userId": "user_01H0000000000000000000000A", "isLoading": False})
    page.emit("convex", "auth-change", {"isAuthenticated": True})
    page.advance(1000)
    page.emit("fetch", "request", {"request": 7, "url": AUTH, "method": "POST", "auth": True,
                                   "body": json.dumps({"grant_type": "refresh_token", "refresh_token": SECRET})})
    page.advance(40)
    page.emit("fetch", "error", {"request": 7, "name": "TypeError", "message": "Failed to fetch", "durationMs": 40})
    page.emit("convex", "auth-change", {"isAuthenticated": False})


def test_events_leave_as_log_records_in_batches_with_semantic_attributes():
    page = DetachedPage(tab="tab-a")
    rec = started(page)
    signed_in_then_split(page)
    assert page.posts == []  # batched: nothing before the interval
    page.advance(1000)
    records = [r for r in log_records(page) if r["eventName"] != "authtrace.finding"]
    assert [r["eventName"] for r in records] == [f"authtrace.{e.kind.value}.{e.type}" for e in rec.events()]
    request = next(r for r in records if r["eventName"] == "authtrace.fetch.request")
    a = attrs(request)
    assert a["session.id"] == "session-detached" and a["authtrace.tab"] == "tab-a" and a["authtrace.seq"] == 4
    assert (a["url.full"], a["http.request.method"], a["authtrace.grant_type"]) == (AUTH, "POST", "refresh_token")
    assert attrs(next(r for r in records if r["eventName"] == "authtrace.fetch.error"))["error.type"] == "TypeError"
    assert request["severityText"] == "INFO" and request["timeUnixNano"] == nanos(1_800_000_001_000.0)
    [post] = [p for p in page.posts if p["url"].endswith("/v1/logs")]
    assert post["keepalive"] is False
    resource = {kv["key"]: from_any(kv["value"]) for kv in bodies(page)[0]["resourceLogs"][0]["resource"]["attributes"]}
    assert resource["service.name"] == "authtrace" and resource["session.id"] == "session-detached"
    assert resource["user_agent.original"] == "detached" and resource["browser.language"] == "en"


def test_no_secret_leaves_and_every_request_is_already_redacted():
    page = DetachedPage(tab="tab-a")
    started(page)
    signed_in_then_split(page)
    page.emit("storage", "setItem", {"area": "local", "key": "workos:refresh-token:client", "value": SECRET})
    page.advance(1000)
    assert page.posts
    for post in page.posts:
        assert SECRET not in post["body"] and "code=abc" not in post["body"]
    from authtrace.redaction import Redactor

    for body in bodies(page) + bodies(page, "/v1/traces"):
        assert Redactor().value(body) == body  # the one redactor finds nothing left to replace


def test_refresh_attempts_and_the_split_brain_become_spans_and_findings():
    page = DetachedPage(tab="tab-a")
    rec = started(page, cause_interval_ms=0)
    signed_in_then_split(page)
    page.advance(1000)
    findings = [r for r in log_records(page) if r["eventName"] == "authtrace.finding"]
    assert [(r["severityText"], attrs(r)["authtrace.cause"]) for r in findings][0] == ("ERROR", "split-brain")
    assert findings[0]["severityNumber"] == 17 and len(findings[0]["spanId"]) == 16
    spans = [s for b in bodies(page, "/v1/traces") for rs in b["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    [refresh] = spans
    a = attrs(refresh)
    assert refresh["name"] == "authtrace.refresh" and refresh["kind"] == 3 and refresh["status"]["code"] == 2
    assert (a["error.type"], a["authtrace.outcome"], a["authtrace.grant_type"]) == ("TypeError", "network-error", "refresh_token")
    assert int(refresh["endTimeUnixNano"]) - int(refresh["startTimeUnixNano"]) == 40_000_000
    # Convex comes back: the interval ends and becomes a span that the alarm's record names.
    page.emit("convex", "auth-change", {"isAuthenticated": True})
    page.advance(2000)
    spans = [s for b in bodies(page, "/v1/traces") for rs in b["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    split = spans[-1]
    assert split["name"] == "authtrace.split_brain" and split["spanId"] == findings[0]["spanId"]
    assert rec.exporter.alarm is None and rec.errors == 0
    # the live diagnosis named the cause: a WARN record tied to the same interval
    assert [(r["severityText"], attrs(r)["authtrace.cause"]) for r in findings] == [
        ("ERROR", "split-brain"), ("WARN", "transient-refresh-reported-as-signout")]
    assert findings[1]["spanId"] == split["spanId"] and "null" in attrs(findings[1])["authtrace.fix"]
    assert attrs(split)["authtrace.cause"] == "transient-refresh-reported-as-signout"


def test_pagehide_sends_what_is_queued_with_keepalive_under_the_budget():
    page = DetachedPage(tab="tab-a")
    rec = started(page, keepalive_bytes=20_000)
    for i in range(150):
        page.emit("note", "x", {"i": i, "text": "y" * 200})
    page.emit("lifecycle", "pagehide", {"persisted": False, "visibility": "hidden"})
    sent = [p for p in page.posts if p["keepalive"]]
    assert sent and sum(len(p["body"].encode()) for p in sent) <= 20_000
    state = rec.exporter.state()["logs"]
    assert state["queued"] > 0  # what did not fit waits (a page back from the bfcache sends it)
    assert state["sent"] + state["queued"] == len(rec.events())


def test_failures_retry_with_backoff_and_a_full_queue_drops_the_oldest():
    page = DetachedPage(tab="tab-a")
    answers = iter([None, 503, 429, 200])
    times = []

    def answer(post):
        times.append(page.now()[1])
        return next(answers)

    page.answer = answer
    rec = started(page, max_queue=50, batch_records=1000, interval_ms=100)
    for i in range(60):
        page.emit("note", "x", {"i": i})
    exp = rec.exporter
    assert exp.logs.queue.dropped == 10 and len(exp.logs.queue) == 50
    for _ in range(300):
        page.advance(100)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 4 and [g >= least for g, least in zip(gaps, (500, 1000, 2000))] == [True] * 3
    assert all(g <= most + 100 for g, most in zip(gaps, (1000, 2000, 4000)))
    state = exp.state()["logs"]
    assert state["failures"] == 3 and state["sent"] == 50 and state["queued"] == 0
    records = [r for b in bodies(page)[-1:] for rl in b["resourceLogs"] for sl in rl["scopeLogs"] for r in sl["logRecords"]]
    assert [json.loads(r["body"]["stringValue"])["i"] for r in records] == list(range(10, 60))  # the oldest went


def test_a_rejected_batch_is_dropped_not_retried():
    page = DetachedPage(tab="tab-a")
    page.answer = lambda post: 400
    rec = started(page)
    page.emit("note", "x", {})
    page.advance(5000)
    state = rec.exporter.state()["logs"]
    assert state["rejected"] == 1 and state["requests"] == 1 and state["queued"] == 0


def test_sampling_is_per_session_and_a_session_left_out_sends_nothing():
    rates = [sampled(f"session-{i}", 0.25) for i in range(4000)]
    assert 0.22 < sum(rates) / len(rates) < 0.28
    assert sampled("x", 1.0) and not sampled("x", 0.0)
    page = DetachedPage(tab="tab-a")
    page.session = next(f"session-{i}" for i, r in enumerate(rates) if not r)
    rec = started(page, sample=0.25)
    signed_in_then_split(page)
    page.advance(60_000)
    assert page.posts == [] and rec.exporter.enabled is False
    other_tab = DetachedPage(tab="tab-b")  # the same session in another tab decides alike
    other_tab.session = page.session
    assert started(other_tab, sample=0.25).exporter.enabled is False


def test_export_fails_open():
    page = DetachedPage(tab="tab-a")

    def broken(post):
        raise RuntimeError("the network adapter exploded")

    page.answer = broken
    rec = started(page)
    page.emit("note", "x", {})
    page.advance(2000)
    assert len(rec.events()) == 1 and rec.exporter.state()["logs"]["failures"] == 1
    rec.exporter.logs.queue.push([object()])  # something that cannot be mapped
    page.advance(60_000)
    assert rec.exporter.errors >= 1 and rec.errors >= 1
    page.emit("note", "y", {})
    assert len(rec.events()) == 2  # the recorder goes on


@pytest.mark.parametrize("bad", [{"endpoint": "collector:4318"}, {"endpoint": ENDPOINT, "sample": 2},
                                 {"endpoint": ENDPOINT, "headers": {"a": 1}}, {"endpoint": ENDPOINT, "sample": "x"}])
def test_bad_options_are_refused_with_the_reason(bad):
    with pytest.raises(ValueError, match="otlp"):
        check_options(**bad)


def test_the_read_back_is_the_recorders_own_export():
    page = DetachedPage(tab="tab-a")
    rec = started(page)
    signed_in_then_split(page)
    page.emit("storage", "setItem", {"area": "local", "key": "workos:refresh-token:client", "value": SECRET})
    page.advance(1000)
    page.posts.append(dict(page.posts[0]))  # a retried batch that had arrived after all: kept once
    sessions = Sessions()
    for body in bodies(page):
        sessions.add(body)
    [(sid, trace)] = sessions.traces().items()
    assert sid == "session-detached" and sessions.others >= 1
    assert [e.to_json() for e in trace.events] == [e.to_json() for e in rec.trace().events]


def test_started_later_it_sends_what_this_tab_recorded_before():
    page = DetachedPage(tab="tab-a")
    rec = Recorder(page)
    page.run(rec.start())
    page.emit("note", "early", {})
    rec.export_otlp({"endpoint": ENDPOINT, "interval_ms": 1000})
    page.advance(1000)
    assert [r["eventName"] for r in log_records(page)] == ["authtrace.note.early"]
    rec.export_otlp(None)
    page.emit("note", "late", {})
    page.advance(10_000)
    assert len(log_records(page)) == 1


def test_queue_and_backoff_on_their_own():
    q: Queue[int] = Queue(3)
    q.push([1, 2, 3, 4])
    assert (q.take(2), q.dropped) == ([2, 3], 1)
    q.push([5, 6])
    q.put_back([2, 3])
    assert (q.take(10), q.dropped) == ([4, 5, 6], 3)  # no room: the batch put back is the oldest
    b = Backoff(1000, 8000, seed="s")
    waits = [b.failed() for _ in range(6)]
    assert all(500 * 2 ** min(i, 3) <= w <= 1000 * 2 ** min(i, 3) for i, w in enumerate(waits))
    assert Backoff(1000, 8000, seed="t").failed() != Backoff(1000, 8000, seed="s").failed()
    b.succeeded()
    assert b.failed() <= 1000
    assert retryable(None) and retryable(503) and not retryable(400) and not retryable(200)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 8_640_000_000_000_000_000), st.floats(min_value=0, max_value=8.64e15, allow_nan=False))
def test_times_come_back_exactly(micros, wall):
    exact = micros / 1000  # a wall clock to the microsecond (performance.now() resolution)
    assert int(nanos(exact)) / 1_000_000 == exact
    assert abs(int(nanos(wall)) / 1_000_000 - wall) <= 1e-6  # any other: to the nanosecond


@settings(max_examples=60, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(), lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=12))
def test_values_come_back_exactly(value):
    assert from_any(json.loads(json.dumps(any_value(value)))) == value


def test_the_panel_setting_starts_shows_and_stops_the_export():
    from authtrace.browser.panel import mount

    page = DetachedPage(tab="tab-a")
    rec = Recorder(page)
    page.run(rec.start())
    panel = mount(rec)
    page.emit("note", "x", {})
    page.enter("authtrace-otlp-endpoint", "collector:4318")
    page.fire("authtrace-otlp-start")
    assert page.attribute("authtrace-otlp-status", "data-state") == "error" and rec.exporter is None
    assert "http(s) URL" in page.text("authtrace-otlp-status")
    page.enter("authtrace-otlp-endpoint", ENDPOINT)
    page.enter("authtrace-otlp-sample", "1")
    page.fire("authtrace-otlp-start")
    page.advance(5000)
    panel.tick()
    assert page.attribute("authtrace-otlp-status", "data-state") == "on"
    assert page.text("authtrace-otlp-status").startswith(f"to {ENDPOINT}: 1 records")
    page.answer = lambda post: 503
    page.emit("note", "y", {})
    page.advance(5000)
    panel.tick()
    assert page.attribute("authtrace-otlp-status", "data-state") == "failing" and "retrying" in page.text("authtrace-otlp-status")
    page.fire("authtrace-otlp-stop")
    assert rec.exporter is None and page.text("authtrace-otlp-status") == "off"
