"""Assertions on a trace, for tests of an app (pure: the same code in CPython and in Pyodide).

The pytest plugin's ``app_tab.assert_no_split_brain()`` and friends call these
on the recorded trace; a test can call them on any ``authtrace/1`` trace too
(an exported one, inside the page with pytest-pyodide's ``run_in_pyodide``).
Each returns the :class:`~authtrace.diagnosis.Diagnosis` it judged from, or
raises :class:`TraceCheckFailed` (an ``AssertionError``) whose message quotes
the diagnosis: what happened, in which tab, from when, why. A check the trace
cannot answer (it lacks AuthKit's user, say) fails too, saying what is missing:
it never passes unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable

from .diagnosis import Diagnosis, Timeline, diagnose
from .event import Kind
from .trace import Trace

SPLIT_BRAIN = "split-brain"


class TraceCheckFailed(AssertionError):
    def __init__(self, message: str, diagnosis: Diagnosis | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


def _as_trace(trace: Trace | dict) -> Trace:
    return trace if isinstance(trace, Trace) else Trace.from_json(trace)


def _explain(diagnosis: Diagnosis, ids: Iterable[str] | None = None) -> str:
    wanted = set(ids) if ids is not None else None
    lines = [f"  - {f.id}: {f.explanation}" for f in diagnosis.findings if wanted is None or f.id in wanted]
    return "\n".join(lines) if lines else "  (no findings)"


def _judged(diagnosis: Diagnosis, cause: str) -> None:
    for skipped in diagnosis.not_judged:
        if skipped.id == cause:
            raise TraceCheckFailed(f"cannot judge {cause}: {skipped.reason}", diagnosis)


def findings(trace: Trace | dict) -> Diagnosis:
    return diagnose(_as_trace(trace))


def assert_no_split_brain(trace: Trace | dict) -> Diagnosis:
    """No tab showed a signed-in AuthKit user while Convex was not authenticated (for longer
    than the diagnosis's threshold: the moment a refresh takes is not a split brain)."""
    diagnosis = findings(trace)
    _judged(diagnosis, SPLIT_BRAIN)
    if diagnosis.split_brain:
        raise TraceCheckFailed("split brain: AuthKit showed a user while Convex was not authenticated\n"
                               + _explain(diagnosis), diagnosis)
    return diagnosis


def assert_signed_out_consistently(trace: Trace | dict) -> Diagnosis:
    """The session ended and the whole app knows it: at the end of the trace no tab shows
    an AuthKit user and Convex is authenticated in none, with no split brain on the way."""
    t = _as_trace(trace)
    diagnosis = findings(t)
    _judged(diagnosis, SPLIT_BRAIN)
    tl = Timeline(t)
    if not any(tl.user.get(tab) for tab in tl.tabs):
        raise TraceCheckFailed("nobody was signed in: the trace shows no AuthKit user in any tab", diagnosis)
    problems = []
    for tab in tl.tabs:
        users = tl.user.get(tab)
        if users and users[-1].end is None:
            problems.append(f"{tab}: AuthKit still shows a user at the end")
        change = tl.series(tab, Kind.CONVEX, "auth-change").last()
        if change is not None and change.payload.get("is_authenticated"):
            problems.append(f"{tab}: Convex is still authenticated at the end")
    if diagnosis.split_brain:
        problems.append("split brain on the way:\n" + _explain(diagnosis, [SPLIT_BRAIN]))
    if problems:
        raise TraceCheckFailed("not signed out consistently:\n  " + "\n  ".join(problems), diagnosis)
    return diagnosis


def assert_findings(trace: Trace | dict, ids: Iterable[str], *, only: bool = False) -> Diagnosis:
    """Each of ``ids`` was found (and, with ``only``, nothing else)."""
    expected = list(dict.fromkeys(ids))
    diagnosis = findings(trace)
    for cause in expected:
        _judged(diagnosis, cause)
    found = diagnosis.ids()
    missing = [cause for cause in expected if cause not in found]
    extra = sorted(set(found) - set(expected)) if only else []
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"not found: {', '.join(missing)}")
        if extra:
            parts.append(f"found besides: {', '.join(extra)}")
        raise TraceCheckFailed("; ".join(parts) + "\nthe diagnosis:\n" + _explain(diagnosis), diagnosis)
    return diagnosis
