"""web/vite-plugin-authtrace.js: a tiny fixture app built with the repo's Vite,
once in production mode (no byte of authtrace, PyScript or Pyodide) and once in
staging mode (boot shim first in <head>, Pyodide/PyScript emitted), and the
staging build served with a strict Content-Security-Policy in headless Chromium
(recorder and panel start; the CSP is the one docs/embedding.md documents)."""

from __future__ import annotations

import functools
import http.server
import mimetypes
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from authtrace.host.chromium import new_driver

ROOT = Path(__file__).resolve().parents[2]
VITE = ROOT / "node_modules" / ".bin" / "vite"
PLUGIN = ROOT / "web" / "vite-plugin-authtrace.js"
CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; style-src 'self'; connect-src 'self'"

pytestmark = pytest.mark.skipif(not VITE.exists() or not (ROOT / "static" / "pyodide" / "pyodide.mjs").exists(),
                                reason="needs npm ci and `authtrace pyodide build`")


def _fixture(tmp: Path) -> Path:
    app = tmp / "app"
    app.mkdir()
    (app / "index.html").write_text('<!doctype html>\n<html><head><meta charset="utf-8"><title>fixture</title></head>\n'
                                    '<body><div id="app"></div><script type="module" src="./main.js"></script></body></html>\n')
    (app / "main.js").write_text('document.getElementById("app").textContent = "hello from the fixture app";\n'
                                 "globalThis.__fixtureReady = true;\n")
    (app / "vite.config.mjs").write_text(
        f"import authtrace from {str(PLUGIN)!r};\n"
        "export default { root: import.meta.dirname, logLevel: 'warn', plugins: [authtrace()],\n"
        "  build: { outDir: process.env.FIXTURE_OUT, emptyOutDir: true } };\n")
    return app


def _build(app: Path, mode: str, out: Path, env: dict | None = None) -> None:
    run_env = {k: v for k, v in os.environ.items() if k != "AUTHTRACE"}
    run_env.update({"FIXTURE_OUT": str(out), **(env or {})})
    proc = subprocess.run([str(VITE), "build", "--config", str(app / "vite.config.mjs"), "--mode", mode],
                          cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vite")
    app = _fixture(tmp)
    out = {"production": tmp / "prod", "staging": tmp / "staging", "env": tmp / "env"}
    _build(app, "production", out["production"])
    _build(app, "staging", out["staging"])
    _build(app, "production", out["env"], {"AUTHTRACE": "1"})
    return out


def _all_bytes(root: Path):
    for path in root.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes()


def test_production_build_has_no_byte_of_authtrace(builds):
    prod = builds["production"]
    names = [p.relative_to(prod).as_posix() for p in prod.rglob("*") if p.is_file()]
    assert "index.html" in names and any(n.endswith(".js") for n in names)
    for path, data in _all_bytes(prod):
        low = data.lower()
        for needle in (b"authtrace", b"pyodide", b"pyscript", b"__authtrace"):
            assert needle not in low, f"{needle!r} in {path}"
    assert not any("authtrace" in n.lower() or "pyodide" in n.lower() for n in names)


def test_staging_build_injects_the_shim_first_and_emits_pyodide(builds):
    stg = builds["staging"]
    html = (stg / "index.html").read_text()
    head = html[html.index("<head>") + len("<head>"):html.index("</head>")]
    scripts = re.findall(r"<script\b[^>]*>", head)
    assert 'src="/__authtrace/boot.js"' in scripts[0]  # before every other script
    assert 'src="/__authtrace/experiments.js"' in scripts[1]
    assert 'href="/__authtrace/pyscript/core.css"' in head and 'src="/__authtrace/pyscript/core.js"' in head
    assert re.search(r'<script type="py" config="/__authtrace/pyscript.json" async>\s*from authtrace.browser.embed import main\s*'
                     r"await main\(panel=True\)", html)
    at = stg / "__authtrace"
    for rel in ("boot.js", "store.js", "experiments.js", "replay-inject.js", "pyscript.json", "pyodide/pyodide.mjs", "pyodide/pyodide.asm.wasm",
                "pyodide/python_stdlib.zip", "pyodide/pyodide-lock.json", "pyscript/core.js", "pyscript/core.css"):
        assert (at / rel).is_file(), rel
    assert list((at / "pyodide").glob("authtrace-*.whl"))
    assert not list((at / "pyodide").glob("pytest-*.whl"))  # test-only wheels stay out
    assert (at / "boot.js").read_bytes() == (ROOT / "web" / "recorder" / "boot.js").read_bytes()
    assert '"interpreter": "/__authtrace/pyodide/pyodide.mjs"' in (at / "pyscript.json").read_text()


def test_authtrace_env_enables_it_in_any_mode(builds):
    assert "/__authtrace/boot.js" in (builds["env"] / "index.html").read_text()


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript",
                      ".js": "text/javascript", ".wasm": "application/wasm"}

    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()

    def log_message(self, *args):
        pass


def test_staging_build_runs_under_the_documented_csp(builds):
    mimetypes.add_type("application/wasm", ".wasm")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Handler, directory=str(builds["staging"])))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = new_driver()
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/")
        driver.execute_script("window.__violations = [];"
                              "document.addEventListener('securitypolicyviolation', e => window.__violations.push("
                              "e.violatedDirective + ' ' + e.blockedURI))")
        deadline = time.time() + 90
        while time.time() < deadline and not driver.execute_script("return !!(window.authtrace && window.authtrace.panel)"):
            time.sleep(0.2)
        state = driver.execute_script(
            "return {ready: !!(window.authtrace && window.authtrace.ready), app: window.__fixtureReady === true,"
            " panel: !!document.getElementById('authtrace-panel'), violations: window.__violations,"
            " position: document.getElementById('authtrace-panel') &&"
            "   getComputedStyle(document.getElementById('authtrace-panel')).position}")
        logs = [entry["message"] for entry in driver.get_log("browser")]
        assert state["ready"] and state["app"] and state["panel"], (state, logs)
        assert state["position"] == "fixed"  # the panel's stylesheet applied under style-src 'self'
        assert state["violations"] == [] and not [m for m in logs if "Content Security Policy" in m], (state, logs)
        # Observations reach Python in batches (~100 ms): wait for the boot one.
        deadline = time.time() + 10
        boot = 0
        while time.time() < deadline and not boot:
            boot = driver.execute_script("return JSON.parse(authtrace.exportTrace()).events.filter(e => e.type === 'boot').length")
            time.sleep(0.1)
        assert boot >= 1
    finally:
        driver.quit()
        server.shutdown()
