"""Scenario runs side by side, in worker processes.

Every run has its own emulators and the lab app in a browser of its worker's (runner.py,
station.py: one Chromium and one lab origin per worker, reused run after run with
nothing left of the previous run but the compiled code in the cache; ``reuse=False``
gives every run a new browser, profile and lab server instead), so runs only share the
machine. What they must not share is the CPU at boot: loading Pyodide and the recorder
takes several CPU-seconds, while the rest of a run mostly waits on real timers. A boot
gate (a semaphore across the workers) lets ``boot_slots`` runs boot at once; a run
releases its slot once signed in with its lab tab's recorder running, and its story (the
runner's timings) starts only after that. Long runs start first, so the matrix does not end
waiting on one 10-minute story started last.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from .catalog import SCENARIOS

Job = tuple[str, str, int]  # (scenario, adapter, seed)

_gate: Any = None  # the boot gate, in each worker
_reuse = True
_station: Any = None  # the worker's browser and lab origin (station.py), made on first use


def _init_worker(gate: Any, reuse: bool) -> None:
    global _gate, _reuse
    _gate, _reuse = gate, reuse


def _worker_station() -> Any:
    global _station
    if _station is None:
        from multiprocessing.util import Finalize

        from ..pyodide_dist import project_root
        from .station import Station

        _station = Station(project_root())
        Finalize(_station, _station.close, exitpriority=10)  # workers end with os._exit: no atexit
    return _station


def error_result(name: str, adapter: str, seed: int, error: str) -> dict[str, Any]:
    return {"scenario": name, "adapter": adapter, "seed": seed, "error": error, "split_brain_ms": 0,
            "split_brain_open": False, "wedged": False, "lost_mutations": 0, "duplicated_mutations": 0,
            "recovered_ms": None, "serving_ms": None, "authkit_user_at_end": None,
            "convex_authenticated_at_end": None, "trace": None}


def run_one(job: Job, profile: str, trace_dir: Path | None, gate: Any = None, prepared: bool = True,
            station: Any = None) -> dict[str, Any]:
    """One run, never raising: a broken run must not lose the others."""
    from .cpu import TreeCPU
    from .runner import default_trace_path, run

    name, adapter, seed = job
    gate = gate if gate is not None else _gate
    if station is None and _reuse and _gate is not None:  # in a worker
        station = _worker_station()
    queued = time.monotonic()
    held = False
    if gate is not None:
        gate.acquire()
        held = True

    def booted() -> None:
        nonlocal held
        if held:
            gate.release()
            held = False

    started = time.monotonic()
    trace_out = (trace_dir / default_trace_path(name, adapter, seed).name) if trace_dir else None
    with TreeCPU() as cpu:
        try:
            result = run(name, adapter, seed, trace_out, profile=profile, on_booted=booted, prepared=prepared,
                         station=station)
        except Exception as exc:
            result = error_result(name, adapter, seed, f"{type(exc).__name__}: {exc}")
            result["error_at"] = [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                                  for f in traceback.extract_tb(exc.__traceback__)[-4:]]
        finally:
            booted()
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["boot_wait_s"] = round(started - queued, 1)
    result["cpu_s"] = cpu.seconds
    return result


def order(jobs: Iterable[Job], profile: str) -> list[Job]:
    """Longest expected runs first (then the given order)."""
    jobs = list(jobs)
    return sorted(jobs, key=lambda j: -SCENARIOS[j[0]].expected_minutes(profile))


def run_jobs(jobs: Iterable[Job], *, concurrency: int = 1, profile: str = "full", boot_slots: int = 1,
             trace_dir: Path | None = None, reuse: bool = True,
             progress: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Run ``jobs`` with at most ``concurrency`` at once; results in the jobs' order."""
    from ..pyodide_dist import project_root
    from .runner import prepare
    from .station import Station

    jobs = list(jobs)
    root = project_root()
    prepare(root)  # build Pyodide and the lab once, not in every worker
    results: dict[Job, dict[str, Any]] = {}
    if concurrency <= 1:
        station = Station(root) if reuse else None
        try:
            for job in jobs:
                results[job] = run_one(job, profile, trace_dir, station=station)
                if progress:
                    progress(results[job])
        finally:
            if station:
                station.close()
        return [results[j] for j in jobs]

    ctx = multiprocessing.get_context("spawn")
    gate = ctx.Semaphore(max(1, boot_slots))
    with ProcessPoolExecutor(max_workers=concurrency, mp_context=ctx, initializer=_init_worker,
                             initargs=(gate, reuse)) as pool:
        pending = {pool.submit(run_one, job, profile, trace_dir): job for job in order(jobs, profile)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    results[job] = future.result()
                except Exception as exc:  # the worker process itself died
                    results[job] = error_result(*job, f"worker: {type(exc).__name__}: {exc}")
                if progress:
                    progress(results[job])
    return [results[j] for j in jobs]
