"""Runs the resilient bridge's JS unit tests (node --test web/bridge/test/) so the
project's single test command covers them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_bridge_policy_unit_tests_pass():
    proc = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "web/bridge/test/"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-8000:]
    assert "# fail 0" in out or "ℹ fail 0" in out, out[-4000:]


TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_bridge_declarations_type_check_the_template_swap():
    # web/bridge/test/types/main.tsx: the template's main.tsx with the bridge's import,
    # against the real authkit-react / convex / React types; its @ts-expect-error lines
    # fail the check if the declarations degrade to `any`.
    assert TSC.exists(), "typescript is a devDependency: run npm ci"
    proc = subprocess.run(["node", str(TSC), "-p", "web/bridge/test/types/tsconfig.json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
