"""What the Convex adapter does with AuthKit's answers: null for a transient error,
a throw that wedges the socket, a second setAuth that overwrites the pause, the same token twice."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from ...event import Event, Kind
from ...failure import transient_reason
from .. import finding as F
from .. import thresholds as T
from ..exchanges import Exchange, TokenCall
from ..fixes import FIXES
from ..finding import CONFIRMED, INFERRED, Finding
from ..timeline import Timeline
from ..wording import fmt_at, fmt_dur, quote
from . import NO_USER_EVENT, TICK, rule

_TRANSIENT_WORDS = {
    "network": "a network failure",
    "abort": "an aborted request",
    "lock-timeout": "a refresh-lock timeout",
    "transient": "an error AuthKit itself marks transient",
}


def _transient_words(kind: str) -> str:
    if kind.startswith("http-"):
        return f"a retryable HTTP {kind[5:]}"
    return _TRANSIENT_WORDS.get(kind, kind)


class _FailedRefreshes:
    """A tab's exchanges that got an answer other than a token, by when it came; which of
    those in a window came last in exchange order is a range-maximum query (sparse table)."""

    def __init__(self, ranked: list[tuple[float, int, Exchange]]) -> None:
        ranked.sort(key=lambda r: (r[0], r[1]))
        self.walls = [w for w, _, _ in ranked]
        self.table = [[i for _, i, _ in ranked]]  # table[k][j]: max rank among j .. j + 2**k - 1
        k = 1
        while (1 << k) <= len(ranked):
            prev, half = self.table[-1], 1 << (k - 1)
            self.table.append([max(prev[j], prev[j + half]) for j in range(len(prev) - half)])
            k += 1
        self.at = {i: x for _, i, x in ranked}

    def last_within(self, lo: float, hi: float) -> Exchange | None:
        a, b = bisect_left(self.walls, lo), bisect_right(self.walls, hi)
        if a >= b:
            return None
        k = (b - a).bit_length() - 1
        return self.at[max(self.table[k][a], self.table[k][b - (1 << k)])]


def _failed_refreshes(tl: Timeline) -> dict[str, _FailedRefreshes]:
    by_tab: dict[str, list[tuple[float, int, Exchange]]] = {}
    for i, x in enumerate(tl.exchanges):
        if x.end is not None and not x.ok:
            by_tab.setdefault(x.tab, []).append((x.end.wall, i, x))
    return {tab: _FailedRefreshes(ranked) for tab, ranked in by_tab.items()}


def _failed_refresh_within(failed: dict[str, _FailedRefreshes], tab: str, start: float, end: float) -> Exchange | None:
    """The refresh exchange in ``tab`` that failed inside a call's span."""
    table = failed.get(tab)
    return table.last_within(start - T.CALL_SLACK_MS, end + T.CALL_SLACK_MS) if table else None


def _auth_change_false(tl: Timeline, tab: str, after: float, before: float) -> Event | None:
    return tl.series(tab, Kind.CONVEX, "auth-change").where(_unauthenticated).first(after, before)


def _unauthenticated(e: Event) -> bool:
    return e.payload.get("is_authenticated") is False


@rule(F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT, needs=("convex-client",), any_of=(("authkit-client",), ("fetch",)))
def transient_refresh_reported_as_signout(tl: Timeline) -> Iterator[Finding | None]:
    used: set[int] = set()
    candidates: list[tuple[str, Event, str, str, Exchange | None]] = []
    failed = _failed_refreshes(tl)
    for i, call in enumerate(tl.calls):
        if not i % TICK:
            yield None
        kind = call.transient
        if call.end is None or kind is None:
            continue
        fx = _failed_refresh_within(failed, call.tab, call.start_wall, call.end.wall)
        candidates.append((call.tab, call.end, kind, f"getAccessToken{'({forceRefresh: true})' if call.force else '()'} "
                           f"failed with {call.error_text}", fx))
    tabs_with_calls = {c.tab for c in tl.calls}
    for i, x in enumerate(tl.exchanges):
        if not i % TICK:
            yield None
        # Without the AuthKit wrapper, the failed refresh itself is the evidence.
        if x.tab in tabs_with_calls or x.end is None or not x.is_refresh or x.ok:
            continue
        p = x.end.payload
        kind = transient_reason(p.get("name"), p.get("message"), status=x.status) if x.failed else \
            transient_reason(status=x.status)
        if kind:
            what = (f"the refresh request failed with {p.get('name')}: {p.get('message')}" if x.failed
                    else f"the refresh request got HTTP {x.status}")
            candidates.append((x.tab, x.end, kind, what, None))
    for i, (tab, failure, kind, what, fx) in enumerate(candidates):
        if not i % TICK:
            yield None
        flip = _auth_change_false(tl, tab, failure.wall, failure.wall + T.CONVEX_REACTION_MS)
        if flip is None or flip.id in used:
            continue
        user = tl.user_present_at(tab, flip.wall)
        if user is None:
            continue
        used.add(flip.id)
        still = user.end is None or user.end > flip.wall + T.SPLIT_BRAIN_MIN_MS
        if not still:
            continue
        text = (f"At {fmt_at(tl, failure.wall)} in {tl.describe_tab(tab)} {what}, {_transient_words(kind)} that says "
                f"nothing about the session; {fmt_dur(flip.wall - failure.wall)} later Convex reported "
                "isAuthenticated=false: the adapter turned the error into null, which Convex treats as a sign-out and "
                f"never retries. AuthKit still had the user {user.detail.get('user_id') or ''}".rstrip()
                + (" until the end of the trace." if user.end is None else f" until {fmt_at(tl, user.end)}."))
        evidence = [failure.id, flip.id] + (fx.evidence() if fx else [])
        guessed = bool(user.detail.get("inferred"))
        yield Finding(F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT, flip.wall, sorted(set(evidence)), text,
                      FIXES[F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT], tab,
                      INFERRED if guessed else CONFIRMED, NO_USER_EVENT if guessed else ())


def _reconnect_sign(e: Event) -> bool:
    """A sign the Convex socket is (re)connecting or up again."""
    if e.kind is Kind.CONVEX and e.type == "Connect":
        return True
    if e.kind is Kind.WEBSOCKET and e.type == "open" and e.payload.get("sync"):
        return True
    return e.kind is Kind.CONVEX and e.type == "state" and e.payload.get("socket") in ("connecting", "ready") \
        and e.payload.get("has_ever_connected") is not False


def _never_connected(state: Event | None) -> bool:
    return state is not None and state.payload.get("is_websocket_connected") is True \
        and state.payload.get("has_ever_connected") is False


def _not_stopped(state: Event) -> bool:
    return state.payload.get("socket") != "stopped"


def _connected_once(state: Event) -> bool:
    return not _never_connected(state)


@rule(F.THROW_WEDGE, needs=("authkit-client", "convex-client"))
def throw_wedge(tl: Timeline) -> Iterator[Finding | None]:
    wedged_tabs: set[str] = set()
    for i, call in enumerate(tl.calls):
        if not i % TICK:
            yield None
        if call.end is None or call.outcome != "error" or call.tab in wedged_tabs:
            continue
        tab, t0 = call.tab, call.end.wall
        # A trace that ends sooner is judged only with the rejection seen and the socket still stopped at its end.
        short = tl.end < t0 + T.WEDGE_STOPPED_MS
        state = tl.state_at(tab, t0 + T.STATE_SAMPLE_SLACK_MS)
        stopped = state is not None and state.payload.get("socket") == "stopped"
        initial = _never_connected(state) and state.payload.get("paused") in ("uninitialized", "yes")
        if not (stopped or initial):
            continue
        # The socket left that state: a later sample (within the 10 s) that is not stopped / has connected.
        left = tl.socket_states(tab).where(_not_stopped if stopped else _connected_once)
        if left.first(before=t0 + T.WEDGE_STOPPED_MS, later_than=max(t0, state.wall)) is not None:
            continue
        if stopped and tl.series(tab).where(_reconnect_sign).first(t0, t0 + T.WEDGE_STOPPED_MS) is not None:
            continue
        if initial and tl.of(tab, Kind.CONVEX, "Connect", after=t0, before=t0 + T.WEDGE_STOPPED_MS):
            continue
        rejection = tl.series(tab, Kind.NOTE, "unhandledrejection").first(t0 - T.STATE_SAMPLE_SLACK_MS,
                                                                         t0 + T.REJECTION_AFTER_ERROR_MS)
        if rejection is None and not call.force and stopped:
            # A stopped socket after an unforced call that nobody rethrew is not this wedge.
            continue
        if short and (rejection is None or not stopped or tl.end - t0 < T.WEDGE_SHORT_TRACE_MIN_MS):
            continue  # the trace ends too soon to tell
        wedged_tabs.add(tab)
        back = left.first(later_than=t0)
        until = back.wall if back is not None else None
        held = (until if until is not None else tl.end) - t0
        if stopped:
            text = (f"At {fmt_at(tl, t0)} in {tl.describe_tab(tab)} the token fetch Convex was awaiting rejected "
                    f"({call.error_text}"
                    + (f"; the page saw an unhandled rejection {quote(rejection.payload.get('message'))}" if rejection else "")
                    + f"). Convex had stopped the socket before asking for a forced token and only restarts it after "
                    f"a successful fetch, so the socket stayed 'stopped' with no reconnect for {fmt_dur(held)}"
                    + (" (until the end of the trace)" if until is None else "")
                    + ("; the trace ends there, so how long it lasted is not in the recording" if short else "")
                    + "; Convex never reported the sign-out.")
        else:
            text = (f"At {fmt_at(tl, t0)} in {tl.describe_tab(tab)} the first token fetch after setAuth rejected "
                    f"({call.error_text}). Convex had paused the socket for it and never resumed: the WebSocket was "
                    f"open but no Connect or query was sent for {fmt_dur(held)}"
                    + (" (until the end of the trace)" if until is None else "") + ".")
        evidence = [call.end.id, state.id] + ([rejection.id] if rejection else [])
        yield Finding(F.THROW_WEDGE, t0, sorted(set(evidence)), text, FIXES[F.THROW_WEDGE], tab)


def _first_call_after(tl: Timeline, tab: str, wall: float) -> TokenCall | None:
    calls = tl.calls_in(tab)
    i = bisect_left(calls, wall - T.STATE_SAMPLE_SLACK_MS / 10, key=lambda c: c.start_wall)
    return calls[i] if i < len(calls) else None


def _sync(e: Event) -> bool:
    return bool(e.payload.get("sync"))


def _paused_yes(state: Event) -> bool:
    return state.payload.get("paused") == "yes"


@rule(F.PAUSE_OVERWRITE_WEDGE, needs=("convex-client",))
def pause_overwrite_wedge(tl: Timeline) -> Iterator[Finding | None]:
    for tab in tl.tabs:
        yield None
        states = list(tl.socket_states(tab))
        runs: list[tuple[Event, float | None]] = []
        i = 0
        while i < len(states):
            if _never_connected(states[i]):
                j = i + 1
                while j < len(states) and _never_connected(states[j]):
                    j += 1
                runs.append((states[i], states[j].wall if j < len(states) else None))
                i = j
            else:
                i += 1
        for first, run_end in runs:
            stop = run_end if run_end is not None else tl.end
            create = tl.series(tab, Kind.WEBSOCKET, "create").where(_sync).last(before=first.wall)
            set_auths = tl.of(tab, Kind.CONVEX, "setAuth", before=stop,
                              after=create.wall - T.PAUSE_WEDGE_FALLBACK_MS if create is not None else None)
            if not set_auths:
                continue
            last = set_auths[-1]
            overwritten = len(set_auths) >= 2 or bool(tl.socket_states(tab).where(_paused_yes).count(first.wall, stop))
            if not overwritten:
                continue  # one setAuth whose fetch failed: the throw-wedge's initial path
            call = _first_call_after(tl, tab, last.wall)
            if call is not None:
                if call.end is None:
                    continue  # still waiting for the token: a hang, not this wedge
                anchor = call.end.wall
                if call.outcome == "error":
                    continue
            else:
                anchor = last.wall + T.PAUSE_WEDGE_FALLBACK_MS
            if first.wall > anchor + T.PAUSE_WEDGE_MS or stop < max(first.wall, anchor) + T.PAUSE_WEDGE_MS:
                continue
            if tl.of(tab, Kind.CONVEX, "Connect", after=last.wall, before=stop):
                continue
            held = stop - max(first.wall, anchor)
            text = (f"{tl.describe_tab(tab).capitalize()} called setAuth {len(set_auths)} times "
                    f"(last at {fmt_at(tl, last.wall)}) while the Convex socket was still paused waiting for its first "
                    "token; the second pause overwrote 'uninitialized', so resuming sent only Authenticate and never "
                    f"Connect or the query set. From {fmt_at(tl, max(first.wall, anchor))} the socket was connected but "
                    f"had never connected (isWebSocketConnected=true, hasEverConnected=false) for {fmt_dur(held)}"
                    + (" until the end of the trace" if run_end is None else "") + ": queries load forever.")
            evidence = [s.id for s in set_auths[-2:]] + [first.id] + ([call.end.id] if call and call.end else [])
            yield Finding(F.PAUSE_OVERWRITE_WEDGE, max(first.wall, anchor) + T.PAUSE_WEDGE_MS,
                          sorted(set(evidence)), text, FIXES[F.PAUSE_OVERWRITE_WEDGE], tab)


def _call_label(call) -> str:
    if call.by_convex:
        return f"the adapter's fetchAccessToken({{forceRefreshToken: {str(call.force).lower()}}})"
    return f"getAccessToken{'({forceRefresh: true})' if call.force else '() (forceRefresh not passed)'}"


def _with_token(e: Event) -> bool:
    return e.payload.get("token_type") != "None"


def _reaction_or_token(e: Event) -> bool:
    """What can follow a token call in Convex: a sign-out, giving up refetching, or a token sent."""
    return (e.type == "auth-change" and e.payload.get("is_authenticated") is False) \
        or (e.type == "state" and e.payload.get("auth") == "notRefetching") or e.type == "Authenticate"


def _no_update_attempted(e: Event) -> bool:
    return e.payload.get("auth_update_attempted") is False


@rule(F.SAME_TOKEN_REAUTH, needs=("authkit-client", "convex-client", "sync"))
def same_token_reauth(tl: Timeline) -> Iterator[Finding | None]:
    by_reaction: dict[int, Finding] = {}
    # Convex's own fetchToken calls when recorded (they show what Convex got even when
    # the adapter answered from a cache), else AuthKit's getAccessToken calls.
    for i, call in enumerate(tl.convex_fetches or tl.calls):
        if not i % TICK:
            yield None
        if call.end is None or call.outcome != "token" or not call.token:
            continue
        tab = call.tab
        first = call.start or call.end
        # Sent before the call in trace order (events of one millisecond are ordered by id).
        authenticate = next((a for a in reversed(tl.series(tab, Kind.CONVEX, "Authenticate").where(_with_token)
                                                 .span(before=first.wall))
                             if (a.wall, a.id or 0) < (first.wall, first.id or 0)), None)
        if authenticate is None or authenticate.payload.get("token") != call.token:
            continue
        window_end = call.end.wall + T.CONVEX_REACTION_MS
        reaction = None
        for e in tl.series(tab, Kind.CONVEX).where(_reaction_or_token).span(call.end.wall, window_end):
            if e.type == "auth-change" and e.payload.get("is_authenticated") is False:
                reaction = e
                break
            if e.type == "state" and e.payload.get("auth") == "notRefetching":
                reaction = e
                break
            if e.type == "Authenticate" and e.payload.get("token") != call.token:
                break  # a different token went out: this call was not the last word
        if reaction is None:
            continue
        if reaction.type == "state" and not tl.series(tab, Kind.CONVEX, "AuthError").where(
                _no_update_attempted).count(after=reaction.wall):
            # 'notRefetching' alone is latent (every page load with the stock adapter gets
            # there); it becomes a finding once the server has to reject the expired token.
            continue
        if reaction.type == "auth-change":
            effect = ("Convex treated the unchanged token as a failed re-authentication and reported "
                      "isAuthenticated=false (convex-js#184)")
        else:
            effect = ("Convex went to 'notRefetching' and scheduled no further refresh, so it now depends on the "
                      "server rejecting the token after it expires")
        text = (f"At {fmt_at(tl, call.end.wall)} in {tl.describe_tab(tab)} Convex asked for a fresh token but "
                f"{_call_label(call)} returned "
                f"the same token ({call.token}) it had sent at {fmt_at(tl, authenticate.wall)}; "
                f"{fmt_dur(reaction.wall - call.end.wall)} later {effect}.")
        evidence = [authenticate.id, call.end.id, reaction.id]
        # One finding per reaction: the last call before it is the one Convex reacted to.
        by_reaction[reaction.id] = Finding(F.SAME_TOKEN_REAUTH, call.end.wall, sorted(evidence), text,
                                           FIXES[F.SAME_TOKEN_REAUTH], tab)
    yield from by_reaction.values()
