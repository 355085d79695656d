"""The real page, through ``js`` and ``pyodide.ffi`` (Pyodide only).

The only module of authtrace that touches the page: everything else goes
through :class:`authtrace.browser.page.Page`. Values handed to Python are
plain (:func:`_py`); proxies handed to JS live as long as the page.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import js
from pyodide.ffi import JsNull, JsProxy, create_once_callable, create_proxy, to_js

_STORE = "__authtraceStore"
_STORE_WAIT_S = 5.0
_SHEETS: set[str] = set()  # stylesheets added to this page (one Python per page)


def _py(value: Any) -> Any:
    """A JS value as plain Python: ``null`` and ``undefined`` become None, objects dicts and lists.

    Through JSON: ``to_py`` would keep ``jsnull`` inside, and one C-level call beats a proxy walk."""
    if value is None or isinstance(value, JsNull):
        return None
    if isinstance(value, JsProxy):
        return json.loads(str(js.JSON.stringify(value)))
    return value


def _js(value: Any) -> Any:
    return to_js(value, dict_converter=js.Object.fromEntries)


def _missing(node: Any) -> bool:
    return node is None or isinstance(node, JsNull)


def _global(name: str):
    # getattr with a string: a literal ``js.__authtrace`` would be name-mangled in a class.
    value = getattr(js.globalThis, name, None)
    return None if _missing(value) else value


class BrowserPage:
    def __init__(self) -> None:
        self._proxies: list = []
        self._channel = None
        self._padding: str | None = None

    def _keep(self, fn: Callable) -> Any:
        proxy = create_proxy(fn)
        self._proxies.append(proxy)
        return proxy

    # -- Clock ------------------------------------------------------------------------
    def now(self) -> tuple[float, float]:
        return float(js.performance.now()), float(js.Date.now())

    def every(self, ms: float, fn: Callable[[], None]) -> None:
        js.setInterval(self._keep(lambda *_: fn()), int(ms))

    def later(self, ms: float, fn: Callable[[], None]) -> None:
        js.setTimeout(create_once_callable(lambda *_: fn()), int(ms))

    def soon(self, fn: Callable[[], None]) -> None:
        # scheduler.postTask: a task of its own at background priority, after input and
        # rendering, and not clamped to 4 ms like a chain of setTimeout(0).
        run = create_once_callable(lambda *_: fn())
        scheduler = _global("scheduler")
        if scheduler is not None and hasattr(scheduler, "postTask"):
            scheduler.postTask(run, _js({"priority": "background"}))
        else:
            js.setTimeout(run, 0)

    def spawn(self, coro: Coroutine) -> None:
        asyncio.ensure_future(coro)

    # -- Identity -----------------------------------------------------------------------
    def tab_id(self) -> str:
        # sessionStorage survives reloads of this tab but is not shared with other tabs.
        store = js.sessionStorage
        tab = store.getItem("authtrace:tab")
        if not tab:
            tab = "tab-" + str(js.crypto.randomUUID())[:8]
            store.setItem("authtrace:tab", tab)
        return str(tab)

    def origin(self) -> str:
        return str(js.location.origin)

    def user_agent(self) -> str:
        return str(js.navigator.userAgent)

    def query_param(self, name: str) -> str | None:
        return _py(js.URLSearchParams.new(js.location.search).get(name))

    def session_id(self) -> str:
        store = js.localStorage
        session = store.getItem("authtrace:session")
        if not session:
            session = str(js.crypto.randomUUID())
            store.setItem("authtrace:session", session)
        return str(session)

    def browser(self) -> dict[str, Any]:
        nav = js.navigator
        out: dict[str, Any] = {"language": _py(getattr(nav, "language", None))}
        hints = _py(getattr(nav, "userAgentData", None))  # Chromium only
        if isinstance(hints, dict):
            out["brands"] = [f"{b.get('brand')} {b.get('version')}" for b in hints.get("brands") or []]
            out["platform"], out["mobile"] = hints.get("platform"), hints.get("mobile")
        return {k: v for k, v in out.items() if v not in (None, [])}

    # -- Shim ---------------------------------------------------------------------------
    def attach_sink(self, handler: Callable[[list[dict]], None]) -> bool:
        shim = _global("__authtrace")
        if shim is None:
            return False
        shim.attach(self._keep(lambda batch: handler(_py(batch))))
        return True

    def emit(self, kind: str, type: str, payload: dict) -> None:
        shim = _global("__authtrace")
        if shim is not None:
            shim.emit(kind, type, _js(payload))

    # -- Store (web/recorder/store.js, loaded on first use) -----------------------------
    def persist(self, records: list[str]) -> None:
        store = _global(_STORE)
        if store is not None and records:
            store.put(to_js(records))

    async def load_persisted(self) -> list[str]:
        try:
            # The recorder waits for this before it takes over the shim: never for long.
            if not await asyncio.wait_for(self.load_script("store.js", _STORE), _STORE_WAIT_S):
                return []
            records = await asyncio.wait_for(_global(_STORE).all(), _STORE_WAIT_S)
        except Exception:  # no store.js, private mode, quota, too slow: the recorder goes on in memory
            return []
        return [str(r) for r in records.to_py()]

    def trim_persisted(self, keep: int) -> None:
        store = _global(_STORE)
        if store is not None:
            store.trim(keep)

    async def clear_persisted(self) -> None:
        store = _global(_STORE)
        if store is not None:
            await store.clear()

    # -- Channel ----------------------------------------------------------------------------
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
        if channel is not None:
            channel.addEventListener("message", self._keep(lambda e: handler(json.loads(str(e.data)))))

    # -- Helpers -------------------------------------------------------------------------------
    @staticmethod
    def _next_to_boot(file: str) -> str:
        """``file`` in the boot shim's folder if the page loaded it from a URL, else ``/recorder/<file>``."""
        for script in js.document.querySelectorAll("script[src]").to_py():
            src = str(script.getAttribute("src") or "")
            if src.endswith("/boot.js") or src == "boot.js":
                return src[: -len("boot.js")] + file
        return f"/recorder/{file}"

    async def load_script(self, file: str, global_name: str, src: str | None = None) -> bool:
        doc = js.document
        if _global(global_name) is not None or not _missing(doc.querySelector(f'script[data-authtrace-script="{file}"]')):
            return _global(global_name) is not None  # there, or on its way (someone else waits for it)
        script = doc.createElement("script")
        script.src = src or self._next_to_boot(file)
        script.setAttribute("data-authtrace-script", file)
        loaded = js.Promise.new(create_once_callable(lambda resolve, _reject: (
            script.addEventListener("load", resolve), script.addEventListener("error", resolve))))
        doc.head.appendChild(script)
        await loaded
        return _global(global_name) is not None

    def has_global(self, global_name: str) -> bool:
        return _global(global_name) is not None

    def call(self, global_name: str, method: str, *args: Any) -> Any:
        helper = _global(global_name)
        if helper is None:
            raise LookupError(global_name)
        return _py(getattr(helper, method)(*[_js(a) for a in args]))

    # -- Dom ---------------------------------------------------------------------------------
    def _node(self, element_id: str):
        node = js.document.getElementById(element_id)
        return None if _missing(node) else node

    def mount(self, root_id: str, markup: str) -> None:
        old = self._node(root_id)
        if old is not None:
            old.remove()
        js.document.body.insertAdjacentHTML("beforeend", markup)

    def set_text(self, element_id: str, text: str) -> None:
        node = self._node(element_id)
        if node is not None:
            node.textContent = text

    def set_html(self, element_id: str, markup: str) -> None:
        node = self._node(element_id)
        if node is not None:
            node.innerHTML = markup

    def set_attributes(self, element_id: str, attributes: Mapping[str, str | bool | None]) -> None:
        node = self._node(element_id)
        if node is None:
            return
        for name, value in attributes.items():
            if value is None or value is False:
                node.removeAttribute(name)
            else:
                node.setAttribute(name, "" if value is True else str(value))

    def value(self, element_id: str) -> str:
        node = self._node(element_id)
        return "" if node is None else str(node.value)

    def set_value(self, element_id: str, value: str) -> None:
        node = self._node(element_id)
        if node is not None:
            node.value = value

    def width(self, element_id: str) -> int:
        node = self._node(element_id)
        return 0 if node is None else int(node.clientWidth or 0)

    def focus(self, element_id: str) -> None:
        node = self._node(element_id)
        if node is not None:
            node.focus()

    def on(self, element_id: str, event: str, handler: Callable[[dict], Any]) -> None:
        def listener(e) -> None:
            key = getattr(e, "key", None)
            if handler({} if _missing(key) else {"key": str(key)}):
                e.stopPropagation()

        node = self._node(element_id)
        if node is not None:
            node.addEventListener(event, self._keep(listener))

    def read_file(self, element_id: str, handler: Callable[[str, str], None]) -> None:
        node = self._node(element_id)
        files = None if node is None else node.files
        if _missing(files) or files.length == 0:
            return
        chosen = files.item(0)
        name = str(chosen.name)
        chosen.text().then(create_once_callable(lambda text: handler(name, str(text))))
        node.value = ""

    def add_stylesheet(self, sheet_id: str, css: str) -> None:
        if sheet_id in _SHEETS:
            return
        _SHEETS.add(sheet_id)
        doc = js.document
        try:
            sheet = js.CSSStyleSheet.new()
            sheet.replaceSync(css)
            doc.adoptedStyleSheets = js.Array.prototype.concat.call(doc.adoptedStyleSheets, js.Array.of(sheet))
        except Exception:  # no constructed sheets here: a <style> element
            style = doc.createElement("style")
            style.id = sheet_id
            style.textContent = css
            doc.head.appendChild(style)

    def reserve_bottom(self, height: str | None) -> None:
        style = js.document.body.style
        if height is not None:
            if self._padding is None:
                self._padding = str(style.paddingBottom or "")
            style.paddingBottom = height
        elif self._padding is not None:
            style.paddingBottom, self._padding = self._padding, None

    def download(self, name: str, text: str, mime: str) -> None:
        blob = js.Blob.new(to_js([text]), _js({"type": mime}))
        url = js.URL.createObjectURL(blob)
        a = js.document.createElement("a")
        a.href = url
        a.download = name
        a.style.display = "none"
        js.document.body.appendChild(a)
        a.click()
        a.remove()
        js.setTimeout(create_once_callable(lambda *_: js.URL.revokeObjectURL(url)), 10_000)

    # -- Network -------------------------------------------------------------------------------
    def post(self, url: str, body: str, headers: Mapping[str, str], keepalive: bool = False):
        # The browser's own fetch, as the shim kept it: authtrace's export is not the app's story.
        shim = _global("__authtrace")
        fetch = shim.native.fetch if shim is not None and not _missing(getattr(shim, "native", None)) else js.fetch
        init = _js({"method": "POST", "body": body, "keepalive": bool(keepalive), "credentials": "omit",
                    "headers": {"Content-Type": "application/json", **headers}})
        try:
            promise = fetch.call(js.globalThis, url, init)  # leaves now, awaited or not
        except Exception:
            promise = None

        async def status() -> int | None:
            try:
                return None if promise is None else int((await promise).status)
            except Exception:  # network error, CORS, CSP: no answer
                return None

        return status()

    # -- Exposure ------------------------------------------------------------------------------
    def expose(self, path: str, functions: Mapping[str, Callable], values: Mapping[str, Any] | None = None) -> None:
        def plain(fn: Callable) -> Callable:
            return lambda *args: fn(*[_py(a) for a in args])

        obj = _js({name: self._keep(plain(fn)) for name, fn in functions.items()})
        for name, value in (values or {}).items():
            setattr(obj, name, value)
        *parents, name = path.split(".")
        target = js.globalThis
        for parent in parents:
            target = getattr(target, parent)
        setattr(target, name, obj)

    def announce(self, event: str) -> None:
        js.document.dispatchEvent(js.CustomEvent.new(event))

    def warn(self, message: str) -> None:
        js.console.warn(message)
