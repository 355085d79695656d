"""The bridge's mutation check (web/bridge/test/mutation-check.mjs) as a background job.

The check runs the bridge suite once per listed edit (minutes of CPU). The chaos CI
subset (tests/scenarios) spends most of its wall time waiting on real timers (a
10-minute WorkOS outage), so its fixture starts the check beside it at the lowest CPU
priority, and the test that asserts the check's result (tests/scenarios/test_chaos_ci.py)
waits for it. Run alone, that test starts the job itself.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
_job: tuple[subprocess.Popen, IO[str]] | None = None


def available() -> bool:
    return shutil.which("node") is not None


def start() -> None:
    """Start the check once per test session (a no-op when it is running or done)."""
    global _job
    if _job is not None or not available():
        return
    cmd = ["node", "web/bridge/test/mutation-check.mjs"]
    if shutil.which("nice"):  # it takes the CPU the chaos runs leave idle
        cmd = ["nice", "-n", "19", *cmd]
    out = tempfile.TemporaryFile(mode="w+")
    _job = (subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True), out)


def result(timeout_s: float = 1500) -> tuple[int, str]:
    """The check's exit code and output, waiting for it (started here if it was not)."""
    start()
    assert _job is not None
    proc, out = _job
    try:
        rc = proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    out.seek(0)
    return rc, out.read()
