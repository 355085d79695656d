"""The core tests (tests/core) inside Pyodide in headless Firefox, as
tests/browser/test_core_in_pyodide.py runs them in Chromium: the same files are
written into the page's file system and run there with pytest, from the local
Pyodide distribution. One check per file: every test the host collects from it
passed in the page too."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest

from tests.browser.test_core_in_pyodide import ALLOWED_PAGE_SKIPS, CORE, CORE_FILES, host_counts


@pytest.fixture(scope="module")
def page_results(firefox, pyodide_url):
    page = firefox.new_page()
    try:
        page.goto(pyodide_url + "/package.json")  # any document of the distribution's origin
        files = {p.name: p.read_text() for p in CORE.glob("*.py")}
        xml = page.evaluate(f"""(async () => {{
            const {{ loadPyodide }} = await import("{pyodide_url}/pyodide.mjs");
            const pyodide = await loadPyodide({{ indexURL: "{pyodide_url}/" }});
            await pyodide.loadPackage(["pytest", "authtrace", "hypothesis", "tblib"]);
            pyodide.FS.mkdirTree("/home/pyodide/core");
            for (const [name, text] of Object.entries({json.dumps(files)})) {{
                pyodide.FS.writeFile("/home/pyodide/core/" + name, text);
            }}
            globalThis.pyodide = pyodide;
            return pyodide.runPython(`
import os, sys, pytest
os.chdir("/home/pyodide")
sys.dont_write_bytecode = True
pytest.main(["core", "-q", "-p", "no:cacheprovider", "--junitxml=/home/pyodide/core.xml"])
open("/home/pyodide/core.xml").read()
`);
        }})()""", timeout_s=600)
        platform = page.evaluate("pyodide.runPython('import sys; sys.platform')")
        agent = page.evaluate("navigator.userAgent")
    finally:
        page.close()
    results: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for case in ET.fromstring(xml).iter("testcase"):
        module = case.get("classname", "").split(".")[-1] + ".py"
        outcome, detail = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome, detail = tag, (node.get("message") or "") + "\n" + (node.text or "")
        results[module].append((case.get("name"), outcome, detail))
    return platform, agent, results, host_counts()


@pytest.mark.parametrize("module", CORE_FILES)
def test_core_file_passes_in_pyodide_in_firefox(page_results, module):
    platform, agent, results, counts = page_results
    assert platform == "emscripten"
    assert "Firefox/" in agent
    cases = results.get(module, [])
    bad = [f"{name}: {outcome}\n{detail}" for name, outcome, detail in cases if outcome in ("failure", "error")]
    assert not bad, "\n\n".join(bad)
    for name, outcome, detail in cases:
        if outcome == "skipped":
            assert any(m in detail for m in ALLOWED_PAGE_SKIPS), f"{name} skipped in the page: {detail}"
    assert counts[module] > 0
    assert len(cases) == counts[module], f"host collects {counts[module]} tests from {module}, the page ran {len(cases)}"
