"""``authtrace fleet FILES_OR_DIRS... [--json]``: how often, how long and why sessions lost Convex auth.

Every session in the inputs (authtrace traces, HAR exports, a Collector's OTLP
files: one ``ExportLogsServiceRequest`` per line, grouped by ``session.id``) is
diagnosed, on every core (a process pool) or on a Dask cluster
(``--scheduler tcp://HOST:PORT``, ``pip install 'authtrace[fleet]'``), and summed
up in one table: sessions per cause id, split-brain count and durations (p50,
p95, max), the share of sessions affected, the worst sessions with their files.
Inputs are streamed and results folded as they come: memory stays flat as the
input grows (docs/fleet.md).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ..terminal import json_safe, safe


def register(sub) -> None:
    p = sub.add_parser("fleet", help="summarize the diagnosis of many sessions (traces, HARs, OTLP files)",
                       description="Diagnose every session in traces, HAR exports and a Collector's OTLP JSON files "
                                   "(grouped by session.id) and sum them up: sessions per cause, split-brain count and "
                                   "durations, the share affected, the worst sessions.")
    p.add_argument("inputs", metavar="FILES_OR_DIRS", type=Path, nargs="+",
                   help="files, or directories (their *.json, *.har, *.jsonl, *.ndjson files)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on this Dask scheduler (authtrace[fleet])")
    p.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="give up on an unreachable --scheduler after this long (default 10)")
    p.add_argument("--workers", type=int, default=None, help="local processes (default: one per core)")
    p.add_argument("--work-dir", type=Path, default=None,
                   help="where OTLP records are sorted by session (default: the temporary directory; with "
                        "--scheduler, a directory the workers share)")
    p.set_defaults(func=run_fleet)


def run_fleet(args) -> int:
    from ..errors import UsageError
    from ..fleet.engine import run

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if not args.connect_timeout > 0:  # also refuses nan
        raise UsageError("--connect-timeout must be a positive number of seconds")
    started = time.perf_counter()
    summary, how = run(args.inputs, scheduler=args.scheduler, workers=args.workers, work_dir=args.work_dir,
                       connect_timeout=args.connect_timeout)
    out = summary.to_json()
    out["run"] = {**how, "seconds": round(time.perf_counter() - started, 3)}
    if args.json:
        sys.stdout.write(json_safe(json.dumps(out, ensure_ascii=False)) + "\n")
    else:
        render(out)
    return 0


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.1f} s" if value < 120_000 else f"{value / 60_000:.1f} min"


def render(out: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    n = out["sessions"]
    table = Table(title=f"authtrace fleet: {n} session(s) from {out['files']} file(s), {out['events']} events",
                  title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("")
    table.add_column("sessions", justify="right")
    table.add_column("", overflow="fold")
    table.add_row("split brain", str(out["affected"]),
                  f"{100 * out['affected_share']:.1f} % of sessions (AuthKit has a user, Convex is signed out)")
    sb = out["split_brain"]
    table.add_row("  intervals", str(sb["count"]),
                  f"p50 {_ms(sb['p50_ms'])}, p95 {_ms(sb['p95_ms'])}, max {_ms(sb['max_ms'])}; "
                  f"{sb['open_at_end']} still open when the recording ended")
    table.add_section()
    for cause, c in out["causes"].items():
        table.add_row(safe(cause), str(c["sessions"]), f"{c['findings']} finding(s)")
    if out["worst"]:
        table.add_section()
        table.add_row("worst sessions", "", "split brain; causes; files")
        for w in out["worst"]:
            causes = ", ".join(dict.fromkeys(c for c in w["causes"] if c != "split-brain")) or "–"
            table.add_row(safe(f"  {Path(w['session_id']).name}"), "",
                          safe(f"{_ms(w['split_brain_ms'])}; {causes}; {', '.join(w['files'])}"))
    Console(highlight=False, soft_wrap=False).print(table)
    run = out["run"]
    print(f"{n} sessions in {run['seconds']:.1f} s on {run['workers']} worker(s) ({run['scheduler']})")
