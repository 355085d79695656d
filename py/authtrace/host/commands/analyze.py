"""``authtrace analyze FILE [--json]``: diagnose a trace or a Chrome DevTools HAR export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ...diagnosis import Diagnosis, diagnose, har_to_trace, is_har, key_events
from ...diagnosis.timeline import Timeline, fmt_at, fmt_dur
from ...trace import Trace, TraceFormatError
from ..errors import UsageError
from ..jsonfile import read_json

# Key events shown per tab in the human timeline (evidence is always shown).
TIMELINE_PER_TAB = 40


def register(sub) -> None:
    p = sub.add_parser(
        "analyze",
        help="diagnose a trace or a HAR export: which failure chain, with its evidence",
        description="Diagnose an authtrace trace or a Chrome DevTools HAR 1.2 export: name the causes of lost Convex "
                    "auth with their evidence, the split-brain intervals and what the input cannot show.",
    )
    p.add_argument("input", metavar="FILE", type=Path, help="an authtrace trace (.json) or a HAR export (.har)")
    p.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    p.set_defaults(func=run_analyze)


def load_input(path: Path) -> Trace:
    """The trace in ``path``, converting a HAR; every problem becomes a one-line UsageError."""
    obj = read_json(path, "a trace or HAR file")
    try:
        if is_har(obj):
            return har_to_trace(obj)
        if isinstance(obj, dict) and "format" in obj:
            return Trace.from_json(obj)
    except TraceFormatError as exc:
        raise UsageError(f"{path}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: bad input: {exc}") from None
    shape = type(obj).__name__ if not isinstance(obj, dict) else "an object with keys " + ", ".join(
        repr(k) for k in list(obj)[:5])
    raise UsageError(f'{path}: neither an authtrace trace ({{"format": "authtrace/1", ...}}) nor a HAR export '
                     f'({{"log": {{"entries": [...]}}}}); got {shape}')


def to_json(d: Diagnosis) -> dict[str, Any]:
    out = d.to_json()
    return {"source": out["source"], "findings": out["findings"], "split_brain": out["split_brain"],
            "not_judged": out["not_judged"]}


def run_analyze(args) -> int:
    trace = load_input(args.input)
    d = diagnose(trace)
    if args.json:
        sys.stdout.write(json.dumps(to_json(d), indent=2, ensure_ascii=False) + "\n")
        return 0
    render(args.input, trace, d)
    return 0


def render(path: Path, trace: Trace, d: Diagnosis) -> None:
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=False)
    tl = Timeline(trace)
    span = fmt_dur(tl.end - tl.start) if tl.events else "0 ms"
    kind = "HAR export" if d.source == "har" else "trace"
    console.print(Text(f"{path}: {kind}, {len(tl.tabs)} tab(s), {len(trace.events)} events over {span}", style="bold"))

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
        table = Table(title=f"Timeline, tab {tab}" if len(tl.tabs) > 1 else "Timeline", title_justify="left",
                      show_edge=False, pad_edge=False)
        table.add_column("time", justify="right", no_wrap=True)
        table.add_column("id", justify="right", style="dim", no_wrap=True)
        table.add_column("event")
        for k in shown:
            mark = "bold" if k.id in evidence else ""
            table.add_row(fmt_at(tl, k.wall), str(k.id) if k.id is not None else "", Text(k.text, style=mark))
        console.print(table)
        if len(rows) > len(shown):
            console.print(Text(f"  ({len(rows) - len(shown)} more key events not shown)", style="dim"))

    console.print()
    if not d.findings:
        console.print(Text("No findings: nothing in this input matches a known failure chain.", style="green"))
    for n, f in enumerate(d.findings, 1):
        head = Text(f"{n}. {f.id}", style="bold red" if f.id != "session-ended" else "bold yellow")
        head.append(f"  at {fmt_at(tl, f.at)}" + (f", tab {f.tab}" if f.tab and len(tl.tabs) > 1 else ""),
                    style="")
        head.append(f"  evidence: {', '.join(str(i) for i in f.evidence)}", style="dim")
        console.print(head)
        console.print(Padding(Text(f.explanation), (0, 0, 0, 3)))
        console.print(Padding(Text(f"Fix: {f.fix}", style="cyan"), (0, 0, 0, 3)))
        console.print()
    if d.split_brain:
        table = Table(title="Split brain (AuthKit user present, Convex unauthenticated)", title_justify="left",
                      show_edge=False, pad_edge=False)
        for col in ("tab", "start", "end", "duration"):
            table.add_column(col, no_wrap=True)
        for sb in d.split_brain:
            table.add_row(sb.tab, fmt_at(tl, sb.start), fmt_at(tl, sb.end) if sb.end is not None else "open",
                          fmt_dur((sb.end if sb.end is not None else tl.end) - sb.start)
                          + ("" if sb.end is not None else " (until the end)"))
        console.print(table)
    if d.not_judged:
        console.print(Text("Not judged from this input:", style="bold"))
        for nj in d.not_judged:
            console.print(Padding(Text(f"{nj.id}: {nj.reason}", style="dim"), (0, 0, 0, 2)))
