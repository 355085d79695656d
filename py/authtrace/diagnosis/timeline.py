"""The :class:`Timeline`: everything the rules ask about a trace, derived from its events once.

When was this tab hidden, frozen, offline, asleep; when did AuthKit show a user;
what did the Convex client say about its auth and its socket; which WorkOS
refresh exchanges and ``getAccessToken`` calls happened and how they ended. The
events are indexed per tab, kind and type (:mod:`.index`), the states are
intervals (:mod:`.intervals`), the requests are paired (:mod:`.exchanges`).
Everything is derived from the events alone (no clock, no I/O).

A timeline can grow: :meth:`Timeline.extend` folds newer events in without
recomputing anything already derived (see the package docstring).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..event import Event, Kind
from ..jwt import lifetimes_in
from ..trace import Trace
from . import thresholds as T
from .exchanges import CallTable, Exchange, ExchangeTable, TokenCall
from .index import EventIndex, Series, Span
from .intervals import Interval, Spans, TabStates
from .payload import num
from .wording import fmt_at, fmt_dur

__all__ = ["Exchange", "Interval", "Timeline", "TokenCall", "fmt_at", "fmt_dur", "order"]

R = TypeVar("R")


def order(e: Event) -> tuple[float, int]:
    """Trace order: wall clock, then recording order (events of several tabs interleave by wall)."""
    return (e.wall, e.id if e.id is not None else 0)


_USER = (Kind.AUTHKIT, "user")


def _authenticated(e: Event) -> bool:
    return e.payload.get("is_authenticated") is True


def _identity_changed(e: Event) -> bool:
    return bool(e.payload.get("identity_changed"))


def _lifetimes_in(e: Event) -> list[float]:
    """The access-token lifetimes (s) an event's JWT claims show."""
    out = lifetimes_in(e.payload.get("jwt"))
    iat, exp = e.payload.get("iat"), e.payload.get("exp")
    if num(iat) is not None and num(exp) is not None and exp > iat:
        out.append(exp - iat)
    return out


class Timeline:
    """Everything the rules ask about a trace, computed once (and extended as events come)."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.index = EventIndex()
        self.events: list[Event] = self.index.events  # in trace order
        self.by_id: dict[int, Event] = {}
        self.by_tab: dict[str, Series] = {}
        self.tabs: list[str] = []
        self.start = self.end = 0.0
        self._states: dict[str, TabStates] = {}
        self.hidden: dict[str, Spans] = {}
        self.frozen: dict[str, Spans] = {}
        self.offline: dict[str, Spans] = {}
        self.asleep: dict[str, list[Interval]] = {}
        self.user: dict[str, Spans] = {}
        self._exchanges = ExchangeTable()
        self._calls = CallTable()
        # Convex's own requests to the adapter (recorded by the setAuth wrapper): what
        # Convex asked for and what it got, whatever the adapter did with AuthKit.
        self._fetches = CallTable(Kind.CONVEX, "fetchToken")
        self._tables: dict[tuple[Kind, str], ExchangeTable | CallTable] = {
            **{(Kind.FETCH, t): self._exchanges for t in ExchangeTable.TYPES},
            **{(kind, t): table for table in (self._calls, self._fetches) for kind, t in table.keys()}}
        self.exchanges: list[Exchange] = self._exchanges.order
        self.calls: list[TokenCall] = self._calls.order
        self.convex_fetches: list[TokenCall] = self._fetches.order
        self._lifetimes: Counter = Counter()
        self.lifetime_ms = float(T.DEFAULT_ACCESS_TOKEN_LIFETIME_MS)
        self._memo: dict[Any, Any] = {}
        self.extend(trace.events)

    # -- growing ------------------------------------------------------------------------
    def extend(self, events: Iterable[Event]) -> bool:
        """Fold newer events in. False (and nothing changed) when one of them sorts
        before the last event already in: then build a new Timeline instead."""
        new = sorted(events, key=order)
        if not new:
            return True
        if self.events and order(new[0]) < order(self.events[-1]):
            return False
        self.index.extend(new)
        self._fold(new)
        self.start, self.end = self.events[0].wall, self.events[-1].wall
        if self._lifetimes:
            self.lifetime_ms = float(self._lifetimes.most_common(1)[0][0]) * 1000.0
        self._memo.clear()
        return True

    def _fold(self, new: list[Event]) -> None:
        """Feed new events to the tabs' states, the request tables and the token lifetimes."""
        by_id, states_of, tables, watched = self.by_id, self._states.get, self._tables.get, TabStates.WATCHED
        lifetimes = self._lifetimes
        for e in new:
            if e.id is not None:
                by_id[e.id] = e
            states = states_of(e.tab) or self._new_tab(e.tab)
            key = (e.kind, e.type)
            if key in watched or not states.visibility.known:
                states.feed(e, key)
                if key == _USER:
                    self.user[e.tab] = states.user
            table = tables(key)
            if table is not None:
                table.feed(e)
            p = e.payload
            if "jwt" in p or "exp" in p:
                for life in _lifetimes_in(e):
                    lifetimes[life] += 1

    def _new_tab(self, tab: str) -> TabStates:
        states = self._states[tab] = TabStates(tab)
        self.hidden[tab], self.frozen[tab] = states.hidden.spans, states.frozen.spans
        self.offline[tab], self.asleep[tab] = states.offline.spans, states.asleep
        self.user[tab] = states.user
        self.by_tab[tab] = self.index.series(tab)
        self.tabs = sorted(self._states)
        return states

    def memo(self, key: Any, build: Callable[[], R]) -> R:
        """``build()`` once per key until the timeline grows (for what several rules derive)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    # -- queries ----------------------------------------------------------------
    def series(self, tab: str | None = None, kind: Kind | None = None, type: str | None = None) -> Series:
        """The events of one tab, kind and type (None: any), for range queries."""
        return self.index.series(tab, kind, type)

    def of(self, tab: str | None = None, kind: Kind | None = None, type: str | None = None,
           after: float | None = None, before: float | None = None) -> Span:
        """Events filtered by tab, kind, type and an inclusive wall-time window."""
        return self.index.series(tab, kind, type).span(after, before)

    def has(self, kind: Kind, type: str | None = None) -> bool:
        return bool(self.index.series(None, kind, type))

    def rel(self, wall: float) -> float:
        return wall - self.start

    def user_present_at(self, tab: str, wall: float) -> Interval | None:
        spans = self.user.get(tab)
        return spans.containing(wall, self.end) if spans else None

    def convex_authenticated(self, tab: str, after: float, before: float) -> Event | None:
        """The first sign Convex is authenticated in ``tab`` in the window, or None.

        ``auth-change true`` when the client wrapper is there; otherwise a
        Transition that changed the identity after a user token was sent.
        """
        changes = self.series(tab, Kind.CONVEX, "auth-change")
        if changes:
            return changes.where(_authenticated).first(after, before)
        sent = self.series(tab, Kind.CONVEX, "Authenticate")
        for e in self.series(tab, Kind.CONVEX, "Transition").where(_identity_changed).span(after, before):
            last = sent.last(before=e.wall)
            if last is not None and last.payload.get("token_type") not in (None, "None"):
                return e
        return None

    def calls_in(self, tab: str) -> list[TokenCall]:
        """The tab's ``getAccessToken`` calls in call order (which is the order they started in)."""
        def build() -> dict[str, list[TokenCall]]:
            by_tab: dict[str, list[TokenCall]] = {}
            for call in self.calls:
                by_tab.setdefault(call.tab, []).append(call)
            return by_tab

        return self.memo("calls-by-tab", build).get(tab, [])

    def socket_states(self, tab: str) -> Series:
        return self.series(tab, Kind.CONVEX, "state")

    def state_at(self, tab: str, wall: float) -> Event | None:
        """The last Convex ``state`` sample at or before ``wall``."""
        return self.socket_states(tab).last(before=wall)

    def describe_tab(self, tab: str) -> str:
        return f"tab {tab}" if len(self.tabs) > 1 else "the tab"
