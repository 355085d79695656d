"""The numbers a scenario run reports, from what the driver saw of the lab.

The driver samples the lab tab's own state (``globalThis.__labState`` and the
Convex client's socket state) every ~100 ms; these functions turn the samples,
the messages the page sent and the messages the emulator stored into the
scenario runner's JSON fields. Pure: time comes with the samples (ms).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from ...split_brain import is_split_brain

WEDGE_AFTER_MS = 10_000


@dataclass
class Sample:
    t: float  # ms since the run started
    authkit_user: bool | None
    convex_authenticated: bool | None
    convex_loading: bool | None = None
    socket: str | None = None
    paused: str | None = None
    connected: bool | None = None
    ever_connected: bool | None = None
    connection_count: int | None = None
    connection_retries: int | None = None
    frozen: bool = False  # the tab could not be read (frozen): carries the last state forward
    fetching: bool | None = None  # Convex is waiting for its adapter's token
    mounted: bool | None = None  # False while the lab's Convex provider is unmounted (carried like frozen)
    bridge: str | None = None  # the resilient bridge's own state (informative only)

    @classmethod
    def from_page(cls, t: float, state: dict[str, Any] | None) -> Sample:
        if not state:
            return cls(t, None, None, frozen=True)
        return cls(t, state.get("authkitUser"), state.get("convexAuthenticated"), state.get("convexLoading"),
                   state.get("socket"), state.get("paused"), state.get("connected"), state.get("everConnected"),
                   state.get("connectionCount"), state.get("connectionRetries"), fetching=state.get("fetching"),
                   mounted=state.get("mounted"), bridge=state.get("bridge"))

    @property
    def serving(self) -> bool:
        """Convex really works for this user: AuthKit has a user, Convex says authenticated,
        and its socket is open and running (not stopped after an AuthError, not paused
        waiting for a token). ``convex_authenticated`` alone stays true while Convex waits."""
        return bool(self.authkit_user and self.convex_authenticated and self.connected
                    and self.socket == "ready" and self.paused == "no")


@dataclass
class Metrics:
    split_brain_ms: float = 0.0
    split_brain_open: bool = False
    split_brain: list[dict[str, float | None]] = field(default_factory=list)
    wedged: bool = False
    lost_mutations: int = 0
    duplicated_mutations: int = 0
    recovered_ms: float | None = None
    serving_ms: float | None = None
    authkit_user_at_end: bool = False
    convex_authenticated_at_end: bool = False


def _carry(samples: list[Sample]) -> list[Sample]:
    """Replace unreadable samples by the last readable state (a frozen tab keeps its state),
    and samples taken while the provider was unmounted by the last mounted state."""
    out, last = [], None
    for s in samples:
        if (s.frozen or s.mounted is False) and last is not None:
            s = replace(last, t=s.t, frozen=True)
        elif not s.frozen and s.mounted is not False:
            last = s
        out.append(s)
    return out


def split_brain(samples: list[Sample]) -> list[dict[str, float | None]]:
    """Intervals where AuthKit has a user and Convex is not authenticated, after Convex
    was first authenticated (the sign-in itself is not split brain)."""
    intervals: list[dict[str, float | None]] = []
    seen_auth = False
    start = None
    for s in _carry(samples):
        if s.convex_authenticated:
            seen_auth = True
        bad = seen_auth and is_split_brain(s.authkit_user, bool(s.convex_authenticated))  # unknown after sign-in: not authenticated
        if bad and start is None:
            start = s.t
        elif not bad and start is not None:
            intervals.append({"start": start, "end": s.t})
            start = None
    if start is not None:
        intervals.append({"start": start, "end": None})
    return intervals


def wedged(samples: list[Sample], threshold_ms: float = WEDGE_AFTER_MS) -> bool:
    """Convex's socket stopped, or open but paused-uninitialised, with no reconnect
    attempt (no change of connection count or retries) and no token request in
    flight (then Convex is waiting, not wedged) for longer than ``threshold_ms``."""
    start, key = None, None
    for s in _carry(samples):
        stuck = s.authkit_user and not s.fetching and (
            s.socket == "stopped"
            or (s.connected and s.ever_connected is False and s.paused in ("uninitialized", "yes"))
        )
        progress = (s.connection_count, s.connection_retries)
        if stuck and (start is None or progress != key):
            start, key = s.t, progress
        elif not stuck:
            start = None
        if start is not None and s.t - start > threshold_ms:
            return True
    return False


def mutations(sent: list[str], stored: list[str], failed: list[str] = ()) -> tuple[int, int]:
    """(lost, duplicated): bodies the page sent that the backend never stored and the
    page was not told had failed (silently lost), or that were stored twice."""
    have = Counter(stored)
    want = Counter(sent)
    told = Counter(failed)
    lost = sum(max(0, n - have.get(body, 0) - told.get(body, 0)) for body, n in want.items())
    duplicated = sum(max(0, have.get(body, 0) - n) for body, n in want.items())
    return lost, duplicated


def recovered_ms(samples: list[Sample], fault_end: float | None) -> float | None:
    """Time from the fault's end until Convex is authenticated for good: the start
    of the authenticated stretch that lasts to the end of the run (0 if it never
    broke after the fault ended; None if the run ends without it)."""
    if fault_end is None:
        return None
    carried = _carry(samples)
    if not carried or not (carried[-1].convex_authenticated and carried[-1].authkit_user):
        return None
    start = carried[-1].t
    for s in reversed(carried):
        if not (s.convex_authenticated and s.authkit_user):
            break
        start = s.t
    return round(max(0.0, start - fault_end), 1)


def serving_ms(samples: list[Sample], fault_end: float | None) -> float | None:
    """Time from the fault's end until Convex is serving the user for good (see
    :attr:`Sample.serving`): the start of the serving stretch that lasts to the end of
    the run (0 if it never broke after the fault ended; None if it does not end so)."""
    if fault_end is None:
        return None
    carried = _carry(samples)
    if not carried or not carried[-1].serving:
        return None
    start = carried[-1].t
    for s in reversed(carried):
        if not s.serving:
            break
        start = s.t
    return round(max(0.0, start - fault_end), 1)


def compute(samples: list[Sample], sent: list[str], stored: list[str], fault_end: float | None,
            failed: list[str] = ()) -> Metrics:
    m = Metrics()
    m.split_brain = split_brain(samples)
    end_t = samples[-1].t if samples else 0.0
    m.split_brain_ms = round(sum(((i["end"] if i["end"] is not None else end_t) - i["start"]) for i in m.split_brain), 1)
    m.split_brain_open = bool(m.split_brain and m.split_brain[-1]["end"] is None)
    m.wedged = wedged(samples)
    m.lost_mutations, m.duplicated_mutations = mutations(sent, stored, failed)
    m.recovered_ms = recovered_ms(samples, fault_end)
    m.serving_ms = serving_ms(samples, fault_end)
    last = next((s for s in reversed(samples) if not s.frozen), None)
    m.authkit_user_at_end = bool(last and last.authkit_user)
    m.convex_authenticated_at_end = bool(last and last.convex_authenticated)
    return m
