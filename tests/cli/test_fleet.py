"""`authtrace fleet`: the scenario traces as trace files, as HARs and as a Collector's OTLP files
(sessions interleaved, one split over two rotated files, two sessions merged in one line as a
batch processor does) give the summary their own diagnoses add up to; the same on one worker,
on the default pool and on a Dask LocalCluster; bad input is one line and exit 2."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from authtrace.diagnosis import diagnose
from authtrace.host.fleet.summary import percentile
from authtrace.trace import Trace

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "otlp"))
from _export import exported_requests, file_exporter_line  # noqa: E402
from _run import run  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRACES = sorted((FIXTURES / "traces").glob("*.json"))


def expected(traces: dict[str, Trace]) -> dict:
    causes: dict[str, list[int]] = {}
    durations, affected = [], 0
    for trace in traces.values():
        d = diagnose(trace)
        for c in set(d.ids()):
            causes.setdefault(c, [0, 0])[0] += 1
        for c in d.ids():
            causes[c][1] += 1
        end = max(e.wall for e in trace.events)
        durations += [(sb.end if sb.end is not None else end) - sb.start for sb in d.split_brain]
        affected += bool(d.split_brain)
    durations.sort()
    return {"causes": {c: {"sessions": s, "findings": f} for c, (s, f) in causes.items()}, "affected": affected,
            "split_brain": {"count": len(durations), "p50_ms": percentile(durations, 0.5),
                            "p95_ms": percentile(durations, 0.95), "max_ms": durations[-1]}}


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("fleet")
    (root / "traces").mkdir()
    (root / "otlp").mkdir()
    traces = {p.stem: Trace.loads(p.read_text()) for p in TRACES}
    for name in list(traces)[:3]:  # three as trace files
        (root / "traces" / f"{name}.json").write_text(traces[name].dumps())
    lines = {name: [file_exporter_line(b) for b in exported_requests(traces[name], f"s-{name}")] for name in list(traces)[3:]}
    names = list(lines)
    a, b = names[0], names[1]  # two sessions' first requests merged into one line (a batch processor)
    merged = json.loads(lines[a].pop(0))
    merged["resourceLogs"] += json.loads(lines[b].pop(0))["resourceLogs"]
    ordered = [json.dumps(merged, separators=(",", ":"))]
    for i in range(max(map(len, lines.values()))):
        ordered += [lines[n][i] for n in names if i < len(lines[n])]
    half = len(ordered) // 2  # rotated: sessions continue in the next file
    (root / "otlp" / "logs-1.json").write_text("\n".join(ordered[:half]) + "\n")
    (root / "otlp" / "logs-2.jsonl").write_text("\n".join(ordered[half:]) + "\n")
    return root, traces


def summary(*argv: str) -> dict:
    result = run("fleet", *argv, "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    out.pop("run")
    return out


def test_the_summary_is_what_the_sessions_own_diagnoses_add_up_to(fleet_dir):
    root, traces = fleet_dir
    out = summary(str(root / "traces"), str(root / "otlp"))
    want = expected(traces)
    assert out["sessions"] == len(traces) == 10 and out["files"] == 5
    assert out["events"] == sum(len(t.events) for t in traces.values())
    assert out["causes"] == want["causes"] and out["affected"] == want["affected"]
    assert {k: out["split_brain"][k] for k in want["split_brain"]} == want["split_brain"]
    assert out["affected_share"] == round(want["affected"] / 10, 6)
    worst = out["worst"]
    assert len(worst) == 10 and [w["split_brain_ms"] for w in worst] == sorted((w["split_brain_ms"] for w in worst), reverse=True)
    split = [w for w in worst if w["session_id"].startswith("s-")]
    assert len(split) == 7 and any(len(w["files"]) == 2 for w in split)  # a session over both rotated files
    by_session = {w["session_id"]: w for w in worst}
    for name, trace in traces.items():
        key = f"s-{name}" if f"s-{name}" in by_session else str(root / "traces" / f"{name}.json")
        assert by_session[key]["causes"] == diagnose(trace).ids()


def test_one_worker_and_a_har_give_the_same(fleet_dir):
    root, _ = fleet_dir
    assert summary(str(root), "--workers", "1") == summary(str(root))
    hars = sorted((FIXTURES / "har").rglob("*.har"))  # one tab each: a session per file
    out = summary(str(FIXTURES / "har"))
    assert len(hars) >= 3 and out["sessions"] == len(hars) and out["files"] == len(hars)


def test_a_dask_cluster_gives_the_same_results_as_the_local_run(fleet_dir, tmp_path):
    distributed = pytest.importorskip("distributed")
    root, _ = fleet_dir
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run("fleet", str(root), "--json", "--scheduler", cluster.scheduler_address, "--work-dir", str(tmp_path))
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out.pop("run")["scheduler"].startswith("tcp://")
    assert out == summary(str(root))
    assert list(tmp_path.iterdir()) == []  # the buckets are gone


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    assert "no such file" in run("fleet", str(tmp_path / "missing")).one_line_error()
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceLogs":[]}\n{"resourceLogs": [\n')
    line = run("fleet", str(bad)).one_line_error()
    assert str(bad) in line and "line 2" in line
    junk = tmp_path / "d"
    junk.mkdir()
    (junk / "x.json").write_text("[1, 2]")
    assert "x.json" in run("fleet", str(junk)).one_line_error()
    started = time.monotonic()
    unreachable = run("fleet", str(junk), "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1")
    assert "Dask scheduler" in unreachable.one_line_error()
    assert time.monotonic() - started < 8  # the timeout is the one asked for, not the default 10 s
    for bad in ("0", "-1", "nan"):
        assert "--connect-timeout" in run("fleet", str(junk), "--connect-timeout", bad).one_line_error()
