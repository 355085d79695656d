"""Split brain, defined once (pure): AuthKit shows a signed-in user while Convex is not authenticated.

The app looks signed in, yet every query that needs auth returns nothing or fails. Three
places ask; all use this module:

* the panel's alarm (:mod:`authtrace.browser.panel.badges`), from a tab's present state:
  :func:`is_split_brain`;
* the diagnosis (:mod:`authtrace.diagnosis.rules.split_brain`), over a recording: the
  :func:`window` where AuthKit's user and Convex's unauthenticated time overlap, at least
  :data:`MIN_MS` long unless still open at the end;
* the scenario runner's metrics (``host/scenarios/metrics.py``), from sampled states.

Convex not yet known (no ``auth-change``) is not split brain, nor is a Convex client that
is fetching a token right now (``refresh-change``): it may still authenticate.
"""

from __future__ import annotations

# Shorter closed overlaps are render races between two events, not a state anybody saw.
MIN_MS = 1_000


def is_split_brain(user_present: object, convex_authenticated: bool | None, convex_refreshing: bool = False) -> bool:
    """Whether a tab in this state is in split brain (``convex_authenticated`` None: not known yet)."""
    return bool(user_present) and convex_authenticated is False and not convex_refreshing


def window(unauthenticated: tuple[float, float | None], user: tuple[float, float | None],
           end_of_recording: float) -> tuple[float, float | None] | None:
    """The split brain of one stretch of Convex unauthenticated time and one of AuthKit's user
    (``(start, end)``, end None: still so at the end of the recording): ``(start, end)``, or
    None when they do not overlap or the overlap is a race shorter than :data:`MIN_MS`."""
    start = max(unauthenticated[0], user[0])
    ends = [x for x in (unauthenticated[1], user[1]) if x is not None]
    end = min(ends) if ends else None
    if (end if end is not None else end_of_recording) < start:
        return None
    if end is not None and end - start < MIN_MS:
        return None
    return start, end
