"""The chaos matrix's summary and verdicts (pure; the runs themselves are browser work)."""

import pytest

from authtrace.host.scenarios.catalog import SCENARIOS
from authtrace.host.scenarios.chaos import judge, matrix_jobs, percentile, summarize
from authtrace.host.scenarios.pool import order
from authtrace.host.scenarios.targets import CONTROLS, control_for, recovery_bound_ms, targets_for


def run(scenario, adapter, seed=0, **kw):
    base = {"scenario": scenario, "adapter": adapter, "seed": seed, "split_brain_ms": 0, "split_brain_longest_ms": 0,
            "split_brain_open": False, "wedged": False, "lost_mutations": 0, "duplicated_mutations": 0,
            "recovered_ms": 100.0, "serving_ms": 100.0, "authkit_user_at_end": True, "convex_authenticated_at_end": True,
            "adapter_refresh_requests_per_tab_max": 0, "refresh_requests_per_tab_max": 0, "rotations": 0,
            "refresh_tokens_reused": 0, "authkit_calls_after_unmount": 0, "authkit_calls_outstanding_max": 1,
            "token_wait_longest_ms": 0, "console_errors": 0, "bridge_state_at_end": "authenticated", "params": {}}
    return {**base, **kw}


STOCK_SPLIT = dict(split_brain_ms=12000, split_brain_longest_ms=12000, split_brain_open=True, recovered_ms=None,
                   serving_ms=None, convex_authenticated_at_end=False)


def test_percentile():
    assert percentile([], 95) is None
    assert percentile([5, 1, 3], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95


def test_every_scenario_has_targets_and_a_control():
    for name in SCENARIOS:
        ids = [t.id for t in targets_for(name)]
        assert "no-wedge" in ids and "mutations" in ids and len(ids) == len(set(ids))
        assert control_for(name).text
    assert set(CONTROLS) <= set(SCENARIOS)


def test_targets_judge_the_resilient_adapter_and_the_control_the_stock_one():
    results = [
        run("hidden-tab-resume-typeerror", "stock", **STOCK_SPLIT),
        run("hidden-tab-resume-typeerror", "resilient", serving_ms=300),
        run("laptop-sleep", "resilient", serving_ms=None, authkit_user_at_end=False, convex_authenticated_at_end=False),
        run("laptop-sleep", "stock", **STOCK_SPLIT),
    ]
    s = summarize(results)
    assert s["targets_met"] and s["control_reproduces"], (s["failures"], s["control_failures"])
    stock = next(r for r in s["rows"] if r["adapter"] == "stock")
    assert stock["split_brain_s_longest"] == 12.0 and stock["split_brain_open_runs"] == 1
    assert stock["control"]["reproduced_runs"] == 1
    assert s["scenarios"]["laptop-sleep"] == {"targets_met": True, "control_reproduced": True}


def test_a_stock_control_that_stops_reproducing_is_reported():
    s = summarize([run("transient-5xx", "stock"), run("throw-wedge", "stock", wedged=True)])
    assert not s["control_reproduces"] and len(s["control_failures"]) == 1
    assert "transient-5xx" in s["control_failures"][0]
    # where the stock adapter is not expected to fail, a clean run is no failure
    assert summarize([run("online-lies", "stock")])["control_reproduces"]


@pytest.mark.parametrize("name, bad, target", [
    ("transient-5xx", dict(split_brain_ms=1500, split_brain_longest_ms=1500), "split-brain"),
    ("transient-5xx", dict(wedged=True), "no-wedge"),
    ("transient-5xx", dict(lost_mutations=1), "mutations"),
    ("transient-5xx", dict(serving_ms=32_500), "recovery"),
    ("transient-5xx", dict(serving_ms=None), "recovery"),  # never serving again is not "no figure"
    ("offline-at-refresh", dict(serving_ms=1500), "recovery"),  # after an `online` event: 1 s
    ("laptop-sleep", dict(authkit_user_at_end=True, convex_authenticated_at_end=False), "sign-out"),
    ("workos-outage", dict(adapter_refresh_requests_per_tab_max=41), "outage-requests"),
    ("workos-outage", dict(serving_ms=1500, params={"variant": "network"}), "recovery"),
    ("online-lies", dict(token_wait_longest_ms=40_000), "bounded-wait"),
    ("hung-refresh", dict(authkit_calls_outstanding_max=2), "one-call"),
    ("hung-refresh", dict(serving_ms=2500), "recovery"),
    ("unmount-during-retry", dict(authkit_calls_after_unmount=1), "no-calls-after-unmount"),
    ("multi-tab-resume", dict(refresh_tokens_reused=1), "no-race"),
    ("healthy-hour", dict(rotations=14, params={"max_rotations": 13}), "rotations"),
    ("healthy-hour", dict(rotations=8, params={"max_rotations": 7}), "rotations"),
    ("convex-rejects-tokens", dict(rotations=6, bridge_state_at_end="misconfigured", console_errors=1), "rotations"),
    ("convex-rejects-tokens", dict(bridge_state_at_end="degraded", console_errors=1), "misconfigured"),
    ("convex-rejects-tokens", dict(bridge_state_at_end="misconfigured", console_errors=2), "one-error"),
])
def test_each_target_can_fail(name, bad, target):
    missed = [tid for tid, v in judge(run(name, "resilient", **bad))["targets"].items() if not v["met"]]
    assert missed == [target]
    s = summarize([run(name, "resilient", **bad)])
    assert not s["targets_met"] and s["targets"][target] is False and s["scenarios"][name]["targets_met"] is False


def test_bounds_that_pass():
    ok = judge(run("workos-outage", "resilient", adapter_refresh_requests_per_tab_max=40, serving_ms=31_000,
                   refresh_requests_per_tab_max=600, params={"variant": "5xx"}))
    assert all(v["met"] for v in ok["targets"].values())
    rejects = judge(run("convex-rejects-tokens", "resilient", rotations=5, bridge_state_at_end="misconfigured",
                        console_errors=1, split_brain_open=True, split_brain_longest_ms=90_000, serving_ms=None))
    assert all(v["met"] for v in rejects["targets"].values())
    assert recovery_bound_ms("multi-tab-resume", {}) == 2500 and recovery_bound_ms("transient-5xx", {}) == 32_000
    assert recovery_bound_ms("unmount-during-retry", {}) == 1000


def test_long_runs_start_first():
    jobs = matrix_jobs(1, ["transient-5xx", "workos-outage", "healthy-hour"], ["resilient"])
    assert [j[0] for j in order(jobs, "full")][:2] == ["workos-outage", "healthy-hour"]
    assert [j[0] for j in order(jobs, "ci")][0] == "workos-outage"  # healthy-hour is shorter in CI
