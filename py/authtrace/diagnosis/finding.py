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
# Never silent over a failure: a refused or failed refresh, a Convex AuthError or FatalError
# that no other finding explains gets this one, with its evidence.
UNEXPLAINED_AUTH_FAILURE = "unexplained-auth-failure"

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
    UNEXPLAINED_AUTH_FAILURE,
)

# How sure a finding is: every link of the chain is in the input, or a link is deduced
# from what the input can show (a HAR has no visibility, storage or client events).
CONFIRMED = "confirmed"
INFERRED = "inferred"


@dataclass(frozen=True)
class Missing:
    """Evidence a finding lacks, and how to capture it next time."""

    what: str
    capture: str

    def to_json(self) -> dict[str, str]:
        return {"what": self.what, "capture": self.capture}

    def __str__(self) -> str:
        return f"{self.what} (to capture it: {self.capture})"


@dataclass(frozen=True)
class Finding:
    """One named cause (or the split-brain symptom) with its evidence.

    ``at`` is the wall time (ms) of the decisive event; ``evidence`` the ids of
    the events it rests on, in trace order. ``tab`` is not part of the JSON
    contract; it says where it happened. ``confidence`` is :data:`CONFIRMED` or
    :data:`INFERRED`; ``missing_evidence`` says what an inferred finding deduced
    instead of seeing, and how to capture it (for an unexplained failure: what
    would explain it).
    """

    id: str
    at: float
    evidence: list[int]
    explanation: str
    fix: str
    tab: str | None = None
    confidence: str = CONFIRMED
    missing_evidence: tuple[Missing, ...] = ()

    @property
    def inferred(self) -> bool:
        return self.confidence == INFERRED

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "evidence": list(self.evidence),
                "explanation": self.explanation, "fix": self.fix, "confidence": self.confidence,
                "missing_evidence": [m.to_json() for m in self.missing_evidence]}


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


@dataclass(frozen=True)
class InputInfo:
    """One input the diagnosis read (a trace, a HAR of some browser) and what it lacks."""

    kind: str  # "trace" or "har"
    tabs: list[str]
    name: str | None = None  # the file's label when several were merged
    browser: str | None = None  # a HAR's exporter: "chrome", "firefox", "safari" or "other"
    lacks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "browser": self.browser, "tabs": list(self.tabs),
                "lacks": list(self.lacks)}


@dataclass
class Diagnosis:
    source: str
    findings: list[Finding] = field(default_factory=list)
    split_brain: list[SplitBrain] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)
    inputs: list[InputInfo] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [f.id for f in self.findings]

    def causes(self) -> list[str]:
        """The cause ids found, each once, in the order of their first finding."""
        return list(dict.fromkeys(self.ids()))

    def by_id(self, cause: str) -> list[Finding]:
        return [f for f in self.findings if f.id == cause]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "findings": [f.to_json() for f in self.findings],
            "split_brain": [s.to_json() for s in self.split_brain],
            "not_judged": [n.to_json() for n in self.not_judged],
            "inputs": [i.to_json() for i in self.inputs],
        }
