"""``diagnose(trace)``: run every rule the recording lets us judge."""

from __future__ import annotations

from ..event import Kind
from ..trace import Trace
from .finding import CAUSES, Diagnosis, Finding, NotJudged
from .rules import CAPABILITIES, RULES, Rule
from .rules.split_brain import split_brain_intervals
from .timeline import Timeline

SOURCE_TRACE = "trace"
SOURCE_HAR = "har"

_AUTHKIT_CLIENT = {"getAccessToken", "getAccessToken-start", "user"}
_CONVEX_CLIENT = {"setAuth", "auth-change", "refresh-change", "state", "log"}


def captured(trace: Trace, tl: Timeline | None = None) -> set[str]:
    """What the recording could have seen (see :data:`rules.CAPABILITIES`).

    A converted HAR says so in ``meta.captured``. A recorder trace saw the page,
    storage, locks, fetch and sync frames whether or not anything happened
    there; the client wrappers are opt-in, so they count only when present.
    """
    declared = trace.meta.get("captured")
    if isinstance(declared, list):
        return {str(c) for c in declared}
    caps = {"page", "storage", "locks", "fetch", "sync"}
    events = tl.events if tl is not None else trace.events
    if any(e.kind is Kind.AUTHKIT and e.type in _AUTHKIT_CLIENT for e in events):
        caps.add("authkit-client")
    if any(e.kind is Kind.CONVEX and e.type in _CONVEX_CLIENT for e in events):
        caps.add("convex-client")
    return caps


def _judgeable(r: Rule, caps: set[str]) -> bool:
    if not r.needs <= caps:
        return False
    return not r.needs_any or any(alt <= caps for alt in r.needs_any)


def _reason(r: Rule, caps: set[str], source: str) -> str:
    missing = sorted(r.needs - caps)
    if not missing and r.needs_any:
        missing = sorted(min((alt - caps for alt in r.needs_any), key=len))
    what = "; ".join(CAPABILITIES.get(m, m) for m in missing)
    where = "a HAR export" if source == SOURCE_HAR else "this trace"
    return f"needs {what}, which {where} does not contain"


def diagnose(trace: Trace, rules: list[str] | None = None) -> Diagnosis:
    """Findings (ordered by time), split-brain intervals and the causes not judged."""
    tl = Timeline(trace)
    source = str(trace.meta.get("source") or SOURCE_TRACE)
    caps = captured(trace, tl)
    findings: list[Finding] = []
    not_judged: list[NotJudged] = []
    for cause in CAUSES:
        r = RULES.get(cause)
        if r is None or (rules is not None and cause not in rules):
            continue
        if not _judgeable(r, caps):
            not_judged.append(NotJudged(cause, _reason(r, caps, source)))
            continue
        try:
            findings.extend(r.check(tl))
        except Exception as exc:  # a rule must never take the whole diagnosis down; say so instead
            not_judged.append(NotJudged(cause, f"rule failed on this input: {type(exc).__name__}: {exc}"))
    findings.sort(key=lambda f: (f.at, CAUSES.index(f.id), f.evidence))
    split: list = []
    if _judgeable(RULES["split-brain"], caps) and not any(n.id == "split-brain" for n in not_judged):
        try:
            split = split_brain_intervals(tl)
        except Exception:  # already reported by the split-brain rule itself
            split = []
    return Diagnosis(source, findings, split, not_judged)
