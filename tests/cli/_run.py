"""Run the CLI in this process (fast enough for property tests) or as a real process.

Most tests run it in this process (``run``, ``completed``): a real process costs about half a second
of start-up each. The real entry point keeps its own test (``run_process`` in
test_cli_bad_input.py)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class Result:
    code: int
    out: str
    err: str

    def one_line_error(self) -> str:
        """The single ``authtrace: …`` line of a refused input (asserts the promise)."""
        assert self.code == 2, self
        assert self.out == "", self
        lines = self.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("authtrace: "), self.err
        assert "Traceback" not in self.err
        return lines[0]


def run(*argv: str) -> Result:
    from authtrace.host.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # --help, --version
            code = int(exc.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


def run_process(*argv: str) -> Result:
    p = subprocess.run([sys.executable, "-m", "authtrace", *argv], capture_output=True, text=True)
    return Result(p.returncode, p.stdout, p.stderr)


def completed(*argv: str, cwd=None) -> subprocess.CompletedProcess:
    """``run`` shaped like ``subprocess.run(..., capture_output=True, text=True)``; ``cwd`` as there."""
    before = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        r = run(*map(str, argv))
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["authtrace", *map(str, argv)], r.code, r.out, r.err)
