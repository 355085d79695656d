"""The report's verdict: a diagnosis in one line a person reads first (pure).

"split brain for 13.6 s, cause: transient refresh reported as sign-out": how long
AuthKit showed a user while Convex was not authenticated, and the cause that
kept it so: as the panel's alarm names it, the newest finding before the split
brain ended (its tab's, if it has one), which is the last link of the chain (a
hidden tab sends an expired token on reconnect, Convex rejects it, then the
transient refresh failure is what turns it into a sign-out). Without a split
brain, the findings' causes; without findings, that nothing known was found.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnosis import Diagnosis
from ..diagnosis.finding import SPLIT_BRAIN
from ..diagnosis.wording import fmt_dur

# Each cause id in a few words (ids the engine does not know yet read as their id).
TITLES: dict[str, str] = {
    "hidden-tab-refresh-paused": "refresh paused in a hidden tab",
    "stale-token-on-reconnect": "expired token sent on reconnect",
    "transient-refresh-reported-as-signout": "transient refresh reported as sign-out",
    "throw-wedge": "token fetch threw and wedged the socket",
    "pause-overwrite-wedge": "paused socket wedged by repeated setAuth",
    "same-token-reauth": "re-authenticated with the same rejected token",
    "refresh-token-removed-by-other-tab": "refresh token removed by another tab",
    "refresh-cookie-missing": "refresh cookie missing",
    "rotation-race": "refresh-token rotation race",
    "refresh-lock-starvation": "refresh lock starvation",
    "offline-at-refresh": "offline at refresh",
    "session-ended": "session ended",
    SPLIT_BRAIN: "split brain",
}
MAX_NAMED = 3  # causes named in the line; the rest are counted


@dataclass(frozen=True)
class Verdict:
    text: str
    tone: str  # "bad" (split brain), "warn" (findings), "ok" (nothing found)
    causes: tuple[str, ...]  # the cause ids the line names


def title(cause: str) -> str:
    return TITLES.get(cause, cause.replace("-", " "))


def _named(causes: list[str]) -> str:
    names = [title(c) for c in causes[:MAX_NAMED]]
    more = len(causes) - MAX_NAMED
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


UNEXPLAINED = "unexplained-auth-failure"


def verdict(d: Diagnosis, end: float) -> Verdict:
    """The verdict of ``d``; ``end`` (wall ms) closes split brains still open at the end of the recording."""
    causes_found = [f for f in d.findings if f.id != SPLIT_BRAIN]
    if d.split_brain:
        total = sum((s.end if s.end is not None else end) - s.start for s in d.split_brain)
        tabs = {s.tab for s in d.split_brain}
        text = f"split brain for {fmt_dur(total)}"
        if len(d.split_brain) > 1:
            text += f" in {len(d.split_brain)} intervals" + (f" in {len(tabs)} tabs" if len(tabs) > 1 else "")
        if any(s.end is None for s in d.split_brain):
            text += " (still so at the end)"
        causes: list[str] = []
        for s in d.split_brain:
            before = [f for f in causes_found if f.at <= (s.end if s.end is not None else end)]
            own = [f for f in before if getattr(f, "tab", None) in (None, s.tab)]
            pool = own or before
            # A named cause before a failure nothing explains (issue 16's unexplained-auth-failure).
            pick = ([f for f in pool if f.id != UNEXPLAINED] or pool)[-1:]
            causes.extend(f.id for f in pick if f.id not in causes)
        if not causes:
            return Verdict(text + ", no cause named", "bad", ())
        return Verdict(text + (", cause: " if len(causes) == 1 else ", causes: ") + _named(causes), "bad", tuple(causes))
    if causes_found:
        ids = list(dict.fromkeys(f.id for f in causes_found))
        return Verdict(f"no split brain; {'cause' if len(ids) == 1 else 'causes'}: {_named(ids)}", "warn", tuple(ids))
    text = "no known failure chain found"
    if d.not_judged:
        text += f" ({len(d.not_judged)} cause(s) not judged: the input lacks what they need)"
    return Verdict(text, "ok", ())
