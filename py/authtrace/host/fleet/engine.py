"""Running the fleet's tasks: a local process pool (every core) or a Dask cluster (``--scheduler``).

Both run the same plain functions (:func:`.partition.partition`, :func:`.session.file_task`,
:func:`.session.bucket_task`) with at most a few tasks per worker in flight, so the
client's memory does not grow with the input: a directory is walked as tasks are
needed, results are folded into the :class:`~.summary.Summary` as they arrive.
Phase 1 sorts OTLP lines into buckets (and already summarizes trace and HAR files);
phase 2 summarizes the buckets. The work directory holds the buckets and is removed
at the end; on a cluster it must be on a file system the workers share
(``--work-dir``), as must the inputs.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .inputs import files, is_otlp
from .partition import partition
from .session import bucket_task, file_task
from .summary import Summary

BUCKET_BYTES = 32 << 20  # OTLP text per bucket: what one task holds as events at a time


class LocalPool:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool = ProcessPoolExecutor(self.workers)
        self.name = "local"

    def run(self, calls: Iterable[tuple[Callable, tuple]]) -> Iterator[Any]:
        pending: set = set()
        for fn, args in calls:
            pending.add(self._pool.submit(fn, *args))
            if len(pending) >= 3 * self.workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


class DaskPool:
    def __init__(self, address: str, connect_timeout: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask: pip install 'authtrace[fleet]'") from None
        try:
            self._client = Client(address, timeout=f"{connect_timeout}s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.workers = max(1, sum(w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values()))
        self.name = address

    def run(self, calls: Iterable[tuple[Callable, tuple]]) -> Iterator[Any]:
        from distributed import as_completed

        queue = as_completed()
        in_flight = 0
        for fn, args in calls:
            queue.add(self._client.submit(fn, *args, pure=False))
            in_flight += 1
            if in_flight >= 3 * self.workers:
                yield next(queue).result()
                in_flight -= 1
        for future in queue:
            yield future.result()

    def close(self) -> None:
        self._client.close()


def run(paths: list[Path], scheduler: str | None = None, workers: int | None = None,
        work_dir: Path | None = None, connect_timeout: float = 10.0) -> tuple[Summary, dict[str, Any]]:
    """The summary of every session in ``paths``, and how it ran."""
    otlp_bytes = sum(p.stat().st_size for p in files(paths) if is_otlp(p))  # a walk of names and sizes only
    pool = DaskPool(scheduler, connect_timeout) if scheduler else LocalPool(workers)
    buckets = max(2 * pool.workers, math.ceil(otlp_bytes / BUCKET_BYTES))
    work = Path(tempfile.mkdtemp(prefix="authtrace-fleet-", dir=work_dir))
    summary = Summary()
    names: dict[int, str] = {}
    try:
        def phase1() -> Iterator[tuple[Callable, tuple]]:
            for path in files(paths):
                if is_otlp(path):
                    names[len(names)] = str(path)
                    yield partition, (str(path), len(names) - 1, str(work), buckets)
                else:
                    yield file_task, (str(path),)

        for result in pool.run(phase1()):
            if isinstance(result, list):
                for r in result:
                    summary.add(r)

        def phase2() -> Iterator[tuple[Callable, tuple]]:
            parts: dict[int, list[str]] = {}
            for entry in os.scandir(work):
                parts.setdefault(int(entry.name[1:].split("-", 1)[0]), []).append(entry.path)
            for bucket in sorted(parts):
                yield bucket_task, (sorted(parts[bucket]), names)

        for result in pool.run(phase2()):
            for r in result:
                summary.add(r)
    finally:
        pool.close()
        shutil.rmtree(work, ignore_errors=True)
    return summary, {"scheduler": pool.name, "workers": pool.workers, "otlp_files": len(names), "buckets": buckets,
                     **_peaks()}


def _peaks() -> dict[str, float]:
    """Peak resident memory of this process and of the largest local worker (MB), where the OS tells."""
    try:
        import resource
    except ImportError:
        return {}
    kb = 1024 if sys.platform == "darwin" else 1  # ru_maxrss: bytes on macOS, KiB on Linux
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kb / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kb / 1024
    return {"peak_rss_mb": round(own, 1), "worker_peak_rss_mb": round(workers, 1)}
