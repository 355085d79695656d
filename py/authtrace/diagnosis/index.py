"""The events of a trace, indexed once: per tab, kind and type, in trace order, by time.

Appending an event files its position (in trace order) under its exact key
``(tab, kind, type)``, and nothing more. A :class:`Series` is the view of one
key with ``None`` for "any" (``(tab, None, None)``: all of a tab's events), or
of a predicate over another series (``series.where(pred)``); it is built when
first asked for and brought up to date, from the positions appended since, when
asked again. Range queries bisect on the wall times: the events of one kind in a
window cost O(log n) plus what is returned. Predicates must read the event alone
and be module-level functions, so that the same one finds its series again.

Events are only ever appended, in trace order: that is what lets a live timeline
fold new events in without recomputing anything (see :meth:`EventIndex.extend`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from typing import overload

from ..event import Event, Kind

Predicate = Callable[[Event], bool]
Key = tuple[str | None, Kind | None, str | None]


class Series:
    """The events of one key (or of a predicate over another series), in trace order."""

    __slots__ = ("_index", "_pos", "_key", "_parent", "_pred", "_sources", "_seen_leaves", "_seen", "_derived")

    def __init__(self, index: EventIndex, key: Key | None = None, parent: Series | None = None,
                 pred: Predicate | None = None) -> None:
        self._index = index
        self._pos: list[int] = []  # positions in index.events, ascending
        self._key, self._parent, self._pred = key, parent, pred
        self._sources: list[tuple[list[int], list[int]]] = []  # (leaf positions, [how many taken])
        self._seen_leaves = 0
        self._seen = 0  # the index's length when last brought up to date
        self._derived: dict[Predicate, Series] = {}

    @property
    def pos(self) -> list[int]:
        index = self._index
        if self._seen != len(index.events):
            self._catch_up(index)
        return self._pos

    def _catch_up(self, index: EventIndex) -> None:
        events = index.events
        if self._parent is not None:
            parent_pos, pred = self._parent.pos, self._pred
            start = bisect_left(parent_pos, self._seen)
            self._pos.extend(p for p in parent_pos[start:] if pred(events[p]))
        else:
            tab, kind, type_ = self._key
            leaves = index.leaves
            for lkey in leaves[self._seen_leaves:]:
                if (tab is None or lkey[0] == tab) and (kind is None or lkey[1] is kind) \
                        and (type_ is None or lkey[2] == type_):
                    self._sources.append((index.leaf(lkey), [0]))
            self._seen_leaves = len(leaves)
            if len(self._sources) == 1:
                src, taken = self._sources[0]
                self._pos.extend(src[taken[0]:])
                taken[0] = len(src)
            else:
                new: list[int] = []
                for src, taken in self._sources:
                    new.extend(src[taken[0]:])
                    taken[0] = len(src)
                new.sort()
                self._pos.extend(new)
        self._seen = len(events)

    def where(self, pred: Predicate) -> Series:
        """The events ``pred`` accepts, as a series of their own (one per predicate)."""
        sub = self._derived.get(pred)
        if sub is None:
            sub = self._derived[pred] = Series(self._index, parent=self, pred=pred)
        return sub

    # -- range queries (bounds in wall ms, inclusive; later_than: exclusive) ------------
    def bounds(self, after: float | None = None, before: float | None = None,
               later_than: float | None = None) -> tuple[int, int]:
        pos, key = self.pos, self._index.walls.__getitem__
        lo = 0 if after is None else bisect_left(pos, after, key=key)
        if later_than is not None:
            lo = max(lo, bisect_right(pos, later_than, key=key))
        hi = len(pos) if before is None else bisect_right(pos, before, key=key)
        return lo, max(lo, hi)

    def span(self, after: float | None = None, before: float | None = None,
             later_than: float | None = None) -> Span:
        return Span(self, *self.bounds(after, before, later_than))

    def first(self, after: float | None = None, before: float | None = None,
              later_than: float | None = None) -> Event | None:
        lo, hi = self.bounds(after, before, later_than)
        return self._index.events[self._pos[lo]] if lo < hi else None

    def last(self, after: float | None = None, before: float | None = None,
             later_than: float | None = None) -> Event | None:
        lo, hi = self.bounds(after, before, later_than)
        return self._index.events[self._pos[hi - 1]] if lo < hi else None

    def count(self, after: float | None = None, before: float | None = None,
              later_than: float | None = None) -> int:
        lo, hi = self.bounds(after, before, later_than)
        return hi - lo

    def __len__(self) -> int:
        return len(self.pos)

    def __bool__(self) -> bool:
        return bool(self.pos)

    def __iter__(self) -> Iterator[Event]:
        events = self._index.events
        return (events[p] for p in self.pos)


class Span:
    """A window of a series: a read-only sequence of events (no copy is made)."""

    __slots__ = ("_events", "_pos", "_lo", "_hi")

    def __init__(self, series: Series, lo: int, hi: int) -> None:
        self._events, self._pos, self._lo, self._hi = series._index.events, series.pos, lo, hi

    def __len__(self) -> int:
        return self._hi - self._lo

    def __bool__(self) -> bool:
        return self._hi > self._lo

    def __iter__(self) -> Iterator[Event]:
        events, pos = self._events, self._pos
        return (events[pos[i]] for i in range(self._lo, self._hi))

    def __reversed__(self) -> Iterator[Event]:
        events, pos = self._events, self._pos
        return (events[pos[i]] for i in range(self._hi - 1, self._lo - 1, -1))

    @overload
    def __getitem__(self, i: int) -> Event: ...
    @overload
    def __getitem__(self, i: slice) -> list[Event]: ...

    def __getitem__(self, i):
        events, pos = self._events, self._pos
        if isinstance(i, slice):
            return [events[pos[j]] for j in range(self._lo, self._hi)[i]]
        n = len(self)
        if not -n <= i < n:
            raise IndexError("span index out of range")
        return events[pos[self._lo + (i if i >= 0 else n + i)]]


class EventIndex:
    """Events in trace order with their wall times, filed by (tab, kind, type)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.walls: list[float] = []
        self.leaves: list[Key] = []  # the exact keys, in the order they first appeared
        self._leaf: dict[Key, list[int]] = {}
        self._views: dict[Key, Series] = {}

    def extend(self, events: list[Event]) -> None:
        """Add the next events, in trace order; none may sort before the last one (wall, then id)."""
        pos = len(self.events)
        self.events.extend(events)
        self.walls.extend(e.wall for e in events)
        get = self._leaf.get
        for e in events:
            key = (e.tab, e.kind, e.type)
            leaf = get(key)
            if leaf is None:
                leaf = self._leaf[key] = []
                self.leaves.append(key)
            leaf.append(pos)
            pos += 1

    def leaf(self, key: Key) -> list[int]:
        return self._leaf[key]

    def series(self, tab: str | None = None, kind: Kind | None = None, type: str | None = None) -> Series:
        key = (tab, kind, type)
        s = self._views.get(key)
        if s is None:
            s = self._views[key] = Series(self, key)
        return s
