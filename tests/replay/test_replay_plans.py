"""Replay plans of every scenario's recorded trace (tests/fixtures/traces, recorded by
`authtrace chaos` with the stock adapter, seed 0; redacted as the recorder writes them).

Pure: the plan of each recorded failure is valid, keeps what made it fail, and its
fast-forwarded schedule keeps the faults in order. The browser replays of these traces
are in test_replay_browser.py (one per adapter) and `authtrace replay TRACE --adapter both`.
"""

import json
from pathlib import Path

import pytest

from authtrace.host.scenarios.catalog import REPORTED as SCENARIOS
from authtrace.replay import SETTLE_MS, build_plan, schedule, validate_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "traces"


def _trace(name):
    return json.loads((FIXTURES / f"{name}.stock.json").read_text())


def test_every_scenario_has_a_recorded_trace():
    assert sorted(p.name.removesuffix(".stock.json") for p in FIXTURES.glob("*.stock.json")) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_plan_keeps_the_recorded_failure(name):
    trace = _trace(name)
    plan = build_plan(trace)
    assert plan["source"]["scenario"] == name and plan["source"]["adapter"] == "stock"
    rec = plan["recorded"]
    assert rec["split_brain_open_at_end"] or rec["wedged"], rec
    # A plan is plain JSON that survives being written out, edited and read back.
    again = validate_plan(json.loads(json.dumps(plan)))
    assert again == plan
    assert plan["signed_in_ms"] < plan["duration_ms"]
    assert plan["page"] or plan["attempts"] or plan["server"]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_schedule_keeps_fault_order_and_settles(name):
    plan = build_plan(_trace(name))
    s = schedule(plan, 10)
    ats = [st["at_ms"] for st in s["steps"]]
    assert ats == sorted(ats)
    arms = [st for st in s["steps"] if st["do"] == "arm"]
    starts = sorted(f["start_ms"] for f in plan["faults"] if f["target"] == "workos")
    assert len([a for a in arms if a["target"] == "workos"]) == len(starts)
    # The replay never ends on a fault: the clients get SETTLE_MS to show what it did.
    if s["steps"]:
        assert s["replay_ms"] >= s["steps"][-1]["at_ms"]
    if plan["faults"] or plan["page"]:
        last = max([st["at_ms"] for st in s["steps"] if st["do"] != "send"], default=0.0)
        assert s["replay_ms"] - last >= SETTLE_MS - 1  # every step but a send is at a fault time


def test_a_terminal_answer_holds_to_the_end_of_the_replay():
    plan = build_plan(_trace("missing-refresh-cookie"))
    terminal = [f for f in plan["faults"] if f.get("terminal")]
    assert terminal and terminal[0]["action"] == "missing-refresh-token"
    arm = next(st for st in schedule(plan, 10)["steps"] if st["do"] == "arm" and st["fault"] == terminal[0]["id"])
    assert arm["count"] is None and arm["window_s"] * 1000 >= schedule(plan, 10)["replay_ms"] - arm["at_ms"]
