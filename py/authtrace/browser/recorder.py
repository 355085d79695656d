"""The flight recorder: Python in the page, fed by the boot shim's hooks.

It takes over the shim's queue (observations made before Pyodide was ready
included), turns each observation into redacted events with
:class:`~authtrace.capture.Capture`, and keeps them in a bounded ring buffer,
in IndexedDB (so a reload keeps the story) and shares them with the other tabs
of the origin over ``BroadcastChannel`` (one timeline, each event tagged with
its tab). A failure in here becomes a ``note/recorder-error`` event; the page
never sees it.
"""

from __future__ import annotations

import json
from bisect import insort
from collections.abc import Callable

from .. import __version__
from ..capture import Capture
from ..event import Event, Kind
from ..ringbuffer import RingBuffer
from ..trace import Trace
from . import Page, PlatformPage


class _TimeOrder:
    """The buffer's events in time order, kept as they are kept (the panel asks on every render,
    and sorting 20,000 events each time is most of a render's cost).

    Entries are ``(wall, mono, n, event)``, ``n`` counting the events kept. The ring buffer
    drops the oldest kept first, so it holds exactly those with ``n >= kept - len(buffer)``;
    dropped ones are skipped when read and removed once they are many.
    """

    def __init__(self) -> None:
        self.entries: list[tuple[float, float, int, Event]] = []
        self.kept = 0

    def add(self, event: Event) -> None:
        entry = (event.wall, event.mono, self.kept, event)
        self.kept += 1
        if not self.entries or entry > self.entries[-1]:  # (n is new: events are never compared)
            self.entries.append(entry)  # the usual case: newer than all
        else:
            insort(self.entries, entry)

    def events(self, held: int) -> list[Event]:
        low = self.kept - held
        out = [e for _, _, n, e in self.entries if n >= low]
        if len(self.entries) - len(out) > len(out) // 8:
            self.entries = [entry for entry in self.entries if entry[2] >= low]
        return out

    def clear(self) -> None:
        self.entries = []


class Recorder:
    def __init__(self, page: Page | None = None, *, max_events: int = 20_000, max_bytes: int = 8_000_000,
                 persist: bool = True, share: bool = True, otlp: dict | None = None) -> None:
        self.page: Page = page or PlatformPage()
        self.tab = self.page.tab_id()
        self.capture = Capture(self.tab)
        self.buffer = RingBuffer(max_events, max_bytes)
        self._order = _TimeOrder()
        self.persist_enabled = persist
        self.share_enabled = share
        self.errors = 0
        self.restored = 0
        self.cleared = 0  # times clear() ran: what was derived from the events before is stale
        self._seq = 0
        self._seen: set[tuple[str, int]] = set()
        self._listeners: list[Callable[[list[Event]], None]] = []
        self.started = False
        self.otlp = otlp  # options of the OTLP export (:mod:`.exporter`), started with the recorder
        self.exporter = None
        # Fault injection for fail-open checks: "sink" breaks the whole hand-off,
        # "observe" breaks every single observation.
        self.fault: str | None = None

    # -- lifecycle ------------------------------------------------------------------
    async def start(self) -> bool:
        """Restore what earlier loads and other tabs stored, then take over the shim."""
        if self.persist_enabled:
            for record in await self.page.load_persisted():
                self._merge(record, restored=True)
        if self.share_enabled:
            self.page.on_broadcast(self._on_remote)
        self.started = self.page.attach_sink(self._on_batch)
        if self.otlp:
            self.export_otlp(self.otlp)
        return self.started

    def export_otlp(self, options: dict | None) -> None:
        """Start the OTLP export of this tab's events with ``options`` (``endpoint``, ``headers``,
        ``sample``, ...: :class:`.exporter.OtlpExporter`), or stop it (None). ValueError for bad options."""
        from .exporter import OtlpExporter

        if self.exporter is not None:
            self.exporter.stop()
            self.exporter = None
        if options:
            self.exporter = OtlpExporter(self, **options)

    def subscribe(self, listener: Callable[[list[Event]], None]) -> None:
        """Call ``listener`` with each batch of new events (own or other tabs')."""
        self._listeners.append(listener)

    # -- input ------------------------------------------------------------------------
    def _on_batch(self, batch: list) -> None:
        if self.fault == "sink":
            raise RuntimeError("injected recorder fault (sink)")
        new: list[Event] = []
        records: list[str] = []
        for raw in batch:
            try:
                if self.fault == "observe":
                    raise RuntimeError("injected recorder fault (observe)")
                if self._already_kept(raw):
                    continue
                events = self.capture.observe(raw)
            except Exception as exc:  # fail open: the page goes on, the trace says what broke
                self.errors += 1
                events = [Event(self.tab, float(raw.get("mono", 0)) if isinstance(raw, dict) else 0.0,
                                float(raw.get("wall", 0)) if isinstance(raw, dict) else 0.0, Kind.NOTE,
                                "recorder-error", {"error": type(exc).__name__, "message": str(exc)[:300],
                                                   "observation": f"{raw.get('kind')}/{raw.get('type')}" if isinstance(raw, dict) else None})]
            for event in events:
                self._seq += 1
                event = event.with_id(self._seq)
                record = json.dumps(event.to_json(), separators=(",", ":"), ensure_ascii=False)
                self._keep(event, len(record.encode()))
                new.append(event)
                records.append(record)
        if not new:
            return
        if self.persist_enabled:
            self.page.persist(records)
            if len(self.buffer) >= self.buffer.max_events:
                self.page.trim_persisted(self.buffer.max_events)
        if self.share_enabled:
            self.page.broadcast(records)
        self._notify(new)

    def _already_kept(self, raw) -> bool:
        """A pagehide the shim kept across the unload that IndexedDB did save after all."""
        if not (isinstance(raw, dict) and (raw.get("payload") or {}).get("recovered")):
            return False
        return any(e.tab == self.tab and e.type == raw.get("type") and e.wall == raw.get("wall") for e in self.buffer)

    def _on_remote(self, records: list[str]) -> None:
        new = [e for e in (self._merge(r) for r in records) if e is not None]
        self._notify(new)

    def _merge(self, record: str, restored: bool = False) -> Event | None:
        try:
            event = Event.from_json(json.loads(record))
        except (ValueError, KeyError, TypeError):
            return None
        if event.id is None or (event.tab, event.id) in self._seen:
            return None
        if event.tab == self.tab:
            self._seq = max(self._seq, event.id)  # a reload of this tab continues its numbering
        self._keep(event)
        if restored:
            self.restored += 1
        return event

    def _keep(self, event: Event, size: int | None = None) -> None:
        self._seen.add((event.tab, event.id))
        size = event.size() if size is None else size
        self.buffer.append(event, size)
        if size <= self.buffer.max_bytes:  # else the buffer refused it
            self._order.add(event)

    def _notify(self, events: list[Event]) -> None:
        for listener in list(self._listeners):
            try:
                listener(events)
            except Exception:
                self.errors += 1

    # -- output -------------------------------------------------------------------------
    def events(self) -> list[Event]:
        """The events kept, in time order (wall clock, then the tab's monotonic clock)."""
        return self._order.events(len(self.buffer))

    def trace(self) -> Trace:
        """All tabs' events in wall-clock order, numbered for this export."""
        mono, wall = self.page.now()
        trace = Trace({"authtrace_version": __version__, "origin": self.page.origin(), "user_agent": self.page.user_agent(),
                       "recorded_by": self.tab, "tabs": sorted({e.tab for e in self.buffer}),
                       "dropped": self.buffer.dropped, "recorder_errors": self.errors, "redacted": True,
                       "exported_wall": wall})
        for event in self.events():
            trace.add(Event(event.tab, event.mono, event.wall, event.kind, event.type,
                            {**event.payload, "seq": event.id}))
        return trace

    async def clear(self) -> None:
        self.cleared += 1
        self.buffer.clear()
        self._order.clear()
        self._seen.clear()
        if self.persist_enabled:
            await self.page.clear_persisted()
