"""Replays in headless Chromium against the lab and the emulators.

* a recorded scenario trace, once per adapter: stock reproduces the recorded failure,
  the resilient bridge avoids it (skipped, with the reason, if it is not wired);
* determinism: a compact (~20 s) plan replayed 3 times has the same outcome every time
  (``authtrace replay PLAN --repeat 10`` for more).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from authtrace.host.replay import resilient_wired, run
from authtrace.replay import FORMAT, build_plan, faults_from_attempts, validate_plan

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


def compact_plan():
    """~20 s after sign-in (Convex notices a failed refresh only when its 15 s token expires):
    every refresh from 0.5 s on is answered `Missing refresh token.`."""
    attempts = [{"at_ms": 2500.0, "grant_type": "refresh_token", "refresh_token_sent": False,
                 "outcome": {"type": "http", "status": 400, "error": "invalid_request",
                             "description": "Missing refresh token."}}]
    return validate_plan({
        "format": FORMAT, "source": {"kind": "synthetic", "scenario": "missing-refresh-token-other-tab"},
        "app": {"cookie_mode": False}, "duration_ms": 22_000.0, "signed_in_ms": 2_000.0,
        "tokens": {"access_token_ttl_s": 15}, "page": [], "server": [], "mutations": [],
        "attempts": attempts, "faults": faults_from_attempts(attempts, 22_000.0),
        "recorded": {"split_brain_open_at_end": True, "wedged": False, "causes": ["split-brain"]}})


def test_replay_is_deterministic(tmp_path):
    plan = compact_plan()
    outcomes = []
    for i in range(3):
        r = run(plan, "stock", speed=1, trace_out=tmp_path / f"r{i}.json", name=f"compact-{i}")
        outcomes.append((r["recurred"], r["split_brain_open"], r["wedged"], r["authkit_user_at_end"],
                         r["convex_authenticated_at_end"]))
    assert len(set(outcomes)) == 1, outcomes
    assert outcomes[0][0], "the compact plan's failure should recur with the stock adapter"
