"""The WorkOS refresh exchange itself: a reused refresh token, a hung refresh holding the
lock, one sent offline, and a session that really ended (a missing refresh token:
``missing_token.py``)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

from ...event import Event, Kind
from .. import finding as F
from .. import thresholds as T
from ..exchanges import Exchange, TokenCall
from ..fixes import FIXES
from ..finding import Finding
from ..payload import num
from ..timeline import Timeline
from ..wording import error_label, fmt_at, fmt_dur, quote
from . import TICK, rule


def _already_used(x: Exchange) -> bool:
    d = x.description.lower()
    return any(w in d for w in ("already exchanged", "already been used", "already used", "reuse"))


def _may_have_rotated(x: Exchange) -> bool:
    """Could this earlier use have reached WorkOS and rotated the token? Not if WorkOS
    answered with an error, nor if it failed while the browser was offline (never sent)."""
    if x.ok or x.end is None:
        return True
    if x.failed:
        return x.end.payload.get("online") is not False and (x.start is None or x.start.payload.get("online") is not False)
    return False


def _rotation_pairs(tl: Timeline) -> list[tuple[Exchange | None, Exchange]]:
    return tl.memo("rotation-pairs", lambda: _pairs(tl))


def _pairs(tl: Timeline) -> list[tuple[Exchange | None, Exchange]]:
    """Each refresh refused with invalid_grant, with the last earlier use of its refresh token
    that may have rotated it (None: no such use, but WorkOS says it was used)."""
    pairs: list[tuple[Exchange | None, Exchange]] = []
    last_use: dict[Any, Exchange] = {}  # by refresh-token fingerprint
    odd: list[Exchange] = []  # uses of an unhashable "fingerprint" (no recorder writes one)
    for later in tl.exchanges:
        fp = later.refresh_token
        if later.is_refresh and later.workos_error == "invalid_grant":
            earlier = None
            if fp and _hashable(fp):
                earlier = last_use.get(fp)
            elif fp:
                earlier = next((x for x in reversed(odd) if x.refresh_token == fp), None)
            if earlier is not None:
                pairs.append((earlier, later))
            elif _already_used(later):
                pairs.append((None, later))
        if fp and later.is_refresh and _may_have_rotated(later):
            if _hashable(fp):
                last_use[fp] = later
            else:
                odd.append(later)
    return pairs


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@rule(F.ROTATION_RACE, needs=("fetch",))
def rotation_race(tl: Timeline) -> Iterator[Finding | None]:
    for i, (first, later) in enumerate(_rotation_pairs(tl)):
        if not i % TICK:
            yield None
        if first is None:
            text = (f"At {fmt_at(tl, later.start_wall)} {tl.describe_tab(later.tab)} presented a refresh token that "
                    f"WorkOS says was already used: {later.status} invalid_grant {quote(later.description)}. The "
                    "earlier use is not in this trace (another tab, device or a lost response). Refresh tokens are "
                    "single use, so the session is gone.")
            yield Finding(F.ROTATION_RACE, later.end.wall, later.evidence(), text, FIXES[F.ROTATION_RACE],
                          later.tab)
            continue
        if first.ok:
            outcome = f"got a new pair ({first.status}) at {fmt_at(tl, first.end_wall)}"
        elif first.failed:
            p = first.end.payload
            outcome = (f"never received its answer ({p.get('name')}: {p.get('message')} at "
                       f"{fmt_at(tl, first.end_wall)}), though WorkOS had probably rotated the token")
        elif first.end is None:
            outcome = "was still waiting for its answer"
        else:
            outcome = f"got {first.status} {first.workos_error or ''}".rstrip()
        where = "the same tab" if first.tab == later.tab else f"tab {first.tab}"
        text = (f"The refresh token {later.refresh_token} was presented twice: first by {where} at "
                f"{fmt_at(tl, first.start_wall)}, which {outcome}; then by {tl.describe_tab(later.tab)} at "
                f"{fmt_at(tl, later.start_wall)} ({fmt_dur(later.start_wall - first.start_wall)} later), which WorkOS "
                f"refused with {later.status} invalid_grant {quote(later.description)}. Refresh tokens are single use; "
                "the refusal is terminal and AuthKit wipes the session.")
        evidence = first.evidence() + later.evidence()
        yield Finding(F.ROTATION_RACE, later.end.wall, sorted(set(evidence)), text, FIXES[F.ROTATION_RACE],
                      later.tab)


def _is_lock_timeout(call) -> bool:
    return call.transient == "lock-timeout"


def _lock_pending(e: Event) -> bool:
    return (num(e.payload.get("pending")) or 0) > 0


def _lock_timeouts(tl: Timeline) -> list[tuple[float, int, TokenCall]]:
    """The token calls that failed waiting for the refresh lock: (when, call order, call), by time."""
    return sorted((c.end.wall, i, c) for i, c in enumerate(tl.calls) if c.end is not None and _is_lock_timeout(c))


def _lock_timeout_in(timeouts: list[tuple[float, int, TokenCall]], tab: str, lo: float, hi: float) -> Event | None:
    """The end of the first call (in call order) of another tab that timed out waiting for the lock in [lo, hi]."""
    found = [(i, c) for _, i, c in timeouts[bisect_left(timeouts, (lo,)):bisect_right(timeouts, (hi, float("inf")))]
             if c.tab != tab]
    return min(found, key=lambda ic: ic[0])[1].end if found else None


@rule(F.REFRESH_LOCK_STARVATION, needs=("fetch",), any_of=(("authkit-client",), ("locks",)))
def refresh_lock_starvation(tl: Timeline) -> Iterator[Finding | None]:
    timeouts = _lock_timeouts(tl)
    for i, x in enumerate(tl.exchanges):
        if not i % TICK:
            yield None
        if x.start is None:
            continue
        start = x.start.wall
        end = x.end_wall if x.end_wall is not None else tl.end
        if end - start < T.HUNG_REFRESH_MS:
            continue
        victim = _lock_timeout_in(timeouts, x.tab, start, end + T.LOCK_SLACK_MS)
        if victim is None:
            victim = tl.series(None, Kind.LOCK, "state").where(_lock_pending).first(
                start + T.LOCK_ACQUIRE_TIMEOUT_MS, end + T.LOCK_SLACK_MS)
        if victim is None:
            continue
        frozen = tl.frozen[x.tab].starting_within(start, end)
        hidden = tl.hidden[x.tab].containing(start, tl.end)
        state = ("frozen" if frozen else "hidden" if hidden else None)
        text = (f"At {fmt_at(tl, start)} {tl.describe_tab(x.tab)} started a refresh"
                + (f" and was {state}" if state else "")
                + (f"; it got no answer for {fmt_dur(end - start)}" if x.end is not None
                   else f"; it never got an answer ({fmt_dur(end - start)} until the end of the trace)")
                + ", holding the WORKOS_REFRESH_SESSION lock all along. ")
        if victim.kind is Kind.AUTHKIT:
            text += (f"Meanwhile tab {victim.tab}'s getAccessToken failed at {fmt_at(tl, victim.wall)} with "
                     f"{error_label(victim.payload.get('name'), victim.payload.get('error_class'))} "
                     f"{quote(victim.payload.get('message'))} after waiting "
                     f"{fmt_dur(num(victim.payload.get('duration_ms')) or 0)} for the lock.")
        else:
            text += (f"At {fmt_at(tl, victim.wall)} {victim.payload.get('pending')} more lock request(s) were waiting "
                     f"({fmt_dur(victim.wall - start)} after it was taken; acquisition times out after "
                     f"{fmt_dur(T.LOCK_ACQUIRE_TIMEOUT_MS)}).")
        evidence = x.evidence() + [victim.id]
        yield Finding(F.REFRESH_LOCK_STARVATION, victim.wall, sorted(set(evidence)), text,
                      FIXES[F.REFRESH_LOCK_STARVATION], x.tab)


class _FailedCalls:
    """A tab's token calls that failed or returned null, in call order (so by start), and the
    latest end among the first i of them: which one spans a moment is then a bisection."""

    def __init__(self, calls: list[TokenCall]) -> None:
        self.calls = [c for c in calls if c.end is not None and c.outcome in ("error", "null")]
        self.latest_end = list(accumulate((c.end.wall for c in self.calls), max))

    def spanning(self, wall: float) -> TokenCall | None:
        """The first call with ``start - slack <= wall <= end + slack``."""
        started = bisect_right(self.calls, wall, key=lambda c: c.start_wall - T.CALL_SLACK_MS)
        i = bisect_left(self.latest_end, wall, key=lambda end: end + T.CALL_SLACK_MS)
        return self.calls[i] if i < started else None


def _failed_calls(tl: Timeline) -> dict[str, _FailedCalls]:
    return {tab: _FailedCalls(tl.calls_in(tab)) for tab in tl.tabs}


@rule(F.OFFLINE_AT_REFRESH, needs=("fetch",), any_of=(("net-errors",), ("page",)))
def offline_at_refresh(tl: Timeline) -> Iterator[Finding | None]:
    have_calls = bool(tl.calls)
    failed_calls = _failed_calls(tl)
    for i, x in enumerate(tl.exchanges):
        if not i % TICK:
            yield None
        if not x.failed or not x.is_refresh:
            continue
        err = x.end
        offline = tl.offline[x.tab].containing(err.wall, tl.end)
        flagged = err.payload.get("online") is False or (x.start is not None and x.start.payload.get("online") is False)
        if offline is None and not flagged:
            continue
        # Only when the failure reached the app: a token call that failed with it.
        surfaced = failed_calls[x.tab].spanning(err.wall)
        if have_calls and surfaced is None:
            continue
        net = err.payload.get("net_error")
        text = (f"At {fmt_at(tl, err.wall)} {tl.describe_tab(x.tab)} sent a token refresh while the browser was "
                "offline"
                + (f" (offline since {fmt_at(tl, offline.start)}"
                   + (f", back online at {fmt_at(tl, offline.end)})" if offline.end is not None else ", still offline at the end)")
                   if offline else "")
                + f"; it failed with {err.payload.get('name')}: {err.payload.get('message')}"
                + (f" ({net})" if net else "")
                + (f" and getAccessToken failed with {surfaced.error_text}" if surfaced and surfaced.outcome == "error" else "")
                + ". The refresh could not succeed; the session itself was fine.")
        evidence = ([offline.start_event] if offline and offline.start_event else []) + x.evidence() \
            + ([surfaced.end.id] if surfaced else [])
        yield Finding(F.OFFLINE_AT_REFRESH, err.wall, sorted(set(evidence)), text, FIXES[F.OFFLINE_AT_REFRESH],
                      x.tab)


def _quiet_before(tl: Timeline, tab: str, wall: float) -> tuple[str, float] | None:
    """The longest hidden/frozen/offline/asleep period that started before ``wall`` (cut there)."""
    best = None
    for what, spans in (("hidden", tl.hidden[tab]), ("frozen", tl.frozen[tab]), ("offline", tl.offline[tab])):
        d = spans.longest_before(wall)
        if d is not None and (best is None or d > best[1]):
            best = (what, d)
    for iv in tl.asleep[tab]:  # sleeps may overlap: no order to bisect, and they are few
        if iv.start < wall:
            d = min(iv.end_or(wall), wall) - iv.start
            if best is None or d > best[1]:
                best = ("asleep", d)
    return best


@rule(F.SESSION_ENDED, needs=("fetch",))
def session_ended(tl: Timeline) -> Iterator[Finding | None]:
    raced = {id(later) for _, later in _rotation_pairs(tl)}
    for i, x in enumerate(tl.exchanges):
        if not i % TICK:
            yield None
        if not x.is_refresh or x.workos_error != "invalid_grant" or id(x) in raced or x.end is None:
            continue
        quiet = _quiet_before(tl, x.tab, x.start_wall)
        gone = tl.user[x.tab].first_ending_within(x.end.wall, x.end.wall + T.SIGNOUT_AFTER_TERMINAL_MS)
        text = (f"At {fmt_at(tl, x.start_wall)} {tl.describe_tab(x.tab)} refreshed"
                + (f" after being {quiet[0]} for {fmt_dur(quiet[1])}" if quiet and quiet[1] >= T.LONG_QUIET_MS else "")
                + f" and WorkOS refused the refresh token with {x.status} invalid_grant {quote(x.description)}. "
                "No other exchange in the trace used that refresh token, so this is the session ending on the server "
                "(inactivity timeout, maximum session length, sign-out elsewhere or revocation), a real sign-out"
                + (f"; AuthKit dropped the user at {fmt_at(tl, gone.end)}." if gone
                   else "; AuthKit still showed the user afterwards." if tl.user.get(x.tab) else "."))
        evidence = x.evidence() + ([gone.end_event] if gone and gone.end_event else [])
        yield Finding(F.SESSION_ENDED, x.end.wall, sorted(set(evidence)), text, FIXES[F.SESSION_ENDED], x.tab)
