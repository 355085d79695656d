"""The recorder's OTLP/HTTP export: this tab's redacted events to an OpenTelemetry Collector.

It runs in Python next to the recorder, not in JS next to the boot shim: the
events it sends are the recorder's, already redacted by the one redactor
(:mod:`authtrace.redaction`), and the mapping (:mod:`authtrace.otlp`), the
live findings and the read-back all share one pure core that CPython tests
and ``authtrace analyze`` use too. The page is only asked to POST
(:meth:`~.page.Page.post`, the browser's own ``fetch`` kept by the shim, so the
export is not recorded as the app's traffic).

What it sends (docs/fleet.md):

- ``<endpoint>/v1/logs``: each event of this tab as a log record (each tab
  sends its own; the Collector sees one ``session.id`` across the tabs), and
  the live findings: the split-brain alarm (ERROR) and its cause (WARN);
- ``<endpoint>/v1/traces``: each refresh attempt and each split-brain interval as a span.

How: batches of at most ``batch_records`` every ``interval_ms`` (sooner when a
batch is full), each request under ``max_request_bytes``; one request in
flight per signal; a failed one (no answer, 408/429/502/503/504) goes back to
the front of the queue and the next try waits with backoff; other answers drop
the batch (counted). The queue holds at most ``max_queue`` records (the oldest
go first, counted). When the tab is hidden or the page goes away
(``visibilitychange`` to hidden, ``pagehide``) what is queued leaves at once with
``fetch``'s ``keepalive`` (the browser allows 64 KiB of those in flight, so at
most ``keepalive_bytes``). ``sample`` (0..1) picks sessions by a hash of
``session.id``: every tab of a session decides alike, and a session left out sends
nothing and costs nothing. Fail-open, like the recorder: a failure here is
counted in ``recorder.errors`` and never reaches the page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..event import Event, Kind
from ..otlp import Backoff, Queue, RefreshSpans, Source, event_record, finding_record, logs_request, sampled
from ..otlp.batch import retryable
from ..otlp.spans import split_brain_ids, split_brain_span, traces_request
from ..redaction import Redactor

if TYPE_CHECKING:
    from .recorder import Recorder

SPLIT_BRAIN = "split-brain"


def check_options(endpoint: Any, headers: Any = None, sample: Any = 1.0) -> tuple[str, dict[str, str], float]:
    """The options as the exporter uses them; ValueError says what is wrong."""
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"otlp endpoint must be an http(s) URL, got {endpoint!r:.80}")
    if headers is None:
        headers = {}
    if not isinstance(headers, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ValueError("otlp headers must be an object of strings")
    try:
        rate = float(sample)
    except (TypeError, ValueError):
        raise ValueError(f"otlp sample must be a number from 0 to 1, got {sample!r:.40}") from None
    if not 0 <= rate <= 1:
        raise ValueError(f"otlp sample must be from 0 to 1, got {rate}")
    return endpoint.rstrip("/"), dict(headers), rate


class _Channel:
    """One signal's queue, backoff and request in flight (``/v1/logs`` or ``/v1/traces``)."""

    def __init__(self, path: str, max_queue: int, seed: str) -> None:
        self.path = path
        self.queue: Queue[Any] = Queue(max_queue)
        self.backoff = Backoff(seed=f"{seed}{path}")
        self.in_flight = False
        self.not_before = 0.0  # wall ms: no new attempt before (backoff)
        self.sent = self.requests = self.failures = self.rejected = 0
        self.last_status: int | None = None


class OtlpExporter:
    def __init__(self, recorder: Recorder, endpoint: str, headers: Mapping[str, str] | None = None,
                 sample: float = 1.0, service: str = "authtrace", *, interval_ms: float = 5000.0,
                 batch_records: int = 200, max_queue: int = 5000, max_request_bytes: int = 512_000,
                 keepalive_bytes: int = 60_000, cause_interval_ms: float = 10_000.0, backfill: bool = True) -> None:
        self.recorder = recorder
        self.page = recorder.page
        self.tab = recorder.tab
        self.endpoint, self.headers, self.sample = check_options(endpoint, headers, sample)
        self.batch_records = max(1, int(batch_records))
        self.max_request_bytes = max_request_bytes
        self.keepalive_bytes = keepalive_bytes
        self.cause_interval_ms = cause_interval_ms
        self.session = self.page.session_id()
        self.enabled = sampled(self.session, self.sample)
        self.stopped = False
        self.errors = 0
        self.last_error: str | None = None
        # Every byte that leaves passes the redactor: events did at capture; what the page says
        # of itself (the user agent, the brands) and the service name pass here once.
        info = Redactor().value({"service": str(service), "user_agent": self.page.user_agent(), **self.page.browser()})
        self.source = Source(info["service"], info.get("user_agent"), tuple(info.get("brands") or ()),
                             info.get("platform"), info.get("mobile"), info.get("language"))
        self.logs = _Channel("/v1/logs", max_queue, self.session)
        self.traces = _Channel("/v1/traces", max(1, max_queue // 10), self.session)
        self.refreshes = RefreshSpans(self.session)
        self.alarm: dict[str, Any] | None = None  # {"start": wall, "cause": id or None}
        self._dirty = False
        self._cause_run: float | None = None
        if not self.enabled:
            return
        recorder.subscribe(self._on_events)
        self.page.every(interval_ms, self._tick)
        if backfill:  # started after the recording began (the panel's setting): send what this tab has
            self._on_events([e for e in recorder.events() if e.tab == self.tab])

    # -- events in -------------------------------------------------------------------------
    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as exc:  # fail open: the page and the recorder go on
            self.errors += 1
            self.recorder.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]

    def _on_events(self, events: list[Event]) -> None:
        if self.stopped:
            return
        self._guard(lambda: self._take(events))

    def _take(self, events: list[Event]) -> None:
        own = [e.with_payload({**e.payload, "seq": e.id}) for e in events if e.tab == self.tab]
        if not own:
            return
        self.logs.queue.push(own)
        self.traces.queue.push(self.refreshes.feed(own))
        self._dirty = True
        leaving = [e for e in own if _leaving(e)]
        if leaving:
            self._watch(name_cause=False)  # no diagnosis while the page is going away
            self.flush(keepalive=True, final=any(e.type == "pagehide" for e in leaving))
        elif len(self.logs.queue) >= self.batch_records:
            self.flush()

    def _tick(self) -> None:
        if not self.stopped:
            self._guard(self._watch)
            self._guard(self.flush)

    # -- live findings ---------------------------------------------------------------------
    def _watch(self, name_cause: bool = True) -> None:
        """The split-brain alarm of this tab (the panel's rule) and, while it is on, its cause."""
        if not (self._dirty or self.alarm):
            return
        self._dirty = False
        from .panel.badges import compute

        now = self.page.now()[1]
        on = compute(self.recorder.events(), self.tab).split_brain
        if on and self.alarm is None:
            self.alarm = {"start": now, "cause": None}
            ids = split_brain_ids(self.session, self.tab, now)
            self.logs.queue.push([finding_record(
                self.session, self.tab, now, SPLIT_BRAIN, "ERROR",
                "Split brain: AuthKit has a user, Convex is not authenticated.", trace_id=ids[0], span_id=ids[1])])
            self._cause_run = None
        elif not on and self.alarm is not None:
            self._end_alarm(now)
        if name_cause and self.alarm is not None and (
                self._cause_run is None or now - self._cause_run >= self.cause_interval_ms):
            self._cause_run = now
            self._name_cause(now)

    def _name_cause(self, now: float) -> None:
        from ..diagnosis import diagnose

        findings = [f for f in diagnose(self.recorder.trace()).findings
                    if f.id != SPLIT_BRAIN and getattr(f, "tab", None) in (None, self.tab)]
        if not findings or findings[-1].id == self.alarm["cause"]:
            return
        f = findings[-1]
        self.alarm["cause"] = f.id
        ids = split_brain_ids(self.session, self.tab, self.alarm["start"])
        text = Redactor().value(f"{f.explanation}")  # already redacted events; the redactor has the last word
        self.logs.queue.push([finding_record(self.session, self.tab, now, f.id, "WARN", text, fix=f.fix,
                                             trace_id=ids[0], span_id=ids[1])])

    def _end_alarm(self, now: float, still_open: bool = False) -> None:
        alarm, self.alarm = self.alarm, None
        self.traces.queue.push([split_brain_span(self.session, self.tab, alarm["start"], now, alarm["cause"],
                                                 still_open)])

    # -- requests out ---------------------------------------------------------------------------
    def flush(self, keepalive: bool = False, final: bool = False) -> None:
        """Send a batch of each signal now (unless one is in flight or backing off); ``keepalive``:
        the page may go away (hidden), send what fits in the keepalive budget whatever the state;
        ``final``: it does (pagehide), so an open split-brain interval is sent as it stands."""
        if keepalive:
            if final and self.alarm is not None:
                self._end_alarm(self.page.now()[1], still_open=True)
            budget = self._send(self.traces, self.keepalive_bytes // 4, keepalive=True)
            self._send(self.logs, self.keepalive_bytes - budget, keepalive=True)
            return
        now = self.page.now()[1]
        for channel in (self.logs, self.traces):
            if len(channel.queue) and not channel.in_flight and now >= channel.not_before:
                self._send(channel, self.max_request_bytes)

    def _request(self, channel: _Channel, batch: list[Any]) -> str:
        if channel is self.logs:
            records = [item if isinstance(item, dict) else event_record(item, self.session) for item in batch]
            request = logs_request(self.source, records, self.session)
        else:
            request = traces_request(self.source, batch, self.session)
        return json.dumps(request, separators=(",", ":"), ensure_ascii=False)

    def _send(self, channel: _Channel, limit: int, keepalive: bool = False) -> int:
        """Send the oldest batch that fits ``limit`` bytes; the bytes sent (0 if nothing)."""
        batch = channel.queue.take(self.batch_records)
        body = self._request(channel, batch) if batch else ""
        while batch and len(body.encode()) > limit:
            if len(batch) == 1:  # a record larger than a request may be: it can never go
                channel.rejected += 1
                batch = []
                break
            half = len(batch) // 2
            channel.queue.put_back(batch[half:])
            batch = batch[:half]
            body = self._request(channel, batch)
        if not batch:
            return 0
        channel.in_flight = not keepalive
        channel.requests += 1
        pending = self.page.post(self.endpoint + channel.path, body, self.headers, keepalive)
        self.page.spawn(self._settle(channel, batch, pending, keepalive))
        return len(body.encode())

    async def _settle(self, channel: _Channel, batch: list[Any], pending, keepalive: bool) -> None:
        try:
            status = await pending
        except Exception:
            status = None
        try:
            if not keepalive:
                channel.in_flight = False
            channel.last_status = status
            if status is not None and 200 <= status < 300:
                channel.sent += len(batch)
                channel.backoff.succeeded()
            elif retryable(status):  # (a keepalive request's page is still here when this runs)
                channel.failures += 1
                channel.queue.put_back(batch)
                channel.not_before = self.page.now()[1] + channel.backoff.failed()
            else:
                channel.failures += 1
                channel.rejected += len(batch)
        except Exception as exc:
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]

    # -- control and state ----------------------------------------------------------------------
    def stop(self) -> None:
        """Send nothing more (what is queued is dropped)."""
        self.stopped = True

    def state(self) -> dict[str, Any]:
        def channel(c: _Channel) -> dict[str, Any]:
            return {"sent": c.sent, "queued": len(c.queue), "dropped": c.queue.dropped, "rejected": c.rejected,
                    "requests": c.requests, "failures": c.failures, "last_status": c.last_status,
                    "retry_in_ms": max(0.0, c.not_before - self.page.now()[1])}

        return {"endpoint": self.endpoint, "sample": self.sample, "session_id": self.session, "sampled": self.enabled,
                "stopped": self.stopped, "logs": channel(self.logs), "traces": channel(self.traces),
                "alarm": dict(self.alarm) if self.alarm else None, "errors": self.errors, "last_error": self.last_error}


def _leaving(e: Event) -> bool:
    """The page goes away or out of sight: it may be frozen or discarded next."""
    return (e.kind is Kind.LIFECYCLE and e.type == "pagehide") or (
        e.kind is Kind.VISIBILITY and e.type == "visibilitychange" and e.payload.get("state") == "hidden")
