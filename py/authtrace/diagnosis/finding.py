"""What a diagnosis says: findings, split-brain intervals, and what it could not judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The cause ids, stable: they are the JSON contract.
STALE_TOKEN_ON_RECONNECT = "stale-token-on-reconnect"
HIDDEN_TAB_REFRESH_PAUSED = "hidden-tab-refresh-paused"
TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT = "transient-refresh-reported-as-signout"
THROW_WEDGE = "throw-wedge"
PAUSE_OVERWRITE_WEDGE = "pause-overwrite-wedge"
SAME_TOKEN_REAUTH = "same-token-reauth"
REFRESH_TOKEN_REMOVED_BY_OTHER_TAB = "refresh-token-removed-by-other-tab"
REFRESH_COOKIE_MISSING = "refresh-cookie-missing"
ROTATION_RACE = "rotation-race"
REFRESH_LOCK_STARVATION = "refresh-lock-starvation"
OFFLINE_AT_REFRESH = "offline-at-refresh"
SESSION_ENDED = "session-ended"
SPLIT_BRAIN = "split-brain"

# Root causes before their consequences: findings at the same time are listed in this order.
CAUSES: tuple[str, ...] = (
    HIDDEN_TAB_REFRESH_PAUSED,
    STALE_TOKEN_ON_RECONNECT,
    TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT,
    THROW_WEDGE,
    PAUSE_OVERWRITE_WEDGE,
    SAME_TOKEN_REAUTH,
    REFRESH_TOKEN_REMOVED_BY_OTHER_TAB,
    REFRESH_COOKIE_MISSING,
    ROTATION_RACE,
    REFRESH_LOCK_STARVATION,
    OFFLINE_AT_REFRESH,
    SESSION_ENDED,
    SPLIT_BRAIN,
)


@dataclass(frozen=True)
class Finding:
    """One named cause (or the split-brain symptom) with its evidence.

    ``at`` is the wall time (ms) of the decisive event; ``evidence`` the ids of
    the events it rests on, in trace order. ``tab`` is not part of the JSON
    contract; it says where it happened.
    """

    id: str
    at: float
    evidence: list[int]
    explanation: str
    fix: str
    tab: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "evidence": list(self.evidence),
                "explanation": self.explanation, "fix": self.fix}


@dataclass(frozen=True)
class SplitBrain:
    """AuthKit has a user while Convex is not authenticated; ``end`` is None if still open."""

    tab: str
    start: float
    end: float | None
    evidence: list[int] = field(default_factory=list)
    inferred: bool = False  # AuthKit's user inferred from tokens, not recorded

    @property
    def open(self) -> bool:
        return self.end is None

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end}


@dataclass(frozen=True)
class NotJudged:
    id: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "reason": self.reason}


@dataclass
class Diagnosis:
    source: str
    findings: list[Finding] = field(default_factory=list)
    split_brain: list[SplitBrain] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [f.id for f in self.findings]

    def by_id(self, cause: str) -> list[Finding]:
        return [f for f in self.findings if f.id == cause]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "findings": [f.to_json() for f in self.findings],
            "split_brain": [s.to_json() for s in self.split_brain],
            "not_judged": [n.to_json() for n in self.not_judged],
        }
