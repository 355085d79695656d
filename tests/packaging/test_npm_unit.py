"""Runs the npm package's own JS unit tests (node --test web/npm/test/): the convex
range check behind `authtrace/bridge`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_npm_package_unit_tests_pass():
    proc = subprocess.run(["node", "--test", "--test-reporter=spec", "web/npm/test/"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "ℹ fail 0" in out and "ℹ pass 2" in out, out[-2000:]
