"""Several recordings as one cross-tab timeline (``authtrace analyze a.har b.har ...``).

People send one HAR per tab of the same user; rotation races and one tab's sign-out
removing another tab's refresh token only show when the tabs are side by side. Each
input becomes a tab named after its file (``a``; a trace of several tabs gives
``a/<tab>``), the events are laid out by wall time and numbered again, and the merged
trace's meta says what each tab captured (``meta.tabs``, so the engine judges each
tab by what its own input could show) and what each input lacks (``meta.inputs``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..trace import Trace
from .engine import captured_by_tab, inputs
from .timeline import Timeline


def unique_labels(names: list[str]) -> list[str]:
    """The names, with ``-2``, ``-3``... added to repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0) + 1
        seen[name] = n
        out.append(name if n == 1 else f"{name}-{n}")
    return out


def merge(named: list[tuple[str, Trace]]) -> Trace:
    """One trace of all the inputs, a tab per input (per tab of a multi-tab trace)."""
    labels = unique_labels([label for label, _ in named])
    rows: list[tuple[float, int, int, Any]] = []
    tabs_meta: dict[str, dict[str, Any]] = {}
    described: list[dict[str, Any]] = []
    sources = set()
    captures: set[str] = set()
    for n, (label, (_, trace)) in enumerate(zip(labels, named)):
        source = str(trace.meta.get("source") or "trace")
        sources.add(source)
        tl = Timeline(trace)
        caps_of = captured_by_tab(tl, trace.meta)
        names = {tab: label if len(tl.tabs) == 1 else f"{label}/{tab}" for tab in tl.tabs}
        for tab, new in names.items():
            tabs_meta[new] = {"captured": sorted(caps_of[tab]), "source": source, "file": label}
            captures |= caps_of[tab]
        for info in inputs(tl, trace.meta, caps_of):
            described.append({**info.to_json(), "name": label, "tabs": [names.get(t, t) for t in info.tabs]})
        for i, e in enumerate(trace.events):
            rows.append((e.wall, n, i, replace(e, tab=names.get(e.tab, e.tab), id=None)))
    rows.sort(key=lambda r: r[:3])
    source = sources.pop() if len(sources) == 1 else "mixed"
    meta: dict[str, Any] = {"source": source, "captured": sorted(captures), "tabs": tabs_meta, "inputs": described}
    if all(trace.meta.get("redacted") is True for _, trace in named):
        meta["redacted"] = True
    merged = Trace(meta)
    for *_, e in rows:
        merged.add(e)
    return merged
