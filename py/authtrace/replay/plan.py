"""A recorded session as a replay plan (``authtrace-replay/1``): what it holds, and :func:`load_plan`.

The plan is JSON people read, edit and keep as a regression case. Times are ms
relative to the session start (the trace's first event). It holds:

* ``page``: the recorded tab's hidden / frozen / offline intervals;
* ``attempts``: every WorkOS refresh attempt (any tab) with its recorded outcome:
  ``token``; ``http`` (status + WorkOS error); ``TypeError`` (message); ``hang`` (ms);
  ``cause: "offline"`` marks a failure the replayed offline interval produces by itself;
* ``server``: Convex ``AuthError`` frames and sync-socket closes, each with whether the
  replay reproduces it by itself (an expired token, the page's own close) or injects it;
* ``tokens``: the access-token lifetimes seen (``payload.jwt`` iat/exp);
* ``faults``: what the executor arms, derived from the above (matched by method, path and
  grant type, never by bytes) -- the part people usually edit;
* ``mutations``: the user's own messages (sent again at the same moments);
* ``recorded``: the recorded outcome (split brain open at the end, wedge, diagnosis causes).

Faults are windows, not single requests: a run of attempts that failed the same way is
one fault over the run (from just before the first to halfway to the next different
attempt); a terminal answer (``invalid_grant``, ``Missing refresh token.``) holds until
the recording shows a successful refresh, else to the end.

The plan's parts, one concept a module: :mod:`.format` (name, errors), :mod:`.build`
(trace to plan), :mod:`.faults`, :mod:`.validate`, :mod:`.outcome` (recorded outcome,
comparison); what a trace, HAR or plan is: :mod:`authtrace.inputs`. Their public names
are importable from here, as before.
"""

from __future__ import annotations

from typing import Any

from ..fault_actions import ACTIONS, MAX_WAIT_S
from ..inputs import PLAN, kind_of
from .build import build_plan
from .faults import faults_from_attempts
from .format import FORMAT, NothingToReplay, PlanError
from .outcome import compare, failure_signature
from .validate import validate_plan

__all__ = ["ACTIONS", "FORMAT", "MAX_WAIT_S", "NothingToReplay", "PlanError", "build_plan", "compare",
           "failure_signature", "faults_from_attempts", "load_plan", "validate_plan"]


def load_plan(obj: Any) -> dict[str, Any]:
    """A plan from JSON: a replay plan is validated; a trace or HAR becomes its plan."""
    if kind_of(obj) == PLAN:
        return validate_plan(obj)
    return build_plan(obj)
