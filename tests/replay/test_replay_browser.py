"""Replays in headless Chromium against the lab and the emulators, of traces recorded
by `authtrace chaos` (stock adapter, seed 0; tests/fixtures/traces):

* the hidden-tab session: stock reproduces the recorded failure (twice, with the same
  outcome: determinism; `authtrace replay TRACE --repeat 10` for the full check), the
  resilient bridge avoids it;
* the missing-refresh-cookie session (a terminal answer): stock leaves the split brain
  open again, the bridge signs out consistently.
"""

import json
from pathlib import Path

import pytest

from authtrace.host.replay import resilient_wired, run
from authtrace.replay import build_plan

TRACES = Path(__file__).resolve().parents[1] / "fixtures" / "traces"


def _plan(name):
    return build_plan(json.loads((TRACES / f"{name}.stock.json").read_text()))


def _outcome(r):
    return (r["recurred"], r["split_brain_open"], r["wedged"], r["authkit_user_at_end"], r["convex_authenticated_at_end"])


@pytest.fixture(scope="module")
def hidden_tab_stock(tmp_path_factory):
    plan = _plan("hidden-tab-resume-typeerror")
    out = tmp_path_factory.mktemp("stock")
    return plan, [run(plan, "stock", speed=10, trace_out=out / f"r{i}.json", name=f"hidden-tab-{i}") for i in range(2)]


def test_stock_replay_reproduces_the_recorded_failure(hidden_tab_stock):
    plan, runs = hidden_tab_stock
    assert plan["recorded"]["split_brain_open_at_end"]
    result = runs[0]
    assert result["recurred"], result["comparison"]
    assert result["split_brain_open"]
    assert "transient-refresh-reported-as-signout" in result["causes"]
    assert Path(result["trace"]).exists()


def test_replay_is_deterministic(hidden_tab_stock):
    _plan_, runs = hidden_tab_stock
    outcomes = [_outcome(r) for r in runs]
    assert len(set(outcomes)) == 1, outcomes
    assert outcomes[0][0], "the recorded failure should recur with the stock adapter"


def test_resilient_replay_avoids_it(tmp_path):
    assert resilient_wired() is None
    result = run(_plan("hidden-tab-resume-typeerror"), "resilient", speed=10, trace_out=tmp_path / "res.json",
                 name="hidden-tab")
    assert not result["recurred"], result["comparison"]
    assert not result["split_brain_open"] and not result["wedged"]
    assert result["convex_authenticated_at_end"]


def test_a_terminal_failure_recurs_with_stock_and_ends_in_a_sign_out_with_the_bridge(tmp_path):
    plan = _plan("missing-refresh-cookie")
    stock = run(plan, "stock", speed=10, trace_out=tmp_path / "stock.json", name="cookie")
    assert stock["recurred"] and stock["split_brain_open"], stock["comparison"]
    assert stock["authkit_user_at_end"] and not stock["convex_authenticated_at_end"]
    bridge = run(plan, "resilient", speed=10, trace_out=tmp_path / "res.json", name="cookie")
    assert not bridge["recurred"] and not bridge["split_brain_open"], bridge["comparison"]
    assert not bridge["authkit_user_at_end"] and not bridge["convex_authenticated_at_end"]
