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
