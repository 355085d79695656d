"""``authtrace bench diagnosis``: how the diagnosis scales with the length of a trace.

The traces are the recorded scenario traces (``tests/fixtures/traces``, one per
scenario) laid end to end, again and again, until the wanted number of events:
each repetition is shifted in time, its events renumbered, its token fingerprints
and request/call ids made its own (a long-lived tab does not reuse a token), and
the tabs keep their ids, so a tab's history grows with the trace as in a tab left
open for days. Each size runs in its own process: the figures are the time of
``diagnose()`` alone, the memory the trace takes, and the peak of the whole
process (trace and analysis). The growth exponent is the slope of log(time) over
log(events), fitted by least squares. CPU times are given beside wall times: on a
shared machine the wall clock also counts the time spent waiting for a core.

The live case is the panel's: a full buffer (``--live``, 20,000 events) diagnosed
with ``LiveDiagnosis`` in steps, then 100 more events folded in and judged again;
the longest step is what would hold the page's main thread (measured here on
CPython; Pyodide runs the same code, slower).

Targets (issue 22): 1,000,000 events in at most 30 s and 1.5 GB, exponent at most 1.2.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

SIZES = (2_000, 20_000, 200_000, 1_000_000)
TARGET_EVENTS = 1_000_000
TARGET_S = 30.0
TARGET_MB = 1536.0
TARGET_EXPONENT = 1.2
LIVE_EVENTS = 20_000  # the recorder's buffer per tab
GAP_MS = 60_000.0  # between two scenarios laid end to end
_FINGERPRINT = re.compile(r"tok:[0-9a-f]{12}")


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES),
                        help="comma-separated trace lengths in events (default: %(default)s)")
    parser.add_argument("--traces", type=Path, default=None,
                        help="directory of scenario traces to build from (default: tests/fixtures/traces)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="give up on a size after this many seconds (default: %(default)s)")
    parser.add_argument("--live", type=int, default=LIVE_EVENTS,
                        help="events in the live (panel) case, 0 to skip it (default: %(default)s)")


def default_traces() -> Path:
    from .pyodide_dist import project_root

    return project_root() / "tests" / "fixtures" / "traces"


def _unit(traces: Path) -> tuple[str, float]:
    """The scenario traces laid end to end (times from 0): their events as JSON text, and its span in ms."""
    from .errors import UsageError

    files = sorted(traces.glob("*.json")) if traces.is_dir() else []
    if not files:
        raise UsageError(f"{traces}: no scenario traces (*.json) to build the benchmark's traces from")
    events: list[dict[str, Any]] = []
    at = 0.0
    for path in files:
        evs = sorted(json.loads(path.read_text())["events"], key=lambda e: (e["wall"], e.get("id") or 0))
        if not evs:
            continue
        t0 = evs[0]["wall"]
        for e in evs:
            events.append({**e, "wall": e["wall"] - t0 + at})
        at = events[-1]["wall"] + GAP_MS
    return json.dumps(events), at


def build(n: int, traces: Path):
    """A trace of exactly ``n`` events (see the module docstring)."""
    from ..event import Event, Kind
    from ..trace import Trace

    text, span = _unit(traces)
    fingerprints = sorted(set(_FINGERPRINT.findall(text)))
    trace = Trace({"origin": "bench", "source": "trace"})
    events = trace.events
    copy = 0
    while len(events) < n:
        own = {fp: "tok:" + hashlib.sha256(f"{copy}:{fp}".encode()).hexdigest()[:12] for fp in fingerprints}
        shift = copy * span
        offset = copy * 1_000_000
        for e in json.loads(_FINGERPRINT.sub(lambda m: own[m.group(0)], text)):
            if len(events) >= n:
                break
            p = e.get("payload") or {}
            for key in ("request", "call"):
                if isinstance(p.get(key), int) and not isinstance(p.get(key), bool):
                    p[key] += offset
            events.append(Event(e["tab"], e["mono"], e["wall"] + shift, Kind(e["kind"]), e["type"], p,
                                len(events) + 1))
        copy += 1
    return trace


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(n: int, traces: Path) -> dict[str, Any]:
    """One size, in this process: build, then diagnose once (run by :func:`main` in a fresh process)."""
    import gc
    import resource

    from ..diagnosis import diagnose

    t = time.perf_counter()
    trace = build(n, traces)
    built_s = time.perf_counter() - t
    gc.collect()
    trace_mb = _rss_mb()
    t, cpu = time.perf_counter(), time.process_time()
    d = diagnose(trace)
    analysis_s, analysis_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"events": len(trace.events), "build_s": round(built_s, 2), "analysis_s": round(analysis_s, 3),
            "analysis_cpu_s": round(analysis_cpu_s, 3),
            "trace_mb": round(trace_mb, 1), "peak_mb": round(peak_mb, 1),
            "analysis_mb": round(max(peak_mb - trace_mb, 0.0), 1),
            "findings": len(d.findings), "split_brain": len(d.split_brain),
            "by_cause": dict(sorted(Counter(d.ids()).items()))}


def measure_live(n: int, traces: Path, new: int = 100) -> dict[str, Any]:
    """The panel's case, in this process: a full buffer of ``n`` events diagnosed in steps
    (:class:`LiveDiagnosis`), then ``new`` more events folded in and judged again. The
    longest step is what would block the page (here on CPython, in CPU ms)."""
    from ..diagnosis import LiveDiagnosis

    trace = build(n + new, traces)
    live = LiveDiagnosis(trace.meta, trace.events[:n])

    def steps() -> list[float]:
        out, g = [], live.steps()
        while True:
            t = time.process_time()
            try:
                next(g)
            except StopIteration:
                out.append(time.process_time() - t)
                return out
            out.append(time.process_time() - t)

    first = steps()
    live.feed(trace.events[n:])
    update = steps()
    return {"events": n, "new_events": new,
            "first_run": {"steps": len(first), "longest_step_cpu_ms": round(max(first) * 1000, 1),
                          "total_cpu_ms": round(sum(first) * 1000, 1)},
            "update": {"steps": len(update), "longest_step_cpu_ms": round(max(update) * 1000, 1),
                       "total_cpu_ms": round(sum(update) * 1000, 1)}}


def _run_live(n: int, traces: Path, timeout: float) -> dict[str, Any]:
    return _subprocess(f"measure_live({n}, Path({str(traces)!r}))", timeout, {"events": n})


def _run_one(n: int, traces: Path, timeout: float) -> dict[str, Any]:
    return _subprocess(f"measure({n}, Path({str(traces)!r}))", timeout, {"events": n})


def _subprocess(call: str, timeout: float, what: dict[str, Any]) -> dict[str, Any]:
    code = ("import json; from pathlib import Path; from authtrace.host import bench_diagnosis as b; "
            f"print(json.dumps(b.{call}))")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {**what, "error": f"timed out after {timeout:.0f} s"}
    if out.returncode != 0:
        return {**what, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def exponent(rows: list[dict[str, Any]], key: str = "analysis_s") -> float | None:
    """The slope of log(analysis time) over log(events), least squares."""
    pts = [(math.log(r["events"]), math.log(r[key])) for r in rows if r.get(key, 0) > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / den, 3) if den else None


def main(args) -> dict[str, Any]:
    from .errors import UsageError

    try:
        sizes = [int(s) for s in str(getattr(args, "sizes", "") or "").split(",") if s.strip()]
    except ValueError:
        raise UsageError(f"--sizes: expected comma-separated numbers of events, got {args.sizes!r}") from None
    if not sizes or min(sizes) < 1:
        raise UsageError("--sizes: give at least one trace length of 1 event or more")
    traces = getattr(args, "traces", None) or default_traces()
    _unit(traces)  # bad input is reported before anything runs
    rows = [_run_one(n, traces, float(getattr(args, "timeout", 900.0))) for n in sizes]
    k = exponent([r for r in rows if "error" not in r])
    k_cpu = exponent([r for r in rows if "error" not in r], "analysis_cpu_s")
    largest = next((r for r in rows if r["events"] == TARGET_EVENTS and "error" not in r), None)
    targets: dict[str, Any] = {
        "exponent": {"value": k, "target": TARGET_EXPONENT, "met": k is not None and k <= TARGET_EXPONENT},
        "time_1m_s": {"value": largest and largest["analysis_s"], "target": TARGET_S,
                      "met": largest is not None and largest["analysis_s"] <= TARGET_S},
        "peak_1m_mb": {"value": largest and largest["peak_mb"], "target": TARGET_MB,
                       "met": largest is not None and largest["peak_mb"] <= TARGET_MB},
    }
    live_n = int(getattr(args, "live", LIVE_EVENTS))
    live = _run_live(live_n, traces, float(getattr(args, "timeout", 900.0))) if live_n > 0 else None
    return {"traces": str(traces), "python": sys.version.split()[0], "sizes": {str(r["events"]): r for r in rows},
            "exponent": k, "exponent_cpu": k_cpu, "live": live,
            "targets": targets, "meets_target": all(t["met"] for t in targets.values())}
