"""``authtrace chaos [--seeds N] [--scenarios ...] [--json]``: the chaos matrix."""

from __future__ import annotations

import json
import sys

from ..errors import UsageError


def register(sub) -> None:
    p = sub.add_parser("chaos", help="run every scenario for both adapters and N seeds; print the matrix")
    p.add_argument("--seeds", type=int, default=5, help="seeds per scenario and adapter (default: 5)")
    p.add_argument("--scenarios", nargs="+", metavar="NAME", help="only these scenarios (default: all)")
    p.add_argument("--adapters", nargs="+", default=["stock", "resilient"], metavar="ADAPTER")
    p.add_argument("--json", action="store_true", help="print the runs (the scenario runner's objects) and a summary")
    p.set_defaults(func=run_cmd)


def run_cmd(args) -> int:
    from ..scenarios.catalog import SCENARIOS
    from ..scenarios.chaos import run_matrix
    from ..scenarios.runner import ADAPTERS

    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    unknown = [n for n in (args.scenarios or []) if n not in SCENARIOS]
    if unknown:
        raise UsageError(f"unknown scenario(s): {', '.join(unknown)}; `authtrace scenario list` shows them")
    bad = [a for a in args.adapters if a not in ADAPTERS]
    if bad:
        raise UsageError(f"unknown adapter(s): {', '.join(bad)}; use {' or '.join(ADAPTERS)}")

    def progress(r):
        status = r.get("error") or (f"split brain {r['split_brain_ms'] / 1000:.1f} s{' (open)' if r['split_brain_open'] else ''}, "
                                    f"wedged {r['wedged']}, recovered {r['recovered_ms']}")
        print(f"  {r['scenario']:32} {r['adapter']:9} seed {r['seed']}: {status}", file=sys.stderr, flush=True)

    out = run_matrix(args.seeds, args.scenarios, args.adapters, progress)
    if args.json:
        print(json.dumps(out))
    else:
        _table(out["summary"])
    return 0


def _table(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="authtrace chaos matrix")
    cols = ["scenario", "adapter", "runs", "split_brain_s_total", "split_brain_s_longest", "split_brain_open_runs",
            "wedged_runs", "lost_mutations", "duplicated_mutations", "recovery_p50_ms", "recovery_p95_ms"]
    for c in cols:
        table.add_column(c.replace("_", " "), justify="left" if c in ("scenario", "adapter") else "right")
    for row in summary["rows"]:
        table.add_row(*["-" if row[c] is None else str(row[c]) for c in cols])
    console = Console(width=max(Console().width, 170))  # the matrix is wide; don't squeeze it
    console.print(table)
    verdict = "met" if summary["targets_met"] else "NOT met"
    console.print(f"resilient adapter targets: {verdict}")
    for line in summary["failures"] + summary.get("errors", []):
        console.print(f"  - {line}")
