"""``authtrace chaos [--seeds N] [--scenarios ...] [--concurrency N] [--json]``: the chaos matrix, in the
lab or against your app (``--app-url URL`` / ``--app-cmd CMD``: its runs are judged on the bridge's targets)."""

from __future__ import annotations

import json
import sys

from ..errors import UsageError
from . import app_options


def register(sub) -> None:
    p = sub.add_parser("chaos", help="run every scenario for both adapters and N seeds; print the matrix")
    p.add_argument("--seeds", type=int, default=5, help="seeds per scenario and adapter (default: 5)")
    p.add_argument("--scenarios", nargs="+", metavar="NAME", help="only these scenarios (default: all)")
    p.add_argument("--adapters", nargs="+", default=None, metavar="ADAPTER",
                   help="stock and/or resilient (default: both); the lab's choice: your app brings its own")
    p.add_argument("--concurrency", type=int, default=1, metavar="N",
                   help="runs side by side, each with its own emulators, lab server and Chromium (default: 1)")
    p.add_argument("--boot-slots", type=int, default=1, metavar="N",
                   help="runs allowed to boot Pyodide at the same time (default: 1; booting is CPU-bound)")
    p.add_argument("--fresh-browsers", action="store_true",
                   help="a new Chromium, profile and lab server for every run (default: one per worker, cleaned "
                        "between runs, so Pyodide's compiled code stays cached)")
    p.add_argument("--profile", choices=["full", "ci"], default="full",
                   help="ci: the long scenarios in their shortened profile (default: full)")
    p.add_argument("--json", action="store_true", help="print the runs (the scenario runner's objects) and a summary")
    app_options.add(p)
    p.set_defaults(func=run_cmd)


def run_cmd(args) -> int:
    from ..scenarios.catalog import SCENARIOS
    from ..scenarios.chaos import run_matrix
    from ..scenarios.runner import ADAPTERS

    if args.seeds < 1:
        raise UsageError("--seeds must be at least 1")
    if args.concurrency < 1 or args.boot_slots < 1:
        raise UsageError("--concurrency and --boot-slots must be at least 1")
    unknown = [n for n in (args.scenarios or []) if n not in SCENARIOS]
    if unknown:
        raise UsageError(f"unknown scenario(s): {', '.join(unknown)}; `authtrace scenario list` shows them")
    on_app = app_options.wanted(args)
    if on_app and args.adapters is not None:
        raise UsageError("--adapters picks the lab's adapters; your app (--app-url/--app-cmd) brings its own")
    if on_app and args.concurrency != 1:
        raise UsageError("against your app the runs go one after the other (one dev server, one Convex emulator): "
                         "leave out --concurrency")
    adapters = args.adapters or list(ADAPTERS)
    bad = [a for a in adapters if a not in ADAPTERS]
    if bad:
        raise UsageError(f"unknown adapter(s): {', '.join(bad)}; use {' or '.join(ADAPTERS)}")

    def progress(r):
        status = r.get("error") or (f"split brain {r['split_brain_ms'] / 1000:.1f} s{' (open)' if r['split_brain_open'] else ''}, "
                                    f"wedged {r['wedged']}, serving {r.get('serving_ms')}")
        print(f"  {r['scenario']:32} {r['adapter']:9} seed {r['seed']}: {status}  [{r.get('wall_s')} s]",
              file=sys.stderr, flush=True)

    if on_app:
        from ..scenarios.app import APP_SCENARIOS, NOT_ON_APPS, run_app_matrix

        refused = [f"{n} ({NOT_ON_APPS[n]})" for n in (args.scenarios or []) if n in NOT_ON_APPS]
        if refused:
            raise UsageError("these do not run against your app: " + "; ".join(refused))
        from ..scenarios.context import ScenarioError

        try:
            with app_options.station(args) as station:
                out = run_app_matrix(args.seeds, list(args.scenarios or APP_SCENARIOS), station, progress,
                                     profile=args.profile)
        except ScenarioError as exc:
            raise UsageError(f"your app could not be run: {exc}") from None
    else:
        out = run_matrix(args.seeds, args.scenarios, adapters, progress, concurrency=args.concurrency,
                         profile=args.profile, boot_slots=args.boot_slots, reuse=not args.fresh_browsers)
    if args.json:
        print(json.dumps(out))
    else:
        _table(out["summary"])
    return 0


def _table(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"authtrace chaos matrix ({summary['profile']} profile, concurrency {summary['concurrency']}, "
                        f"{summary['wall_s'] / 60:.1f} min)")
    cols = ["scenario", "adapter", "runs", "split_brain_s_longest", "split_brain_open_runs", "wedged_runs",
            "lost_mutations", "duplicated_mutations", "serving_p95_ms", "adapter_refresh_requests_per_tab_max",
            "refresh_requests_per_tab_max", "rotations", "verdict"]
    labels = {"split_brain_s_longest": "split brain longest s", "split_brain_open_runs": "open", "wedged_runs": "wedged",
              "lost_mutations": "lost", "duplicated_mutations": "dup", "serving_p95_ms": "serving p95 ms",
              "adapter_refresh_requests_per_tab_max": "adapter refreshes /tab",
              "refresh_requests_per_tab_max": "all refreshes /tab"}
    for c in cols:
        table.add_column(labels.get(c, c.replace("_", " ")), no_wrap=c == "scenario",
                         justify="left" if c in ("scenario", "adapter", "verdict") else "right")
    for row in summary["rows"]:
        if row["adapter"] in ("resilient", "app"):
            missed = [tid for tid, t in row["targets"].items() if not t["met"]]
            verdict = "met" if not missed else "missed: " + ", ".join(missed)
        else:
            c = row["control"]
            verdict = ("control: no failure expected" if c["reproduced_runs"] is None
                       else f"control: reproduced {c['reproduced_runs']}/{row['runs']}")
        table.add_row(*[verdict if col == "verdict" else "-" if row.get(col) is None else str(row[col]) for col in cols])
    console = Console(width=max(Console().width, 200))  # the matrix is wide; don't squeeze it
    console.print(table)
    console.print(f"resilient adapter targets: {'met' if summary['targets_met'] else 'NOT met'}; "
                  f"stock control reproduces: {'yes' if summary['control_reproduces'] else 'NO'}")
    for line in summary["failures"] + summary["control_failures"] + summary.get("errors", []):
        console.print(f"  - {line}")
