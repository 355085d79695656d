"""The CI subset of the chaos matrix, run once per test session: one seed of every
scenario for both adapters (workos-outage: one seed per variant, 5xx and network),
the long scenarios in their CI profile, side by side (scenarios/pool.py).

The stock runs back the end-to-end checks (test_scenarios_e2e.py: the harness still
reproduces what users report, and `authtrace analyze` names it); the resilient runs
back the bridge's targets (test_chaos_ci.py). Concurrency: ``AUTHTRACE_CHAOS_CONCURRENCY``
(default 10) and ``AUTHTRACE_CHAOS_BOOT_SLOTS`` (default 1).
"""

from __future__ import annotations

import os
import sys

import pytest

from authtrace.host.scenarios.catalog import SCENARIOS
from authtrace.host.scenarios.chaos import run_matrix
from authtrace.host.scenarios.runner import ADAPTERS
from tests.bridge import _mutants

CI_SEEDS = {"workos-outage": (0, 1)}  # even seeds: 5xx; odd seeds: dropped connections


def ci_jobs() -> list[tuple[str, str, int]]:
    return [(name, adapter, seed) for name in SCENARIOS for adapter in ADAPTERS for seed in CI_SEEDS.get(name, (0,))]


@pytest.fixture(scope="session")
def ci_matrix(tmp_path_factory):
    concurrency = int(os.environ.get("AUTHTRACE_CHAOS_CONCURRENCY", "10"))
    boot_slots = int(os.environ.get("AUTHTRACE_CHAOS_BOOT_SLOTS", "1"))

    def progress(r):
        status = r.get("error") or f"serving {r.get('serving_ms')}, split brain {r['split_brain_ms']} ms"
        print(f"\n  chaos CI: {r['scenario']} {r['adapter']} seed {r['seed']}: {status} [{r.get('wall_s')} s]",
              file=sys.stderr, flush=True)

    _mutants.start()  # the bridge's mutation check runs beside the matrix (tests/bridge/_mutants.py)
    out = run_matrix(0, jobs=ci_jobs(), concurrency=concurrency, boot_slots=boot_slots, profile="ci",
                     trace_dir=tmp_path_factory.mktemp("chaos-ci"), progress=progress)
    print(f"\n  chaos CI subset: {len(out['runs'])} runs in {out['summary']['wall_s'] / 60:.1f} min "
          f"at concurrency {concurrency}", file=sys.stderr)
    return out


def ci_run(matrix, name: str, adapter: str, seed: int = 0) -> dict:
    run = next(r for r in matrix["runs"] if (r["scenario"], r["adapter"], r["seed"]) == (name, adapter, seed))
    if "error" in run:
        pytest.fail(f"{name}/{adapter}/seed {seed} could not run: {run['error']}")
    return run
