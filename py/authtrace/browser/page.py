"""What authtrace needs from the page it runs in: the :class:`Page` interface.

Two implementations, chosen at import by :mod:`authtrace.browser` (like
micropip's ``_compat``): :mod:`._page` talks to the real page through ``js``
and ``pyodide.ffi`` (the only module that does), :mod:`._detached` keeps
everything in memory for CPython and tests. Values crossing the interface are
plain Python (str, numbers, bool, None, lists, dicts): JS ``null`` and
``undefined`` arrive as ``None``, JS objects as dicts and lists.

The interface is grouped by concern; :class:`Page` is all of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Protocol

Handler = Callable[[dict], Any]
"""A DOM event handler: gets ``{"key": ...}`` (keyboard events) or ``{}``; a true
return value means "handled here" (the event stops propagating)."""


class Clock(Protocol):
    def now(self) -> tuple[float, float]:
        """(monotonic ms, wall-clock ms), read together so their gap means something."""

    def every(self, ms: float, fn: Callable[[], None]) -> None:
        """Call ``fn`` every ``ms`` for as long as the page lives."""

    def later(self, ms: float, fn: Callable[[], None]) -> None:
        """Call ``fn`` once, ``ms`` from now."""

    def soon(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` once, in a task of its own, after what the page has waiting (input,
        rendering, its own tasks): how long work gives the page back between two slices."""

    def spawn(self, coro: Coroutine) -> None:
        """Run ``coro`` in the background (its errors are its own business)."""


class Identity(Protocol):
    def tab_id(self) -> str:
        """This tab's id: the same across reloads of the tab, another in another tab."""

    def origin(self) -> str: ...

    def user_agent(self) -> str: ...

    def query_param(self, name: str) -> str | None:
        """A parameter of the page's URL (``?name=value``), or None."""

    def session_id(self) -> str:
        """The browser session's id: the same in every tab of this origin and across reloads
        (``localStorage``), for OpenTelemetry's ``session.id``."""

    def browser(self) -> dict[str, Any]:
        """What the browser says of itself: ``brands``, ``platform``, ``mobile`` (User-Agent Client
        Hints, where there are any) and ``language``; missing ones are left out."""


class Shim(Protocol):
    """The boot shim (``web/recorder/boot.js``) and its hand-off queue."""

    def attach_sink(self, handler: Callable[[list[dict]], None]) -> bool:
        """Take over the shim's queue (what queued before included); False without a shim."""

    def emit(self, kind: str, type: str, payload: dict) -> None:
        """Feed an observation through the shim, as the page's own hooks do."""


class Store(Protocol):
    """Persistence of redacted event records (IndexedDB through ``web/recorder/store.js``)."""

    def persist(self, records: list[str]) -> None: ...

    async def load_persisted(self) -> list[str]:
        """Every record kept so far; [] when there is no store (private mode, quota, no store.js)."""

    def trim_persisted(self, keep: int) -> None:
        """Drop the oldest records so at most ``keep`` remain."""

    async def clear_persisted(self) -> None: ...


class Channel(Protocol):
    """The other tabs of this origin (``BroadcastChannel``)."""

    def broadcast(self, records: list[str]) -> None: ...

    def on_broadcast(self, handler: Callable[[list[str]], None]) -> None: ...


class Helpers(Protocol):
    """The JS helpers next to the boot shim (``experiments.js``, ``replay-inject.js``,
    ``store.js``), each of which installs one ``globalThis`` object."""

    async def load_script(self, file: str, global_name: str, src: str | None = None) -> bool:
        """Insert ``<script src>`` (``file`` next to ``boot.js`` unless ``src``) once, unless
        ``global_name`` exists already; True when ``global_name`` exists once it loaded."""

    def has_global(self, global_name: str) -> bool: ...

    def call(self, global_name: str, method: str, *args: Any) -> Any:
        """``globalThis[global_name][method](*args)``, arguments and result as plain data.

        Raises LookupError when the helper is not there; what the helper throws
        arrives as an exception with its message."""


class Dom(Protocol):
    """The panel's DOM, by element id (the panel never holds a node)."""

    def mount(self, root_id: str, markup: str) -> None:
        """Put ``markup`` (one element with id ``root_id``) at the end of ``<body>``,
        replacing an earlier one with that id."""

    def set_text(self, element_id: str, text: str) -> None: ...

    def set_html(self, element_id: str, markup: str) -> None: ...

    def set_attributes(self, element_id: str, attributes: Mapping[str, str | bool | None]) -> None:
        """Set each attribute; ``True`` sets it empty, ``False`` or ``None`` removes it."""

    def value(self, element_id: str) -> str:
        """The value of an input or select ("" when there is no such element)."""

    def set_value(self, element_id: str, value: str) -> None:
        """Put ``value`` in an input (its ``value`` property, what the user sees and edits)."""

    def width(self, element_id: str) -> int:
        """The element's client width in CSS pixels (0 when unknown)."""

    def focus(self, element_id: str) -> None: ...

    def on(self, element_id: str, event: str, handler: Handler) -> None: ...

    def read_file(self, element_id: str, handler: Callable[[str, str], None]) -> None:
        """Read the file chosen in a file input: ``handler(name, text)`` later; then empty the input."""

    def add_stylesheet(self, sheet_id: str, css: str) -> None:
        """Add ``css`` once per page (a constructed sheet, which CSP ``style-src`` does not govern)."""

    def reserve_bottom(self, height: str | None) -> None:
        """Pad the page's ``<body>`` at the bottom by ``height`` (a CSS length) so an overlay
        hides nothing; ``None`` gives back the padding it had."""

    def download(self, name: str, text: str, mime: str) -> None:
        """Offer ``text`` as a file download."""


class Exposure(Protocol):
    """authtrace's JS API and messages to the page."""

    def expose(self, path: str, functions: Mapping[str, Callable], values: Mapping[str, Any] | None = None) -> None:
        """Make ``functions`` (called with plain arguments) and ``values`` an object at
        ``globalThis.<path>`` (``"authtrace"``, ``"authtrace.panel"``)."""

    def announce(self, event: str) -> None:
        """Dispatch a DOM event named ``event`` on ``document``."""

    def warn(self, message: str) -> None:
        """A warning in the browser console."""


class Network(Protocol):
    """Requests of authtrace's own (the OTLP export), past the boot shim's hooks: not recorded."""

    def post(self, url: str, body: str, headers: Mapping[str, str], keepalive: bool = False) -> Awaitable[int | None]:
        """POST ``body`` (JSON) to ``url``. The request leaves now, even if nobody awaits the result
        (``keepalive``: it outlives the page, as on ``pagehide``); awaiting gives the HTTP status, or
        None when there was no answer (network, CORS). Never raises."""


class Page(Clock, Identity, Shim, Store, Channel, Helpers, Dom, Exposure, Network, Protocol):
    """Everything authtrace asks of the page."""
