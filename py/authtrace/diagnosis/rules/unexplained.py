"""Never silent over a failure: what no other finding explains gets ``unexplained-auth-failure``.

A refused or failed WorkOS authenticate request, a Convex ``AuthError`` or a
``FatalError`` is explained when its event is in another finding's evidence, or
for a request its request event or the failed token call it caused, for an
AuthError the Authenticate whose token it rejected, or a finding of the tab
within the 15 s Convex takes to get over it (what the reauth led to). A transient
request failure is also explained when an earlier, explained one of the tab had no
token granted since: the same outage, retried (authkit-js's own refresh loop). The others are grouped per tab and kind of failure (the stock adapter's
AuthError every five minutes is one finding, not twelve), each with all its
events as evidence. Runs after every other rule (the engine calls it with their
findings); one pass over the failures, O(n log n).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from ...event import Event, Kind
from ...failure import RETRYABLE_STATUS
from .. import finding as F
from .. import thresholds as T
from .. import wire
from ..exchanges import Exchange
from ..finding import Finding
from ..fixes import FIXES
from ..timeline import Timeline
from ..wording import error_text, fmt_at, fmt_dur, quote
from . import TICK, missing
from .refresh import _failed_calls

# What could explain a failure, when the input lacks it.
EXPLAINERS = ("sync", "page", "storage", "authkit-client", "convex-client")


def failed_auth_answer(e: Event) -> bool:
    """A WorkOS authenticate request that failed, or that WorkOS answered with an error."""
    p = e.payload
    if e.kind is not Kind.FETCH or not p.get("auth"):
        return False
    if e.type == "error":
        return True
    if e.type != "response":
        return False
    status = p.get("status")
    return p.get("ok") is False or (isinstance(status, int) and not isinstance(status, bool)
                                    and not 200 <= status < 300)


def convex_failure(e: Event) -> bool:
    return e.kind is Kind.CONVEX and e.type in ("AuthError", "FatalError")


def _exchange_by_end(tl: Timeline) -> dict[int, Exchange]:
    return tl.memo("exchange-by-end", lambda: {x.end.id: x for x in tl.exchanges
                                                if x.end is not None and x.end.id is not None})


def _rejected(tl: Timeline, err: Event) -> Event | None:
    """The Authenticate whose token an AuthError rejected: the socket's last one before it
    (sent just before, or long ago when the server noticed the expiry lazily)."""
    socket = err.payload.get("socket")
    for n, a in enumerate(reversed(tl.of(err.tab, Kind.CONVEX, "Authenticate", before=err.wall))):
        if a.payload.get("socket") in (None, socket) and (a.wall, a.id or 0) < (err.wall, err.id or 0):
            return a
        if n >= 8:  # other sockets' Authenticates in between: enough looking
            return None
    return None


def _explained(tl: Timeline, e: Event, evidence: set[int], named_at: dict[str, list[float]]) -> bool:
    if e.id in evidence:
        return True
    if e.kind is Kind.FETCH:
        x = _exchange_by_end(tl).get(e.id)
        if x is not None and x.start is not None and x.start.id in evidence:
            return True
        # The token call that failed with it (getAccessToken spanning the request) is explained.
        calls = tl.memo("failed-calls", lambda: _failed_calls(tl)).get(e.tab)
        call = calls.spanning(e.wall) if calls is not None else None
        return call is not None and call.end.id in evidence
    if e.type == "AuthError":
        a = _rejected(tl, e)
        if a is not None and a.id in evidence:
            return True
        # What Convex did about it (the reauth that followed) is named: a finding of this tab soon after.
        walls = named_at.get(e.tab, [])
        i = bisect_left(walls, e.wall)
        return i < len(walls) and walls[i] <= e.wall + T.AUTH_ERROR_RECOVERY_MS
    return False


def _transient(e: Event) -> bool:
    status = e.payload.get("status")
    return e.type == "error" or status in RETRYABLE_STATUS or (isinstance(status, int) and status >= 500)


def _same_outage(tl: Timeline, e: Event, outage: dict[str, float]) -> bool:
    """A retry of an explained transient failure, before any token was granted again."""
    since = outage.get(e.tab)
    if since is None or e.kind is not Kind.FETCH or not _transient(e):
        return False
    granted = wire.grants(tl, e.tab).first_after(since)
    return granted is None or granted.at > e.wall


def _key(tl: Timeline, e: Event) -> tuple[Any, ...]:
    p = e.payload
    if e.kind is Kind.CONVEX:
        recovered = e.type == "AuthError" and tl.convex_authenticated(
            e.tab, e.wall, e.wall + T.AUTH_ERROR_RECOVERY_MS) is not None
        return (e.tab, e.type, str(p.get("error")), recovered)
    if e.type == "error":
        return (e.tab, "fetch-error", str(p.get("name")), str(p.get("message")), str(p.get("grant_type")))
    return (e.tab, "refused", str(p.get("status")), str(p.get("workos_error")),
            str(p.get("workos_error_description")), str(p.get("grant_type")))


def unexplained(tl: Timeline, findings: list[Finding], caps_of: dict) -> Iterator[Finding | None]:
    """A finding for each group of failures no other finding explains."""
    evidence = {i for f in findings for i in f.evidence}
    named_at: dict[str, list[float]] = {}
    for f in findings:
        named_at.setdefault(f.tab, []).append(f.at)
    for walls in named_at.values():
        walls.sort()
    groups: dict[tuple[Any, ...], list[Event]] = {}
    failures = [tl.series(None, Kind.FETCH).where(failed_auth_answer), tl.series(None, Kind.CONVEX).where(convex_failure)]
    outage: dict[str, float] = {}  # tab -> wall of its last explained transient failure
    n = 0
    for series in failures:
        for e in series:
            n += 1
            if not n % TICK:
                yield None
            if _explained(tl, e, evidence, named_at) or _same_outage(tl, e, outage):
                if e.kind is Kind.FETCH and _transient(e):
                    outage[e.tab] = e.wall
                continue
            groups.setdefault(_key(tl, e), []).append(e)
    for key, events in groups.items():
        first = events[0]
        tab = first.tab
        caps = caps_of.get(tab) or caps_of.get(None) or set()
        lacking = [c for c in EXPLAINERS if c not in caps]
        text = _words(tl, key, events, "convex-client" in caps) + (
            " No known failure chain explains it from this input"
            + ("" if not lacking else "; what could is missing (below)") + ".")
        ids = sorted({i for e in events for i in _ids(tl, e)})
        yield Finding(F.UNEXPLAINED_AUTH_FAILURE, first.wall, ids, text, FIXES[F.UNEXPLAINED_AUTH_FAILURE], tab,
                      missing_evidence=missing(*lacking))


def _ids(tl: Timeline, e: Event) -> list[int]:
    x = _exchange_by_end(tl).get(e.id) if e.kind is Kind.FETCH else None
    return [i for i in ((x.evidence() if x is not None else []) or [e.id]) if i is not None]


def _times(tl: Timeline, events: list[Event]) -> str:
    if len(events) == 1:
        return f"At {fmt_at(tl, events[0].wall)}"
    return f"{len(events)} times from {fmt_at(tl, events[0].wall)} to {fmt_at(tl, events[-1].wall)}"


def _words(tl: Timeline, key: tuple[Any, ...], events: list[Event], client_seen: bool) -> str:
    e = events[0]
    p = e.payload
    where = tl.describe_tab(e.tab)
    when = _times(tl, events)
    if e.type == "FatalError":
        return (f"{when} the Convex server sent {where} FatalError {quote(p.get('error'))}: the client terminates its "
                "socket and never reconnects, so queries stop updating until the page reloads.")
    if e.type == "AuthError":
        recovered = key[-1]
        return (f"{when} the Convex server rejected {where}'s token: AuthError {quote(p.get('error'))} "
                f"(authUpdateAttempted={p.get('auth_update_attempted')})"
                + ("; each time Convex was authenticated again within "
                   f"{fmt_dur(T.AUTH_ERROR_RECOVERY_MS)}." if recovered and len(events) > 1
                   else f"; Convex was authenticated again within {fmt_dur(T.AUTH_ERROR_RECOVERY_MS)}." if recovered
                   else f"; Convex was not authenticated again within {fmt_dur(T.AUTH_ERROR_RECOVERY_MS)}."))
    grant = {"refresh_token": "token refresh", "authorization_code": "sign-in code exchange"}.get(
        str(p.get("grant_type")), "WorkOS authenticate request")
    if e.type == "error":
        later = wire.grants(tl, e.tab).first_after(events[-1].wall)
        net = f" ({p.get('net_error')})" if p.get("net_error") else ""
        offline = p.get("online") is False or tl.offline[e.tab].containing(e.wall, tl.end) is not None
        return (f"{when} {where}'s {grant} failed with {error_text(p)}{net}"
                + (" while the browser was offline" if offline else "") + ", a transient failure "
                "that says nothing about the session"
                + (f" (a token was granted again at {fmt_at(tl, later.at)})" if later is not None else "")
                + (". Nothing in the recording ties it to a loss of Convex authentication." if client_seen
                   else ". What the app did with it (the adapter's answer to Convex) is not in this input."))
    status = p.get("status")
    what = f"{status} {p.get('workos_error') or ''} {quote(p.get('workos_error_description')) if p.get('workos_error_description') else ''}"
    what = " ".join(what.split())
    if isinstance(status, int) and not isinstance(status, bool) and 400 <= status < 500 and status not in RETRYABLE_STATUS:
        return (f"{when} WorkOS refused {where}'s {grant} with {what}, a terminal error: authkit-js ends the "
                "session (every later getAccessToken fails with LoginRequiredError) while the app may still show "
                "the user.")
    return (f"{when} WorkOS answered {where}'s {grant} with {what or 'an error'}, a transient failure that says "
            "nothing about the session.")
