"""authtrace: record, diagnose, replay and fix WorkOS AuthKit + Convex auth sessions.

The names exported here are the pure core: no ``js``, no sockets, no clock of
their own. They run the same in CPython and in Pyodide.
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
