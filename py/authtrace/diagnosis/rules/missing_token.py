"""The refresh that reached WorkOS without a refresh token ("Missing refresh token."): always a finding.

In devMode the refresh token lives in localStorage, shared by the origin's tabs:
another tab's sign-out or terminal failure removes it (``refresh-token-removed-by-other-tab``,
confirmed when the storage event is recorded, inferred otherwise with the other
possibilities named and, with several tabs' HARs, the likely remover). In cookie
mode it travels in WorkOS's HttpOnly cookie (``refresh-cookie-missing``). Either
way the answer is terminal: AuthKit ends the session while the app may still show
the user.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from ...event import Event, Kind
from .. import finding as F
from .. import wire
from ..exchanges import Exchange
from ..finding import INFERRED, Finding, Missing
from ..fixes import FIXES
from ..timeline import Timeline
from ..wording import fmt_at, quote
from . import OTHER_TABS, TICK, missing, rule

RT_KEY_PREFIX = "workos:refresh-token"


def _is_rt_key(key) -> bool:
    return isinstance(key, str) and key.startswith(RT_KEY_PREFIX)


def _rt_storage_state(e: Event) -> bool:
    """A storage event that says whether the refresh token is (still) stored."""
    if e.type == "storage-event":
        return e.payload.get("change") == "clear" or _is_rt_key(e.payload.get("key"))
    return e.type == "setItem" and _is_rt_key(e.payload.get("key"))


def _removal(e: Event) -> bool:
    return e.type in ("removeItem", "clear")


def _rt_removal(e: Event) -> bool:
    return e.type == "clear" or (e.type == "removeItem" and _is_rt_key(e.payload.get("key")))


def _removal_seen_by(tl: Timeline, tab: str, before: float) -> Event | None:
    """The last cross-tab removal of the refresh token seen in ``tab`` before ``before``, unless it was set again."""
    last = tl.series(tab, Kind.STORAGE).where(_rt_storage_state).last(before=before)
    if last is not None and last.type == "storage-event" and last.payload.get("change") in ("removed", "clear"):
        return last
    return None


def _remover(tl: Timeline, seen: Event) -> Event | None:
    """The other tab's removeItem/clear that caused a storage event."""
    for e in reversed(tl.series(None, Kind.STORAGE).where(_removal).span(before=seen.wall)):
        if e.tab != seen.tab and (e.type == "clear" or e.payload.get("key") == seen.payload.get("key")):
            return e
    return None


def _missing_rt(x: Exchange) -> bool:
    return x.is_refresh and x.refresh_token_sent is False and x.missing_refresh_token


class _Modes:
    """How refreshes carried the refresh token: when one first went in the body (devMode),
    and when one first succeeded without it (cookie mode, for sure)."""

    def __init__(self, tl: Timeline) -> None:
        self.first_body_token = min((x.start_wall for x in tl.exchanges if x.refresh_token_sent), default=None)
        self.first_cookie_grant = min((x.start_wall for x in tl.exchanges
                                       if x.is_refresh and x.refresh_token_sent is False and x.ok), default=None)

    def cookie_mode(self, x: Exchange) -> bool:
        return x.credentials == "include" or (
            x.credentials is None and not (self.first_body_token is not None and self.first_body_token < x.start_wall))

    def cookie_mode_known(self, x: Exchange) -> bool:
        """Cookie mode shown, not deduced: the request said so, or a body-less refresh worked before."""
        return x.credentials == "include" or (self.first_cookie_grant is not None and self.first_cookie_grant < x.start_wall)


def _modes(tl: Timeline) -> _Modes:
    return tl.memo("refresh-modes", lambda: _Modes(tl))


_SESSION_ENDS = ("a terminal error: AuthKit wipes the session (removeSessionData) and every later getAccessToken fails "
                 "with LoginRequiredError, while React may still show the user")


def _removed_by_this_tab(tl: Timeline, x: Exchange) -> bool:
    """The tab itself removed the stored refresh token before (and did not store one again)."""
    last = tl.series(x.tab, Kind.STORAGE).where(_rt_own_state).last(before=x.start_wall)
    return last is not None and _rt_removal(last)


def _rt_own_state(e: Event) -> bool:
    return e.type in ("setItem", "removeItem", "clear") and (e.type == "clear" or _is_rt_key(e.payload.get("key")))


def _other_tab_ending(tl: Timeline, x: Exchange) -> Exchange | None:
    """The latest terminal refusal in another tab before ``x``: its AuthKit removed the shared token."""
    best = None
    for tab in tl.tabs:
        if tab == x.tab:
            continue
        refused = wire.grants(tl, tab).refused_before(x.start_wall)
        if refused is not None and (best is None or refused.end.wall > best.end.wall):
            best = refused
    return best


def _removed_unseen(tl: Timeline, x: Exchange) -> Finding:
    """A devMode refresh that found no stored refresh token, with nothing in the input showing who removed it."""
    modes = _modes(tl)
    other = _other_tab_ending(tl, x)
    if other is not None:
        refusal = " ".join(f"{other.status} {other.workos_error or ''} {quote(other.description)}".split())
        likely = (f" The likely remover is tab {other.tab}: WorkOS refused its refresh at {fmt_at(tl, other.end.wall)} "
                  f"with {refusal}, and authkit-js then removes the session data, the shared refresh token included. "
                  "Other possibilities: ")
    else:
        likely = (" What removed it is not in this input: most likely another tab's sign-out or terminal refresh "
                  "failure (authkit-js's removeSessionData deletes the key every tab shares); otherwise ")
    text = (f"At {fmt_at(tl, x.start_wall)} {tl.describe_tab(x.tab)} refreshed without a refresh token in the body, "
            f"although refreshes since {fmt_at(tl, modes.first_body_token)} had sent one: AuthKit runs in devMode, "
            "where the refresh token is kept in localStorage (workos:refresh-token:<client id>) and shared by the "
            f"origin's tabs, and it was gone. WorkOS answered {x.status} {quote(x.description)}, {_SESSION_ENDS}."
            + likely + "the app itself (signOut, localStorage.clear()) or the browser clearing site data.")
    evidence = x.evidence() + (other.evidence() if other is not None else [])
    gaps = missing("storage") + (missing(OTHER_TABS) if other is None and len(tl.tabs) == 1 else ())
    return Finding(F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB, x.end.wall, sorted(set(evidence)), text,
                   FIXES[F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB], x.tab, INFERRED, gaps)


@rule(F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB, needs=("fetch", "storage"))
def refresh_token_removed_by_other_tab(tl: Timeline) -> Iterator[Finding | None]:
    modes = _modes(tl)
    for i, x in enumerate(tl.exchanges):
        if not i % TICK:
            yield None
        if not _missing_rt(x) or x.start is None or x.end is None:
            continue
        seen = _removal_seen_by(tl, x.tab, x.start.wall)
        if seen is None:
            # "Missing refresh token." is always a finding: in devMode, say what removed it is not recorded.
            if not modes.cookie_mode(x) and not _removed_by_this_tab(tl, x):
                yield _removed_unseen(tl, x)
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
        yield Finding(F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB, x.end.wall, sorted(set(evidence)), text,
                      FIXES[F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB], x.tab)


@rule(F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB, needs=("fetch",), inferred=True)
def refresh_token_removed_by_other_tab_inferred(tl: Timeline) -> Iterator[Finding | None]:
    """Without storage events (a HAR): every devMode "Missing refresh token." answer."""
    modes = _modes(tl)
    for i, x in enumerate(tl.exchanges):
        if not i % TICK:
            yield None
        if _missing_rt(x) and x.start is not None and x.end is not None and not modes.cookie_mode(x):
            yield _removed_unseen(tl, x)


@rule(F.REFRESH_COOKIE_MISSING, needs=("fetch",))
def refresh_cookie_missing(tl: Timeline) -> Iterator[Finding | None]:
    modes = _modes(tl)
    for i, x in enumerate(tl.exchanges):
        if not i % TICK:
            yield None
        if not _missing_rt(x) or x.start is None or x.end is None or not modes.cookie_mode(x):
            continue
        if _removal_seen_by(tl, x.tab, x.start.wall) is not None:
            continue
        if tl.series(None, Kind.STORAGE).where(_rt_removal).count(before=x.start.wall):
            continue
        hint = x.start.payload.get("has_session_cookie")
        known = modes.cookie_mode_known(x)
        how = ("(credentials: include, " if x.credentials == "include"
               else "(a refresh without a body token had worked before, " if known else "(")
        text = (f"At {fmt_at(tl, x.start.wall)} {tl.describe_tab(x.tab)} refreshed in cookie mode "
                + how + "no refresh token in the body) and WorkOS answered "
                f"{x.status} {quote(x.description)}: the HttpOnly refresh cookie did not reach WorkOS"
                + (" although the page's workos-has-session hint cookie was set" if hint is True else "")
                + (" and the page had no workos-has-session hint cookie either" if hint is False else "")
                + ". Nothing in the trace removed a stored refresh token, so the cookie was blocked (third-party), "
                "cleared or expired. The error is terminal: AuthKit ends the session while the app may still show "
                "the user."
                + ("" if known else " Cookie mode is deduced: no earlier refresh in this input sent a token in the "
                   "body. If the app runs AuthKit in devMode, this is instead the stored refresh token gone from "
                   "localStorage (see refresh-token-removed-by-other-tab)."))
        finding = Finding(F.REFRESH_COOKIE_MISSING, x.end.wall, x.evidence(), text, FIXES[F.REFRESH_COOKIE_MISSING],
                          x.tab)
        yield finding if known else replace(finding, confidence=INFERRED, missing_evidence=CREDENTIALS_MODE)


CREDENTIALS_MODE = (Missing(
    "the fetch's credentials mode (include: cookie mode) and whether the refresh cookie was sent",
    "record with the authtrace recorder (it keeps credentials), or export the HAR with sensitive data (Chrome: Export "
    "HAR (with sensitive data)) so that request cookies stay in it"),)
