"""Both packages, proven from outside the checkout.

``tools/pack.py`` builds the wheel, the sdist and the npm tarball; then, in empty
temporary folders:

1. a fresh venv gets the wheel with ``pip install --no-index`` (its dependencies from
   ``.authtrace/wheelhouse``, which ``.ci/setup`` downloads): ``authtrace --version``,
   ``doctor`` and ``analyze`` run there and write nothing into site-packages, and the lab
   it serves (what ``scenario``, ``chaos``, ``replay`` and ``bench`` drive) starts the recorder;
2. an app shaped like the official WorkOS + Convex React/Vite template
   (``template_app/``) installs the npm tarball from its file (its other packages from
   npm's cache: ``--prefer-offline``); ``tsc -b`` passes; ``vite build`` contains no
   byte of authtrace, PyScript or Pyodide, ``vite build --mode staging`` contains the
   recorder, the panel and Pyodide;
3. the staging build runs in headless Chromium against the installed ``authtrace
   emulate``: the panel opens, a sign-in and a token refresh are recorded, and
   ``exportTrace()`` is a valid ``authtrace/1`` trace without a secret in it;
4. swapping the provider's import to ``authtrace/bridge`` is a one-line change and
   ``tsc -b`` and the production build still pass.
"""

from __future__ import annotations

import difflib
import functools
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

import authtrace

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).resolve().parent / "template_app"
WHEELHOUSE = ROOT / ".authtrace" / "wheelhouse"
VERSION = authtrace.__version__
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
STOCK_IMPORT = 'import { ConvexProviderWithAuthKit } from "./ConvexProviderWithAuthKit";'
BRIDGE_IMPORT = 'import { ConvexProviderWithAuthKit } from "authtrace/bridge";'

pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="needs Node.js and npm")


def run(cmd: list[str], cwd: Path, timeout: float = 300, env: dict | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{(proc.stdout + proc.stderr)[-4000:]}"
    return proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    report = json.loads(run([sys.executable, str(ROOT / "tools" / "pack.py"), "--out", str(out), "--json"], ROOT,
                            timeout=600).splitlines()[-1])
    paths = {Path(p).name: Path(p) for p in report["paths"]}
    return {"wheel": paths[f"authtrace-{VERSION}-py3-none-any.whl"], "sdist": paths[f"authtrace-{VERSION}.tar.gz"],
            "npm": paths[f"authtrace-{VERSION}.tgz"]}


@pytest.fixture(scope="module")
def venv(packages, tmp_path_factory) -> Path:
    if not (WHEELHOUSE / "requirements.txt").exists():
        pytest.fail(f"{WHEELHOUSE} is missing: .ci/setup downloads the dependencies' wheels there")
    where = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", str(where)], where)
    # --no-index: nothing from the network; the wheel's dependencies from the wheelhouse.
    run([str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(WHEELHOUSE),
         str(packages["wheel"])], where, env={"PIP_CONFIG_FILE": os.devnull})
    return where


def _site_packages_authtrace(venv: Path) -> Path:
    found = list(venv.glob("lib/python*/site-packages/authtrace"))
    assert len(found) == 1, found
    return found[0]


def _snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def app(packages, tmp_path_factory) -> Path:
    """The template-shaped app in an empty folder, with the npm tarball installed."""
    where = tmp_path_factory.mktemp("app") / "my-app"
    shutil.copytree(TEMPLATE, where)
    tested = json.loads((ROOT / "package.json").read_text())
    versions = {**tested["dependencies"], **tested["devDependencies"]}
    pick = lambda names: {n: versions[n] for n in names}  # noqa: E731 - the versions this checkout tests
    manifest = {
        "name": "my-app", "private": True, "version": "0.0.0", "type": "module",
        "scripts": {"build": "tsc -b && vite build"},
        "dependencies": {**pick(["@workos-inc/authkit-react", "convex", "react", "react-dom"]),
                         "authtrace": f"file:{packages['npm']}"},
        "devDependencies": pick(["@types/react", "@types/react-dom", "@vitejs/plugin-react", "typescript", "vite"]),
    }
    (where / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    run(["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], where, timeout=600)
    return where


def _ports() -> dict[str, int]:
    return {"app": free_port(), "workos": free_port(), "convex": free_port()}


@pytest.fixture(scope="module")
def builds(app) -> dict:
    ports = _ports()
    env = {
        "VITE_CONVEX_URL": f"http://127.0.0.1:{ports['convex']}",
        "VITE_WORKOS_CLIENT_ID": "client_local",
        "VITE_WORKOS_REDIRECT_URI": f"http://127.0.0.1:{ports['app']}/",
        "VITE_WORKOS_API_HOSTNAME": "127.0.0.1",
        "VITE_WORKOS_PORT": str(ports["workos"]),
        "VITE_WORKOS_HTTPS": "false",
        "VITE_WORKOS_DEV_MODE": "true",
    }
    env = {**{k: v for k, v in os.environ.items() if k != "AUTHTRACE"}, **env}
    vite = str(app / "node_modules" / ".bin" / "vite")
    run([vite, "build", "--outDir", "dist"], app, env=env)
    run([vite, "build", "--mode", "staging", "--outDir", "dist-staging"], app, env=env)
    return {"production": app / "dist", "staging": app / "dist-staging", "ports": ports}


# -- the packages -------------------------------------------------------------------------

def test_versions_agree_and_the_packages_hold_what_they_should(packages, venv):
    assert run([str(venv / "bin" / "authtrace"), "--version"], venv).strip() == f"authtrace {VERSION}"
    with tarfile.open(packages["npm"]) as tf:
        names = set(tf.getnames())
        manifest = json.load(tf.extractfile("package/package.json"))
    assert manifest["name"] == "authtrace" and manifest["version"] == VERSION
    assert set(manifest["exports"]) == {"./vite", "./bridge", "./recorder", "./package.json"}
    for entry in ("./vite", "./bridge", "./recorder"):
        for target in manifest["exports"][entry].values():
            assert "package/" + target.removeprefix("./") in names, target
    assert manifest["peerDependenciesMeta"]["vite"]["optional"] is True
    assert {"convex", "@workos-inc/authkit-react", "react", "vite"} <= set(manifest["peerDependencies"])
    assert {"pyodide", "@pyscript/core", "convex-test", "tsx"} == set(manifest["dependencies"])
    assert f"package/wheels/authtrace-{VERSION}-py3-none-any.whl" in names and "package/wheels/pyodide-lock.json" in names
    assert not [n for n in names if "/test/" in n or n.endswith((".map", ".html"))], names
    with zipfile.ZipFile(packages["wheel"]) as zf:
        wheel_names = set(zf.namelist())
        metadata = zf.read(f"authtrace-{VERSION}.dist-info/METADATA").decode()
    assert f"\nVersion: {VERSION}\n" in metadata
    assets = "authtrace/host/_assets/"
    for rel in ("web/dist/lab/index.html", "web/recorder/boot.js", "static/pyscript/core.js", "static/pyscript.json",
                "static/pyodide/pyodide.asm.wasm", "static/pyodide/pyodide-lock.json",
                f"static/pyodide/authtrace-{VERSION}-py3-none-any.whl"):
        assert assets + rel in wheel_names, rel
    assert not [n for n in wheel_names if n.endswith(".map") or "pytest-" in n]
    assert packages["wheel"].stat().st_size < 12_000_000
    with tarfile.open(packages["sdist"]) as tf:
        sdist = tf.getnames()
    assert f"authtrace-{VERSION}/build/assets/static/pyodide/pyodide.asm.wasm" in sdist


def test_the_installed_cli_runs_outside_the_checkout_and_writes_nothing_into_site_packages(venv, tmp_path):
    installed = _site_packages_authtrace(venv)
    before = _snapshot(installed)
    py = str(venv / "bin" / "python")
    where = run([py, "-c", "import authtrace.host.pyodide_dist as d; print(d.project_root())"], tmp_path).strip()
    assert Path(where) == installed / "host" / "_assets"
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({"format": "authtrace/1", "meta": {}, "events": []}))
    report = json.loads(run([str(venv / "bin" / "authtrace"), "analyze", str(trace), "--json"], tmp_path))
    assert "findings" in report
    doctor = subprocess.run([str(venv / "bin" / "authtrace"), "doctor", "--json"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert doctor.returncode in (0, 2), doctor.stderr
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    assert checks["pyodide"]["ok"], checks["pyodide"]
    refused = subprocess.run([str(venv / "bin" / "authtrace"), "pyodide", "build"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and "checkout" in refused.stderr
    assert _snapshot(installed) == before


def test_the_installed_lab_serves_a_page_where_the_recorder_starts(venv, tmp_path):
    """What `scenario`, `chaos`, `replay` and `bench` run on: the lab app, Pyodide and PyScript from the wheel."""
    from authtrace.host.chromium import new_driver

    port = free_port()
    proc = subprocess.Popen([str(venv / "bin" / "authtrace"), "lab", "--port", str(port), "--workos-port", "0",
                             "--convex-port", "0"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "authtrace lab:" in line:
                break
        assert proc.poll() is None, "".join(lines)
        driver = new_driver()
        try:
            driver.get(f"http://127.0.0.1:{port}/")
            _wait(driver, "return !!(globalThis.__labState && globalThis.authtrace && authtrace.ready && authtrace.panel)",
                  90, "the installed lab app or its recorder did not start")
            stats = json.loads(driver.execute_script("return authtrace.stats()"))
        finally:
            driver.quit()
        assert stats["version"] == VERSION
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


# -- the template-shaped app --------------------------------------------------------------

def _all_bytes(folder: Path):
    for path in folder.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes().lower()


def test_the_production_build_has_no_byte_of_authtrace(builds):
    prod = builds["production"]
    assert (prod / "index.html").is_file() and list(prod.glob("assets/*.js"))
    for path, data in _all_bytes(prod):
        for needle in (b"authtrace", b"pyodide", b"pyscript", b"tracefetchtoken", b"__authtrace"):
            assert needle not in data, f"{needle!r} in {path}"


def test_the_staging_build_has_the_recorder_the_panel_and_pyodide(builds, app):
    stg = builds["staging"]
    html = (stg / "index.html").read_text()
    head = html[html.index("<head>"):html.index("</head>")]
    assert re.findall(r"<script\b[^>]*>", head)[0] == '<script src="/__authtrace/boot.js">'
    assert re.search(r"from authtrace.browser.embed import main\s*await main\(panel=True\)", html)
    at = stg / "__authtrace"
    for rel in ("boot.js", "store.js", "pyscript.json", "pyscript/core.js", "pyodide/pyodide.mjs", "pyodide/pyodide.asm.wasm",
                "pyodide/python_stdlib.zip", f"pyodide/authtrace-{VERSION}-py3-none-any.whl"):
        assert (at / rel).is_file(), rel
    # Pyodide and PyScript came from the app's node_modules, the wheel from the npm package.
    assert (at / "pyodide" / "pyodide.asm.wasm").read_bytes() == (app / "node_modules/pyodide/pyodide.asm.wasm").read_bytes()
    assert (at / "pyscript" / "core.js").read_bytes() == (app / "node_modules/@pyscript/core/dist/core.js").read_bytes()
    lock = json.loads((at / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["info"] == json.loads((app / "node_modules/pyodide/pyodide-lock.json").read_text())["info"]
    assert set(lock["packages"]) == {"authtrace"}
    # The recorder wrappers are the real ones here (the production build got identity functions).
    bundle = b"".join(p.read_bytes() for p in (stg / "assets").glob("*.js"))
    assert b"__authtrace" in bundle and b"fetchToken-start" in bundle


class _Static(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript",
                      ".js": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


@pytest.fixture
def emulate(venv, builds, tmp_path):
    ports = builds["ports"]
    proc = subprocess.Popen([str(venv / "bin" / "authtrace"), "emulate", "--workos-port", str(ports["workos"]),
                             "--convex-port", str(ports["convex"]), "--access-token-ttl", "15"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Ctrl-C to stop" in line:
            break
    assert proc.poll() is None, "".join(lines)
    yield "".join(lines)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=20)


def _wait(driver, script: str, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = driver.execute_script(script)
        except Exception:  # a navigation in progress
            value = None
        if value:
            return value
        time.sleep(0.2)
    logs = [e["message"] for e in driver.get_log("browser")][-15:]
    raise AssertionError(f"{what} (after {timeout:.0f} s); console: {logs}")


def _auth_calls(trace: dict, grant_type: str) -> list[dict]:
    """Answered WorkOS authenticate calls of one grant type."""
    return [e for e in trace["events"] if e["kind"] == "fetch" and e["type"] == "response"
            and e["payload"].get("grant_type") == grant_type and e["payload"].get("ok")]


def test_the_staging_build_records_a_sign_in_and_a_refresh_against_the_installed_emulators(builds, emulate):
    from jsonschema import Draft202012Validator

    from authtrace.host.chromium import new_driver

    assert f"127.0.0.1:{builds['ports']['workos']}" in emulate
    server = http.server.ThreadingHTTPServer(("127.0.0.1", builds["ports"]["app"]),
                                             functools.partial(_Static, directory=str(builds["staging"])))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = new_driver()
    try:
        driver.get(f"http://127.0.0.1:{builds['ports']['app']}/")
        _wait(driver, "return !!(window.authtrace && authtrace.ready && authtrace.panel"
                      " && document.getElementById('authtrace-panel'))", 90, "the recorder and the panel did not start")
        driver.execute_script("document.getElementById('authtrace-toggle').click()")
        _wait(driver, "return document.getElementById('authtrace-panel').dataset.open === 'true'", 10, "the panel did not open")
        driver.execute_script("document.getElementById('sign-in').click()")  # the emulator's authorize redirects back
        _wait(driver, "return (document.getElementById('viewer') || {}).textContent", 60,
              "Convex did not answer the signed-in viewer")
        _wait(driver, "return !!(window.authtrace && authtrace.ready && authtrace.panel)", 60, "the recorder did not restart")
        _wait(driver, "return document.getElementById('authtrace-badge-convex').dataset.state === 'authenticated'", 20,
              "the panel does not show Convex authenticated")
        raw = _wait(driver, """
            const text = authtrace.exportTrace(), t = JSON.parse(text);
            const refreshed = t.events.some(e => e.kind === 'fetch' && e.type === 'response' && e.payload.ok
                                                 && e.payload.grant_type === 'refresh_token');
            return refreshed ? text : null""", 45, "no token refresh was recorded")
        refresh_token = driver.execute_script("return localStorage.getItem('workos:refresh-token:client_local')")
    finally:
        driver.quit()
        server.shutdown()
    trace = json.loads(raw)
    schema = json.loads((ROOT / "py" / "authtrace" / "schema" / "authtrace-1.schema.json").read_text())
    Draft202012Validator(schema).validate(trace)
    assert trace["format"] == "authtrace/1" and trace["meta"]["authtrace_version"] == VERSION
    assert _auth_calls(trace, "authorization_code") and _auth_calls(trace, "refresh_token")
    kinds = {(e["kind"], e["type"]) for e in trace["events"]}
    # traceUseAuth and traceConvexOptions from `authtrace/recorder` were wired in
    assert ("authkit", "getAccessToken") in kinds and ("convex", "fetchToken") in kinds
    assert refresh_token and refresh_token not in raw
    assert not JWT.search(raw)
    assert re.search(r'"tok:[0-9a-f]{12}"', raw)


def test_the_bridge_is_a_one_line_swap_that_type_checks_and_builds(app, builds):
    tsc = str(app / "node_modules" / ".bin" / "tsc")
    run([tsc, "-b"], app)  # the template as it is
    module = app / "src" / "ConvexClientWithAuth.tsx"
    before = module.read_text()
    assert STOCK_IMPORT in before
    module.write_text(before.replace(STOCK_IMPORT, BRIDGE_IMPORT))
    try:
        diff = [line for line in difflib.unified_diff(before.splitlines(), module.read_text().splitlines(), lineterm="", n=0)
                if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        assert diff == ["-" + STOCK_IMPORT, "+" + BRIDGE_IMPORT]
        run([tsc, "-b"], app)
        out = app / "dist-bridge"
        run([str(app / "node_modules" / ".bin" / "vite"), "build", "--outDir", str(out)], app,
            env={"AUTHTRACE": "0"})
        bundle = b"".join(p.read_bytes() for p in out.glob("assets/*.js"))
        assert b"authbridge:" in bundle  # the bridge (its storage keys) is in the production bundle...
        assert b"pyodide" not in bundle.lower() and b"pyscript" not in bundle.lower()  # ...and nothing else of authtrace
        assert not (out / "__authtrace").exists()
    finally:
        module.write_text(before)
