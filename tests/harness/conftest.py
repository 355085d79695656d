"""Harness tests: the app's own functions, the WorkOS stand-in, the pytest plugin, the example app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FUNCTIONS = HERE / "functions" / "convex"
BROKEN = HERE / "functions_broken" / "convex"

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "convex-test").is_dir(),
    reason="needs Node.js and node_modules (npm ci)")
