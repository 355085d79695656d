"""``authtrace bench chaos``: how the chaos matrix scales with concurrency.

The same runs (scenario × adapter × seed) go once per concurrency level, side by
side in worker processes (scenarios/pool.py); for each level the figures are the
wall time, runs per minute, the CPU the runs used (their process trees) and the
machine's CPU load while they ran, and whether every run got the same verdicts as
at the first level (concurrency must not change the results). ``--full`` runs the
whole matrix (every scenario, both adapters, 5 seeds) at each level instead, against
the target of 20 minutes.
"""

from __future__ import annotations

import os
import time
from typing import Any

from .scenarios.catalog import SCENARIOS

TARGET_FULL_MATRIX_MIN = 20.0
DEFAULT_SCENARIOS = ["hidden-tab-resume-typeerror", "transient-5xx", "offline-at-refresh", "laptop-sleep"]


def add_arguments(parser) -> None:
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4, 8], metavar="N",
                        help="concurrency levels to measure (default: 1 2 4 8)")
    parser.add_argument("--scenarios", nargs="+", default=None, metavar="NAME",
                        help=f"scenarios to run at each level (default: {' '.join(DEFAULT_SCENARIOS)})")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per scenario and adapter (default: 1)")
    parser.add_argument("--boot-slots", type=int, default=1, help="runs booting Pyodide at once (default: 1)")
    parser.add_argument("--profile", choices=["full", "ci"], default="full")
    parser.add_argument("--fresh-browsers", action="store_true",
                        help="a new Chromium and lab server per run instead of one per worker")
    parser.add_argument("--full", action="store_true",
                        help="the whole matrix (all scenarios, both adapters, 5 seeds) at each level")


def _signature(run: dict[str, Any]) -> Any:
    from .scenarios.chaos import judge

    if "error" in run:
        return ("error",)
    verdict = judge(run)
    if "targets" in verdict:
        return tuple(sorted((tid, v["met"]) for tid, v in verdict["targets"].items()))
    return ("control", verdict["control"])


def measure_level(jobs: list[tuple[str, str, int]], level: int, boot_slots: int, profile: str,
                  reuse: bool = True) -> tuple[dict[str, Any], list[dict]]:
    from .scenarios.cpu import machine_busy
    from .scenarios.pool import run_jobs

    busy0, t0 = machine_busy(), time.monotonic()
    runs = run_jobs(jobs, concurrency=level, boot_slots=boot_slots, profile=profile, reuse=reuse)
    wall = time.monotonic() - t0
    busy1 = machine_busy()
    cpus = [r["cpu_s"] for r in runs if r.get("cpu_s") is not None]
    figures = {
        "concurrency": level,
        "runs": len(runs),
        "errors": [f"{r['scenario']}/{r['adapter']}/seed {r['seed']}: {r['error']} at {r.get('error_at')}"
                   for r in runs if "error" in r],
        "wall_s": round(wall, 1),
        "runs_per_min": round(len(runs) / (wall / 60), 2),
        "run_wall_s_mean": round(sum(r.get("wall_s", 0) for r in runs) / len(runs), 1),
        "boot_wait_s_mean": round(sum(r.get("boot_wait_s", 0) for r in runs) / len(runs), 1),
        "cpu_s_per_run": round(sum(cpus) / len(cpus), 1) if cpus else None,
        "cpu_cores_used": round(sum(cpus) / wall, 2) if cpus else None,
        "machine_busy_pct": (round(100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 1)
                             if busy0 and busy1 else None),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    return figures, runs


def main(args) -> dict[str, Any]:
    from .errors import UsageError
    from .scenarios.chaos import matrix_jobs

    names = list(SCENARIOS) if args.full else (args.scenarios or DEFAULT_SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise UsageError(f"unknown scenario(s): {', '.join(unknown)}")
    if any(level < 1 for level in args.levels) or args.seeds < 1:
        raise UsageError("--levels and --seeds must be at least 1")
    jobs = matrix_jobs(5 if args.full else args.seeds, names)
    levels, first = [], None
    for level in args.levels:
        figures, runs = measure_level(jobs, level, args.boot_slots, args.profile, reuse=not args.fresh_browsers)
        verdicts = {(r["scenario"], r["adapter"], r["seed"]): _signature(r) for r in runs}
        if first is None:
            first = verdicts
        figures["same_verdicts_as_first_level"] = verdicts == first
        figures["verdict_differences"] = [f"{k[0]}/{k[1]}/seed {k[2]}" for k in first if first[k] != verdicts.get(k)]
        if args.full:
            figures["meets_target"] = figures["wall_s"] / 60 <= TARGET_FULL_MATRIX_MIN
        levels.append(figures)
    return {
        "jobs": len(jobs),
        "scenarios": names,
        "cores": os.cpu_count(),
        "boot_slots": args.boot_slots,
        "reused_browsers": not args.fresh_browsers,
        "profile": args.profile,
        "levels": levels,
        **({"target_full_matrix_min": TARGET_FULL_MATRIX_MIN} if args.full else {}),
    }
