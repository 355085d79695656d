"""Replays in headless Chromium against the lab and the emulators.

* a recorded scenario trace, once per adapter: stock reproduces the recorded failure,
  the resilient bridge avoids it (skipped, with the reason, if it is not wired);
* determinism: the recorded session replayed twice more has the same outcome, with the
  failure recurring each time (``authtrace replay TRACE --repeat 10`` for more).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from authtrace.host.replay import resilient_wired, run
from authtrace.replay import build_plan

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / ".authtrace" / "traces" / "hidden-tab-resume-typeerror.stock.seed0.json"


@pytest.fixture(scope="module")
def recorded_trace(tmp_path_factory):
    if RECORDED.exists():
        return RECORDED
    out = tmp_path_factory.mktemp("rec") / "hidden-tab.json"
    subprocess.run([sys.executable, "-m", "authtrace", "scenario", "run", "hidden-tab-resume-typeerror",
                    "--trace-out", str(out)], check=True, capture_output=True, timeout=300)
    return out


def _plan(path):
    import json

    return build_plan(json.loads(path.read_text()))


def test_stock_replay_reproduces_the_recorded_failure(recorded_trace, tmp_path):
    plan = _plan(recorded_trace)
    assert plan["recorded"]["split_brain_open_at_end"]
    result = run(plan, "stock", speed=10, trace_out=tmp_path / "stock.json", name="hidden-tab")
    assert result["recurred"], result["comparison"]
    assert result["split_brain_open"]
    assert "transient-refresh-reported-as-signout" in result["causes"]
    assert Path(result["trace"]).exists()


def test_resilient_replay_avoids_it(recorded_trace, tmp_path):
    why = resilient_wired()
    if why:
        pytest.skip(f"--adapter resilient: {why}")
    result = run(_plan(recorded_trace), "resilient", speed=10, trace_out=tmp_path / "res.json", name="hidden-tab")
    assert not result["recurred"], result["comparison"]
    assert not result["split_brain_open"] and not result["wedged"]
    assert result["convex_authenticated_at_end"]


def test_replay_is_deterministic(recorded_trace, tmp_path):
    # The recorded hidden-tab session, replayed twice more: the same outcome, and the
    # failure recurs each time (`authtrace replay TRACE --repeat 10` for the full check).
    plan = _plan(recorded_trace)
    outcomes = []
    for i in range(2):
        r = run(plan, "stock", speed=1, trace_out=tmp_path / f"r{i}.json", name=f"determinism-{i}")
        outcomes.append((r["recurred"], r["split_brain_open"], r["wedged"], r["authkit_user_at_end"],
                         r["convex_authenticated_at_end"]))
    assert len(set(outcomes)) == 1, outcomes
    assert outcomes[0][0], "the recorded failure should recur with the stock adapter"
