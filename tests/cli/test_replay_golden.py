"""Golden replay plans and schedules of every recorded trace and HAR in tests/fixtures.

build_plan, schedule (at several speeds) and page_injections are pure functions of their
input: their whole output is pinned here, so a changed rounding, a dropped page state, a
fault window moved by one comparison or a segment rate changed shows up as a diff. When a
change is meant, record the goldens again and read the diff before committing it:

    AUTHTRACE_RECORD_GOLDEN=1 .venv/bin/python -m pytest tests/cli/test_replay_golden.py
"""

import json
import os
from pathlib import Path

import pytest

from authtrace.replay import NothingToReplay, build_plan, page_injections, schedule

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOLDEN = FIXTURES / "replay" / "golden.json"
SOURCES = sorted([*FIXTURES.glob("traces/*.json"), *FIXTURES.glob("har/*.har")])
SPEEDS = (1, 10, 120)
RECORD = os.environ.get("AUTHTRACE_RECORD_GOLDEN") == "1"


def outputs(path: Path) -> dict:
    try:
        plan = build_plan(json.loads(path.read_text()))
    except NothingToReplay as exc:
        return {"nothing_to_replay": str(exc)}
    # The diagnosis names the causes (pinned by tests/diagnosis): left out, so a new rule there
    # does not change the replay's goldens.
    plan["recorded"] = {k: v for k, v in plan["recorded"].items() if k != "causes"}
    return {"plan": plan, "schedule": {str(s): schedule(plan, s) for s in SPEEDS},
            "page_injections": page_injections(plan)}


def golden() -> dict:
    return json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}


def test_every_fixture_has_a_golden():
    if RECORD:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps({p.relative_to(FIXTURES).as_posix(): outputs(p) for p in SOURCES},
                                     indent=1, sort_keys=True) + "\n")
    assert sorted(golden()) == [p.relative_to(FIXTURES).as_posix() for p in SOURCES]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_plan_schedule_and_injections_match_the_golden(path):
    want = golden()[path.relative_to(FIXTURES).as_posix()]
    got = json.loads(json.dumps(outputs(path)))  # as written: tuples become lists
    assert got.keys() == want.keys()
    for key in want:
        assert got[key] == want[key], key
