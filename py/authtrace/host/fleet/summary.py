"""The fleet summary: folded one session at a time, in memory that does not grow with the sessions
(but for one 8-byte duration per split-brain interval, which the percentiles need exactly).

The result does not depend on the order sessions arrive in (a pool or a cluster
finishes them in any order): counts are sums, durations are sorted before the
percentiles are taken, the worst sessions are ranked by (split-brain time, number
of findings, session id).
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter
from typing import Any

from ...diagnosis import CAUSES
from .session import SessionResult

WORST = 10


def percentile(sorted_values: list[float] | array, q: float) -> float | None:
    """Nearest rank: the smallest value with at least ``q`` of them at or below it."""
    if not len(sorted_values):
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


class Summary:
    def __init__(self, worst: int = WORST) -> None:
        self.sessions = self.events = self.affected = self.open = 0
        self.files: set[str] = set()
        self.sessions_per_cause: Counter[str] = Counter()
        self.findings_per_cause: Counter[str] = Counter()
        self.durations = array("d")
        self.worst_n = worst
        self._worst: list[tuple[float, int, tuple, int, SessionResult]] = []  # a min-heap of the worst so far

    def add(self, r: SessionResult) -> None:
        self.sessions += 1
        self.events += r.events
        self.files.update(r.files)
        self.findings_per_cause.update(r.causes)
        self.sessions_per_cause.update(set(r.causes))
        if r.split_brain:
            self.affected += 1
            self.durations.extend(d for d, _ in r.split_brain)
            self.open += sum(1 for _, still in r.split_brain if still)
        if r.split_brain or r.causes:
            key = (r.split_brain_ms, len(r.causes), _rev(r.session), self.sessions, r)
            if len(self._worst) < self.worst_n:
                heapq.heappush(self._worst, key)
            elif key[:3] > self._worst[0][:3]:
                heapq.heapreplace(self._worst, key)

    def worst(self) -> list[SessionResult]:
        return [k[-1] for k in sorted(self._worst, key=lambda k: k[:3], reverse=True)]

    def to_json(self) -> dict[str, Any]:
        durations = sorted(self.durations)
        order = [c for c in CAUSES if c in self.sessions_per_cause] + sorted(set(self.sessions_per_cause) - set(CAUSES))
        return {
            "sessions": self.sessions, "files": len(self.files), "events": self.events,
            "affected": self.affected, "affected_share": round(self.affected / self.sessions, 6) if self.sessions else 0.0,
            "causes": {c: {"sessions": self.sessions_per_cause[c], "findings": self.findings_per_cause[c]} for c in order},
            "split_brain": {"count": len(durations), "open_at_end": self.open, "p50_ms": percentile(durations, 0.5),
                            "p95_ms": percentile(durations, 0.95), "max_ms": durations[-1] if durations else None},
            "worst": [{"session_id": r.session, "files": r.files, "split_brain_ms": r.split_brain_ms,
                       "causes": r.causes} for r in self.worst()],
        }


def _rev(text: str) -> tuple[int, ...]:
    """Orders session ids backwards, so that among equals the smallest id ranks worst (a stable tie-break)."""
    return tuple(-ord(c) for c in text)
