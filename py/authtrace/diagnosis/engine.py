"""``diagnose(trace)``: run every rule the recording lets us judge (``judge``: the same in steps).

What a recording captured can differ per tab (several files merged: a trace and
HARs of other browsers). For each cause the engine runs its confirmed rule for the
tabs that captured what it needs and its inferred rule (if any) for the others,
keeps each rule's findings for its own tabs, and reports the cause as not judged
where neither can judge. Then :func:`~.rules.unexplained.unexplained` makes sure
no failure in the input is left without a finding.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any, TypeVar

from ..event import Kind
from ..trace import Trace
from .finding import CAUSES, INFERRED, UNEXPLAINED_AUTH_FAILURE, Diagnosis, Finding, InputInfo, NotJudged
from .rules import CAPABILITIES, INFERRED as INFERRED_RULES, RULES, Rule, missing
from .rules.split_brain import split_brain_intervals, wire_split_brain_intervals
from .rules.unexplained import unexplained
from .timeline import Timeline

R = TypeVar("R")

SOURCE_TRACE = "trace"
SOURCE_HAR = "har"

_AUTHKIT_CLIENT = {"getAccessToken", "getAccessToken-start", "user"}
_CONVEX_CLIENT = {"setAuth", "auth-change", "refresh-change", "state", "log"}
# What every recorder trace saw, whether or not anything happened there.
RECORDER_CAPTURES = ("page", "storage", "locks", "fetch", "sync", "sockets", "net-errors")


def captured(trace: Trace, tl: Timeline | None = None) -> set[str]:
    """What the recording could have seen (see :data:`rules.CAPABILITIES`).

    A converted HAR says so in ``meta.captured``. A recorder trace saw the page,
    storage, locks, fetch and sync frames whether or not anything happened
    there; the client wrappers are opt-in, so they count only when present.
    """
    declared = _declared(trace.meta)
    return declared if declared is not None else _seen(tl if tl is not None else Timeline(trace))


def _declared(meta: dict[str, Any]) -> set[str] | None:
    declared = meta.get("captured")
    if not isinstance(declared, list):
        return None
    caps = {str(c) for c in declared}
    if meta.get("source") == "har" and "sync" in caps and "sockets" not in caps:
        caps |= {"sockets", "net-errors"}  # converted before these were named: Chrome's HAR, which has both
    return caps


def _seen(tl: Timeline) -> set[str]:
    caps = set(RECORDER_CAPTURES)
    if any(tl.has(Kind.AUTHKIT, t) for t in _AUTHKIT_CLIENT):
        caps.add("authkit-client")
    if any(tl.has(Kind.CONVEX, t) for t in _CONVEX_CLIENT):
        caps.add("convex-client")
    return caps


def captured_by_tab(tl: Timeline, meta: dict[str, Any]) -> dict[str | None, set[str]]:
    """What each tab's recording captured: a merged input says so per tab in
    ``meta.tabs``; otherwise every tab captured what the whole input did. With no
    tab at all, the input's own captures under ``None`` (to say what it cannot judge)."""
    declared = _declared(meta)
    default = declared if declared is not None else _seen(tl)
    per_tab = meta.get("tabs") if isinstance(meta.get("tabs"), dict) else {}
    out: dict[str | None, set[str]] = {}
    for tab in tl.tabs:
        info = per_tab.get(tab)
        caps = info.get("captured") if isinstance(info, dict) else None
        out[tab] = {str(c) for c in caps} if isinstance(caps, list) else default
    return out or {None: default}


def _judgeable(r: Rule | None, caps: set[str]) -> bool:
    if r is None or not r.needs <= caps:
        return False
    return not r.needs_any or any(alt <= caps for alt in r.needs_any)


def _missing_caps(r: Rule, caps: set[str]) -> list[str]:
    lacking = sorted(r.needs - caps)
    if not lacking and r.needs_any:
        lacking = sorted(min((alt - caps for alt in r.needs_any), key=len))
    return lacking


def _reason(r: Rule, caps: set[str], source: str) -> str:
    what = "; ".join(CAPABILITIES.get(m, m) for m in _missing_caps(r, caps))
    where = "a HAR export" if source == SOURCE_HAR else "this trace" if source == SOURCE_TRACE else "this input"
    return f"needs {what}, which {where} does not contain"


def diagnose(trace: Trace, rules: list[str] | None = None) -> Diagnosis:
    """Findings (ordered by time), split-brain intervals and the causes not judged."""
    return finish(judge(Timeline(trace), trace.meta, rules))


def judge(tl: Timeline, meta: dict[str, Any], rules: list[str] | None = None) -> Generator[str, None, Diagnosis]:
    """:func:`diagnose` in steps: yields the id of the cause being judged before its rule
    runs and at each of the rule's ticks (a tab, or a few hundred candidates: see
    :data:`rules.TICK`), and returns the Diagnosis. A caller that must not block (the
    panel) gives the page back between steps."""
    source = str(meta.get("source") or SOURCE_TRACE)
    caps_of = captured_by_tab(tl, meta)
    findings: list[Finding] = []
    not_judged: list[NotJudged] = []
    split_tabs: dict[str, set] = {"confirmed": set(), "inferred": set()}
    for cause in CAUSES:
        if cause == UNEXPLAINED_AUTH_FAILURE or (rules is not None and cause not in rules):
            continue
        confirmed, fallback = RULES.get(cause), INFERRED_RULES.get(cause)
        if confirmed is None:
            continue
        by_confirmed = {t for t, caps in caps_of.items() if _judgeable(confirmed, caps)}
        by_inferred = {t for t, caps in caps_of.items() if t not in by_confirmed and _judgeable(fallback, caps)}
        unjudged = [t for t in caps_of if t not in by_confirmed and t not in by_inferred]
        if unjudged:
            not_judged.append(NotJudged(cause, _unjudged_reason(confirmed, caps_of, unjudged, source)))
        for r, tabs in ((confirmed, by_confirmed), (fallback, by_inferred)):
            if not tabs or r is None:
                continue
            yield cause
            found: list[Finding] = []
            try:
                for f in r.steps(tl):
                    if f is None:
                        yield cause
                    elif f.tab in tabs or (f.tab is None and None in tabs):
                        found.append(_marked(f, confirmed, caps_of.get(f.tab, set())) if r.inferred else f)
            except Exception as exc:  # a rule must never take the whole diagnosis down; say so instead
                not_judged.append(NotJudged(cause, f"rule failed on this input: {type(exc).__name__}: {exc}"))
                continue
            findings.extend(found)
            if cause == "split-brain":
                split_tabs["inferred" if r.inferred else "confirmed"] |= tabs
    if rules is None or UNEXPLAINED_AUTH_FAILURE in rules:
        yield UNEXPLAINED_AUTH_FAILURE
        try:
            found = []
            for f in unexplained(tl, findings, caps_of):
                if f is None:
                    yield UNEXPLAINED_AUTH_FAILURE
                else:
                    found.append(f)
            findings.extend(found)
        except Exception as exc:
            not_judged.append(NotJudged(UNEXPLAINED_AUTH_FAILURE, f"rule failed on this input: {type(exc).__name__}: {exc}"))
    findings.sort(key=lambda f: (f.at, CAUSES.index(f.id), f.evidence))
    split = _split(tl, split_tabs, not_judged)
    return Diagnosis(source, findings, split, not_judged, inputs(tl, meta, caps_of))


def _marked(f: Finding, confirmed: Rule, caps: set[str]) -> Finding:
    """An inferred rule's finding: says so, and what would confirm it (unless it said itself)."""
    gaps = f.missing_evidence or missing(*_missing_caps(confirmed, caps))
    return replace(f, confidence=INFERRED, missing_evidence=tuple(gaps))


def _unjudged_reason(r: Rule, caps_of: dict, tabs: list, source: str) -> str:
    if len(tabs) == len(caps_of):
        return _reason(r, caps_of[tabs[0]], source)
    return "; ".join(f"tab {tab}: {_reason(r, caps_of[tab], 'input')}" for tab in tabs)


def _split(tl: Timeline, split_tabs: dict[str, set], not_judged: list[NotJudged]) -> list:
    if any(n.id == "split-brain" and n.reason.startswith("rule failed") for n in not_judged):
        return []
    out = []
    try:
        if split_tabs["confirmed"]:
            out += [s for s in split_brain_intervals(tl) if s.tab in split_tabs["confirmed"]]
        if split_tabs["inferred"]:
            out += [s for s in wire_split_brain_intervals(tl) if s.tab in split_tabs["inferred"]]
    except Exception:  # already reported by the split-brain rule itself
        return []
    out.sort(key=lambda s: (s.start, s.tab))
    return out


def inputs(tl: Timeline, meta: dict[str, Any], caps_of: dict[str | None, set[str]]) -> list[InputInfo]:
    """What was read: the inputs ``meta.inputs`` describes (a HAR, merged files), else one trace."""
    described = meta.get("inputs")
    out = []
    if isinstance(described, list):
        for d in described:
            if isinstance(d, dict) and isinstance(d.get("tabs"), list):
                out.append(InputInfo(str(d.get("kind") or SOURCE_TRACE), [str(t) for t in d["tabs"]],
                                     d.get("name") if isinstance(d.get("name"), str) else None,
                                     d.get("browser") if isinstance(d.get("browser"), str) else None,
                                     [str(x) for x in d.get("lacks") or [] if isinstance(x, str)]))
    if out:
        return out
    caps = set.union(*caps_of.values()) if caps_of else set()
    lacks = [CAPABILITIES[c] for c in CAPABILITIES if c not in caps]
    return [InputInfo(str(meta.get("source") or SOURCE_TRACE), list(tl.tabs), None, None, lacks)]


def finish(steps: Generator[Any, None, R]) -> R:
    """Run a stepwise computation (:func:`judge`) to its end; its result."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
