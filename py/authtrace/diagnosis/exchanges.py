"""What the app asked for and what it got: WorkOS refresh exchanges and token calls.

An :class:`Exchange` is one ``/user_management/authenticate`` request with its body
and its answer (or the fetch error); a :class:`TokenCall` is one ``getAccessToken``
call (or Convex's ``fetchToken``) with its outcome. :class:`ExchangeTable` and
:class:`CallTable` pair their events, fed one at a time in trace order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..event import Event, Kind
from ..failure import classify_payload
from .payload import hkey
from .wording import error_label

MISSING_REFRESH_TOKEN = "missing refresh token"


@dataclass
class Exchange:
    """One WorkOS ``/user_management/authenticate`` request and how it ended."""

    tab: str
    request: Any
    start: Event | None = None
    body: Event | None = None
    end: Event | None = None

    def _field(self, name: str) -> Any:
        for ev in (self.start, self.body, self.end):
            if ev is not None and ev.payload.get(name) is not None:
                return ev.payload.get(name)
        return None

    @property
    def grant_type(self) -> str | None:
        return self._field("grant_type")

    @property
    def is_refresh(self) -> bool:
        return self.grant_type == "refresh_token"

    @property
    def refresh_token_sent(self) -> bool | None:
        for ev in (self.body, self.start):
            if ev is not None and "refresh_token_sent" in ev.payload:
                return bool(ev.payload["refresh_token_sent"])
        return None

    @property
    def refresh_token(self) -> str | None:
        for ev in (self.body, self.start):
            if ev is not None and ev.payload.get("refresh_token"):
                return ev.payload["refresh_token"]
        return None

    @property
    def credentials(self) -> str | None:
        return self.start.payload.get("credentials") if self.start else None

    @property
    def failed(self) -> bool:
        """The fetch itself rejected (no HTTP answer reached the page)."""
        return self.end is not None and self.end.type == "error"

    @property
    def status(self) -> int | None:
        return self.end.payload.get("status") if self.end is not None and self.end.type == "response" else None

    @property
    def ok(self) -> bool:
        return self.end is not None and self.end.type == "response" and bool(self.end.payload.get("ok"))

    @property
    def workos_error(self) -> str | None:
        return self.end.payload.get("workos_error") if self.end is not None else None

    @property
    def description(self) -> str:
        return str(self.end.payload.get("workos_error_description") or "") if self.end is not None else ""

    @property
    def missing_refresh_token(self) -> bool:
        return MISSING_REFRESH_TOKEN in self.description.lower()

    @property
    def start_wall(self) -> float:
        return (self.start or self.body or self.end).wall  # type: ignore[union-attr]

    @property
    def end_wall(self) -> float | None:
        return self.end.wall if self.end is not None else None

    def evidence(self) -> list[int]:
        return [e.id for e in (self.start, self.end) if e is not None and e.id is not None]


@dataclass
class TokenCall:
    """One ``getAccessToken`` call as the app's Convex adapter made it."""

    tab: str
    call: Any
    start: Event | None = None
    end: Event | None = None

    def _p(self, name: str) -> Any:
        return self.end.payload.get(name) if self.end is not None else None

    @property
    def force(self) -> bool:
        ev = self.end or self.start
        if ev is None:
            return False
        return bool(ev.payload.get("force_refresh") or ev.payload.get("force_refresh_token"))

    @property
    def by_convex(self) -> bool:
        """Recorded at Convex's side of the adapter (``convex/fetchToken``), not AuthKit's."""
        ev = self.end or self.start
        return ev is not None and ev.kind is Kind.CONVEX

    @property
    def outcome(self) -> str | None:
        return self._p("outcome")

    @property
    def token(self) -> str | None:
        return self._p("token")

    @property
    def transient(self) -> str | None:
        if self.outcome != "error":
            return None
        verdict = classify_payload(self.end.payload)
        return verdict.reason if verdict.evident else None

    @property
    def error_text(self) -> str:
        name, msg = error_label(self._p("name"), self._p("error_class")), self._p("message")
        return f"{name}: {msg}" if msg else name

    @property
    def start_wall(self) -> float:
        return (self.start or self.end).wall  # type: ignore[union-attr]

    @property
    def end_wall(self) -> float | None:
        return self.end.wall if self.end is not None else None


class ExchangeTable:
    """Pairs fetch events into exchanges: a request opens one, its body and its answer join it."""

    TYPES = ("request", "request-body", "response", "error")  # the fetch events it reads

    def __init__(self) -> None:
        self.order: list[Exchange] = []
        self._open: dict[tuple[str, Any], Exchange] = {}

    def feed(self, e: Event) -> None:
        if e.kind is not Kind.FETCH or "request" not in e.payload:
            return
        key = (e.tab, hkey(e.payload.get("request")))
        ex = self._open.get(key)
        if e.type == "request":
            if not e.payload.get("auth"):
                return
            ex = Exchange(e.tab, e.payload.get("request"), start=e)
            self._open[key] = ex
            self.order.append(ex)
        elif ex is None:
            if e.type in ("response", "error") and e.payload.get("auth"):
                ex = Exchange(e.tab, e.payload.get("request"), end=e)  # its request was not kept
                self._open[key] = ex
                self.order.append(ex)
        elif e.type == "request-body":
            ex.body = e
        elif e.type in ("response", "error") and ex.end is None:
            ex.end = e


class CallTable:
    """Pairs ``<name>-start`` and ``<name>`` events of one kind into token calls."""

    def __init__(self, kind: Kind = Kind.AUTHKIT, name: str = "getAccessToken") -> None:
        self.kind, self.name, self.start_type = kind, name, f"{name}-start"
        self.order: list[TokenCall] = []
        self._open: dict[tuple[str, Any], TokenCall] = {}

    def keys(self) -> list[tuple[Kind, str]]:
        """The events it reads."""
        return [(self.kind, self.start_type), (self.kind, self.name)]

    def feed(self, e: Event) -> None:
        if e.kind is not self.kind or e.type not in (self.start_type, self.name):
            return
        key = (e.tab, hkey(e.payload.get("call")))
        call = self._open.get(key)
        if e.type == self.start_type or call is None or call.end is not None:
            call = TokenCall(e.tab, e.payload.get("call"))
            self._open[key] = call
            self.order.append(call)
        if e.type == self.start_type:
            call.start = e
        else:
            call.end = e
