"""The symptom: AuthKit shows a user while Convex is not authenticated (defined in
:mod:`authtrace.split_brain`, with the panel's alarm): found over a whole recording."""

from __future__ import annotations

from collections.abc import Iterator

from ...event import Event, Kind
from ...split_brain import window
from .. import finding as F
from .. import thresholds as T
from ..finding import CONFIRMED, INFERRED, Finding, SplitBrain
from ..fixes import FIXES
from ..intervals import Interval, Spans, overlaps
from ..timeline import Timeline
from ..wording import fmt_at, fmt_dur, quote
from .. import wire
from . import NO_USER_EVENT, rule


def _unauth_signal(e: Event) -> bool:
    """The Convex events that can start or end a time unauthenticated."""
    return e.type in ("auth-change", "AuthError") or (e.type == "Transition" and bool(e.payload.get("identity_changed")))


def convex_unauthenticated(tl: Timeline, tab: str) -> Spans:
    """When Convex was not authenticated: from ``auth-change false``, or from an
    AuthError it did not recover from within :data:`AUTH_ERROR_RECOVERY_MS`,
    until it was authenticated again."""
    out = Spans()
    for e in tl.series(tab, Kind.CONVEX).where(_unauth_signal):
        if out and out[-1].end is None:
            if e.type == "auth-change" and e.payload.get("is_authenticated") is True:
                out.close(e.wall, e.id)
            elif e.type == "Transition" and tl.convex_authenticated(tab, e.wall, e.wall) is e:
                out.close(e.wall, e.id)
            continue
        if e.type == "auth-change" and e.payload.get("is_authenticated") is False:
            out.open(Interval(tab, e.wall, None, e.id, detail={"why": "auth-change"}))
        elif e.type == "AuthError":
            if tl.convex_authenticated(tab, e.wall, e.wall + T.AUTH_ERROR_RECOVERY_MS) is None \
                    and tl.end >= e.wall + T.AUTH_ERROR_RECOVERY_MS:
                out.open(Interval(tab, e.wall, None, e.id, detail={"why": "AuthError", "error": e.payload.get("error")}))
    return out


def split_brain_intervals(tl: Timeline) -> list[SplitBrain]:
    """Every tab's, by start."""
    def build() -> list[SplitBrain]:
        out = [sb for tab in tl.tabs for sb in _in_tab(tl, tab)]
        out.sort(key=lambda s: (s.start, s.tab))
        return out

    return tl.memo("split-brain", build)


def _in_tab(tl: Timeline, tab: str) -> list[SplitBrain]:
    return tl.memo(("split-brain", tab),
                   lambda: _overlap(tl, tab, convex_unauthenticated(tl, tab), tl.user.get(tab) or Spans()))


def wire_split_brain_intervals(tl: Timeline) -> list[SplitBrain]:
    """The same from the wire alone (a HAR): WorkOS kept a session (it granted tokens)
    while Convex was unauthenticated (see :mod:`..wire`). Always ``inferred``."""
    def build() -> list[SplitBrain]:
        out = [sb for tab in tl.tabs
               for sb in _overlap(tl, tab, wire.convex_unauthenticated_wire(tl, tab), wire.sessions(tl, tab))
               if (sb.end if sb.end is not None else tl.end) - sb.start >= T.SPLIT_BRAIN_MIN_MS]
        out.sort(key=lambda s: (s.start, s.tab))
        return out

    return tl.memo("wire-split-brain", build)


def _overlap(tl: Timeline, tab: str, unauthenticated: Spans, users: Spans) -> list[SplitBrain]:
    out: list[SplitBrain] = []
    for unauth, user in overlaps(unauthenticated, users):
        both = window((unauth.start, unauth.end), (user.start, user.end), tl.end)
        if both is None:
            continue
        start, end = both
        ender = None
        if end is not None:
            ender = unauth.end_event if end == unauth.end else user.end_event
        evidence = [i for i in (unauth.start_event, user.start_event, ender) if i is not None]
        out.append(SplitBrain(tab, start, end, sorted(set(evidence)), bool(user.detail.get("inferred"))))
    return out


@rule(F.SPLIT_BRAIN, needs=("authkit-client",), any_of=(("convex-client",), ("sync",)))
def split_brain(tl: Timeline) -> Iterator[Finding | None]:
    for tab in tl.tabs:
        yield None
        _in_tab(tl, tab)  # a tab at a time
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
        yield Finding(F.SPLIT_BRAIN, sb.start, list(sb.evidence), text, FIXES[F.SPLIT_BRAIN], sb.tab,
                      INFERRED if sb.inferred else CONFIRMED, NO_USER_EVENT if sb.inferred else ())
