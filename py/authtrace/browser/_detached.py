"""The :class:`~authtrace.browser.page.Page` interface with no page: for CPython and tests.

Everything lives in memory where a test can read or drive it: a small DOM
tree parsed from the markup the panel mounts, the persisted records, the
broadcast records, the downloads, the exposed JS API. JS helpers are Python
objects put in :attr:`DetachedPage.globals` under their ``globalThis`` name.
Time only moves when the caller says so (:meth:`DetachedPage.advance`, which
also runs the timers that fall due), which is what a virtual clock in a test
wants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Coroutine, Mapping
from html.parser import HTMLParser
from typing import Any

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []
        self.value: str | None = None  # what a user typed or chose

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()


class _Parser(HTMLParser):
    def __init__(self, root: Node) -> None:
        super().__init__(convert_charrefs=True)
        self.stack = [root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _parse(markup: str, into: Node) -> None:
    parser = _Parser(into)
    parser.feed(markup)
    parser.close()


class DetachedPage:
    def __init__(self, *, mono: float = 0.0, wall: float = 1_800_000_000_000.0, tab: str = "tab-detached",
                 shim: bool = True, params: Mapping[str, str] | None = None) -> None:
        self._mono, self._wall, self._tab = mono, wall, tab
        self.shim = shim
        self.params = dict(params or {})
        self.sink: Callable[[list[dict]], None] | None = None
        self.persisted: list[str] = []
        self.sent: list[str] = []
        self._broadcast_handlers: list[Callable] = []
        self._timers: list[list] = []  # [due mono, order, interval or None, fn]
        self._order = 0
        self.globals: dict[str, Any] = {}
        self.scripts: list[str] = []
        self.body = Node("body", {}, None)
        self.listeners: dict[tuple[str, str], list[Callable]] = defaultdict(list)
        self.files: dict[str, tuple[str, str]] = {}  # element id -> (name, text) chosen by a user
        self.widths: dict[str, int] = {}
        self.focused: str | None = None
        self.stylesheets: dict[str, str] = {}
        self.bottom: str | None = None
        self.downloads: list[tuple[str, str, str]] = []
        self.exposed: dict[str, dict[str, Any]] = {}
        self.announced: list[str] = []
        self.warnings: list[str] = []
        self.session = "session-detached"
        self.browser_info: dict[str, Any] = {"language": "en"}
        self.posts: list[dict[str, Any]] = []  # what post() sent: url, body, headers, keepalive
        # The answer to a post (the HTTP status, None for no answer); a test replaces it.
        self.answer: Callable[[dict[str, Any]], int | None] = lambda _post: 200

    # -- Clock ------------------------------------------------------------------------
    def now(self) -> tuple[float, float]:
        return self._mono, self._wall

    def advance(self, ms: float) -> None:
        """Move both clocks ``ms`` on, running every timer that falls due on the way."""
        end = self._mono + ms
        while True:
            due = sorted((t for t in self._timers if t[0] <= end), key=lambda t: (t[0], t[1]))
            if not due:
                break
            timer = due[0]
            self._wall += timer[0] - self._mono
            self._mono = timer[0]
            if timer[2] is None:
                self._timers.remove(timer)
            else:
                timer[0] += timer[2]
            timer[3]()
        self._wall += end - self._mono
        self._mono = end

    def _timer(self, ms: float, interval: float | None, fn: Callable[[], None]) -> None:
        self._order += 1
        self._timers.append([self._mono + max(0.0, ms), self._order, interval, fn])

    def every(self, ms: float, fn: Callable[[], None]) -> None:
        self._timer(ms, max(1.0, ms), fn)

    def later(self, ms: float, fn: Callable[[], None]) -> None:
        self._timer(ms, None, fn)

    def soon(self, fn: Callable[[], None]) -> None:
        self._timer(0.0, None, fn)  # after the timers already due now

    @staticmethod
    def run(coro: Coroutine) -> Any:
        """Run ``coro`` to its end now: nothing here ever has to wait."""
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value
        coro.close()
        raise RuntimeError("a coroutine waited on something a detached page never delivers")

    def spawn(self, coro: Coroutine) -> None:
        self.run(coro)

    # -- Identity -----------------------------------------------------------------------
    def tab_id(self) -> str:
        return self._tab

    def origin(self) -> str:
        return "http://detached.invalid"

    def user_agent(self) -> str:
        return "detached"

    def query_param(self, name: str) -> str | None:
        return self.params.get(name)

    def session_id(self) -> str:
        return self.session

    def browser(self) -> dict[str, Any]:
        return dict(self.browser_info)

    # -- Shim (hands each observation over at once) ------------------------------------
    def attach_sink(self, handler: Callable[[list[dict]], None]) -> bool:
        if self.shim:
            self.sink = handler
        return self.shim

    def emit(self, kind: str, type: str, payload: dict) -> None:
        if self.sink is not None:
            mono, wall = self.now()
            self.sink([{"kind": kind, "type": type, "mono": mono, "wall": wall, "payload": payload}])

    # -- Store and Channel ----------------------------------------------------------------
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

    def on_broadcast(self, handler: Callable[[list[str]], None]) -> None:
        self._broadcast_handlers.append(handler)

    def deliver(self, records: list[str]) -> None:
        """What another tab broadcast arrives here."""
        for handler in self._broadcast_handlers:
            handler(records)

    # -- Helpers ----------------------------------------------------------------------------
    async def load_script(self, file: str, global_name: str, src: str | None = None) -> bool:
        if global_name not in self.globals and file not in self.scripts:
            self.scripts.append(file)
        return global_name in self.globals

    def has_global(self, global_name: str) -> bool:
        return global_name in self.globals

    def call(self, global_name: str, method: str, *args: Any) -> Any:
        if global_name not in self.globals:
            raise LookupError(global_name)
        return getattr(self.globals[global_name], method)(*args)

    # -- Dom -----------------------------------------------------------------------------------
    def node(self, element_id: str) -> Node | None:
        return next((n for n in self.body.walk() if n.attrs.get("id") == element_id), None)

    def mount(self, root_id: str, markup: str) -> None:
        old = self.node(root_id)
        if old is not None:
            old.parent.children.remove(old)
        _parse(markup, self.body)

    def set_text(self, element_id: str, text: str) -> None:
        if (n := self.node(element_id)) is not None:
            n.children = [text]

    def set_html(self, element_id: str, markup: str) -> None:
        if (n := self.node(element_id)) is not None:
            n.children = []
            _parse(markup, n)

    def set_attributes(self, element_id: str, attributes: Mapping[str, str | bool | None]) -> None:
        if (n := self.node(element_id)) is None:
            return
        for name, value in attributes.items():
            if value is None or value is False:
                n.attrs.pop(name, None)
            else:
                n.attrs[name] = "" if value is True else str(value)

    def value(self, element_id: str) -> str:
        n = self.node(element_id)
        if n is None:
            return ""
        if n.value is not None:
            return n.value
        if n.tag == "select":
            options = [o for o in n.walk() if o.tag == "option"]
            chosen = next((o for o in options if "selected" in o.attrs), options[0] if options else None)
            return "" if chosen is None else chosen.attrs.get("value", chosen.text())
        return n.attrs.get("value", "")

    def set_value(self, element_id: str, value: str) -> None:
        if (n := self.node(element_id)) is not None:
            n.value = value

    def width(self, element_id: str) -> int:
        return self.widths.get(element_id, 0)

    def focus(self, element_id: str) -> None:
        self.focused = element_id

    def on(self, element_id: str, event: str, handler: Callable[[dict], Any]) -> None:
        self.listeners[(element_id, event)].append(handler)

    def read_file(self, element_id: str, handler: Callable[[str, str], None]) -> None:
        if element_id in self.files:
            handler(*self.files.pop(element_id))

    def add_stylesheet(self, sheet_id: str, css: str) -> None:
        self.stylesheets.setdefault(sheet_id, css)

    def reserve_bottom(self, height: str | None) -> None:
        self.bottom = height

    def download(self, name: str, text: str, mime: str) -> None:
        self.downloads.append((name, text, mime))

    # What a user does, for tests.
    def fire(self, element_id: str, event: str = "click", **info: Any) -> bool:
        """Dispatch ``event`` to the listeners of ``element_id``; True when one handled it."""
        return any([bool(handler(dict(info))) for handler in list(self.listeners[(element_id, event)])])

    def enter(self, element_id: str, value: str) -> None:
        """A user types or chooses ``value`` in an input or select."""
        if (n := self.node(element_id)) is not None:
            n.value = value

    def attribute(self, element_id: str, name: str) -> str | None:
        n = self.node(element_id)
        return None if n is None else n.attrs.get(name)

    def text(self, element_id: str) -> str | None:
        n = self.node(element_id)
        return None if n is None else n.text()

    # -- Network (the answer comes at once) ----------------------------------------------------
    def post(self, url: str, body: str, headers: Mapping[str, str], keepalive: bool = False):
        sent = {"url": url, "body": body, "headers": dict(headers), "keepalive": keepalive}
        self.posts.append(sent)
        try:
            status = self.answer(sent)
        except Exception:
            status = None

        async def result() -> int | None:
            return status

        return result()

    # -- Exposure ------------------------------------------------------------------------------
    def expose(self, path: str, functions: Mapping[str, Callable], values: Mapping[str, Any] | None = None) -> None:
        self.exposed[path] = {**functions, **(values or {})}

    def announce(self, event: str) -> None:
        self.announced.append(event)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
