"""One recorded observation: what happened, in which tab, and when."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(str, Enum):
    """The source an event comes from; one swimlane each in the panel."""

    VISIBILITY = "visibility"
    LIFECYCLE = "lifecycle"
    NETWORK = "network"
    FETCH = "fetch"
    WEBSOCKET = "websocket"
    AUTHKIT = "authkit"
    CONVEX = "convex"
    STORAGE = "storage"
    LOCK = "lock"
    NOTE = "note"


@dataclass(frozen=True)
class Event:
    """A single event.

    ``mono`` is milliseconds on the tab's monotonic clock (``performance.now()``),
    ``wall`` is milliseconds since the Unix epoch (``Date.now()``). Both come in
    with the event: the core never reads a clock, so tests can run it under a
    virtual one. A jump in ``wall - mono`` between two events of one tab means
    the machine slept.
    """

    tab: str
    mono: float
    wall: float
    kind: Kind
    type: str
    payload: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, Kind):
            object.__setattr__(self, "kind", Kind(self.kind))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tab": self.tab,
            "mono": self.mono,
            "wall": self.wall,
            "kind": self.kind.value,
            "type": self.type,
            "payload": self.payload,
        }
        if self.id is not None:
            out = {"id": self.id, **out}
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Event:
        return cls(
            id=obj.get("id"),
            tab=obj["tab"],
            mono=float(obj["mono"]),
            wall=float(obj["wall"]),
            kind=Kind(obj["kind"]),
            type=obj["type"],
            payload=dict(obj.get("payload") or {}),
        )

    def with_id(self, id: int) -> Event:
        return Event(self.tab, self.mono, self.wall, self.kind, self.type, self.payload, id)

    def with_payload(self, payload: dict[str, Any]) -> Event:
        return Event(self.tab, self.mono, self.wall, self.kind, self.type, payload, self.id)

    def size(self) -> int:
        """Bytes this event takes as compact JSON; what the ring buffer budgets."""
        return len(json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False).encode())
