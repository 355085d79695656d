"""The key events of a trace in a few words each: the short timeline people read first."""

from __future__ import annotations

from dataclasses import dataclass

from ..event import Event, Kind
from ..failure import classify_payload
from ..trace import Trace
from .payload import num
from .timeline import Timeline
from .wording import error_label, fmt_dur, quote


@dataclass(frozen=True)
class KeyEvent:
    tab: str
    wall: float
    rel_ms: float
    id: int | None
    text: str


def _fetch(e: Event) -> str | None:
    p = e.payload
    if not p.get("auth"):
        if e.type == "error":
            return f"fetch failed: {p.get('name')}: {p.get('message')}"
        return None
    grant = {"refresh_token": "refresh", "authorization_code": "code exchange"}.get(
        str(p.get("grant_type")), p.get("grant_type") or "authenticate")
    if e.type == "request":
        if grant == "refresh":
            rt = p.get("refresh_token") if p.get("refresh_token_sent") else "no refresh token"
            return f"WorkOS refresh → ({rt}" + (", credentials: include)" if p.get("credentials") == "include" else ")")
        return f"WorkOS {grant} →"
    if e.type == "response":
        if p.get("workos_error") or p.get("workos_error_description"):
            return f"WorkOS {grant} ← {p.get('status')} {p.get('workos_error')} {quote(p.get('workos_error_description'))}"
        status = p.get("status")
        if not p.get("ok") and not (isinstance(status, int) and 200 <= status < 300):
            return f"WorkOS {grant} ← {status} (no token)"
        life = f", expires in {fmt_dur(num(p.get('expires_in_s')) * 1000)}" if num(p.get("expires_in_s")) else ""
        return f"WorkOS {grant} ← {p.get('status')} new token {p.get('access_token') or ''}{life}"
    if e.type == "error":
        off = " (offline)" if p.get("online") is False else ""
        net = f" [{p.get('net_error')}]" if p.get("net_error") else ""
        return f"WorkOS {grant} ✗ {p.get('name')}: {p.get('message')}{off}{net}"
    return None


def _convex(e: Event, last_state: dict[str, dict]) -> str | None:
    p = e.payload
    if e.type == "Connect":
        why = f", last close {quote(p.get('last_close_reason'))}" if p.get("last_close_reason") else ""
        return f"Convex Connect #{p.get('connection_count')}{why}"
    if e.type == "Authenticate":
        if p.get("token_type") == "None":
            return "Convex Authenticate (no token: auth cleared)"
        left = num(p.get("seconds_left"))
        state = (f"EXPIRED {fmt_dur(-left * 1000)} ago" if left is not None and left <= 0
                 else f"{fmt_dur(left * 1000)} left" if left is not None else "")
        return f"Convex Authenticate {p.get('token') or ''} {state}".rstrip()
    if e.type == "AuthError":
        return f"Convex AuthError {quote(p.get('error'))} (authUpdateAttempted={p.get('auth_update_attempted')})"
    if e.type == "FatalError":
        return f"Convex FatalError {quote(p.get('error'))}"
    if e.type == "Transition" and p.get("identity_changed"):
        return "Convex server confirmed the new auth identity"
    if e.type == "setAuth":
        return "Convex setAuth"
    if e.type == "auth-change":
        return f"Convex isAuthenticated={str(p.get('is_authenticated')).lower()}"
    if e.type == "state":
        prev = last_state.get(e.tab, {})
        last_state[e.tab] = p
        parts = []
        if p.get("socket") != prev.get("socket"):
            parts.append(f"socket {p.get('socket')}")
        if p.get("auth") != prev.get("auth") and p.get("auth"):
            parts.append(f"auth {p.get('auth')}")
        if p.get("is_websocket_connected") and p.get("has_ever_connected") is False and \
                p.get("paused") != prev.get("paused"):
            parts.append(f"open, no Connect yet (paused {p.get('paused')})")
        return ("Convex " + ", ".join(parts)) if parts else None
    return None


def _authkit(e: Event) -> str | None:
    p = e.payload
    if e.type == "user":
        if p.get("is_loading"):
            return None
        return f"AuthKit user {'present' if p.get('present') else 'absent'}" + (f" ({p.get('user_id')})" if p.get("present") and p.get("user_id") else "")
    if e.type == "getAccessToken":
        call = f"getAccessToken({'force' if p.get('force_refresh') else ''})"
        if p.get("outcome") == "error":
            verdict = classify_payload(p)
            kind = verdict.reason if verdict.evident else None
            return (f"{call} ✗ {error_label(p.get('name'), p.get('error_class'))}: {p.get('message')}"
                    + (f" (transient: {kind})" if kind else ""))
        if p.get("outcome") == "null":
            return f"{call} → null"
        left = num(p.get("seconds_left"))
        return f"{call} → {p.get('token') or 'token'}" + (f" ({fmt_dur(left * 1000)} left)" if left is not None else "")
    return None


def describe(e: Event, last_state: dict[str, dict] | None = None) -> str | None:
    """A few words for a key event, or None for events the short timeline leaves out."""
    p = e.payload
    last_state = last_state if last_state is not None else {}
    if e.kind is Kind.LIFECYCLE:
        if e.type == "boot":
            return f"page loaded ({p.get('visibility')}, {'online' if p.get('online') else 'offline' if p.get('online') is False else 'online?'})" + (" after a discard" if p.get("was_discarded") else "")
        if e.type in ("freeze", "resume"):
            return "page frozen" if e.type == "freeze" else "page resumed"
        if e.type == "clock-jump":
            return f"machine slept ~{fmt_dur(num(p.get('jumpMs')) or 0)}"
        if e.type == "pageshow" and p.get("persisted"):
            return "restored from back/forward cache"
        if e.type == "navigation":
            return f"page loaded (document request, {p.get('status')})"
        return None
    if e.kind is Kind.VISIBILITY:
        return f"tab {p.get('state')}" if e.type == "visibilitychange" else None
    if e.kind is Kind.NETWORK:
        return f"browser {e.type}"
    if e.kind is Kind.FETCH:
        return _fetch(e)
    if e.kind is Kind.WEBSOCKET:
        if e.type == "close" and p.get("sync"):
            return f"Convex socket closed {p.get('code')}" + (f" {quote(p.get('reason'))}" if p.get("reason") else "")
        if e.type == "create" and p.get("sync") and p.get("frames") is False:
            return "Convex socket opened (the HAR has no frames)"
        return None
    if e.kind is Kind.CONVEX:
        return _convex(e, last_state)
    if e.kind is Kind.AUTHKIT:
        return _authkit(e)
    if e.kind is Kind.STORAGE:
        if e.type == "removeItem":
            return f"removed {p.get('key')} from {p.get('area')}Storage"
        if e.type == "storage-event" and p.get("change") in ("removed", "clear"):
            return f"another tab removed {p.get('key') or 'all keys'}"
        if e.type == "storage-event":
            return f"another tab set {p.get('key')}"
        return None
    if e.kind is Kind.LOCK:
        return f"refresh lock: {p.get('held')} held, {p.get('pending')} waiting" if (num(p.get("pending")) or 0) > 0 else None
    if e.kind is Kind.NOTE and e.type == "unhandledrejection":
        return f"unhandled rejection {p.get('name')}: {p.get('message')}"
    return None


def key_events(source: Trace | Timeline, limit: int | None = None) -> list[KeyEvent]:
    tl = source if isinstance(source, Timeline) else Timeline(source)
    out: list[KeyEvent] = []
    last_state: dict[str, dict] = {}
    for e in tl.events:
        text = describe(e, last_state)
        if text:
            out.append(KeyEvent(e.tab, e.wall, tl.rel(e.wall), e.id, text))
    if limit is not None and len(out) > limit:
        out = out[:limit]
    return out
