"""The diagnosis engine (pure): names the failure chain in a trace, with its evidence.

``diagnose(trace)`` returns a :class:`Diagnosis` with findings (one per cause
occurrence, ids in :data:`CAUSES`), the split-brain intervals (AuthKit user
present while Convex is unauthenticated) and the causes the input did not let
it judge. ``har_to_trace`` turns a Chrome DevTools HAR 1.2 export into a
redacted trace the engine reads the same way.
"""

from .engine import captured, diagnose
from .finding import CAUSES, Diagnosis, Finding, NotJudged, SplitBrain
from .har import HarFormatError, har_to_trace, is_har
from .summary import key_events
from .timeline import Timeline

__all__ = [
    "CAUSES",
    "Diagnosis",
    "Finding",
    "HarFormatError",
    "NotJudged",
    "SplitBrain",
    "Timeline",
    "captured",
    "diagnose",
    "har_to_trace",
    "is_har",
    "key_events",
]
