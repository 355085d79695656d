"""Runs the resilient bridge's JS tests (web/bridge/test/*.test.js, node's test runner)
so the project's single test command covers them: the policy's transition table, the
driver on a fake clock, the issue-11 target simulations (requests on the wire), the
refresh breaker (also against the real authkit-js client and the recorder's fetch), and
the React layer rendered with React 19 in happy-dom. One pytest test per file, so a
failure names its area."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "web" / "bridge" / "test"
FILES = sorted(p.name for p in TESTS.glob("*.test.js"))


def test_the_bridge_has_its_test_files():
    # the React layer and the targets are part of the contract (issue 11)
    assert {"machine.test.js", "broker.test.js", "targets.test.js", "react.test.js",
            "breaker.test.js", "holding.test.js", "authkit-real.test.js", "recorder.test.js"} <= set(FILES)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", FILES)
def test_bridge_js_tests_pass(name):
    proc = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "--test-force-exit", str(TESTS / name)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-8000:]
    assert "ℹ fail 0" in out, out[-4000:]
    assert "ℹ pass 0" not in out, out[-4000:]


TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_bridge_declarations_type_check_the_template_swap():
    # web/bridge/test/types/main.tsx: the template's main.tsx with the bridge's import,
    # against the real authkit-react / convex / @convex-dev/workos / React types; every
    # props object the stock provider accepts must type-check with the bridge; its
    # @ts-expect-error lines fail the check if the declarations degrade to `any`.
    assert TSC.exists(), "typescript is a devDependency: run npm ci"
    proc = subprocess.run(["node", str(TSC), "-p", "web/bridge/test/types/tsconfig.json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
