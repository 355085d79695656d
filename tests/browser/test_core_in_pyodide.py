"""Run the very same core test files inside Pyodide in headless Chromium.

The files in ``tests/core`` are copied into the page's file system and run
there with pytest (served from the local Pyodide distribution, like
``authtrace`` itself). Each host test below checks one file: every test the
host collects from it passed in the page too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "core"
CORE_FILES = sorted(p.name for p in CORE.glob("test_*.py"))
# A test may skip in the page only for a module that cannot be built for it.
ALLOWED_PAGE_SKIPS = ("jsonschema",)


def host_counts() -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:pytest_pyodide", "-p", "no:cacheprovider",
         "-o", "addopts=", str(CORE)],
        capture_output=True, text=True, check=True,
    ).stdout
    counts: dict[str, int] = defaultdict(int)
    for line in out.splitlines():
        if "::" in line:
            counts[Path(line.split("::")[0]).name] += 1
    return counts


@pytest.fixture(scope="module")
def page_results(selenium_module_scope):
    sel = selenium_module_scope
    sel.set_script_timeout(300)
    files = {p.name: p.read_text() for p in CORE.glob("*.py")}
    sel.run_js(
        f"""
        await pyodide.loadPackage(["pytest", "authtrace", "hypothesis", "tblib"]);
        const files = {json.dumps(files)};
        pyodide.FS.mkdirTree("/home/pyodide/core");
        for (const [name, text] of Object.entries(files)) {{
            pyodide.FS.writeFile("/home/pyodide/core/" + name, text);
        }}
        """
    )
    xml = sel.run(
        """
        import os, sys, pytest
        os.chdir("/home/pyodide")
        sys.dont_write_bytecode = True
        code = pytest.main(["core", "-q", "-p", "no:cacheprovider", "--junitxml=/home/pyodide/core.xml"])
        open("/home/pyodide/core.xml").read()
        """
    )
    results: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for case in ET.fromstring(xml).iter("testcase"):
        module = case.get("classname", "").split(".")[-1] + ".py"
        outcome, detail = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome, detail = tag, (node.get("message") or "") + "\n" + (node.text or "")
        results[module].append((case.get("name"), outcome, detail))
    platform = sel.run("import sys; sys.platform")
    return platform, results, host_counts()


@pytest.mark.parametrize("module", CORE_FILES)
def test_core_file_passes_in_pyodide(page_results, module):
    platform, results, counts = page_results
    assert platform == "emscripten"
    cases = results.get(module, [])
    bad = [f"{name}: {outcome}\n{detail}" for name, outcome, detail in cases if outcome in ("failure", "error")]
    assert not bad, "\n\n".join(bad)
    skipped = [(name, detail) for name, outcome, detail in cases if outcome == "skipped"]
    for name, detail in skipped:
        assert any(m in detail for m in ALLOWED_PAGE_SKIPS), f"{name} skipped in the page: {detail}"
    assert counts[module] > 0
    assert len(cases) == counts[module], f"host collects {counts[module]} tests from {module}, the page ran {len(cases)}"
