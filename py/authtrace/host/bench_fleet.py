"""``authtrace bench fleet``: ``authtrace fleet`` over 10,000 sessions a Collector stored.

The sessions are made from the recorded scenario traces (``tests/fixtures/traces``):
each is one scenario, shifted in time (sessions spread over a week), with a tail of
quiet of its own (0 to 10 minutes after its last event, so split-brain intervals
still open at the end last as long as the user stayed), and a fresh ``session.id``.
A share of them (``--affected``, 0.3) keep their failure; the others are the
scenario's healthy beginning (cut before the first trouble and checked to have no
finding). They are exported as the recorder's exporter does (each tab its own
requests of at most 200 records, the mapping of :mod:`authtrace.otlp`) and written as
a Collector's file exporter does: one request per line, the sessions of 64 browsers
interleaved, rotated into files of 64 MB. The input is made once per size and seed
(``--dir``, default in the temporary directory) and reused.

``authtrace fleet DIR --json`` then runs in its own process on 1,000 and on 10,000
sessions, side by side: wall time, CPU time (the fleet process and its workers),
sessions per second, the peak memory of the main process and of the largest worker
(the bound of the whole: main + workers × largest), the load average of the machine
before and after, and the scaling (how much more time per session at 10,000).
Targets (issue 17): 10,000 sessions in at most 60 s, and under 1 GB of memory.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from ..diagnosis import diagnose
from ..event import Event
from ..otlp import Source, event_record, logs_request
from ..trace import Trace

SESSIONS = 10_000
SMALL = 1_000
TARGET_S = 60.0
TARGET_MB = 1024.0
BATCH = 200
BROWSERS = 64  # sessions exporting at once, interleaved in the files
FILE_BYTES = 64 << 20
WEEK_MS = 7 * 86_400_000.0


def add_arguments(parser) -> None:
    parser.add_argument("--sessions", type=int, default=SESSIONS, help="sessions of the large run (default: %(default)s)")
    parser.add_argument("--small", type=int, default=SMALL, help="sessions of the small run (default: %(default)s)")
    parser.add_argument("--affected", type=float, default=0.3, help="share of sessions that fail (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workers", type=int, default=None, help="fleet's local processes (default: one per core)")
    parser.add_argument("--dir", type=Path, default=None, help="where the generated input is kept (default: temp)")


def _scenarios() -> list[tuple[Trace, Trace]]:
    """Each scenario trace and its healthy beginning (no finding)."""
    from .bench_diagnosis import default_traces

    out = []
    for path in sorted(default_traces().glob("*.json")):
        trace = Trace.loads(path.read_text())
        d = diagnose(trace)
        first = min((min(f.evidence) for f in d.findings if f.evidence), default=len(trace.events))
        cut = max(1, first - 1)
        while cut > 1 and diagnose(Trace(trace.meta, trace.events[:cut])).findings:
            cut //= 2
        out.append((trace, Trace(trace.meta, trace.events[:cut])))
    return out


def _session(rng: random.Random, trace: Trace, epoch: float) -> tuple[str, list[tuple[str, list[Event]]]]:
    """A session id and each tab's events, moved to ``epoch`` + a week's spread, with a quiet tail."""
    sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    shift = epoch + rng.random() * WEEK_MS - trace.events[0].wall
    tail = rng.random() * 600_000.0
    by_tab: dict[str, list[Event]] = {}
    for e in trace.events:
        by_tab.setdefault(e.tab, []).append(Event(e.tab, e.mono, e.wall + shift, e.kind, e.type, e.payload, e.id))
    last = max(e.wall for e in trace.events) + shift
    tab = trace.events[-1].tab
    end = by_tab[tab][-1]
    by_tab[tab].append(Event(tab, end.mono + (last - end.wall) + tail, last + tail, "visibility", "focus",
                             {"visibility": "visible"}, (end.id or 0) + 10_000))
    return sid, list(by_tab.items())


def generate(out: Path, sessions: int, affected: float, seed: int) -> dict[str, Any]:
    """Write ``sessions`` sessions as a Collector's file exporter would (see the module docstring)."""
    done = out / ".done.json"  # hidden: fleet reads only the logs
    if done.exists():
        return json.loads(done.read_text())
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("logs-*.json"):
        old.unlink()
    started = time.perf_counter()
    rng = random.Random(seed)
    scenarios = _scenarios()
    epoch = 1_800_000_000_000.0
    sources = {}
    active: list[list] = []  # [session id, source, remaining batches]
    made = files = size = 0
    f = None

    def new_file():
        nonlocal f, files
        if f is not None:
            f.close()
        files += 1
        return open(out / f"logs-{files:04d}.json", "w", encoding="utf-8")

    f = new_file()
    written = 0
    while made < sessions or active:
        while made < sessions and len(active) < BROWSERS:
            failing, healthy = scenarios[made % len(scenarios)]
            sid, tabs = _session(rng, failing if rng.random() < affected else healthy, epoch)
            ua = failing.meta.get("user_agent")
            source = sources.setdefault(ua, Source("bench-app", ua, ("Chromium 156",), "Linux", False, "en"))
            batches = [evs[i:i + BATCH] for _, evs in tabs for i in range(0, len(evs), BATCH)]
            active.append([sid, source, batches])
            made += 1
        slot = rng.randrange(len(active))
        sid, source, batches = active[slot]
        batch = batches.pop(0)
        line = json.dumps(logs_request(source, [event_record(e, sid) for e in batch], sid), separators=(",", ":"))
        f.write(line + "\n")
        written += len(line) + 1
        if written >= FILE_BYTES:
            size += written
            written = 0
            f = new_file()
        if not batches:
            active.pop(slot)
    f.close()
    size += written
    info = {"sessions": sessions, "files": files, "bytes": size, "seconds": round(time.perf_counter() - started, 1)}
    done.write_text(json.dumps(info))
    return info


def _fleet(path: Path, workers: int | None) -> dict[str, Any]:
    argv = [sys.executable, "-m", "authtrace", "fleet", str(path), "--json"]
    if workers:
        argv += ["--workers", str(workers)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"authtrace fleet failed: {proc.stderr.strip()[:300]}")
    out = json.loads(proc.stdout)
    run = out["run"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    bound = run.get("peak_rss_mb", 0) + run["workers"] * run.get("worker_peak_rss_mb", 0)
    return {"sessions": out["sessions"], "events": out["events"], "affected_share": out["affected_share"],
            "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "sessions_per_s": round(out["sessions"] / wall, 1),
            "sessions_per_cpu_s": round(out["sessions"] / cpu, 1) if cpu else None,
            "main_peak_mb": run.get("peak_rss_mb"), "worker_peak_mb": run.get("worker_peak_rss_mb"),
            "memory_bound_mb": round(bound, 1), "workers": run["workers"], "buckets": run["buckets"],
            "load_before": [round(x, 2) for x in load], "load_after": [round(x, 2) for x in os.getloadavg()]}


def main(args) -> dict[str, Any]:
    import tempfile

    root = args.dir or Path(tempfile.gettempdir()) / "authtrace-bench-fleet"
    figures: dict[str, Any] = {"cores": os.cpu_count()}
    runs = {}
    for n in (args.small, args.sessions):
        where = root / f"s{n}-a{args.affected}-seed{args.seed}"
        figures[f"input_{n}"] = generate(where, n, args.affected, args.seed)
        runs[n] = _fleet(where, args.workers)
        figures[f"fleet_{n}"] = runs[n]
    small, large = runs[args.small], runs[args.sessions]
    figures["scaling"] = {
        "sessions_ratio": round(args.sessions / args.small, 1),
        "wall_ratio": round(large["wall_s"] / small["wall_s"], 2),
        "cpu_ratio": round(large["cpu_s"] / small["cpu_s"], 2) if small["cpu_s"] else None,
        "cpu_per_session_ms": {args.small: round(1000 * small["cpu_s"] / small["sessions"], 2),
                               args.sessions: round(1000 * large["cpu_s"] / large["sessions"], 2)},
    }
    figures["meets_target"] = {"time": large["wall_s"] <= TARGET_S, "memory": large["memory_bound_mb"] < TARGET_MB}
    figures["targets"] = {"sessions": args.sessions, "max_s": TARGET_S, "max_mb": TARGET_MB}
    return figures
