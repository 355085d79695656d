"""authtrace: record, diagnose, replay and fix WorkOS AuthKit + Convex auth sessions.

The names exported here are the pure core: no ``js``, no sockets, no clock of
their own. They run the same in CPython and in Pyodide.

Rooms of the core: ``event``, ``trace``, ``ringbuffer``, ``jwt``, ``redaction/``,
``capture`` (page observations to redacted events), ``inputs`` (is a document a
trace, a HAR export or a replay plan), ``failure`` (transient or terminal),
``split_brain`` (the state, defined once), ``fault_actions`` and ``workos_errors``
(the fault vocabulary and WorkOS's error bodies), ``har_export``, ``diagnosis/``,
``replay/``, ``report/``. Adapters, never imported by the core: ``browser/`` (in
the page) and ``host/`` (CPython only).
"""

from .event import Event, Kind
from .jwt import Claims, read_claims
from .redaction import Redactor, fingerprint, redact
from .ringbuffer import RingBuffer
from .trace import FORMAT, Trace, TraceFormatError

__version__ = "0.1.0"

__all__ = [
    "FORMAT",
    "Claims",
    "Event",
    "Kind",
    "Redactor",
    "RingBuffer",
    "Trace",
    "TraceFormatError",
    "fingerprint",
    "read_claims",
    "redact",
    "__version__",
]
