"""The flight recorder of the tabs under test, in the test process.

Each tab's boot shim hands its observations to the DevTools binding
``__authtraceHost`` (see ``page_hooks.js``); here each tab has the same
:class:`~authtrace.browser.recorder.Recorder` as in a page (on a
:class:`~authtrace.browser._detached.DetachedPage`, without persistence or
sharing: the tabs all report here), so every observation is redacted by the
recorder's own code the moment it arrives, and :meth:`Recording.trace` is the
redacted ``authtrace/1`` trace of all tabs, as ``exportTrace()`` gives in a page.
Raw observations live only in the call that turns them into events.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from ... import __version__
from ...browser._detached import DetachedPage
from ...browser.recorder import Recorder
from ...event import Event
from ...trace import Trace


def _start(recorder: Recorder) -> None:
    """``Recorder.start()`` without an event loop: with nothing to restore it never waits."""
    steps = recorder.start()
    try:
        steps.send(None)
    except StopIteration:
        return
    steps.close()
    raise RuntimeError("the recorder waited while starting")


class Recording:
    def __init__(self, origin: str = "", user_agent: str = "") -> None:
        self.origin = origin
        self.user_agent = user_agent
        self._tabs: dict[str, tuple[DetachedPage, Recorder]] = {}
        self._lock = threading.Lock()

    def tab(self, label: str) -> None:
        """Start recording a tab (its label is the ``tab`` of its events)."""
        with self._lock:
            if label in self._tabs:
                return
            page = DetachedPage(tab=label)
            recorder = Recorder(page, persist=False, share=False)
            _start(recorder)
            self._tabs[label] = (page, recorder)

    def feed(self, label: str, payload: str) -> None:
        """A batch from a tab's binding: a JSON list of the shim's raw observations."""
        try:
            batch = json.loads(payload)
        except ValueError:
            return
        if not isinstance(batch, list):
            return
        with self._lock:
            entry = self._tabs.get(label)
            if entry is not None and entry[0].sink is not None:
                entry[0].sink(batch)

    def events(self) -> list[Event]:
        with self._lock:
            recorders = [rec for _, rec in self._tabs.values()]
            events = [e for rec in recorders for e in rec.events()]
        return sorted(events, key=lambda e: (e.wall, e.mono))

    def trace(self) -> Trace:
        """All tabs' events in wall-clock order, redacted, as an ``authtrace/1`` trace."""
        with self._lock:
            recorders = [rec for _, rec in self._tabs.values()]
            meta: dict[str, Any] = {
                "authtrace_version": __version__, "origin": self.origin, "user_agent": self.user_agent,
                "recorded_by": "pytest", "tabs": sorted(self._tabs),
                "dropped": sum(rec.buffer.dropped for rec in recorders),
                "recorder_errors": sum(rec.errors for rec in recorders), "redacted": True,
                "exported_wall": time.time() * 1000,
            }
        trace = Trace(meta)
        for event in self.events():
            trace.add(Event(event.tab, event.mono, event.wall, event.kind, event.type,
                            {**event.payload, "seq": event.id}))
        return trace
