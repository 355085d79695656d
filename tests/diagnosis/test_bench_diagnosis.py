"""``authtrace bench diagnosis``: the traces it builds, and a small run (figures printed, never timed here)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from authtrace.diagnosis import CAUSES
from authtrace.host import bench_diagnosis

from ._golden import FIXTURES

TRACES = FIXTURES / "traces"


def test_built_traces_have_exactly_n_events_each_repetition_its_own():
    trace = bench_diagnosis.build(5_000, TRACES)
    events = trace.events
    assert len(events) == 5_000
    assert [e.id for e in events] == list(range(1, 5_001))
    assert [e.wall for e in events] == sorted(e.wall for e in events)
    unit = sum(len(json.loads(p.read_text())["events"]) for p in TRACES.glob("*.json"))
    first, second = events[:unit], events[unit:2 * unit]
    assert [(e.tab, e.kind, e.type) for e in first] == [(e.tab, e.kind, e.type) for e in second]  # tabs kept
    tokens = {str(e.payload.get("token")) for e in first if e.payload.get("token")}
    assert tokens and not tokens & {str(e.payload.get("token")) for e in second}
    requests = {e.payload.get("request") for e in first if e.payload.get("request") is not None}
    assert requests and not requests & {e.payload.get("request") for e in second}


def test_exponent_of_known_growth():
    rows = [{"events": n, "analysis_s": 1e-6 * n ** 1.5} for n in (1_000, 10_000, 100_000)]
    assert abs(bench_diagnosis.exponent(rows) - 1.5) < 1e-9
    assert bench_diagnosis.exponent(rows[:1]) is None


def test_a_small_run_reports_every_figure():
    parser = argparse.ArgumentParser()
    bench_diagnosis.add_arguments(parser)
    figures = bench_diagnosis.main(parser.parse_args(["--sizes", "400,1600", "--live", "1000"]))
    rows = figures["sizes"]
    assert sorted(rows) == ["1600", "400"]
    for n, row in rows.items():
        assert "error" not in row, row
        assert row["events"] == int(n) and row["analysis_s"] > 0 and row["peak_mb"] >= row["trace_mb"] > 0
        assert row["findings"] == sum(row["by_cause"].values())
    assert isinstance(figures["exponent"], float)
    live = figures["live"]
    assert live["events"] == 1000 and live["new_events"] == 100
    for run in (live["first_run"], live["update"]):
        assert run["steps"] > len(CAUSES)  # a fold, then at least a step per rule
        assert 0 <= run["longest_step_cpu_ms"] <= run["total_cpu_ms"]
    assert set(figures["targets"]) == {"exponent", "time_1m_s", "peak_1m_mb"}
    assert figures["targets"]["time_1m_s"]["met"] is False and figures["meets_target"] is False  # no 1M run


def test_bad_arguments_are_one_line_and_exit_2(tmp_path):
    for args in (["--sizes", "two"], ["--sizes", "0"], ["--traces", str(tmp_path)]):
        out = subprocess.run([sys.executable, "-m", "authtrace", "bench", "diagnosis", *args],
                             capture_output=True, text=True)
        assert out.returncode == 2, out
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
