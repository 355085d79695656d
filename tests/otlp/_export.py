"""A recorded trace exported as the recorder's exporter does it, tab by tab, on detached pages:
the logs requests it posts, as a Collector's file exporter stores them (one per line)."""

from __future__ import annotations

import json

from authtrace.browser._detached import DetachedPage
from authtrace.browser.recorder import Recorder
from authtrace.trace import Trace


def exported_requests(trace: Trace, session_id: str, chunk: int = 25) -> list[str]:
    """The bodies posted to ``/v1/logs`` by one exporter per tab of ``trace`` (all tabs share the session)."""
    recorders = []
    for tab in trace.tabs():
        page = DetachedPage(tab=tab)
        page.session = session_id
        rec = Recorder(page, otlp={"endpoint": "http://collector.test", "batch_records": 40, "cause_interval_ms": 0})
        page.run(rec.start())
        recorders.append(rec)
    for i in range(0, len(trace.events), chunk):  # every tab hears every event (BroadcastChannel); each sends its own
        part = trace.events[i:i + chunk]
        for rec in recorders:
            for e in part:
                rec._keep(e)
            rec._notify(part)
            rec.page.advance(6000)
    bodies = []
    for rec in recorders:
        rec.page.advance(60_000)
        bodies += [p["body"] for p in rec.page.posts if p["url"].endswith("/v1/logs")]
    return bodies


def file_exporter_line(body: str) -> str:
    """How the Collector's file exporter writes a request it received: compact JSON, one line."""
    return json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
