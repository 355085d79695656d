"""The split-brain alarm's cause, from the diagnosis engine when it is there (pure).

``authtrace.diagnosis`` is imported lazily: the panel works without it. The
engine runs on the whole trace, so it is asked at most every
``min_interval_ms`` (and only while the alarm is on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...trace import Trace

SPLIT_BRAIN_ID = "split-brain"


@dataclass(frozen=True)
class Cause:
    id: str
    explanation: str
    fix: str


class CauseFinder:
    def __init__(self, min_interval_ms: float = 4000.0) -> None:
        self.min_interval_ms = min_interval_ms
        self._last_run: float | None = None
        self.cause: Cause | None = None
        self.available: bool | None = None  # None: not tried yet
        self.error: str | None = None

    def _diagnose(self) -> Callable | None:
        try:
            from ...diagnosis import diagnose
        except ImportError:
            self.available = False
            return None
        self.available = True
        return diagnose

    def due(self, now_ms: float) -> bool:
        return self._last_run is None or now_ms - self._last_run >= self.min_interval_ms

    def update(self, trace_of: Callable[[], Trace], now_ms: float, tab: str | None = None) -> Cause | None:
        """Run the engine if due; the newest finding for ``tab`` (other than the symptom itself)."""
        if not self.due(now_ms):
            return self.cause
        self._last_run = now_ms
        diagnose = self._diagnose()
        if diagnose is None:
            return None
        try:
            findings = list(diagnose(trace_of()).findings)
        except Exception as exc:  # the alarm stays up without a cause
            self.error = f"{type(exc).__name__}: {exc}"[:200]
            return self.cause
        self.error = None
        causes = [f for f in findings if f.id != SPLIT_BRAIN_ID and (tab is None or getattr(f, "tab", None) in (None, tab))]
        if not causes:
            self.cause = None
            return None
        f = causes[-1]
        self.cause = Cause(f.id, str(f.explanation), str(f.fix))
        return self.cause

    def reset(self) -> None:
        self._last_run = None
        self.cause = None
