"""A story's outcome in the terms of ``authtrace scenario run`` (pure), from the states a
driver sampled: split brain (how long, the longest, still open), wedged, Convex
authenticated and AuthKit's user at the end, and the diagnosis' cause ids.

The rules are the scenario runner's (``host/scenarios/metrics.py``): split brain is
:func:`authtrace.split_brain.is_split_brain` after Convex was first authenticated; wedged is
Convex's socket stopped with a user, and no token being fetched, for longer than
:data:`WEDGE_AFTER_MS`. The page samples fewer states than the headless runner (no connection
counters), so its ``wedged`` only sees a stopped socket and Convex's ``refresh-change``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..split_brain import is_split_brain

WEDGE_AFTER_MS = 10_000


@dataclass(frozen=True)
class State:
    t: float  # ms since the story started
    user: bool
    convex_authenticated: bool | None
    convex_refreshing: bool = False
    socket: str | None = None


def outcome(states: list[State], causes: list[str]) -> dict[str, Any]:
    intervals: list[list[float | None]] = []
    seen_auth, start, stuck_since, wedged = False, None, None, False
    for s in states:
        seen_auth = seen_auth or bool(s.convex_authenticated)
        bad = seen_auth and is_split_brain(s.user, bool(s.convex_authenticated), s.convex_refreshing)
        if bad and start is None:
            start = s.t
        elif not bad and start is not None:
            intervals.append([start, s.t])
            start = None
        stuck = s.user and s.socket == "stopped" and not s.convex_refreshing  # waiting for a token is not wedged
        stuck_since = (stuck_since if stuck_since is not None else s.t) if stuck else None
        wedged = wedged or (stuck_since is not None and s.t - stuck_since > WEDGE_AFTER_MS)
    end = states[-1].t if states else 0.0
    if start is not None:
        intervals.append([start, None])
    lengths = [(b if b is not None else end) - a for a, b in intervals]
    last = states[-1] if states else None
    return {"split_brain_ms": round(sum(lengths), 1), "split_brain_open": bool(intervals and intervals[-1][1] is None),
            "split_brain_longest_ms": round(max(lengths, default=0.0), 1), "wedged": wedged,
            "convex_authenticated_at_end": bool(last and last.convex_authenticated),
            "authkit_user_at_end": bool(last and last.user), "diagnosis": list(dict.fromkeys(causes))}


def words(o: dict[str, Any]) -> str:
    """One line, as the panel shows it."""
    sb = "no split brain" if not o["split_brain_ms"] else (
        f"split brain {o['split_brain_ms'] / 1000:.1f} s (longest {o['split_brain_longest_ms'] / 1000:.1f} s"
        + (", still open)" if o["split_brain_open"] else ")"))
    yes = {True: "yes", False: "no"}
    return (f"{sb} · wedged: {yes[o['wedged']]} · Convex authenticated: {yes[o['convex_authenticated_at_end']]}"
            f" · AuthKit user: {yes[o['authkit_user_at_end']]} · diagnosis: {', '.join(o['diagnosis']) or 'nothing found'}")
