"""The chaos matrix's summary and verdict (pure; the runs themselves are browser work)."""

from authtrace.host.scenarios.chaos import percentile, summarize


def run(scenario, adapter, seed=0, **kw):
    base = {"scenario": scenario, "adapter": adapter, "seed": seed, "split_brain_ms": 0, "split_brain_longest_ms": 0,
            "split_brain_open": False, "wedged": False, "lost_mutations": 0, "duplicated_mutations": 0,
            "recovered_ms": 100.0, "authkit_user_at_end": True, "convex_authenticated_at_end": True}
    return {**base, **kw}


def test_percentile():
    assert percentile([], 95) is None
    assert percentile([5, 1, 3], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95


def test_targets_judge_the_resilient_adapter_only():
    results = [
        run("hidden-tab-resume-typeerror", "stock", split_brain_ms=12000, split_brain_longest_ms=12000,
            split_brain_open=True, recovered_ms=None, convex_authenticated_at_end=False),
        run("hidden-tab-resume-typeerror", "resilient", recovered_ms=300),
        run("laptop-sleep", "resilient", recovered_ms=None, authkit_user_at_end=False, convex_authenticated_at_end=False),
    ]
    s = summarize(results)
    assert s["targets_met"], s["failures"]
    stock = next(r for r in s["rows"] if r["adapter"] == "stock")
    assert stock["split_brain_s_longest"] == 12.0 and stock["split_brain_open_runs"] == 1


def test_each_target_can_fail():
    bad = [
        run("a", "resilient", split_brain_ms=1500, split_brain_longest_ms=1500),
        run("b", "resilient", wedged=True),
        run("c", "resilient", lost_mutations=1),
        run("d", "resilient", recovered_ms=1500),
        run("laptop-sleep", "resilient", authkit_user_at_end=True, convex_authenticated_at_end=False),
    ]
    failures = summarize(bad)["failures"]
    assert len(failures) == 5 and not summarize(bad)["targets_met"]
