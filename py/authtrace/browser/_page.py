"""The real page, through ``js`` (Pyodide only)."""

from __future__ import annotations

from collections.abc import Callable

import json

import js
from pyodide.ffi import JsProxy, create_proxy, to_js


def _shim():
    # getattr with a string: a literal ``js.__authtrace`` would be name-mangled in a class.
    return getattr(js.globalThis, "__authtrace", None)


def _plain(value):
    """JS observation records to Python dicts and lists.

    Through JSON: JS ``null`` becomes ``None`` (``to_py`` would give ``jsnull``),
    ``undefined`` fields disappear, and one C-level call beats a proxy walk.
    """
    if isinstance(value, JsProxy):
        return json.loads(str(js.JSON.stringify(value)))
    return value


class Page:
    """What authtrace needs from the page it runs in: clocks, identity, DOM, events."""

    def __init__(self) -> None:
        self._proxies = []
        self._channel = None

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

    # -- the boot shim's hand-off queue ------------------------------------------
    def shim_present(self) -> bool:
        return _shim() is not None

    def attach_sink(self, handler: Callable[[list], None]) -> bool:
        shim = _shim()
        if shim is None:
            return False
        proxy = create_proxy(lambda batch: handler(_plain(batch)))
        self._proxies.append(proxy)
        shim.attach(proxy)
        return True

    def detach_sink(self) -> None:
        shim = _shim()
        if shim is not None:
            shim.detach()

    def emit(self, kind: str, type: str, payload: dict) -> None:
        """Feed an observation through the shim, as the page's own hooks do."""
        shim = _shim()
        if shim is not None:
            shim.emit(kind, type, to_js(payload, dict_converter=js.Object.fromEntries))

    # -- persistence (IndexedDB through the shim) --------------------------------
    def persist(self, records: list[str]) -> None:
        shim = _shim()
        if shim is not None and records:
            shim.store.put(to_js(records))

    async def load_persisted(self) -> list[str]:
        shim = _shim()
        if shim is None:
            return []
        try:
            records = await shim.store.all()
        except Exception:  # private mode, quota: the recorder goes on in memory
            return []
        return [str(r) for r in records.to_py()]

    def trim_persisted(self, keep: int) -> None:
        shim = _shim()
        if shim is not None:
            shim.store.trim(keep)

    async def clear_persisted(self) -> None:
        shim = _shim()
        if shim is not None:
            await shim.store.clear()

    # -- other tabs of this origin --------------------------------------------------
    def _bc(self):
        if self._channel is None and hasattr(js, "BroadcastChannel"):
            self._channel = js.BroadcastChannel.new("authtrace")
        return self._channel

    def broadcast(self, records: list[str]) -> None:
        channel = self._bc()
        if channel is not None and records:
            channel.postMessage(json.dumps(records))

    def on_broadcast(self, handler: Callable[[list[str]], None]) -> None:
        channel = self._bc()
        if channel is None:
            return
        proxy = create_proxy(lambda e: handler(json.loads(str(e.data))))
        self._proxies.append(proxy)
        channel.addEventListener("message", proxy)
