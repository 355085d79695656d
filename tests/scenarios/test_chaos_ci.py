"""The CI subset of the chaos matrix (conftest.py): per scenario, the resilient bridge
meets its targets (targets.py) and the stock adapter, the control, still reproduces
the failure where it should. Every run of both adapters keeps minted secrets out of
its trace."""

from __future__ import annotations

import re

import pytest

from authtrace.host.scenarios.catalog import SCENARIOS
from authtrace.host.scenarios.chaos import summarize
from authtrace.host.scenarios.targets import control_for

from tests.bridge import _mutants

from .conftest import CI_SEEDS, ci_run


def _runs(matrix, name, adapter):
    return [ci_run(matrix, name, adapter, seed) for seed in CI_SEEDS.get(name, (0,))]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_resilient_bridge_meets_its_targets(ci_matrix, name):
    runs = _runs(ci_matrix, name, "resilient")
    assert all(r["trace_secrets_found"] == 0 for r in runs)
    summary = summarize(runs)
    assert summary["targets_met"], "\n".join(summary["failures"])


@pytest.mark.parametrize("name", [n for n in SCENARIOS if control_for(n).reproduced is not None])
def test_stock_control_still_reproduces(ci_matrix, name):
    runs = _runs(ci_matrix, name, "stock")
    summary = summarize(runs)
    assert summary["control_reproduces"], "\n".join(summary["control_failures"])


def test_ci_subset_ran_every_scenario_for_both_adapters(ci_matrix):
    assert not ci_matrix["summary"]["errors"], ci_matrix["summary"]["errors"]
    covered = {(r["scenario"], r["adapter"]) for r in ci_matrix["runs"]}
    assert covered == {(n, a) for n in SCENARIOS for a in ("stock", "resilient")}


# Last in this module: the matrix above has run, and the bridge's mutation check beside it.
@pytest.mark.skipif(not _mutants.available(), reason="node is not installed")
def test_every_mutant_fails_the_bridge_suite():
    """The bridge suite must fail for each edit in web/bridge/test/mutation-check.mjs (the
    edits issue 11 lists, plus one per new rule): the script applies each to a temporary
    copy of web/bridge, runs the suite there and exits 0 only if every mutant is caught."""
    rc, out = _mutants.result()
    assert rc == 0, out[-8000:]
    m = re.search(r"^(\d+) of (\d+) mutants caught$", out, re.M)
    assert m and m.group(1) == m.group(2) and int(m.group(2)) >= 15, out[-4000:]
