"""Per-tab state over time, derived from a trace's events.

The rules never walk raw events for state; they ask the :class:`Timeline`:
when was this tab hidden, frozen, offline; when did AuthKit show a user;
what did the Convex client say about its auth and its socket; which WorkOS
refresh exchanges and ``getAccessToken`` calls happened and how they ended.
Everything is derived from the events alone (no clock, no I/O).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..event import Event, Kind
from ..trace import Trace
from . import thresholds as T

RT_KEY_PREFIX = "workos:refresh-token"
MISSING_REFRESH_TOKEN = "missing refresh token"

# What a failed fetch looks like in each engine (all TypeError), plus polyfills
# and runtimes; a prefix match also covers decorated messages such as Sentry's
# "Failed to fetch (host)".
NETWORK_ERROR_MESSAGES = (
    "failed to fetch",
    "networkerror when attempting to fetch resource",
    "load failed",
    "network request failed",
    "fetch failed",
    "network error",
    "the internet connection appears to be offline",
    "the network connection was lost",
    "network connection lost",
    "terminated",
    "error sending request for url",
)
RETRYABLE_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))
LOCK_TIMEOUT_MESSAGE = "timed out waiting to refresh the session"


def num(value: Any) -> float | None:
    """A JSON number as float; None for anything else (booleans included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _hkey(value: Any) -> Any:
    """A request or call id usable as a dict key, whatever JSON it is."""
    return value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)


def error_label(name: Any, error_class: Any) -> str:
    """The error's class as a person would name it: production bundles minify
    constructor names (``_e``), so fall back to ``error.name`` then."""
    cls = str(error_class or "")
    if len(cls) >= 4 and not cls.startswith("_"):
        return cls
    return str(name or cls or "Error")


def transient_kind(name: Any, message: Any, error_class: Any = None, status: Any = None,
                   is_transient: Any = None) -> str | None:
    """Why an error is transient (``network``, ``lock-timeout``, ``http-5xx``...), or None."""
    name = str(name or "")
    msg = str(message or "").strip().lower()
    cls = str(error_class or "")
    if "RefreshTimeoutError" in (name, cls) or msg.startswith(LOCK_TIMEOUT_MESSAGE):
        return "lock-timeout"
    if name in ("AbortError", "TimeoutError"):
        return "abort"
    if isinstance(status, int) and not isinstance(status, bool) and status in RETRYABLE_STATUS:
        return f"http-{status}"
    if (name in ("TypeError", "") or cls == "TypeError") and any(msg.startswith(m) for m in NETWORK_ERROR_MESSAGES):
        return "network"
    if is_transient is True:
        return "transient"
    return None


@dataclass
class Interval:
    """``[start, end)`` in wall ms; ``end`` is None while still open at the end of the trace."""

    tab: str
    start: float
    end: float | None
    start_event: int | None = None
    end_event: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def end_or(self, default: float) -> float:
        return self.end if self.end is not None else default

    def duration(self, trace_end: float) -> float:
        return self.end_or(trace_end) - self.start

    def contains(self, wall: float, trace_end: float | None = None) -> bool:
        end = self.end if self.end is not None else (trace_end if trace_end is not None else float("inf"))
        return self.start <= wall <= end

    def evidence(self) -> list[int]:
        return [i for i in (self.start_event, self.end_event) if i is not None]


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
        return transient_kind(self._p("name"), self._p("message"), self._p("error_class"), self._p("status"),
                              self._p("is_transient"))

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


def _is_sync_socket_event(ev: Event) -> bool:
    return ev.kind is Kind.WEBSOCKET and bool(ev.payload.get("sync"))


class Timeline:
    """Everything the rules ask about a trace, computed once."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        # Trace order: wall clock, then recording order. Events from several
        # tabs interleave by their wall clocks.
        self.events: list[Event] = sorted(
            (e for e in trace.events), key=lambda e: (e.wall, e.id if e.id is not None else 0))
        self.by_id: dict[int, Event] = {e.id: e for e in self.events if e.id is not None}
        self.start = self.events[0].wall if self.events else 0.0
        self.end = self.events[-1].wall if self.events else 0.0
        self.tabs: list[str] = sorted({e.tab for e in self.events})
        self.by_tab: dict[str, list[Event]] = {t: [] for t in self.tabs}
        for e in self.events:
            self.by_tab[e.tab].append(e)
        self.hidden: dict[str, list[Interval]] = {}
        self.frozen: dict[str, list[Interval]] = {}
        self.offline: dict[str, list[Interval]] = {}
        self.asleep: dict[str, list[Interval]] = {}
        self.user: dict[str, list[Interval]] = {}
        for tab in self.tabs:
            self.hidden[tab] = self._hidden(tab)
            self.frozen[tab] = self._paired(tab, (Kind.LIFECYCLE, "freeze"), (Kind.LIFECYCLE, "resume"))
            self.offline[tab] = self._offline(tab)
            self.asleep[tab] = self._asleep(tab)
            self.user[tab] = self._user(tab)
        self.exchanges: list[Exchange] = self._exchanges()
        self.calls: list[TokenCall] = self._calls()
        # Convex's own requests to the adapter (recorded by the setAuth wrapper): what
        # Convex asked for and what it got, whatever the adapter did with AuthKit.
        self.convex_fetches: list[TokenCall] = self._calls(Kind.CONVEX, "fetchToken")
        self.lifetime_ms = self._lifetime_ms()

    # -- queries ----------------------------------------------------------------
    def of(self, tab: str | None = None, kind: Kind | None = None, type: str | None = None,
           after: float | None = None, before: float | None = None) -> list[Event]:
        """Events filtered by tab, kind, type and an inclusive wall-time window."""
        src = self.by_tab.get(tab, []) if tab is not None else self.events
        return [e for e in src
                if (kind is None or e.kind is kind) and (type is None or e.type == type)
                and (after is None or e.wall >= after) and (before is None or e.wall <= before)]

    def has(self, kind: Kind, type: str | None = None) -> bool:
        return any(e.kind is kind and (type is None or e.type == type) for e in self.events)

    def rel(self, wall: float) -> float:
        return wall - self.start

    def user_present_at(self, tab: str, wall: float) -> Interval | None:
        for iv in self.user.get(tab, []):
            if iv.contains(wall, self.end):
                return iv
        return None

    def convex_authenticated(self, tab: str, after: float, before: float) -> Event | None:
        """The first sign Convex is authenticated in ``tab`` in the window, or None.

        ``auth-change true`` when the client wrapper is there; otherwise a
        Transition that changed the identity after a user token was sent.
        """
        for e in self.of(tab, Kind.CONVEX, after=after, before=before):
            if e.type == "auth-change" and e.payload.get("is_authenticated") is True:
                return e
            if e.type == "Transition" and e.payload.get("identity_changed") and not self._has_auth_change(tab):
                sent = self.of(tab, Kind.CONVEX, "Authenticate", before=e.wall)
                if sent and sent[-1].payload.get("token_type") not in (None, "None"):
                    return e
        return None

    def _has_auth_change(self, tab: str) -> bool:
        return any(e.kind is Kind.CONVEX and e.type == "auth-change" for e in self.by_tab.get(tab, []))

    def socket_states(self, tab: str) -> list[Event]:
        return self.of(tab, Kind.CONVEX, "state")

    def state_at(self, tab: str, wall: float) -> Event | None:
        """The last Convex ``state`` sample at or before ``wall``."""
        last = None
        for e in self.socket_states(tab):
            if e.wall > wall:
                break
            last = e
        return last

    def describe_tab(self, tab: str) -> str:
        return f"tab {tab}" if len(self.tabs) > 1 else "the tab"

    # -- derivations ------------------------------------------------------------
    def _hidden(self, tab: str) -> list[Interval]:
        out: list[Interval] = []
        cur: Interval | None = None
        known = False
        for e in self.by_tab[tab]:
            state = None
            if e.kind is Kind.VISIBILITY and e.type == "visibilitychange":
                state = e.payload.get("state")
            elif e.kind is Kind.LIFECYCLE and e.type == "boot":
                state = e.payload.get("visibility")
            elif e.kind is Kind.LIFECYCLE and e.type == "freeze":
                state = "hidden"
            elif not known and e.payload.get("visibility") in ("visible", "hidden"):
                state = e.payload.get("visibility")
            if state not in ("visible", "hidden"):
                continue
            known = True
            if state == "hidden" and cur is None:
                cur = Interval(tab, e.wall, None, e.id)
            elif state == "visible" and cur is not None:
                cur.end, cur.end_event = e.wall, e.id
                out.append(cur)
                cur = None
        if cur is not None:
            out.append(cur)
        return out

    def _paired(self, tab: str, open_: tuple[Kind, str], close: tuple[Kind, str]) -> list[Interval]:
        out: list[Interval] = []
        cur: Interval | None = None
        for e in self.by_tab[tab]:
            if (e.kind, e.type) == open_ and cur is None:
                cur = Interval(tab, e.wall, None, e.id)
            elif (e.kind, e.type) == close and cur is not None:
                cur.end, cur.end_event = e.wall, e.id
                out.append(cur)
                cur = None
        if cur is not None:
            out.append(cur)
        return out

    def _offline(self, tab: str) -> list[Interval]:
        out: list[Interval] = []
        cur: Interval | None = None
        for e in self.by_tab[tab]:
            online = None
            if e.kind is Kind.NETWORK and e.type in ("online", "offline"):
                online = e.type == "online"
            elif e.kind is Kind.LIFECYCLE and e.type == "boot" and isinstance(e.payload.get("online"), bool):
                online = e.payload["online"]
            if online is None:
                continue
            if not online and cur is None:
                cur = Interval(tab, e.wall, None, e.id)
            elif online and cur is not None:
                cur.end, cur.end_event = e.wall, e.id
                out.append(cur)
                cur = None
        if cur is not None:
            out.append(cur)
        return out

    def _asleep(self, tab: str) -> list[Interval]:
        """Machine sleep: a ``clock-jump`` event reports a gap that ended at it."""
        out = []
        for e in self.by_tab[tab]:
            if e.kind is Kind.LIFECYCLE and e.type == "clock-jump":
                jump = e.payload.get("jumpMs") or e.payload.get("jump_ms")
                if num(jump) is not None and jump > 0:
                    out.append(Interval(tab, e.wall - jump, e.wall, None, e.id))
        return out

    def _user(self, tab: str) -> list[Interval]:
        out: list[Interval] = []
        cur: Interval | None = None
        for e in self.by_tab[tab]:
            if not (e.kind is Kind.AUTHKIT and e.type == "user"):
                continue
            present = bool(e.payload.get("present")) and not e.payload.get("is_loading")
            if present and cur is None:
                cur = Interval(tab, e.wall, None, e.id, detail={"user_id": e.payload.get("user_id")})
            elif not present and cur is not None and not e.payload.get("is_loading"):
                cur.end, cur.end_event = e.wall, e.id
                out.append(cur)
                cur = None
        if cur is not None:
            out.append(cur)
        if not any(e.kind is Kind.AUTHKIT and e.type == "user" for e in self.by_tab[tab]):
            out = self._user_inferred(tab)
        return out

    def _user_inferred(self, tab: str) -> list[Interval]:
        """No ``user`` event in this tab (the ring buffer dropped the one from page
        load, which is emitted only on change): AuthKit had a user from the first
        token getAccessToken returned; authkit-react keeps it until the page reloads,
        even after a terminal refresh failure."""
        out: list[Interval] = []
        cur: Interval | None = None
        for e in self.by_tab[tab]:
            if e.kind is Kind.LIFECYCLE and e.type == "boot" and cur is not None:
                cur.end, cur.end_event = e.wall, e.id
                out.append(cur)
                cur = None
            elif cur is None and e.kind is Kind.AUTHKIT and e.type == "getAccessToken" \
                    and e.payload.get("outcome") == "token":
                cur = Interval(tab, e.wall, None, e.id, detail={"inferred": True})
        if cur is not None:
            out.append(cur)
        return out

    def _exchanges(self) -> list[Exchange]:
        table: dict[tuple[str, Any], Exchange] = {}
        order: list[Exchange] = []
        for e in self.events:
            if e.kind is not Kind.FETCH or "request" not in e.payload:
                continue
            key = (e.tab, _hkey(e.payload.get("request")))
            ex = table.get(key)
            if e.type == "request":
                if not e.payload.get("auth"):
                    continue
                ex = Exchange(e.tab, e.payload.get("request"), start=e)
                table[key] = ex
                order.append(ex)
            elif ex is None:
                if e.type in ("response", "error") and e.payload.get("auth"):
                    ex = Exchange(e.tab, e.payload.get("request"), end=e)  # its request was not kept
                    table[key] = ex
                    order.append(ex)
            elif e.type == "request-body":
                ex.body = e
            elif e.type in ("response", "error") and ex.end is None:
                ex.end = e
        return order

    def _calls(self, kind: Kind = Kind.AUTHKIT, name: str = "getAccessToken") -> list[TokenCall]:
        table: dict[tuple[str, Any], TokenCall] = {}
        order: list[TokenCall] = []
        start_type = f"{name}-start"
        for e in self.events:
            if e.kind is not kind or e.type not in (start_type, name):
                continue
            key = (e.tab, _hkey(e.payload.get("call")))
            call = table.get(key)
            if e.type == start_type or call is None or call.end is not None:
                call = TokenCall(e.tab, e.payload.get("call"))
                table[key] = call
                order.append(call)
            if e.type == start_type:
                call.start = e
            else:
                call.end = e
        return order

    def _lifetime_ms(self) -> float:
        lifetimes: Counter = Counter()
        for e in self.events:
            claims = e.payload.get("jwt")
            if not isinstance(claims, dict):
                continue
            for c in claims.values():
                if isinstance(c, dict) and num(c.get("iat")) is not None and num(c.get("exp")) is not None:
                    life = c["exp"] - c["iat"]
                    if life > 0:
                        lifetimes[life] += 1
            iat, exp = e.payload.get("iat"), e.payload.get("exp")
            if num(iat) is not None and num(exp) is not None and exp > iat:
                lifetimes[exp - iat] += 1
        if not lifetimes:
            return float(T.DEFAULT_ACCESS_TOKEN_LIFETIME_MS)
        return float(lifetimes.most_common(1)[0][0]) * 1000.0


# -- wording helpers shared by the rules --------------------------------------------
def fmt_dur(ms: float) -> str:
    """``350 ms``, ``12.3 s``, ``8 min 20 s``, ``2 h 5 min``."""
    ms = abs(ms)
    if ms < 1000:
        return f"{ms:.0f} ms"
    s = ms / 1000
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        m, sec = divmod(int(round(s)), 60)
        return f"{m} min {sec} s" if sec else f"{m} min"
    h, rest = divmod(int(round(s)), 3600)
    return f"{h} h {rest // 60} min" if rest // 60 else f"{h} h"


def fmt_at(tl: Timeline, wall: float) -> str:
    """Time since the trace started: ``+1:23.4`` or ``+1:02:03.0``."""
    rel = max(0.0, tl.rel(wall)) / 1000
    h, rest = divmod(rel, 3600)
    m, s = divmod(rest, 60)
    if h >= 1:
        return f"+{int(h)}:{int(m):02d}:{s:04.1f}"
    return f"+{int(m)}:{s:04.1f}"


_WS = re.compile(r"\s+")


def quote(text: Any, limit: int = 120) -> str:
    text = _WS.sub(" ", str(text or "")).strip()
    return f'"{text[:limit]}…"' if len(text) > limit else f'"{text}"'
