"""The chaos matrix: every scenario, both adapters, N seeds; a table and a verdict.

The resilient adapter is judged on its targets (targets.py); the stock adapter is
the control and must keep reproducing the failure where users report it. Runs go
side by side with ``concurrency`` > 1 (pool.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .catalog import SCENARIOS
from .pool import run_jobs
from .runner import ADAPTERS
from .targets import SIGN_OUT, control_for, targets_for

SIGN_OUT_SCENARIOS = SIGN_OUT

# Figures of the fleet stories, reported per row as the worst run (max).
WORST = ("refresh_requests_per_tab_max", "adapter_refresh_requests_per_tab_max", "authkit_calls_per_tab_max",
         "authkit_calls_outstanding_max", "token_wait_longest_ms", "rotations", "refresh_tokens_reused",
         "invalid_grants", "authkit_calls_after_unmount", "console_errors")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[k]


def longest_split_brain(result: dict[str, Any]) -> float:
    return float(result.get("split_brain_longest_ms", result["split_brain_ms"]))


# Judged on the bridge's targets: the bridge, and your app (authtrace chaos --app-url):
# whatever adapter it brings must hold what the bridge holds.
JUDGED_ON_TARGETS = ("resilient", "app")


def judge(result: dict[str, Any]) -> dict[str, Any]:
    """One run's verdicts: per target for the resilient adapter (and an app), the control for stock."""
    name = result["scenario"]
    if result["adapter"] in JUDGED_ON_TARGETS:
        out = {}
        for t in targets_for(name):
            value, met = t.check(result)
            out[t.id] = {"met": bool(met), "value": value}
        return {"targets": out}
    control = control_for(name)
    return {"control": None if control.reproduced is None else bool(control.reproduced(result))}


def _row(name: str, adapter: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    recov = [r["recovered_ms"] for r in runs if r["recovered_ms"] is not None]
    serving = [r["serving_ms"] for r in runs if r.get("serving_ms") is not None]
    row = {
        "scenario": name, "adapter": adapter, "runs": len(runs),
        "split_brain_s_total": round(sum(r["split_brain_ms"] for r in runs) / 1000, 2),
        "split_brain_s_longest": round(max(longest_split_brain(r) for r in runs) / 1000, 2),
        "split_brain_open_runs": sum(1 for r in runs if r["split_brain_open"]),
        "wedged_runs": sum(1 for r in runs if r["wedged"]),
        "lost_mutations": sum(r["lost_mutations"] for r in runs),
        "duplicated_mutations": sum(r["duplicated_mutations"] for r in runs),
        "recovery_p50_ms": percentile(recov, 50), "recovery_p95_ms": percentile(recov, 95),
        "serving_p50_ms": percentile(serving, 50), "serving_p95_ms": percentile(serving, 95),
        "serving_never_runs": sum(1 for r in runs if r.get("serving_ms") is None),
        "signed_out_consistently": sum(1 for r in runs if not r["authkit_user_at_end"] and not r["convex_authenticated_at_end"]),
    }
    for key in WORST:
        values = [r[key] for r in runs if r.get(key) is not None]
        row[key] = max(values) if values else None
    row["bridge_states_at_end"] = sorted({str(r.get("bridge_state_at_end")) for r in runs}) if adapter == "resilient" else None
    verdicts = [judge(r) for r in runs]
    if adapter in JUDGED_ON_TARGETS:
        row["targets"] = {}
        for t in targets_for(name):
            row["targets"][t.id] = {"text": t.text, "met": all(v["targets"][t.id]["met"] for v in verdicts),
                                    "values": [v["targets"][t.id]["value"] for v in verdicts]}
    else:
        control = control_for(name)
        reproduced = [v["control"] for v in verdicts]
        row["control"] = {"expected": control.text,
                          "reproduced_runs": None if control.reproduced is None else sum(reproduced)}
    return row


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for name in dict.fromkeys(r["scenario"] for r in results):
        for adapter in dict.fromkeys(r["adapter"] for r in results):
            runs = [r for r in results if r["scenario"] == name and r["adapter"] == adapter]
            if runs:
                rows.append(_row(name, adapter, runs))
    failures, control_failures = [], []
    scenarios: dict[str, dict[str, Any]] = {}
    targets: dict[str, bool] = {}
    for row in rows:
        where = row["scenario"]
        entry = scenarios.setdefault(where, {"targets_met": None, "control_reproduced": None})
        if row["adapter"] in JUDGED_ON_TARGETS:
            missed = [(tid, t) for tid, t in row["targets"].items() if not t["met"]]
            for tid, t in row["targets"].items():
                targets[tid] = targets.get(tid, True) and t["met"]
            failures += [f"{where}: {tid} ({t['text']}): {t['values']}" for tid, t in missed]
            entry["targets_met"] = not missed
        elif row["control"]["reproduced_runs"] is not None:
            ok = row["control"]["reproduced_runs"] == row["runs"]
            entry["control_reproduced"] = ok
            if not ok:
                control_failures.append(f"{where}: the stock control reproduced \"{row['control']['expected']}\" in "
                                        f"{row['control']['reproduced_runs']} of {row['runs']} run(s)")
    return {"rows": rows, "targets_met": not failures, "failures": failures, "targets": targets,
            "scenarios": scenarios, "control_reproduces": not control_failures, "control_failures": control_failures}


def matrix_jobs(seeds: int, scenarios: Iterable[str] | None = None, adapters: Iterable[str] = ADAPTERS) -> list[tuple[str, str, int]]:
    return [(name, adapter, seed) for name in (scenarios or SCENARIOS) for adapter in adapters for seed in range(seeds)]


def run_matrix(seeds: int, scenarios: Iterable[str] | None = None, adapters: Iterable[str] = ADAPTERS,
               progress: Callable[[dict[str, Any]], None] | None = None, *, concurrency: int = 1,
               profile: str = "full", boot_slots: int = 1, jobs: list[tuple[str, str, int]] | None = None,
               trace_dir: Path | None = None, reuse: bool = True) -> dict[str, Any]:
    import time

    started = time.monotonic()
    jobs = jobs if jobs is not None else matrix_jobs(seeds, scenarios, adapters)
    results = run_jobs(jobs, concurrency=concurrency, profile=profile, boot_slots=boot_slots,
                       trace_dir=trace_dir, reuse=reuse, progress=progress)
    return finish(results, time.monotonic() - started, concurrency=concurrency, profile=profile, reuse=reuse)


def finish(results: list[dict[str, Any]], wall_s: float, *, concurrency: int, profile: str,
           reuse: bool) -> dict[str, Any]:
    """The runs and their summary, as ``authtrace chaos --json`` prints them."""
    summary = summarize([r for r in results if "error" not in r])
    summary["errors"] = [f"{r['scenario']}/{r['adapter']}/seed {r['seed']}: {r['error']}" for r in results if "error" in r]
    if summary["errors"]:
        summary["targets_met"] = False
    summary["wall_s"] = round(wall_s, 1)
    summary["concurrency"] = concurrency
    summary["profile"] = profile
    summary["reused_browsers"] = reuse
    return {"runs": results, "summary": summary}
