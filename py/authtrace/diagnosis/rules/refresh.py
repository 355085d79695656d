"""The WorkOS refresh exchange itself: a missing refresh token, a reused one,
a hung one holding the lock, one sent offline, and a session that really ended."""

from __future__ import annotations

from ...event import Event, Kind
from .. import finding as F
from .. import thresholds as T
from ..fixes import FIXES
from ..finding import Finding
from ..timeline import RT_KEY_PREFIX, Exchange, Interval, Timeline, error_label, fmt_at, fmt_dur, num, quote
from . import rule


def _is_rt_key(key) -> bool:
    return isinstance(key, str) and key.startswith(RT_KEY_PREFIX)


def _removal_seen_by(tl: Timeline, tab: str, before: float) -> Event | None:
    """The last cross-tab removal of the refresh token seen in ``tab`` before ``before``, unless it was set again."""
    last = None
    for e in tl.of(tab, Kind.STORAGE, before=before):
        if e.type == "storage-event" and (e.payload.get("change") == "clear" or _is_rt_key(e.payload.get("key"))):
            last = e if e.payload.get("change") in ("removed", "clear") else None
        elif e.type == "setItem" and _is_rt_key(e.payload.get("key")):
            last = None
    return last


def _remover(tl: Timeline, seen: Event) -> Event | None:
    """The other tab's removeItem/clear that caused a storage event."""
    found = None
    for e in tl.of(kind=Kind.STORAGE, before=seen.wall):
        if e.tab == seen.tab or e.type not in ("removeItem", "clear"):
            continue
        if e.type == "clear" or e.payload.get("key") == seen.payload.get("key"):
            found = e
    return found


def _missing_rt(x: Exchange) -> bool:
    return x.is_refresh and x.refresh_token_sent is False and x.missing_refresh_token


@rule(F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB, needs=("fetch", "storage"))
def refresh_token_removed_by_other_tab(tl: Timeline) -> list[Finding]:
    out: list[Finding] = []
    for x in tl.exchanges:
        if not _missing_rt(x) or x.start is None:
            continue
        seen = _removal_seen_by(tl, x.tab, x.start.wall)
        if seen is None:
            continue
        remover = _remover(tl, seen)
        text = (f"At {fmt_at(tl, seen.wall)} {tl.describe_tab(x.tab)} saw another tab "
                + (f"({remover.tab}) " if remover else "")
                + f"remove {seen.payload.get('key') or 'the shared storage'} from localStorage"
                + (f" (the storage event's old value was {seen.payload.get('oldValue')})" if seen.payload.get("oldValue") else "")
                + f". Its next refresh at {fmt_at(tl, x.start.wall)} went out without a refresh token and WorkOS "
                f"answered {x.status} {quote(x.description)}, a terminal error: AuthKit wipes the session and every "
                "later getAccessToken fails with LoginRequiredError, while React still shows the user.")
        evidence = ([remover.id] if remover else []) + [seen.id] + x.evidence()
        out.append(Finding(F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB, x.end.wall, sorted(set(evidence)), text,
                           FIXES[F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB], x.tab))
    return out


@rule(F.REFRESH_COOKIE_MISSING, needs=("fetch",))
def refresh_cookie_missing(tl: Timeline) -> list[Finding]:
    out: list[Finding] = []
    any_body_token = [x for x in tl.exchanges if x.refresh_token_sent]
    for x in tl.exchanges:
        if not _missing_rt(x) or x.start is None:
            continue
        cookie_mode = x.credentials == "include" or (
            x.credentials is None and not [y for y in any_body_token if y.start_wall < x.start_wall])
        if not cookie_mode:
            continue
        if _removal_seen_by(tl, x.tab, x.start.wall) is not None:
            continue
        if any(e.type in ("removeItem", "clear") and (e.type == "clear" or _is_rt_key(e.payload.get("key")))
               for e in tl.of(kind=Kind.STORAGE, before=x.start.wall)):
            continue
        hint = x.start.payload.get("has_session_cookie")
        text = (f"At {fmt_at(tl, x.start.wall)} {tl.describe_tab(x.tab)} refreshed in cookie mode "
                + ("(credentials: include, " if x.credentials == "include" else "(")
                + "no refresh token in the body) and WorkOS answered "
                f"{x.status} {quote(x.description)}: the HttpOnly refresh cookie did not reach WorkOS"
                + (" although the page's workos-has-session hint cookie was set" if hint is True else "")
                + (" and the page had no workos-has-session hint cookie either" if hint is False else "")
                + ". Nothing in the trace removed a stored refresh token, so the cookie was blocked (third-party), "
                "cleared or expired. The error is terminal: AuthKit ends the session while the app may still show "
                "the user.")
        out.append(Finding(F.REFRESH_COOKIE_MISSING, x.end.wall, x.evidence(), text, FIXES[F.REFRESH_COOKIE_MISSING],
                           x.tab))
    return out


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
    pairs: list[tuple[Exchange | None, Exchange]] = []
    for i, later in enumerate(tl.exchanges):
        if not later.is_refresh or later.workos_error != "invalid_grant":
            continue
        fp = later.refresh_token
        earlier = [x for x in tl.exchanges[:i] if fp and x.is_refresh and x.refresh_token == fp and x is not later
                   and _may_have_rotated(x)]
        if earlier:
            pairs.append((earlier[-1], later))
        elif _already_used(later):
            pairs.append((None, later))
    return pairs


@rule(F.ROTATION_RACE, needs=("fetch",))
def rotation_race(tl: Timeline) -> list[Finding]:
    out: list[Finding] = []
    for first, later in _rotation_pairs(tl):
        if first is None:
            text = (f"At {fmt_at(tl, later.start_wall)} {tl.describe_tab(later.tab)} presented a refresh token that "
                    f"WorkOS says was already used: {later.status} invalid_grant {quote(later.description)}. The "
                    "earlier use is not in this trace (another tab, device or a lost response). Refresh tokens are "
                    "single use, so the session is gone.")
            out.append(Finding(F.ROTATION_RACE, later.end.wall, later.evidence(), text, FIXES[F.ROTATION_RACE],
                               later.tab))
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
        out.append(Finding(F.ROTATION_RACE, later.end.wall, sorted(set(evidence)), text, FIXES[F.ROTATION_RACE],
                           later.tab))
    return out


def _is_lock_timeout(call) -> bool:
    return call.transient == "lock-timeout"


@rule(F.REFRESH_LOCK_STARVATION, needs=("fetch",), any_of=(("authkit-client",), ("locks",)))
def refresh_lock_starvation(tl: Timeline) -> list[Finding]:
    out: list[Finding] = []
    for x in tl.exchanges:
        if x.start is None:
            continue
        start = x.start.wall
        end = x.end_wall if x.end_wall is not None else tl.end
        if end - start < T.HUNG_REFRESH_MS:
            continue
        victim = None
        for call in tl.calls:
            if call.tab != x.tab and call.end is not None and _is_lock_timeout(call) \
                    and start <= call.end.wall <= end + T.LOCK_SLACK_MS:
                victim = call.end
                break
        if victim is None:
            for e in tl.of(kind=Kind.LOCK, type="state", after=start + T.LOCK_ACQUIRE_TIMEOUT_MS,
                           before=end + T.LOCK_SLACK_MS):
                if (num(e.payload.get("pending")) or 0) > 0:
                    victim = e
                    break
        if victim is None:
            continue
        frozen = [f for f in tl.frozen[x.tab] if start <= f.start <= end]
        hidden = [h for h in tl.hidden[x.tab] if h.contains(start, tl.end)]
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
        out.append(Finding(F.REFRESH_LOCK_STARVATION, victim.wall, sorted(set(evidence)), text,
                           FIXES[F.REFRESH_LOCK_STARVATION], x.tab))
    return out


def _offline_interval(tl: Timeline, tab: str, wall: float) -> Interval | None:
    for iv in tl.offline.get(tab, []):
        if iv.contains(wall, tl.end):
            return iv
    return None


@rule(F.OFFLINE_AT_REFRESH, needs=("fetch",))
def offline_at_refresh(tl: Timeline) -> list[Finding]:
    out: list[Finding] = []
    have_calls = bool(tl.calls)
    for x in tl.exchanges:
        if not x.failed or not x.is_refresh:
            continue
        err = x.end
        offline = _offline_interval(tl, x.tab, err.wall)
        flagged = err.payload.get("online") is False or (x.start is not None and x.start.payload.get("online") is False)
        if offline is None and not flagged:
            continue
        # Only when the failure reached the app: a token call that failed with it.
        surfaced = None
        for call in tl.calls:
            if call.tab == x.tab and call.end is not None and call.outcome in ("error", "null") \
                    and call.start_wall - T.CALL_SLACK_MS <= err.wall <= call.end.wall + T.CALL_SLACK_MS:
                surfaced = call
                break
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
        out.append(Finding(F.OFFLINE_AT_REFRESH, err.wall, sorted(set(evidence)), text, FIXES[F.OFFLINE_AT_REFRESH],
                           x.tab))
    return out


def _quiet_before(tl: Timeline, tab: str, wall: float) -> tuple[str, float] | None:
    """The longest hidden/frozen/offline/asleep period that ended before ``wall``."""
    best = None
    for what, ivs in (("hidden", tl.hidden[tab]), ("frozen", tl.frozen[tab]), ("offline", tl.offline[tab]),
                      ("asleep", tl.asleep[tab])):
        for iv in ivs:
            if iv.start < wall:
                d = min(iv.end_or(wall), wall) - iv.start
                if best is None or d > best[1]:
                    best = (what, d)
    return best


@rule(F.SESSION_ENDED, needs=("fetch",))
def session_ended(tl: Timeline) -> list[Finding]:
    out: list[Finding] = []
    raced = {id(later) for _, later in _rotation_pairs(tl)}
    for x in tl.exchanges:
        if not x.is_refresh or x.workos_error != "invalid_grant" or id(x) in raced or x.end is None:
            continue
        quiet = _quiet_before(tl, x.tab, x.start_wall)
        gone = next((iv for iv in tl.user.get(x.tab, []) if iv.end is not None
                     and x.end.wall <= iv.end <= x.end.wall + T.SIGNOUT_AFTER_TERMINAL_MS), None)
        text = (f"At {fmt_at(tl, x.start_wall)} {tl.describe_tab(x.tab)} refreshed"
                + (f" after being {quiet[0]} for {fmt_dur(quiet[1])}" if quiet and quiet[1] >= T.LONG_QUIET_MS else "")
                + f" and WorkOS refused the refresh token with {x.status} invalid_grant {quote(x.description)}. "
                "No other exchange in the trace used that refresh token, so this is the session ending on the server "
                "(inactivity timeout, maximum session length, sign-out elsewhere or revocation), a real sign-out"
                + (f"; AuthKit dropped the user at {fmt_at(tl, gone.end)}." if gone
                   else "; AuthKit still showed the user afterwards." if tl.user.get(x.tab) else "."))
        evidence = x.evidence() + ([gone.end_event] if gone and gone.end_event else [])
        out.append(Finding(F.SESSION_ENDED, x.end.wall, sorted(set(evidence)), text, FIXES[F.SESSION_ENDED], x.tab))
    return out
