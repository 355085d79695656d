"""CPU time from /proc (Linux): of a process and everything it started, and of the
whole machine. Chromium's processes are not reaped by the Python process that
started ChromeDriver, so ``getrusage(RUSAGE_CHILDREN)`` misses them; a sampler that
reads the live tree every second does not. Elsewhere the figures are None.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: str) -> tuple[int, float, int] | None:
    """(parent pid, CPU seconds, start time) of one process."""
    try:
        text = (PROC / pid / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, int(fields[19])


def machine_busy() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot; the difference of two readings is the load."""
    try:
        values = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class TreeCPU:
    """CPU seconds used by process ``pid`` and its descendants between ``__enter__`` and
    ``__exit__`` (sampled by a thread; what a process used before is not counted)."""

    def __init__(self, pid: int | None = None, interval: float = 1.0) -> None:
        self.pid = pid or os.getpid()
        self.interval = interval
        self._seen: dict[tuple[int, int], float] = {}
        self._before: dict[tuple[int, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-cpu", daemon=True)

    def _sample(self) -> None:
        procs = {}
        for entry in PROC.iterdir():
            if entry.name.isdigit():
                st = _stat(entry.name)
                if st:
                    procs[int(entry.name)] = st
        tree, frontier = {self.pid}, [self.pid]
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in procs.items():
            children.setdefault(ppid, []).append(pid)
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in tree:
                    tree.add(child)
                    frontier.append(child)
        for pid in tree:
            if pid in procs:
                _, cpu, start = procs[pid]
                self._seen[(pid, start)] = cpu

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._sample()
            except OSError:
                pass

    def __enter__(self) -> TreeCPU:
        if PROC.is_dir():
            self._sample()
            self._before = dict(self._seen)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
            self._sample()

    @property
    def seconds(self) -> float | None:
        if not self._seen:
            return None
        return round(sum(cpu - self._before.get(key, 0.0) for key, cpu in self._seen.items()), 1)
