"""The real page, through ``js`` (Pyodide only)."""

from __future__ import annotations

from collections.abc import Callable

import js
from pyodide.ffi import create_proxy


class Page:
    """What authtrace needs from the page it runs in: clocks, identity, DOM, events."""

    def __init__(self) -> None:
        self._proxies = []

    def now(self) -> tuple[float, float]:
        """(monotonic ms, wall-clock ms), read together so their gap means something."""
        return float(js.performance.now()), float(js.Date.now())

    def tab_id(self) -> str:
        # sessionStorage survives reloads of this tab but is not shared with other tabs.
        store = js.sessionStorage
        tab = store.getItem("authtrace:tab")
        if not tab:
            tab = "tab-" + str(js.crypto.randomUUID())[:8]
            store.setItem("authtrace:tab", tab)
        return str(tab)

    def visibility(self) -> str:
        return str(js.document.visibilityState)

    def online(self) -> bool:
        return bool(js.navigator.onLine)

    def user_agent(self) -> str:
        return str(js.navigator.userAgent)

    def origin(self) -> str:
        return str(js.location.origin)

    def render(self, element_id: str, html: str) -> None:
        node = js.document.getElementById(element_id)
        if node is not None:
            node.innerHTML = html

    def set_attribute(self, element_id: str, name: str, value: str) -> None:
        node = js.document.getElementById(element_id)
        if node is not None:
            node.setAttribute(name, value)

    def listen(self, target: str, event: str, handler: Callable) -> None:
        """``target`` is "window" or "document"; the proxy lives as long as the page."""
        proxy = create_proxy(handler)
        self._proxies.append(proxy)
        getattr(js, target).addEventListener(event, proxy)
