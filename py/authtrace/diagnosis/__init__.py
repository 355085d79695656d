"""The diagnosis engine (pure): names the failure chain in a trace, with its evidence.

``diagnose(trace)`` returns a :class:`Diagnosis` with findings (one per cause
occurrence, ids in :data:`CAUSES`, each ``confirmed`` or ``inferred`` with the
evidence it lacks), the split-brain intervals (AuthKit user present while Convex
is unauthenticated), the causes the input did not let it judge and what each
input lacks. ``har_to_trace`` turns a DevTools HAR 1.2 export (Chrome, Firefox,
Safari) into a redacted trace the engine reads the same way; ``merge`` lays
several inputs (one per tab) out as one cross-tab trace. No failure goes without
a finding: what no cause explains is ``unexplained-auth-failure``.

It scales with the trace: the :class:`Timeline` indexes the events once (per
tab, kind and type, by time) and the rules ask it range questions answered by
bisection, so no rule is worse than O(n log n) in the number of events
(``authtrace bench diagnosis`` measures it; docs/diagnosis.md has the figures).

For a recording that is still growing (the panel, in the page), use
:class:`LiveDiagnosis` instead of calling ``diagnose`` again and again::

    live = LiveDiagnosis(trace.meta, settle_ms=2_000)
    live.feed(new_events)              # whenever the recorder has some; cheap
    steps = live.steps()               # a generator: each step is a bounded piece of work
    for _ in steps:                    # (at most fold_chunk events folded, or one rule's
        if out_of_time():              #  tick: a tab or ~200 candidates)
            await give_the_page_back() #  the caller owns the clock, and may pause here
    live.diagnosis                     # == diagnose() of the events folded so far

New events are folded into the existing timeline (its index, the tabs' states,
the paired requests grow; nothing derived before is recomputed); the rules then
run over the whole timeline in ticks. Events older than the last one folded make
it fold everything again, so ``settle_ms`` holds the newest events back until
later ones came (another tab's events are relayed late); ``run(everything=True)``
folds them all at once. :func:`judge` is the same stepwise judgement for a
:class:`Timeline` of your own (``Timeline.extend`` folds events in).

Modules: ``timeline`` (the :class:`Timeline` and its queries), ``index`` (events
by tab, kind and type; range queries), ``intervals`` (hidden, frozen, offline,
asleep, AuthKit's user: toggled spans), ``exchanges`` (WorkOS refresh exchanges
and token calls), ``wire`` (the states a HAR shows: WorkOS's session, Convex's
authentication from its frames), ``rules/`` (one function per cause, and the
inferred ones), ``engine`` (``diagnose``, ``judge``), ``live``, ``finding``,
``fixes``, ``thresholds``, ``wording``, ``summary`` (key events), ``har``,
``merge``, ``payload``. Whether a failure is transient
or terminal is :mod:`authtrace.failure`'s answer, the same as the bridge's.
"""

from .engine import captured, diagnose, judge
from .finding import CAUSES, CONFIRMED, INFERRED, Diagnosis, Finding, InputInfo, Missing, NotJudged, SplitBrain
from .har import HarFormatError, har_to_trace, is_har
from .live import LiveDiagnosis
from .merge import merge
from .summary import key_events
from .timeline import Timeline

__all__ = [
    "CAUSES",
    "CONFIRMED",
    "INFERRED",
    "Diagnosis",
    "Finding",
    "HarFormatError",
    "InputInfo",
    "LiveDiagnosis",
    "Missing",
    "NotJudged",
    "SplitBrain",
    "Timeline",
    "captured",
    "diagnose",
    "har_to_trace",
    "is_har",
    "judge",
    "key_events",
    "merge",
]
