"""The chaos matrix: every scenario, both adapters, N seeds; a table and a verdict.

Targets for the resilient adapter (the stock one is the control and is expected
to keep failing where users report it): no split brain longer than 1 s, no
wedged run, no lost or duplicated mutation, recovery p95 at most 1 s after the
fault ends, and ``laptop-sleep`` ending in a consistent sign-out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from .catalog import SCENARIOS
from .runner import ADAPTERS, run

MAX_SPLIT_BRAIN_MS = 1000
MAX_RECOVERY_P95_MS = 1000
# A genuine sign-out: the right end is both signed out, not recovered.
SIGN_OUT_SCENARIOS = {"laptop-sleep", "missing-refresh-token-other-tab", "missing-refresh-cookie", "rotation-race"}


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[k]


def longest_split_brain(result: dict[str, Any]) -> float:
    return float(result.get("split_brain_longest_ms", result["split_brain_ms"]))


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    rows = []
    for name in dict.fromkeys(r["scenario"] for r in results):
        for adapter in dict.fromkeys(r["adapter"] for r in results):
            runs = [r for r in results if r["scenario"] == name and r["adapter"] == adapter]
            if not runs:
                continue
            recov = [r["recovered_ms"] for r in runs if r["recovered_ms"] is not None]
            rows.append({
                "scenario": name, "adapter": adapter, "runs": len(runs),
                "split_brain_s_total": round(sum(r["split_brain_ms"] for r in runs) / 1000, 2),
                "split_brain_s_longest": round(max(longest_split_brain(r) for r in runs) / 1000, 2),
                "split_brain_open_runs": sum(1 for r in runs if r["split_brain_open"]),
                "wedged_runs": sum(1 for r in runs if r["wedged"]),
                "lost_mutations": sum(r["lost_mutations"] for r in runs),
                "duplicated_mutations": sum(r["duplicated_mutations"] for r in runs),
                "recovery_p50_ms": percentile(recov, 50), "recovery_p95_ms": percentile(recov, 95),
                "signed_out_consistently": sum(1 for r in runs if not r["authkit_user_at_end"] and not r["convex_authenticated_at_end"]),
            })
    failures = []
    for row in rows:
        if row["adapter"] != "resilient":
            continue
        where = row["scenario"]
        if row["split_brain_s_longest"] * 1000 > MAX_SPLIT_BRAIN_MS:
            failures.append(f"{where}: split brain {row['split_brain_s_longest']} s > 1 s")
        if row["wedged_runs"]:
            failures.append(f"{where}: {row['wedged_runs']} wedged run(s)")
        if row["lost_mutations"] or row["duplicated_mutations"]:
            failures.append(f"{where}: {row['lost_mutations']} lost / {row['duplicated_mutations']} duplicated mutation(s)")
        if row["recovery_p95_ms"] is not None and row["recovery_p95_ms"] > MAX_RECOVERY_P95_MS:
            failures.append(f"{where}: recovery p95 {row['recovery_p95_ms']} ms > 1000 ms")
        if where == "laptop-sleep" and row["signed_out_consistently"] != row["runs"]:
            failures.append(f"{where}: not a consistent sign-out in {row['runs'] - row['signed_out_consistently']} run(s)")
    return {"rows": rows, "targets_met": not failures, "failures": failures}


def run_matrix(seeds: int, scenarios: Iterable[str] | None = None, adapters: Iterable[str] = ADAPTERS,
               progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    results = []
    for name in scenarios or SCENARIOS:
        for adapter in adapters:
            for seed in range(seeds):
                try:
                    result = run(name, adapter, seed)
                except Exception as exc:  # one broken run must not lose the others
                    result = {"scenario": name, "adapter": adapter, "seed": seed, "error": f"{type(exc).__name__}: {exc}",
                              "split_brain_ms": 0, "split_brain_open": False, "wedged": False, "lost_mutations": 0,
                              "duplicated_mutations": 0, "recovered_ms": None, "authkit_user_at_end": None,
                              "convex_authenticated_at_end": None, "trace": None}
                results.append(result)
                if progress:
                    progress(result)
    summary = summarize([r for r in results if "error" not in r])
    summary["errors"] = [f"{r['scenario']}/{r['adapter']}/seed {r['seed']}: {r['error']}" for r in results if "error" in r]
    if summary["errors"]:
        summary["targets_met"] = False
    return {"runs": results, "summary": summary}
