"""Expired tokens meeting the Convex socket: stale token on reconnect, refresh paused while hidden."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from ...event import Event, Kind
from .. import finding as F
from .. import thresholds as T
from ..fixes import FIXES
from ..finding import Finding
from ..payload import num
from ..timeline import Timeline
from ..wording import fmt_at, fmt_dur, quote
from . import TICK, rule


def _expired(ev: Event) -> bool:
    p = ev.payload
    if p.get("expired_when_sent") is True:
        return True
    left = num(p.get("seconds_left"))
    return left is not None and left <= 0


def _is_reconnect(tl: Timeline, connect: Event) -> bool:
    p = connect.payload
    count = num(p.get("connection_count"))
    if count is not None and count > 0:
        return True
    if p.get("last_close_reason"):
        return True
    return tl.series(connect.tab, Kind.CONVEX, "Connect").count(before=connect.wall) > 1


def _auth_error_after(tl: Timeline, ev: Event, window: float) -> Event | None:
    for e in tl.of(ev.tab, Kind.CONVEX, "AuthError", after=ev.wall, before=ev.wall + window):
        if e.payload.get("socket") in (None, ev.payload.get("socket")):
            return e
    return None


def _connect_of(tl: Timeline, auth: Event) -> Event | None:
    """The Connect on the same socket this Authenticate went out with (the last within 2 s before it)."""
    socket = auth.payload.get("socket")
    for c in reversed(tl.of(auth.tab, Kind.CONVEX, "Connect", after=auth.wall - T.STALE_AUTH_AFTER_CONNECT_MS,
                            before=auth.wall)):
        if c.payload.get("socket") == socket and (c.id or 0) <= (auth.id or 0):
            return c
    return None


@rule(F.STALE_TOKEN_ON_RECONNECT, needs=("sync",))
def stale_token_on_reconnect(tl: Timeline) -> Iterator[Finding | None]:
    for tab in tl.tabs:
        seen_connects: set[int] = set()
        for i, auth in enumerate(tl.of(tab, Kind.CONVEX, "Authenticate")):
            if not i % TICK:
                yield None
            if auth.payload.get("token_type") == "None" or not _expired(auth):
                continue
            connect = _connect_of(tl, auth)
            if connect is None:
                continue
            if connect.id in seen_connects or not _is_reconnect(tl, connect):
                continue
            seen_connects.add(connect.id)
            err = _auth_error_after(tl, auth, T.AUTH_ERROR_AFTER_AUTHENTICATE_MS)
            evidence = [connect.id, auth.id] + ([err.id] if err else [])
            left = num(auth.payload.get("seconds_left"))
            ago = f", {fmt_dur(-left * 1000)} after it expired" if left is not None and left <= 0 else ""
            reason = connect.payload.get("last_close_reason")
            text = (f"At {fmt_at(tl, connect.wall)} the Convex socket in {tl.describe_tab(tab)} reconnected "
                    f"(connection #{connect.payload.get('connection_count')}"
                    + (f", previous close: {quote(reason)}" if reason else "")
                    + f") and resent the access token it had stored{ago}: Convex replays its last token on every "
                    "reconnect without checking exp.")
            if err:
                text += (f" The server answered AuthError {quote(err.payload.get('error'))} "
                         f"{fmt_dur(err.wall - auth.wall)} later, so the client stopped the socket and asked for a "
                         "forced refresh right as the tab was waking up.")
            back = tl.convex_authenticated(tab, auth.wall, auth.wall + T.RECOVERY_WINDOW_MS)
            if back is not None and not T.REPORT_RECOVERED_CAUSES:
                continue
            if back is not None:
                text += (f" Convex was authenticated again {fmt_dur(back.wall - auth.wall)} later, so this time the "
                         "forced refresh worked; when it fails, the adapter decides between a sticky sign-out, a "
                         "wedge and a retry.")
                evidence.append(back.id)
            else:
                text += f" Convex was not authenticated again within {fmt_dur(T.RECOVERY_WINDOW_MS)}."
            yield Finding(F.STALE_TOKEN_ON_RECONNECT, auth.wall, sorted(evidence), text,
                          FIXES[F.STALE_TOKEN_ON_RECONNECT], tab)


def _expired_signal(e: Event) -> bool:
    """A sign the tab was using an expired token (see :func:`_expiry_signal`)."""
    if e.kind is Kind.CONVEX and e.type == "Authenticate" and e.payload.get("token_type") != "None" and _expired(e):
        return True
    if e.kind is Kind.CONVEX and e.type == "AuthError":
        return True
    if e.kind is Kind.AUTHKIT and e.type == "getAccessToken" and e.payload.get("outcome") == "token":
        left = num(e.payload.get("seconds_left"))
        return left is not None and left <= 0
    return False


def _expiry_signal(tl: Timeline, tab: str, after: float, before: float) -> tuple[Event, str] | None:
    """The first sign in the window that the tab was using an expired token."""
    e = tl.series(tab).where(_expired_signal).first(after, before)
    if e is None:
        return None
    if e.type == "Authenticate":
        return e, f"Convex sent an access token that had expired {fmt_dur(-(num(e.payload.get('seconds_left')) or 0) * 1000)} earlier"
    if e.type == "AuthError":
        return e, f"the Convex server rejected the token: AuthError {quote(e.payload.get('error'))}"
    return e, f"getAccessToken returned a token that had expired {fmt_dur(-num(e.payload.get('seconds_left')) * 1000)} earlier"


def _refreshed_at(tl: Timeline) -> dict[str, list[float]]:
    """Per tab, when successful refresh exchanges were answered, in time order."""
    out: dict[str, list[float]] = {}
    for x in tl.exchanges:
        if x.is_refresh and x.ok:
            out.setdefault(x.tab, []).append(x.end_wall or 0)
    for walls in out.values():
        walls.sort()
    return out


@rule(F.HIDDEN_TAB_REFRESH_PAUSED, needs=("page",), any_of=(("sync",), ("authkit-client",)))
def hidden_tab_refresh_paused(tl: Timeline) -> Iterator[Finding | None]:
    refreshed_at = _refreshed_at(tl)
    for tab in tl.tabs:
        yield None
        for hid in tl.hidden[tab]:
            duration = hid.duration(tl.end)
            if duration <= tl.lifetime_ms:
                continue
            hid_end = hid.end_or(tl.end)
            walls = refreshed_at.get(tab, [])
            if bisect_left(walls, hid.start) < bisect_right(walls, hid_end):
                continue  # a refresh succeeded while it was hidden
            # The token current when the tab hid expires at most one lifetime later.
            found = _expiry_signal(tl, tab, hid.start, hid_end + T.EXPIRED_AFTER_HIDDEN_MS)
            if found is None:
                continue
            signal, what = found
            back = tl.convex_authenticated(tab, signal.wall, signal.wall + T.RECOVERY_WINDOW_MS)
            if back is not None and not T.REPORT_RECOVERED_CAUSES:
                continue
            frozen = tl.frozen[tab].starting_within(hid.start, hid_end)
            text = (f"{tl.describe_tab(tab).capitalize()} was hidden from {fmt_at(tl, hid.start)} "
                    + (f"to {fmt_at(tl, hid.end)}" if hid.end is not None else "until the end of the trace")
                    + f" ({fmt_dur(duration)}), longer than the {fmt_dur(tl.lifetime_ms)} access-token lifetime, "
                    "and no refresh succeeded while it was hidden: authkit-js does not refresh proactively in a "
                    "hidden tab and the browser throttles its timers"
                    + (f" (it was also frozen for {fmt_dur(sum(f.duration(tl.end) for f in frozen))})" if frozen else "")
                    + f". At {fmt_at(tl, signal.wall)} {what}."
                    + (f" Convex was authenticated again {fmt_dur(back.wall - signal.wall)} later." if back is not None
                       else f" Convex was not authenticated again within {fmt_dur(T.RECOVERY_WINDOW_MS)}."))
            evidence = hid.evidence() + [signal.id]
            yield Finding(F.HIDDEN_TAB_REFRESH_PAUSED, signal.wall, sorted(set(evidence)), text,
                          FIXES[F.HIDDEN_TAB_REFRESH_PAUSED], tab)
