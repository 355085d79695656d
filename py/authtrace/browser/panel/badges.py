"""The panel's state badges for one tab, from its events (pure).

Only events since the tab's latest ``lifecycle/boot`` count (a reload starts
over; restored events of the earlier load must not claim the present state).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...event import Event, Kind
from ...split_brain import is_split_brain


@dataclass
class Badges:
    user: str | None = None            # AuthKit user id; None: no user seen
    user_known: bool = False
    user_loading: bool = False
    token_exp: float | None = None     # seconds since the epoch, of the newest token seen
    token_source: str | None = None
    refresh_token: str = "unknown"     # "present", "removed", "cookie", "unknown"
    convex_auth: bool | None = None    # None: no auth-change yet
    convex_refreshing: bool = False
    socket: str | None = None          # convex/state socket
    paused: str | None = None

    @property
    def split_brain(self) -> bool:
        """AuthKit has a user and Convex says it is not authenticated (:mod:`authtrace.split_brain`)."""
        return is_split_brain(self.user, self.convex_auth, self.convex_refreshing)

    def seconds_left(self, now_wall_ms: float) -> float | None:
        return None if self.token_exp is None else self.token_exp - now_wall_ms / 1000.0


def _exp_of(e: Event, token_field: str) -> float | None:
    token = e.payload.get(token_field)
    claims = (e.payload.get("jwt") or {}).get(token) if isinstance(token, str) else None
    if isinstance(claims, dict) and isinstance(claims.get("exp"), (int, float)):
        return float(claims["exp"])
    if isinstance(e.payload.get("seconds_left"), (int, float)):
        return e.wall / 1000.0 + float(e.payload["seconds_left"])
    return None


def compute(events: list[Event], tab: str) -> Badges:
    """Badges of ``tab`` from ``events`` (time order, any tabs)."""
    mine = [e for e in events if e.tab == tab]
    for i in range(len(mine) - 1, -1, -1):
        if mine[i].kind is Kind.LIFECYCLE and mine[i].type == "boot":
            mine = mine[i:]
            break
    b = Badges()
    for e in mine:
        p, k, t = e.payload, e.kind, e.type
        if k is Kind.AUTHKIT and t == "user":
            b.user_known = True
            b.user_loading = bool(p.get("is_loading"))
            b.user = (p.get("user_id") or "(user)") if p.get("present") else None
        elif k is Kind.AUTHKIT and t == "getAccessToken" and p.get("outcome") == "token":
            exp = _exp_of(e, "token")
            if exp is not None:
                b.token_exp, b.token_source = exp, "getAccessToken"
        elif k is Kind.FETCH and t == "response" and p.get("auth") and p.get("access_token"):
            exp = _exp_of(e, "access_token")
            if exp is None and isinstance(p.get("expires_in_s"), (int, float)):
                exp = e.wall / 1000.0 + float(p["expires_in_s"])
            if exp is not None:
                b.token_exp, b.token_source = exp, "WorkOS /authenticate"
            if p.get("refresh_token") and b.refresh_token in ("unknown", "cookie"):
                b.refresh_token = b.refresh_token if b.refresh_token == "cookie" else "present"
        elif k is Kind.FETCH and t == "request" and p.get("auth"):
            if p.get("grant_type") == "refresh_token" and not p.get("refresh_token_sent") and p.get("has_session_cookie"):
                b.refresh_token = "cookie"
        elif k is Kind.CONVEX and t == "Authenticate" and p.get("token"):
            exp = _exp_of(e, "token")
            if exp is None and isinstance(p.get("exp"), (int, float)):
                exp = float(p["exp"])
            if exp is not None and (b.token_exp is None or exp >= b.token_exp):
                b.token_exp, b.token_source = exp, "Convex Authenticate"
        elif k is Kind.STORAGE:
            if t == "setItem":
                b.refresh_token = "present"
            elif t == "removeItem" or t == "clear":
                b.refresh_token = "removed"
            elif t == "storage-event":
                b.refresh_token = "removed" if p.get("change") in ("removed", "clear") else "present"
        elif k is Kind.CONVEX and t == "auth-change":
            b.convex_auth = bool(p.get("is_authenticated"))
        elif k is Kind.CONVEX and t == "refresh-change":
            b.convex_refreshing = bool(p.get("is_refreshing"))
        elif k is Kind.CONVEX and t == "state":
            b.socket, b.paused = p.get("socket"), p.get("paused")
    return b


def countdown(seconds: float | None) -> str:
    """``4:59 left`` / ``expired 0:12 ago`` / ``–``."""
    if seconds is None:
        return "–"
    s = int(abs(seconds))
    text = f"{s // 60}:{s % 60:02d}"
    return f"{text} left" if seconds >= 0 else f"expired {text} ago"
