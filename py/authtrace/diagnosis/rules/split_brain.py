"""The symptom: AuthKit shows a user while Convex is not authenticated."""

from __future__ import annotations

from ...event import Kind
from .. import finding as F
from .. import thresholds as T
from ..finding import Finding, SplitBrain
from ..fixes import FIXES
from ..timeline import Interval, Timeline, fmt_at, fmt_dur, quote
from . import rule


def convex_unauthenticated(tl: Timeline, tab: str) -> list[Interval]:
    """When Convex was not authenticated: from ``auth-change false``, or from an
    AuthError it did not recover from within :data:`AUTH_ERROR_RECOVERY_MS`,
    until it was authenticated again."""
    out: list[Interval] = []
    cur: Interval | None = None
    for e in tl.of(tab, Kind.CONVEX):
        if cur is not None:
            if e.type == "auth-change" and e.payload.get("is_authenticated") is True:
                cur.end, cur.end_event = e.wall, e.id
                out.append(cur)
                cur = None
            elif e.type == "Transition" and tl.convex_authenticated(tab, e.wall, e.wall) is e:
                cur.end, cur.end_event = e.wall, e.id
                out.append(cur)
                cur = None
            continue
        if e.type == "auth-change" and e.payload.get("is_authenticated") is False:
            cur = Interval(tab, e.wall, None, e.id, detail={"why": "auth-change"})
        elif e.type == "AuthError":
            if tl.convex_authenticated(tab, e.wall, e.wall + T.AUTH_ERROR_RECOVERY_MS) is None \
                    and tl.end >= e.wall + T.AUTH_ERROR_RECOVERY_MS:
                cur = Interval(tab, e.wall, None, e.id, detail={"why": "AuthError", "error": e.payload.get("error")})
    if cur is not None:
        out.append(cur)
    return out


def split_brain_intervals(tl: Timeline) -> list[SplitBrain]:
    out: list[SplitBrain] = []
    for tab in tl.tabs:
        for unauth in convex_unauthenticated(tl, tab):
            for user in tl.user.get(tab, []):
                start = max(unauth.start, user.start)
                ends = [x for x in (unauth.end, user.end) if x is not None]
                end = min(ends) if ends else None
                if (end if end is not None else tl.end) < start:
                    continue
                if end is not None and end - start < T.SPLIT_BRAIN_MIN_MS:
                    continue
                ender = None
                if end is not None:
                    ender = unauth.end_event if end == unauth.end else user.end_event
                evidence = [i for i in (unauth.start_event, user.start_event, ender) if i is not None]
                out.append(SplitBrain(tab, start, end, sorted(set(evidence)), bool(user.detail.get("inferred"))))
    out.sort(key=lambda s: (s.start, s.tab))
    return out


@rule(F.SPLIT_BRAIN, needs=("authkit-client",), any_of=(("convex-client",), ("sync",)))
def split_brain(tl: Timeline) -> list[Finding]:
    out: list[Finding] = []
    for sb in split_brain_intervals(tl):
        how = ""
        for i in sb.evidence:
            e = tl.by_id.get(i)
            if e is None or e.kind is not Kind.CONVEX:
                continue
            if e.type == "auth-change":
                how = "Convex reported isAuthenticated=false"
            elif e.type == "AuthError":
                how = (f"the Convex server rejected the token with AuthError {quote(e.payload.get('error'))} and "
                       "the client did not authenticate again")
            break
        length = (sb.end if sb.end is not None else tl.end) - sb.start
        text = (f"From {fmt_at(tl, sb.start)} {tl.describe_tab(sb.tab)} showed a signed-in AuthKit user while "
                f"Convex was not authenticated: {how or 'Convex lost its authentication'}. "
                + (f"It lasted {fmt_dur(length)}, until {fmt_at(tl, sb.end)}." if sb.end is not None
                   else f"It was still so at the end of the trace, {fmt_dur(length)} later.")
                + " Queries that need auth return nothing or fail while the app looks signed in."
                + (" (No AuthKit user event was recorded in this tab; the user is inferred from the tokens "
                   "getAccessToken returned.)" if sb.inferred else ""))
        out.append(Finding(F.SPLIT_BRAIN, sb.start, list(sb.evidence), text, FIXES[F.SPLIT_BRAIN], sb.tab))
    return out
