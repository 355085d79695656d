"""``authtrace analyze FILE [FILE ...] [--json]``: diagnose traces or DevTools HAR exports.

Several files (one HAR per tab, traces, or both) are merged into one cross-tab
timeline with a tab per file (``authtrace.diagnosis.merge``). What is printed is
redacted and safe for a terminal: a trace is redacted before the diagnosis reads
it (a HAR is redacted as it is converted), every string taken from the input goes
through :func:`~authtrace.host.terminal.safe`, and ``--json`` escapes control
characters. A bad file is one line, exit 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ...diagnosis import Diagnosis, diagnose, key_events, merge
from ...diagnosis.timeline import Timeline, fmt_at, fmt_dur
from ...inputs import HAR, kind_of, to_trace
from ...trace import MAX_TIME_MS, Trace, TraceFormatError
from .. import otlpfile
from ..errors import UsageError
from ..jsonfile import read_json
from ..terminal import json_safe, safe
from .trace import add_redaction_options, redactor_from

# Key events shown per tab in the human timeline (evidence is always shown).
TIMELINE_PER_TAB = 40


def register(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="diagnose a trace or a HAR export: which failure chain, with its evidence",
        description="Diagnose an authtrace trace or a DevTools HAR 1.2 export (Chrome, Firefox, Safari): name the "
                    "causes of lost Convex auth with their evidence and confidence, the split-brain intervals and what "
                    "the input cannot show. Several files (one per tab) are merged into one cross-tab timeline.",
    )
    p.add_argument("inputs", metavar="FILE", type=Path, nargs="+",
                   help="an authtrace trace (.json) or a HAR export (.har); several: a tab per file")
    p.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    add_redaction_options(p)
    p.set_defaults(func=run_analyze)


def load_input(path: Path, redactor=None) -> Trace:
    """The redacted trace in ``path``, converting a HAR; every problem becomes a one-line UsageError."""
    obj = read_json(path, "a trace or HAR file")
    try:
        kind = kind_of(obj)
        trace = to_trace(obj)  # a HAR is redacted by the capture it goes through
        del obj
        if kind != HAR:
            return trace.redacted(redactor)
    except TraceFormatError as exc:  # NotATrace and HarFormatError too
        raise UsageError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise UsageError(f"{path}: bad input: {exc}") from None
    for e in trace.events:
        if not (abs(e.wall) <= MAX_TIME_MS and abs(e.mono) <= MAX_TIME_MS):
            raise UsageError(f"{path}: bad HAR: a time is out of range ({e.wall!r:.30})")
    return trace


def load_inputs(paths: list[Path], *how: Any) -> Trace:
    """One file as it is; several merged into one cross-tab trace, a tab per file."""
    if len(paths) == 1:
        return load_input(paths[0], *how)
    return merge([(path.stem, load_input(path, *how)) for path in paths])


def to_json(d: Diagnosis) -> dict[str, Any]:
    out = d.to_json()
    return {"source": out["source"], "findings": out["findings"], "split_brain": out["split_brain"],
            "not_judged": out["not_judged"], "inputs": out["inputs"]}


def run_analyze(args) -> int:
    otlp = [p for p in args.inputs if otlpfile.sniff(p)]
    if otlp:  # a Collector's file export: one diagnosis per session.id
        if len(args.inputs) > 1:
            raise UsageError(f"{otlp[0]}: an OTLP file export is analyzed on its own (a diagnosis per session.id); "
                             "give it alone, or use authtrace fleet for many files")
        return otlpfile.run_analyze(otlp[0], args.json, redactor_from(args), to_json, render)
    trace = load_inputs(args.inputs, redactor_from(args))
    d = diagnose(trace)
    if args.json:
        sys.stdout.write(json_safe(json.dumps(to_json(d), indent=2, ensure_ascii=False)) + "\n")
        return 0
    render(", ".join(str(p) for p in args.inputs), trace, d)
    return 0


def render(path: Path | str, trace: Trace, d: Diagnosis) -> None:
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=False)
    tl = Timeline(trace)
    span = fmt_dur(tl.end - tl.start) if tl.events else "0 ms"
    kind = {"har": "HAR export", "trace": "trace"}.get(d.source, "input")
    if len(d.inputs) > 1:
        kind = f"{len(d.inputs)} {kind}s, merged"
    console.print(Text(safe(f"{path}: {kind}, {len(tl.tabs)} tab(s), {len(trace.events)} events over {span}"),
                       style="bold"))

    evidence = {i for f in d.findings for i in f.evidence}
    keys = key_events(tl)
    for tab in tl.tabs:
        rows = [k for k in keys if k.tab == tab]
        shown = [k for k in rows if k.id in evidence]
        for k in rows:
            if len(shown) >= TIMELINE_PER_TAB:
                break
            if k not in shown:
                shown.append(k)
        shown.sort(key=lambda k: (k.wall, k.id or 0))
        table = Table(title=safe(f"Timeline, tab {tab}") if len(tl.tabs) > 1 else "Timeline", title_justify="left",
                      show_edge=False, pad_edge=False)
        table.add_column("time", justify="right", no_wrap=True)
        table.add_column("id", justify="right", style="dim", no_wrap=True)
        table.add_column("event")
        for k in shown:
            mark = "bold" if k.id in evidence else ""
            table.add_row(fmt_at(tl, k.wall), str(k.id) if k.id is not None else "", Text(safe(k.text), style=mark))
        console.print(table)
        if len(rows) > len(shown):
            console.print(Text(f"  ({len(rows) - len(shown)} more key events not shown)", style="dim"))

    console.print()
    if not d.findings:
        console.print(Text("No findings: nothing in this input matches a known failure chain.", style="green"))
    for n, f in enumerate(d.findings, 1):
        head = Text(safe(f"{n}. {f.id}"), style="bold red" if f.id != "session-ended" else "bold yellow")
        head.append(" [INFERRED]" if f.inferred else " [confirmed]", style="bold magenta" if f.inferred else "green")
        head.append(safe(f"  at {fmt_at(tl, f.at)}" + (f", tab {f.tab}" if f.tab and len(tl.tabs) > 1 else "")),
                    style="")
        head.append(f"  evidence: {', '.join(str(i) for i in f.evidence)}", style="dim")
        console.print(head)
        console.print(Padding(Text(safe(f.explanation)), (0, 0, 0, 3)))
        for m in f.missing_evidence:
            label = "Deduced, not seen" if f.inferred else "Would explain it"
            console.print(Padding(Text(safe(f"{label}: {m.what}. To capture it: {m.capture}."), style="magenta"),
                                  (0, 0, 0, 3)))
        console.print(Padding(Text(safe(f"Fix: {f.fix}"), style="cyan"), (0, 0, 0, 3)))
        console.print()
    if d.split_brain:
        table = Table(title="Split brain (AuthKit user present, Convex unauthenticated)", title_justify="left",
                      show_edge=False, pad_edge=False)
        for col in ("tab", "start", "end", "duration"):
            table.add_column(col, no_wrap=True)
        for sb in d.split_brain:
            table.add_row(safe(sb.tab), fmt_at(tl, sb.start), fmt_at(tl, sb.end) if sb.end is not None else "open",
                          fmt_dur((sb.end if sb.end is not None else tl.end) - sb.start)
                          + ("" if sb.end is not None else " (until the end)"))
        console.print(table)
    for info in d.inputs:
        if info.lacks and (info.kind == "har" or len(d.inputs) > 1):
            kind = f"{info.browser.capitalize()} HAR" if info.kind == "har" and info.browser else info.kind
            what = f"{info.name} ({kind})" if info.name else f"this {kind}"
            console.print(Text(safe(f"What {what} lacks:"), style="bold"))
            for lack in info.lacks:
                console.print(Padding(Text(safe(f"- {lack}"), style="dim"), (0, 0, 0, 2)))
    if d.not_judged:
        console.print(Text("Not judged from this input:", style="bold"))
        for nj in d.not_judged:
            console.print(Padding(Text(safe(f"{nj.id}: {nj.reason}"), style="dim"), (0, 0, 0, 2)))
