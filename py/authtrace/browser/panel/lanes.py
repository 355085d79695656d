"""Which swimlane an event belongs on, how it looks there, and the state bands (pure).

Each tab gets the same lanes, top to bottom:

- ``page``: visibility and lifecycle (band: hidden);
- ``network``: online/offline and failed ordinary fetches (band: offline);
- ``authkit``: WorkOS ``/authenticate`` fetches (green success, amber transient
  error: a network error, 5xx or 429; red terminal error: any other 4xx) and
  ``getAccessToken`` outcomes, AuthKit's user;
- ``socket``: the Convex sync WebSocket (open/close/error) and ``convex/state``
  (band: the socket state);
- ``convex``: Convex auth (``auth-change`` band; ``Authenticate``, ``AuthError``,
  ``refresh-change``, identity ``Transition``);
- ``notes``: experiments, unhandled rejections, authtrace's own errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...event import Event, Kind
from ...failure import classify_payload, is_retryable_status

LANES: tuple[tuple[str, str], ...] = (
    ("page", "page"),
    ("network", "network"),
    ("authkit", "AuthKit"),
    ("socket", "socket"),
    ("convex", "Convex auth"),
    ("notes", "notes"),
)

GREEN, AMBER, RED, BLUE, GREY, PURPLE = "ok", "warn", "bad", "info", "muted", "exp"


@dataclass(frozen=True)
class Mark:
    """One event drawn as a tick on a lane; ``tone`` is a CSS class suffix."""

    lane: str
    tone: str
    label: str
    event: Event


@dataclass(frozen=True)
class Band:
    """A state that lasted from ``start`` to ``end`` (wall ms; ``end`` None: still so)."""

    lane: str
    tone: str
    label: str
    start: float
    end: float | None


def refresh_tone(e: Event) -> str:
    """The colour of a WorkOS ``/authenticate`` outcome."""
    p = e.payload
    if e.type == "error":
        return AMBER  # the request never got an answer: transient by nature
    status = p.get("status")
    if not isinstance(status, int) or status == 0:
        return AMBER
    if 200 <= status < 300 and not p.get("workos_error"):
        return GREEN
    return AMBER if is_retryable_status(status) else RED  # authtrace.failure's retryable statuses


def classify(e: Event) -> Mark | None:
    """The mark for an event, or None when it is not drawn (its data shows in bands or badges)."""
    p, k, t = e.payload, e.kind, e.type
    if k is Kind.VISIBILITY:
        if t == "visibilitychange":
            return Mark("page", GREY if p.get("state") == "hidden" else BLUE, f"{p.get('state')}", e)
        return Mark("page", GREY, t, e)
    if k is Kind.LIFECYCLE:
        return Mark("page", AMBER if t in ("freeze", "clock-jump") else BLUE, t, e)
    if k is Kind.NETWORK:
        return Mark("network", GREEN if t == "online" else RED, t, e)
    if k is Kind.FETCH:
        if p.get("auth"):
            if t == "request":
                return Mark("authkit", BLUE, f"{p.get('grant_type') or 'authenticate'} →", e)
            if t in ("response", "error"):
                what = p.get("workos_error") or (p.get("status") if t == "response" else p.get("message"))
                return Mark("authkit", refresh_tone(e), f"{p.get('grant_type') or 'authenticate'}: {what}", e)
            return None
        if t == "error":
            return Mark("network", RED, f"fetch failed: {p.get('message')}", e)
        if t == "response" and isinstance(p.get("status"), int) and p["status"] >= 500:
            return Mark("network", AMBER, f"HTTP {p['status']}", e)
        return None
    if k is Kind.AUTHKIT:
        if t == "getAccessToken":
            outcome = p.get("outcome")
            if outcome == "token":
                tone = GREEN
            elif outcome == "error":
                tone = AMBER if classify_payload(p).transient else RED
            else:
                tone = RED
            return Mark("authkit", tone, f"getAccessToken{' (force)' if p.get('force_refresh') else ''}: {outcome}", e)
        if t == "user":
            return Mark("authkit", BLUE if p.get("present") else GREY,
                        f"user: {p.get('user_id') or ('loading' if p.get('is_loading') else 'none')}", e)
        return None
    if k is Kind.WEBSOCKET:
        if p.get("sync") is False:
            return None
        if t == "open":
            return Mark("socket", GREEN, "socket open", e)
        if t == "close":
            return Mark("socket", GREY if p.get("was_clean") else RED, f"socket close {p.get('code')}", e)
        if t == "error":
            return Mark("socket", RED, "socket error", e)
        return Mark("socket", BLUE, f"socket {t}", e)
    if k is Kind.CONVEX:
        if t == "Authenticate":
            return Mark("convex", RED if p.get("expired_when_sent") else BLUE,
                        f"Authenticate ({p.get('seconds_left')} s left)", e)
        if t in ("AuthError", "FatalError"):
            return Mark("convex", RED, f"{t}: {p.get('error')}", e)
        if t == "auth-change":
            return Mark("convex", GREEN if p.get("is_authenticated") else RED,
                        "authenticated" if p.get("is_authenticated") else "not authenticated", e)
        if t == "refresh-change":
            return Mark("convex", AMBER if p.get("is_refreshing") else GREY,
                        "refreshing" if p.get("is_refreshing") else "refresh done", e)
        if t == "Transition" and p.get("identity_changed"):
            return Mark("convex", BLUE, f"identity {p.get('identity_from')} → {p.get('identity_to')}", e)
        if t == "Connect":
            return Mark("socket", BLUE, f"Connect #{p.get('connection_count')}", e)
        if t == "state":
            return None  # drawn as the socket band
        return None
    if k is Kind.NOTE:
        if t == "experiment":
            return Mark("notes", PURPLE, f"experiment: {p.get('experiment')} {p.get('mode') or ''}".strip(), e)
        return Mark("notes", RED if t in ("unhandledrejection", "recorder-error", "observer-error") else GREY, t, e)
    if k is Kind.STORAGE:
        return Mark("authkit", GREY if t == "setItem" else AMBER, f"refresh token {t}", e)
    return None


_SOCKET_TONES = {"ready": GREEN, "connecting": AMBER, "disconnected": RED, "stopped": GREY, "terminated": GREY}


def _band_state(e: Event) -> tuple[str, str, str] | None:
    """(lane, tone, label) of the state this event starts, if it starts one."""
    p, k, t = e.payload, e.kind, e.type
    if k is Kind.VISIBILITY and t == "visibilitychange":
        return ("page", GREY, "hidden") if p.get("state") == "hidden" else ("page", "", "")
    if k is Kind.LIFECYCLE and t == "boot":
        return ("page", GREY, "hidden") if p.get("visibility") == "hidden" else ("page", "", "")
    if k is Kind.NETWORK:
        return ("network", RED, "offline") if t == "offline" else ("network", "", "")
    if k is Kind.CONVEX and t == "state" and p.get("socket"):
        s = str(p.get("socket"))
        return ("socket", _SOCKET_TONES.get(s, GREY), s + (" (paused)" if p.get("paused") == "yes" else ""))
    if k is Kind.CONVEX and t == "auth-change":
        return ("convex", GREEN, "authenticated") if p.get("is_authenticated") else ("convex", RED, "not authenticated")
    return None


def bands(events: list[Event], end: float | None = None) -> list[Band]:
    """State bands of one tab's events (in time order); a boot closes every band."""
    out: list[Band] = []
    open_: dict[str, tuple[str, str, float]] = {}

    def close(lane: str, at: float) -> None:
        cur = open_.pop(lane, None)
        if cur and cur[0]:
            out.append(Band(lane, cur[0], cur[1], cur[2], at))

    for e in events:
        if e.kind is Kind.LIFECYCLE and e.type == "boot":
            for lane in list(open_):
                close(lane, e.wall)
        st = _band_state(e)
        if st is None:
            continue
        lane, tone, label = st
        cur = open_.get(lane)
        if cur is not None and cur[0] == tone and cur[1] == label:
            continue
        close(lane, e.wall)
        open_[lane] = (tone, label, e.wall)
    for lane, (tone, label, start) in open_.items():
        if tone:
            out.append(Band(lane, tone, label, start, end))
    return out
