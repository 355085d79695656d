"""Per-tab states over time: hidden, frozen, offline, asleep, AuthKit's user.

Each state but sleep is a :class:`Toggle`: events switch it on and off, and it
keeps the intervals it was on as :class:`Spans` (in time order, each ending
before the next starts), which answer "which interval contains this time" and
"which start in this window" by bisection. A toggle is fed one event at a time in
trace order, so a live timeline extends them as events come in. The signals (what
turns each state on and off) are the only part that differs between states.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..event import Event, Kind
from .payload import num

INF = float("inf")


@dataclass
class Interval:
    """``[start, end)`` in wall ms; ``end`` is None while still open at the end of the trace."""

    tab: str
    start: float
    end: float | None
    start_event: int | None = None
    end_event: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def end_or(self, default: float) -> float:
        return self.end if self.end is not None else default

    def duration(self, trace_end: float) -> float:
        return self.end_or(trace_end) - self.start

    def contains(self, wall: float, trace_end: float | None = None) -> bool:
        end = self.end if self.end is not None else (trace_end if trace_end is not None else INF)
        return self.start <= wall <= end

    def evidence(self) -> list[int]:
        return [i for i in (self.start_event, self.end_event) if i is not None]


class Spans(list):
    """Intervals in time order, none overlapping the next (at most touching); only the last may be open.

    A list (callers iterate it) that keeps its start and end times beside it for bisection.
    """

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[float] = []
        self.ends: list[float] = []  # INF while open
        self._best: list[int] = []  # _best[i]: index of the longest closed interval among 0..i (first if tied)

    def open(self, iv: Interval) -> None:
        self.append(iv)
        self.starts.append(iv.start)
        self.ends.append(INF)

    def close(self, wall: float, event: int | None) -> None:
        iv = self[-1]
        iv.end, iv.end_event = wall, event
        self.ends[-1] = wall
        i = len(self) - 1
        best = self._best[-1] if self._best else None
        if best is not None and not self._length(i) > self._length(best):
            self._best.append(best)
        else:
            self._best.append(i)

    def _length(self, i: int) -> float:
        return self.ends[i] - self.starts[i]

    def containing(self, wall: float, trace_end: float) -> Interval | None:
        """The first interval with ``start <= wall <= end`` (an open one ends at ``trace_end``)."""
        i = bisect_left(self.ends, wall)
        if i < len(self) and self[i].contains(wall, trace_end):
            return self[i]
        return None

    def starting_within(self, lo: float, hi: float) -> list[Interval]:
        return self[bisect_left(self.starts, lo):bisect_right(self.starts, hi)]

    def first_ending_within(self, lo: float, hi: float) -> Interval | None:
        i = bisect_left(self.ends, lo)
        return self[i] if i < len(self) and self.ends[i] <= hi else None

    def longest_before(self, wall: float) -> float | None:
        """The longest stretch of the intervals that started before ``wall``, cut at ``wall``."""
        k = bisect_left(self.starts, wall)  # intervals 0..k-1 started before wall
        if k == 0:
            return None
        m = min(bisect_right(self.ends, wall), k)  # 0..m-1 ended by wall; at most one more runs past it
        best = self._length(self._best[m - 1]) if m else None
        for i in range(m, k):
            d = min(self[i].end_or(wall), wall) - self[i].start
            if best is None or d > best:
                best = d
        return best


# A signal says what an event means for a state: True (on), False (off) or None (nothing).
Signal = Callable[[Event], "bool | None"]


class Toggle:
    """One state of one tab, switched on and off by events."""

    def __init__(self, tab: str, signal: Signal, detail: Callable[[Event], dict] | None = None) -> None:
        self.tab = tab
        self.signal = signal
        self.detail = detail
        self.spans = Spans()
        self.fed = False  # has any event been fed to it
        self._on = False

    def feed(self, e: Event) -> None:
        self.fed = True
        on = self.signal(e)
        if on is None or on == self._on:
            return
        if on:
            self.spans.open(Interval(self.tab, e.wall, None, e.id, detail=self.detail(e) if self.detail else {}))
        else:
            self.spans.close(e.wall, e.id)
        self._on = on


class Visibility:
    """Hidden: visibilitychange, the visibility at boot, freeze; until the first of
    these, any event's recorded ``visibility``."""

    def __init__(self) -> None:
        self.known = False

    def __call__(self, e: Event) -> bool | None:
        state = None
        if e.kind is Kind.VISIBILITY and e.type == "visibilitychange":
            state = e.payload.get("state")
        elif e.kind is Kind.LIFECYCLE and e.type == "boot":
            state = e.payload.get("visibility")
        elif e.kind is Kind.LIFECYCLE and e.type == "freeze":
            state = "hidden"
        elif not self.known and e.payload.get("visibility") in ("visible", "hidden"):
            state = e.payload.get("visibility")
        if state not in ("visible", "hidden"):
            return None
        self.known = True
        return state == "hidden"


def frozen_signal(e: Event) -> bool | None:
    if e.kind is Kind.LIFECYCLE and e.type in ("freeze", "resume"):
        return e.type == "freeze"
    return None


def offline_signal(e: Event) -> bool | None:
    if e.kind is Kind.NETWORK and e.type in ("online", "offline"):
        return e.type == "offline"
    if e.kind is Kind.LIFECYCLE and e.type == "boot" and isinstance(e.payload.get("online"), bool):
        return not e.payload["online"]
    return None


def user_signal(e: Event) -> bool | None:
    """AuthKit's ``user`` events; a loading one says nothing."""
    if not (e.kind is Kind.AUTHKIT and e.type == "user") or e.payload.get("is_loading"):
        return None
    return bool(e.payload.get("present"))


def user_detail(e: Event) -> dict:
    return {"user_id": e.payload.get("user_id")}


def inferred_user_signal(e: Event) -> bool | None:
    """No ``user`` event in a tab (the ring buffer dropped the one from page load, which
    is emitted only on change): AuthKit had a user from the first token getAccessToken
    returned; authkit-react keeps it until the page reloads, even after a terminal
    refresh failure."""
    if e.kind is Kind.LIFECYCLE and e.type == "boot":
        return False
    if e.kind is Kind.AUTHKIT and e.type == "getAccessToken" and e.payload.get("outcome") == "token":
        return True
    return None


def inferred_detail(e: Event) -> dict:
    return {"inferred": True}


def sleep_interval(e: Event) -> Interval | None:
    """Machine sleep: a ``clock-jump`` event reports a gap that ended at it."""
    if e.kind is Kind.LIFECYCLE and e.type == "clock-jump":
        jump = e.payload.get("jumpMs") or e.payload.get("jump_ms")
        if num(jump) is not None and jump > 0:
            return Interval(e.tab, e.wall - jump, e.wall, None, e.id)
    return None


class TabStates:
    """All the states of one tab, fed its events in trace order (each state sees only the
    kinds of event that can change it)."""

    # Which states each kind of event can change (by attribute name).
    WATCH: dict[tuple[Kind, str], tuple[str, ...]] = {
        (Kind.VISIBILITY, "visibilitychange"): ("hidden",),
        (Kind.LIFECYCLE, "boot"): ("hidden", "offline", "user_inferred"),
        (Kind.LIFECYCLE, "freeze"): ("hidden", "frozen"),
        (Kind.LIFECYCLE, "resume"): ("frozen",),
        (Kind.LIFECYCLE, "clock-jump"): ("sleep",),
        (Kind.NETWORK, "online"): ("offline",),
        (Kind.NETWORK, "offline"): ("offline",),
        (Kind.AUTHKIT, "user"): ("user_recorded",),
        (Kind.AUTHKIT, "getAccessToken"): ("user_inferred",),
    }
    WATCHED = frozenset(WATCH)

    def __init__(self, tab: str) -> None:
        self.visibility = Visibility()
        self.hidden = Toggle(tab, self.visibility)
        self.frozen = Toggle(tab, frozen_signal)
        self.offline = Toggle(tab, offline_signal)
        self.asleep: list[Interval] = []
        self.sleep = _Sleeps(self.asleep)
        self.user_recorded = Toggle(tab, user_signal, user_detail)
        self.user_inferred = Toggle(tab, inferred_user_signal, inferred_detail)
        self._feeds = {key: tuple(getattr(self, name).feed for name in names) for key, names in self.WATCH.items()}

    def feed(self, e: Event, key: tuple[Kind, str]) -> None:
        """``key``: the event's (kind, type). Only events of :attr:`WATCHED` keys can change a
        state, and any event while the tab's visibility is not known yet."""
        feeds = self._feeds.get(key, ())
        if not self.visibility.known and self.hidden.feed not in feeds:
            self.hidden.feed(e)  # any event's recorded visibility tells it
        for feed in feeds:
            feed(e)

    @property
    def user(self) -> Spans:
        """AuthKit's user as recorded; inferred from the tokens when no ``user`` event was."""
        return self.user_recorded.spans if self.user_recorded.fed else self.user_inferred.spans


class _Sleeps:
    def __init__(self, out: list[Interval]) -> None:
        self.out = out

    def feed(self, e: Event) -> None:
        slept = sleep_interval(e)
        if slept is not None:
            self.out.append(slept)


def overlaps(a: Spans, b: Spans) -> list[tuple[Interval, Interval]]:
    """Every pair (x from ``a``, y from ``b``) that overlaps or touches, ``a``'s order first."""
    out = []
    for x, (xs, xe) in zip(a, zip(a.starts, a.ends)):
        lo = bisect_left(b.ends, xs)  # the first y not over before x starts
        hi = bisect_right(b.starts, xe)  # ... up to the last y starting by the time x ends
        out.extend((x, b[j]) for j in range(lo, hi))
    return out
