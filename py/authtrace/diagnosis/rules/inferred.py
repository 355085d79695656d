"""The causes deduced from the wire alone (a HAR), where the confirmed rules cannot judge.

A HAR has no visibility, no client events and (from Firefox and Safari) no sync
frames, so each rule here names the link it deduces and how: a request gap longer
than the token lifetime for a hidden or frozen tab; a socket opened after the tab's
newest token expired for an expired token resent; a reconnection without a token
right after a failed refresh for the adapter's null; WorkOS granting tokens for
AuthKit's user. The engine runs them only for tabs the confirmed rule cannot judge,
and marks their findings ``inferred`` with what is missing (:mod:`..wire` has the
states they read).
"""

from __future__ import annotations

from collections.abc import Iterator

from ...event import Event, Kind
from .. import finding as F
from .. import thresholds as T
from .. import wire
from ..exchanges import Exchange
from ..finding import Finding
from ..fixes import FIXES
from ..timeline import Timeline
from ..wording import error_text, fmt_at, fmt_dur, quote
from . import missing, rule
from .adapter import _transient_words
from .reconnect import _expired
from .split_brain import wire_split_brain_intervals

_WIRE = (("sync",), ("sockets",))


def _stale_socket(tl: Timeline, tab: str, socket: Event) -> wire.Grant | None:
    """A socket that reconnected with the tab's expired token (not the tokenless reconnect
    that follows a failed refresh, which had no token to send)."""
    grant = wire.expired_reconnect(tl, tab, socket)
    if grant is None:
        return None
    failed = wire.failed_refresh_before(tl, tab, socket.wall)
    if failed is not None and not wire.grants(tl, tab).any_within(failed.end.wall, socket.wall):
        return None
    return grant


def _sent_expired(e: Event) -> bool:
    return e.payload.get("token_type") not in (None, "None") and _expired(e)


def _expired_signals(tl: Timeline, tab: str) -> Iterator[tuple[Event, str, list[int]]]:
    """Signs the tab used an expired token: an expired Authenticate (frames), else a
    socket that reconnected after the newest token expired."""
    if wire.has_frames(tl, tab):
        for a in tl.series(tab, Kind.CONVEX, "Authenticate").where(_sent_expired):
            left = -(a.payload.get("seconds_left") or 0) * 1000
            yield a, f"Convex sent an access token that had expired {fmt_dur(left)} earlier", []
        return
    for s in wire.sync_sockets(tl, tab):
        grant = _stale_socket(tl, tab, s)
        if grant is not None:
            yield s, (f"the Convex socket reconnected (a new WebSocket) {fmt_dur(s.wall - grant.expires)} after the "
                      f"newest token the tab had been granted (at {fmt_at(tl, grant.at)}) expired, so it resent an "
                      "expired token"), [grant.event] if grant.event is not None else []


@rule(F.HIDDEN_TAB_REFRESH_PAUSED, needs=("fetch",), any_of=_WIRE, inferred=True)
def hidden_tab_refresh_paused_inferred(tl: Timeline) -> Iterator[Finding | None]:
    for tab in tl.tabs:
        yield None
        gaps: set[int] = set()
        for signal, what, more in _expired_signals(tl, tab):
            last = wire.grants(tl, tab).request_before(signal.wall)
            if last is None or id(last) in gaps:
                continue
            gap = signal.wall - last.start.wall
            if gap <= tl.lifetime_ms:
                continue
            gaps.add(id(last))
            back = tl.convex_authenticated(tab, signal.wall, signal.wall + T.RECOVERY_WINDOW_MS)
            if back is not None and not T.REPORT_RECOVERED_CAUSES:
                continue
            text = (f"No WorkOS refresh request left {tl.describe_tab(tab)} for {fmt_dur(gap)} (from "
                    f"{fmt_at(tl, last.start.wall)} to {fmt_at(tl, signal.wall)}), longer than the "
                    f"{fmt_dur(tl.lifetime_ms)} access-token lifetime; then at {fmt_at(tl, signal.wall)} {what}. A "
                    "visible tab refreshes before its token expires, so the gap suggests the tab was hidden or frozen "
                    "(authkit-js does not refresh while document.hidden, and the browser throttles or freezes the "
                    "timers of background tabs) or the machine slept; a HAR cannot show visibility."
                    + (f" Convex was authenticated again {fmt_dur(back.wall - signal.wall)} later." if back is not None
                       else ""))
            evidence = last.evidence() + [signal.id] + more + ([back.id] if back is not None else [])
            yield Finding(F.HIDDEN_TAB_REFRESH_PAUSED, signal.wall, sorted(set(evidence)), text,
                          FIXES[F.HIDDEN_TAB_REFRESH_PAUSED], tab, missing_evidence=missing("page"))


def _forced_refresh_after(tl: Timeline, tab: str, wall: float) -> Exchange | None:
    """The refresh the tab sent within the Convex reaction time after ``wall`` (the forced one)."""
    x = wire.grants(tl, tab).request_after(wall)
    return x if x is not None and x.start.wall <= wall + T.CONVEX_REACTION_MS else None


@rule(F.STALE_TOKEN_ON_RECONNECT, needs=("fetch", "sockets"), inferred=True)
def stale_token_on_reconnect_inferred(tl: Timeline) -> Iterator[Finding | None]:
    """Without frames (Firefox, Safari): a socket opened after the tab's newest token expired."""
    for tab in tl.tabs:
        yield None
        if wire.has_frames(tl, tab):
            continue
        for s in wire.sync_sockets(tl, tab):
            grant = _stale_socket(tl, tab, s)
            if grant is None:
                continue
            forced = _forced_refresh_after(tl, tab, s.wall)
            text = (f"At {fmt_at(tl, s.wall)} the Convex socket in {tl.describe_tab(tab)} reconnected (a new "
                    f"WebSocket) {fmt_dur(s.wall - grant.expires)} after the newest access token the tab had been "
                    f"granted expired (granted at {fmt_at(tl, grant.at)}, no token since). Convex replays its last "
                    "token on every reconnect without checking exp, so this reconnection sent the expired token and "
                    "the server answers AuthError, after which Convex asks for a forced refresh."
                    + (_forced_words(tl, forced) if forced is not None else "")
                    + " This HAR has no WebSocket frames: the Authenticate and the AuthError themselves are deduced.")
            evidence = [s.id] + ([grant.event] if grant.event is not None else []) \
                + (forced.evidence() if forced is not None else [])
            yield Finding(F.STALE_TOKEN_ON_RECONNECT, s.wall, sorted(set(evidence)), text,
                          FIXES[F.STALE_TOKEN_ON_RECONNECT], tab)


def _forced_words(tl: Timeline, x: Exchange) -> str:
    if x.end is None:
        return f" The refresh that followed at {fmt_at(tl, x.start.wall)} got no answer in this HAR."
    if x.ok:
        return f" The refresh that followed at {fmt_at(tl, x.start.wall)} got a new token."
    if x.failed:
        p = x.end.payload
        return f" The refresh that followed at {fmt_at(tl, x.start.wall)} failed: {error_text(p)}."
    return f" The refresh that followed at {fmt_at(tl, x.start.wall)} got {x.status} {quote(x.description)}."


def _connect_or_authenticate(e: Event) -> bool:
    return e.type in ("Connect", "Authenticate")


def convex_reaction(tl: Timeline, tab: str, x: Exchange) -> tuple[Event, str] | None:
    """What Convex did right after a failed refresh, if it went on without authentication:
    ``Authenticate`` with no token, a reconnection that sent none, or (no frames) a new
    socket opened with no token granted since the failure. Only once Convex had been
    authenticated (frames) or had connected before (sockets) on this page."""
    t0, t1 = x.end.wall, x.end.wall + T.CONVEX_REACTION_MS
    if wire.has_frames(tl, tab):
        if not wire.authenticated_once(tl, tab, t0):
            return None
        e = tl.series(tab, Kind.CONVEX).where(_connect_or_authenticate).first(t0, t1)
        if e is None:
            return None
        if e.type == "Authenticate" and e.payload.get("token_type") == "None":
            return e, "Convex cleared its authentication (Authenticate with no token)"
        if e.type == "Connect" and wire.sends_token(tl, e) is None:
            return e, "the Convex socket reconnected without sending a token"
        return None
    socket = wire.sync_sockets(tl, tab).first(t0, t1)
    if socket is None or wire.sync_sockets(tl, tab).count(before=t0) == 0:
        return None
    if wire.grants(tl, tab).any_within(t0, socket.wall):
        return None
    return socket, ("the Convex socket reconnected (a new WebSocket) with no token granted since the failure, so it "
                    "had no fresh token to send (this HAR has no frames to show it went without one)")


@rule(F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT, needs=("fetch",), any_of=_WIRE, inferred=True)
def transient_refresh_reported_as_signout_inferred(tl: Timeline) -> Iterator[Finding | None]:
    for tab in tl.tabs:
        yield None
        used: set[int] = set()
        for x in wire.grants(tl, tab).requests:
            kind = wire.transient_failure(x)
            if kind is None:
                continue
            reaction = convex_reaction(tl, tab, x)
            if reaction is None or reaction[0].id in used:
                continue
            alive, later = wire.session_alive(tl, tab, x.end.wall)
            if not alive:
                continue
            event, what = reaction
            used.add(event.id)
            p = x.end.payload
            failure = (f"failed with {error_text(p)}" if x.failed else f"got HTTP {x.status}")
            text = (f"At {fmt_at(tl, x.end.wall)} in {tl.describe_tab(tab)} a token refresh {failure}, "
                    f"{_transient_words(kind)} that says nothing about the session; {fmt_dur(event.wall - x.end.wall)} "
                    f"later {what}: the adapter turned the failure into null, which Convex treats as a sign-out and "
                    "never retries. WorkOS still had the session: "
                    + (f"it granted a new token at {fmt_at(tl, later.at)}." if later is not None
                       else "no terminal error came afterwards.")
                    + " A HAR has no client events, so the null is deduced from the connection that followed.")
            evidence = x.evidence() + [event.id] + ([later.event] if later is not None and later.event else [])
            yield Finding(F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT, event.wall, sorted(set(evidence)), text,
                          FIXES[F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT], tab,
                          missing_evidence=missing("authkit-client", "convex-client"))


_HOW = {
    "cleared": "Convex cleared its authentication (Authenticate with no token)",
    "anonymous-connect": "the Convex socket reconnected without sending a token",
    "AuthError": "the Convex server rejected the token with AuthError {error} and Convex did not authenticate again",
    "reconnect-after-failure": "the Convex socket reconnected right after a failed refresh with no token to send",
}


@rule(F.SPLIT_BRAIN, needs=("fetch",), any_of=_WIRE, inferred=True)
def split_brain_inferred(tl: Timeline) -> Iterator[Finding | None]:
    for tab in tl.tabs:
        yield None
        wire.convex_unauthenticated_wire(tl, tab)  # a tab at a time
    for sb in wire_split_brain_intervals(tl):
        unauth = wire.convex_unauthenticated_wire(tl, sb.tab).containing(sb.start, tl.end)
        detail = unauth.detail if unauth is not None else {}
        how = _HOW.get(detail.get("why"), "Convex lost its authentication").format(error=quote(detail.get("error")))
        end = sb.end if sb.end is not None else tl.end
        granted = wire.grants(tl, sb.tab).within(sb.start, end)
        ender = tl.by_id.get(sb.evidence[-1]) if sb.end is not None and sb.evidence else None
        why_end = ("the page reloaded" if ender is not None and ender.type == wire.NAVIGATION
                   else "WorkOS ended the session" if ender is not None and ender.kind is Kind.FETCH
                   else "Convex was authenticated again")
        text = (f"From {fmt_at(tl, sb.start)} WorkOS still had a session for {tl.describe_tab(sb.tab)} while Convex was "
                f"not authenticated: {how}. "
                + (f"WorkOS granted {len(granted)} new token(s) meanwhile (the last at {fmt_at(tl, granted[-1].at)}), "
                   "so AuthKit kept the user signed in. " if granted else "")
                + (f"It lasted {fmt_dur(end - sb.start)}, until {fmt_at(tl, sb.end)} ({why_end})." if sb.end is not None
                   else f"As far as this HAR shows, it was still so at its end, {fmt_dur(end - sb.start)} later.")
                + " Queries that need auth return nothing or fail while the app looks signed in. A HAR has no client "
                "events: AuthKit's user and Convex's isAuthenticated are deduced from the network.")
        evidence = list(sb.evidence) + ([granted[-1].event] if granted and granted[-1].event else [])
        yield Finding(F.SPLIT_BRAIN, sb.start, sorted(set(evidence)), text, FIXES[F.SPLIT_BRAIN], sb.tab,
                      missing_evidence=missing("authkit-client", "convex-client"))
