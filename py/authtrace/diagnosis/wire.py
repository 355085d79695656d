"""What the wire alone shows: WorkOS's answers, the Convex sync frames and sockets (a HAR).

A HAR has no client events, so the inferred rules (``rules/inferred.py``) read the
states off the network instead: WorkOS still has a session from a granted token
until it refuses one for good; Convex is authenticated once the server confirms a
token (an identity-changing Transition) and not any more after ``Authenticate``
with no token, a (re)connection that sends none, or an AuthError it does not get
over; a tab whose newest token expired before a socket reconnected resent an
expired one. Each is computed once per timeline (``Timeline.memo``) in O(n log n).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from ..event import Event, Kind
from ..failure import RETRYABLE_STATUS, transient_reason
from . import thresholds as T
from .exchanges import Exchange
from .intervals import Interval, Spans
from .payload import num
from .timeline import Timeline

NAVIGATION = "navigation"  # a HAR's document request: a new page, a new Convex client


def is_terminal(x: Exchange) -> bool:
    """WorkOS refused for good: authkit-js wipes the session on any 4xx but 408/425/429."""
    status = x.status
    return (x.end is not None and x.end.type == "response" and not x.ok and isinstance(status, int)
            and 400 <= status < 500 and status not in RETRYABLE_STATUS)


def transient_failure(x: Exchange) -> str | None:
    """Why a refresh failed transiently (a :class:`~authtrace.failure.Verdict` reason), or None."""
    if x.end is None or not x.is_refresh or x.ok:
        return None
    p = x.end.payload
    if x.failed:
        return transient_reason(p.get("name"), p.get("message"), status=x.status)
    return transient_reason(status=x.status)


@dataclass(frozen=True)
class Grant:
    """A token WorkOS granted: answered at ``at`` (its end event ``event``), expiring at ``expires``."""

    at: float
    expires: float
    event: int | None


class Grants:
    """A tab's granted tokens, terminal refusals and authenticate requests, by time."""

    def __init__(self, tl: Timeline, exchanges: list[Exchange]) -> None:
        grants = []
        for x in exchanges:
            if x.ok and x.end is not None:
                left = num(x.end.payload.get("expires_in_s"))
                expires = x.end.wall + (left * 1000 if left is not None and left > 0 else tl.lifetime_ms)
                grants.append(Grant(x.end.wall, expires, x.end.id))
        grants.sort(key=lambda g: g.at)
        self.grants = grants
        self._at = [g.at for g in grants]
        self.refused = sorted((x for x in exchanges if is_terminal(x)), key=lambda x: x.end.wall)
        self._refused_at = [x.end.wall for x in self.refused]
        self.requests = sorted((x for x in exchanges if x.start is not None), key=lambda x: x.start.wall)
        self._request_at = [x.start.wall for x in self.requests]

    def last_before(self, wall: float) -> Grant | None:
        i = bisect_left(self._at, wall)
        return self.grants[i - 1] if i else None

    def first_after(self, wall: float) -> Grant | None:
        i = bisect_right(self._at, wall)
        return self.grants[i] if i < len(self.grants) else None

    def any_within(self, lo: float, hi: float) -> bool:
        return bisect_left(self._at, lo) < bisect_right(self._at, hi)

    def within(self, lo: float, hi: float) -> list[Grant]:
        return self.grants[bisect_left(self._at, lo):bisect_right(self._at, hi)]

    def refused_before(self, wall: float) -> Exchange | None:
        i = bisect_left(self._refused_at, wall)
        return self.refused[i - 1] if i else None

    def refused_after(self, wall: float) -> Exchange | None:
        i = bisect_right(self._refused_at, wall)
        return self.refused[i] if i < len(self.refused) else None

    def request_before(self, wall: float) -> Exchange | None:
        i = bisect_left(self._request_at, wall)
        return self.requests[i - 1] if i else None

    def request_after(self, wall: float) -> Exchange | None:
        i = bisect_left(self._request_at, wall)
        return self.requests[i] if i < len(self.requests) else None


def grants(tl: Timeline, tab: str) -> Grants:
    def build() -> dict[str, Grants]:
        by_tab: dict[str, list[Exchange]] = {}
        for x in tl.exchanges:
            by_tab.setdefault(x.tab, []).append(x)
        return {t: Grants(tl, xs) for t, xs in by_tab.items()}

    return tl.memo("wire-grants", build).get(tab) or Grants(tl, [])


def session_alive(tl: Timeline, tab: str, after: float) -> tuple[bool, Grant | None]:
    """Did WorkOS still have the session after ``after``: a later grant before any terminal
    refusal, or no terminal refusal at all. With the later grant, if any."""
    g = grants(tl, tab)
    later, refused = g.first_after(after), g.refused_after(after)
    if refused is None:
        return True, later
    return (later is not None and later.at < refused.end.wall), later


# -- sockets ---------------------------------------------------------------------------------
def _sync_socket(e: Event) -> bool:
    return bool(e.payload.get("sync"))


def sync_sockets(tl: Timeline, tab: str):
    """The tab's Convex sync WebSockets, by when they were created."""
    return tl.series(tab, Kind.WEBSOCKET, "create").where(_sync_socket)


def has_frames(tl: Timeline, tab: str) -> bool:
    """Did the input keep the tab's sync frames (a Chrome HAR, a trace), or only its sockets?"""
    return bool(tl.series(tab, Kind.CONVEX, "Connect")) or bool(tl.series(tab, Kind.CONVEX, "Authenticate"))


def expired_reconnect(tl: Timeline, tab: str, socket: Event) -> Grant | None:
    """A socket created after the tab's newest token had expired (with an earlier socket:
    a reconnect): the grant whose token it must have resent, else None."""
    if sync_sockets(tl, tab).count(before=socket.wall, later_than=None) < 2:
        return None
    grant = grants(tl, tab).last_before(socket.wall)
    if grant is None or grant.expires > socket.wall:
        return None
    return grant


# -- Convex's authentication from its frames --------------------------------------------------
def authenticated_once(tl: Timeline, tab: str, before: float) -> bool:
    """Had Convex been authenticated in ``tab`` (a server-confirmed token) before ``before``?"""
    first = tl.memo(("wire-first-auth", tab), lambda: tl.convex_authenticated(tab, tl.start, tl.end))
    return first is not None and first.wall <= before


def _with_token(e: Event) -> bool:
    return e.payload.get("token_type") not in (None, "None") and bool(e.payload.get("token"))


def _auth_signal(e: Event) -> bool:
    if e.kind is Kind.LIFECYCLE:
        return e.type == NAVIGATION
    if e.kind is Kind.WEBSOCKET:
        return e.type == "create" and bool(e.payload.get("sync"))
    return e.type in ("Connect", "Authenticate", "AuthError") or (
        e.type == "Transition" and bool(e.payload.get("identity_changed")))


def sends_token(tl: Timeline, connect: Event) -> Event | None:
    """The Authenticate with a token this (re)connection sent, if any (within 2 s, same socket)."""
    socket = connect.payload.get("socket")
    for a in tl.series(connect.tab, Kind.CONVEX, "Authenticate").where(_with_token).span(
            connect.wall, connect.wall + T.STALE_AUTH_AFTER_CONNECT_MS):
        if a.payload.get("socket") == socket:
            return a
    return None


def failed_refresh_before(tl: Timeline, tab: str, wall: float) -> Exchange | None:
    """The tab's refresh that failed transiently within the Convex reaction time before ``wall``."""
    return tl.memo(("wire-failed", tab), lambda: _FailedBefore(tl, tab)).find(wall)


class _FailedBefore:
    def __init__(self, tl: Timeline, tab: str) -> None:
        self.failed = sorted((x for x in tl.exchanges if x.tab == tab and transient_failure(x)),
                             key=lambda x: x.end.wall)
        self._at = [x.end.wall for x in self.failed]

    def find(self, wall: float) -> Exchange | None:
        i = bisect_right(self._at, wall)
        if i and wall - self._at[i - 1] <= T.CONVEX_REACTION_MS:
            return self.failed[i - 1]
        return None


def convex_unauthenticated_wire(tl: Timeline, tab: str) -> Spans:
    """When Convex was not authenticated in ``tab``, as the wire shows it.

    With frames: from ``Authenticate`` without a token, a (re)connection that sent
    none, or an AuthError not recovered from within 15 s, once Convex had been
    authenticated on this page; until the server confirms a token again or the page
    reloads. Without frames (Firefox, Safari): from a socket that reconnected right
    after a failed refresh with no token granted in between (it had none to send),
    until the page reloads.
    """
    return tl.memo(("wire-unauth", tab), lambda: _unauth(tl, tab))


def _unauth(tl: Timeline, tab: str) -> Spans:
    out = Spans()
    frames = has_frames(tl, tab)
    authed = False
    for e in tl.series(tab).where(_auth_signal):
        is_open = bool(out) and out[-1].end is None
        if e.type == NAVIGATION:
            if is_open:
                out.close(e.wall, e.id)
            authed = False
            continue
        if not frames:
            if e.kind is Kind.WEBSOCKET and not is_open:
                failed = failed_refresh_before(tl, tab, e.wall)
                if failed is not None and not grants(tl, tab).any_within(failed.end.wall, e.wall):
                    out.open(Interval(tab, e.wall, None, e.id, detail={"why": "reconnect-after-failure",
                                                                        "failed": failed}))
            continue
        if e.kind is Kind.WEBSOCKET:
            continue
        if e.type == "Transition":
            if tl.convex_authenticated(tab, e.wall, e.wall) is e:
                authed = True
                if is_open:
                    out.close(e.wall, e.id)
        elif is_open or not authed:
            continue
        elif e.type == "Authenticate" and e.payload.get("token_type") == "None":
            out.open(Interval(tab, e.wall, None, e.id, detail={"why": "cleared"}))
        elif e.type == "Connect" and sends_token(tl, e) is None:
            out.open(Interval(tab, e.wall, None, e.id, detail={"why": "anonymous-connect"}))
        elif e.type == "AuthError" and tl.end >= e.wall + T.AUTH_ERROR_RECOVERY_MS and \
                tl.convex_authenticated(tab, e.wall, e.wall + T.AUTH_ERROR_RECOVERY_MS) is None:
            out.open(Interval(tab, e.wall, None, e.id, detail={"why": "AuthError", "error": e.payload.get("error")}))
    return out


def sessions(tl: Timeline, tab: str) -> Spans:
    """When WorkOS had a session for ``tab``, as the wire shows it: from a granted token
    (or, before any refusal, a token Convex sent: AuthKit had it) until WorkOS refused the
    session for good."""
    return tl.memo(("wire-session", tab), lambda: _sessions(tl, tab))


def _sessions(tl: Timeline, tab: str) -> Spans:
    marks: list[tuple[float, int, bool, int | None]] = []
    g = grants(tl, tab)
    for grant in g.grants:
        marks.append((grant.at, grant.event or 0, True, grant.event))
    for x in g.refused:
        marks.append((x.end.wall, x.end.id or 0, False, x.end.id))
    # A token Convex sent shows AuthKit had one (a HAR that starts mid-session), but not after a
    # terminal refusal: then it is only the old token, resent.
    first_refusal = g.refused[0].end.wall if g.refused else None
    for a in tl.series(tab, Kind.CONVEX, "Authenticate").where(_with_token).span(before=first_refusal):
        marks.append((a.wall, a.id or 0, True, a.id))
    marks.sort(key=lambda m: (m[0], m[1]))
    out = Spans()
    on = False
    for wall, _, turn_on, event in marks:
        if turn_on and not on:
            out.open(Interval(tab, wall, None, event, detail={"inferred": True}))
        elif not turn_on and on:
            out.close(wall, event)
        on = turn_on
    return out
