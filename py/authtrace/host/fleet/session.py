"""The per-session function and the two tasks that run it (on a process pool or a Dask worker).

:func:`summarize` diagnoses one session's trace and keeps what the fleet summary
needs (a few hundred bytes): the cause ids, the split-brain intervals' durations
(an interval still open at the end of the recording lasts until its last event).
:func:`file_task` runs it on a trace or a HAR file (one session), :func:`bucket_task`
on every session of an OTLP bucket (:mod:`.partition`). Tasks take and return plain
data, so any engine can ship them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ...diagnosis import diagnose
from ...otlp.readback import OtlpFormatError, Sessions
from ...redaction import Redactor
from ...trace import Trace
from ..errors import UsageError
from ..jsonstream import BadJson, loads


@dataclass
class SessionResult:
    session: str
    files: list[str]
    events: int
    causes: list[str] = field(default_factory=list)  # finding ids, in time order (split-brain included)
    split_brain: list[tuple[float, bool]] = field(default_factory=list)  # (duration ms, still open at the end)

    @property
    def split_brain_ms(self) -> float:
        return sum(d for d, _ in self.split_brain)


def summarize(session: str, files: list[str], trace: Trace) -> SessionResult:
    d = diagnose(trace)
    end = max((e.wall for e in trace.events), default=0.0)
    return SessionResult(session, files, len(trace.events), d.ids(),
                         [(max(0.0, (sb.end if sb.end is not None else end) - sb.start), sb.end is None)
                          for sb in d.split_brain])


def file_task(path: str) -> list[SessionResult]:
    """A trace or HAR file: one session, named by the trace's ``session_id`` or the file."""
    from ..commands.analyze import load_input

    trace = load_input(Path(path))
    session = trace.meta.get("session_id")  # from the input: redacted; else the file (the user's own argument)
    return [summarize(str(Redactor().value(str(session), "session_id")) if session else path, [path], trace)]


def bucket_task(parts: list[str], names: dict[int, str]) -> list[SessionResult]:
    """Every session of one bucket (its ``.part`` files); ``names``: input number to OTLP file."""
    sessions = Sessions()
    seen: dict[str, set[int]] = defaultdict(set)
    for part in parts:
        with open(part, "rb") as f:
            for raw in f:
                index, _, line = raw.partition(b"\t")
                try:
                    touched = sessions.add(loads(line.decode("utf-8")))
                except (UnicodeDecodeError, BadJson, OtlpFormatError) as exc:
                    raise UsageError(f"{names.get(int(index), part)}: {exc}") from None
                for sid in touched:
                    seen[sid].add(int(index))
    r = Redactor()
    out = []
    for sid in list(sessions.events):
        trace = sessions.traces_of(sid)
        out.append(summarize(r.value(sid, "session_id"), sorted(names[i] for i in seen[sid]), trace))
    return out
