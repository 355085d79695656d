"""The same interface as :mod:`._page` with no page: for CPython and tests.

Time only moves when the caller says so (``advance``), which is what a
virtual clock in a test wants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable


class Page:
    def __init__(self, *, mono: float = 0.0, wall: float = 1_800_000_000_000.0, tab: str = "tab-detached") -> None:
        self._mono, self._wall, self._tab = mono, wall, tab
        self.dom: dict[str, str] = {}
        self.attributes: dict[tuple[str, str], str] = {}
        self.listeners: dict[tuple[str, str], list[Callable]] = defaultdict(list)
        self.visibility_state = "visible"
        self.is_online = True
        self.sink = None
        self.persisted: list[str] = []
        self.sent: list[str] = []
        self._broadcast_handlers: list[Callable] = []

    def advance(self, ms: float) -> None:
        self._mono += ms
        self._wall += ms

    def now(self) -> tuple[float, float]:
        return self._mono, self._wall

    def tab_id(self) -> str:
        return self._tab

    def visibility(self) -> str:
        return self.visibility_state

    def online(self) -> bool:
        return self.is_online

    def user_agent(self) -> str:
        return "detached"

    def origin(self) -> str:
        return "http://detached.invalid"

    def render(self, element_id: str, html: str) -> None:
        self.dom[element_id] = html

    def set_attribute(self, element_id: str, name: str, value: str) -> None:
        self.attributes[(element_id, name)] = value

    def listen(self, target: str, event: str, handler: Callable) -> None:
        self.listeners[(target, event)].append(handler)

    def dispatch(self, target: str, event: str, payload=None) -> None:
        for handler in self.listeners[(target, event)]:
            handler(payload)

    # The shim, the store and the channel, in memory.
    def shim_present(self) -> bool:
        return True

    def attach_sink(self, handler) -> bool:
        self.sink = handler
        return True

    def detach_sink(self) -> None:
        self.sink = None

    def emit(self, kind: str, type: str, payload: dict) -> None:
        if self.sink is not None:
            mono, wall = self.now()
            self.sink([{"kind": kind, "type": type, "mono": mono, "wall": wall, "payload": payload}])

    def persist(self, records: list[str]) -> None:
        self.persisted.extend(records)

    async def load_persisted(self) -> list[str]:
        return list(self.persisted)

    def trim_persisted(self, keep: int) -> None:
        del self.persisted[: max(0, len(self.persisted) - keep)]

    async def clear_persisted(self) -> None:
        self.persisted.clear()

    def broadcast(self, records: list[str]) -> None:
        self.sent.extend(records)

    def on_broadcast(self, handler) -> None:
        self._broadcast_handlers.append(handler)

    def deliver(self, records: list[str]) -> None:
        """What another tab broadcast arrives here."""
        for handler in self._broadcast_handlers:
            handler(records)
