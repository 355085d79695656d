"""OpenTelemetry (OTLP/HTTP JSON) for authtrace's evidence (pure: no ``js``, no sockets, no clock).

- :mod:`.values`: Python data as OTLP ``AnyValue``/``KeyValue`` and back;
- :mod:`.logs`: a recorded event as a log record, a live finding as a WARN/ERROR
  record, the ``ExportLogsServiceRequest``;
- :mod:`.spans`: refresh attempts and split-brain intervals as spans, the
  ``ExportTraceServiceRequest``;
- :mod:`.batch`: the exporter's bounded queue, batches under a size limit,
  retry with backoff, and sampling per session;
- :mod:`.readback`: what a Collector stored back to one trace per ``session.id``.

The page side (timers, ``fetch``) is :mod:`authtrace.browser.exporter`;
docs/fleet.md has the attribute tables and a Collector configuration.
"""

from .batch import Backoff, Queue, sampled
from .logs import FINDING, Source, event_record, finding_record, logs_request
from .readback import OtlpFormatError, Sessions, is_otlp, session_trace
from .spans import RefreshSpans, split_brain_span, traces_request

__all__ = [
    "FINDING", "Backoff", "OtlpFormatError", "Queue", "RefreshSpans", "Sessions", "Source", "event_record",
    "finding_record", "is_otlp", "logs_request", "sampled", "session_trace", "split_brain_span", "traces_request",
]
