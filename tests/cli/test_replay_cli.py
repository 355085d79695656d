"""``authtrace replay``: bad input is one line on stderr with exit code 2; --plan-only
needs no browser."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _run import completed  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT / "tests" / "fixtures" / "traces"


def cli(*args, cwd=None):
    return completed("replay", *args, cwd=cwd)


def one_line_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("authtrace: "), r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], lines[0]


def trace(tmp_path, events, name="t.json"):
    p = tmp_path / name
    p.write_text(json.dumps({"format": "authtrace/1", "meta": {}, "events": events}))
    return p


def ev(i, at, kind, type, **payload):
    return {"id": i, "tab": "tab-a", "mono": at, "wall": 1.8e12 + at, "kind": kind, "type": type, "payload": payload}


def small_trace(tmp_path):
    url = "http://127.0.0.1:8787/user_management/authenticate"
    return trace(tmp_path, [
        ev(1, 0, "lifecycle", "boot", visibility="visible", online=True),
        ev(2, 1000, "convex", "auth-change", is_authenticated=True),
        ev(3, 5000, "fetch", "request", request=1, method="POST", url=url, auth=True, grant_type="refresh_token"),
        ev(4, 5010, "fetch", "error", request=1, auth=True, grant_type="refresh_token", name="TypeError",
           message="Failed to fetch", duration_ms=10),
        ev(5, 9000, "note", "end"),
    ])


def test_missing_file(tmp_path):
    one_line_error(cli(tmp_path / "nope.json"), "no such file")


def test_not_json(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("{not json")
    one_line_error(cli(p))


def test_not_a_trace(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"hello": 1}))
    one_line_error(cli(p), "neither")


def test_nothing_replayable(tmp_path):
    p = trace(tmp_path, [ev(1, 0, "lifecycle", "boot", visibility="visible", online=True)])
    one_line_error(cli(p), "nothing to replay")


def test_invalid_edited_plan(tmp_path):
    p = small_trace(tmp_path)
    out = tmp_path / "plan.json"
    r = cli(p, "--plan-only", "--plan-out", out, "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(out.read_text())
    assert plan["format"] == "authtrace-replay/1"
    plan["faults"][0]["end_ms"] = -5
    bad = tmp_path / "bad-plan.json"
    bad.write_text(json.dumps(plan))
    one_line_error(cli(bad), "faults[0].end_ms")
    plan["format"] = "authtrace-replay/2"
    bad.write_text(json.dumps(plan))
    one_line_error(cli(bad), "not supported")


def test_bad_options(tmp_path):
    p = small_trace(tmp_path)
    one_line_error(cli(p, "--speed", "0"), "--speed")
    one_line_error(cli(p, "--repeat", "0"), "--repeat")
    one_line_error(cli(p, "--plan-only", "--plan-out", p), "input file")
    r = cli(p, "--adapter", "other")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_plan_only_prints_the_plan_and_schedule(tmp_path):
    r = cli(small_trace(tmp_path), "--plan-only", "--json", "--speed", "4")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["plan"]["faults"][0]["action"] == "drop"
    assert any(s["do"] == "arm" for s in out["steps"])
    assert out["schedule"]["access_token_ttl_s"] == 75  # no JWT in the trace: 300 s assumed, / 4


def test_plan_of_a_recorded_trace_reads_back(tmp_path):
    out = tmp_path / "plan.json"
    r = cli(TRACES / "hidden-tab-resume-typeerror.stock.json", "--plan-only", "--plan-out", out)
    assert r.returncode == 0, r.stderr
    assert "recorded failure: split brain open" in r.stdout
    r = cli(out, "--plan-only", "--json")
    assert r.returncode == 0, r.stderr
