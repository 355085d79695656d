"""``authtrace doctor``: each problem is named with what to do, exit 2; a ready machine exits 0.

Chromium and ChromeDriver are stood in for by small scripts (``AUTHTRACE_CHROMIUM``,
``AUTHTRACE_CHROMEDRIVER``) that print the version lines the real ones print."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from authtrace import __version__


def fake_binary(folder: Path, name: str, line: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{line}'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def doctor(tmp_path: Path, *extra: str, env: dict | None = None, cwd: Path | None = None) -> tuple[int, dict]:
    ports = ["--port", str(free_port()), "--workos-port", str(free_port()), "--convex-port", str(free_port())]
    proc = subprocess.run([sys.executable, "-m", "authtrace", "doctor", "--json", "--quick", *ports, *extra],
                          cwd=cwd or tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    assert proc.stderr == "", proc.stderr
    report = json.loads(proc.stdout)
    return proc.returncode, {c["name"]: c for c in report["checks"]}


@pytest.fixture
def browsers(tmp_path):
    def make(chromium: str, driver: str) -> dict:
        return {"AUTHTRACE_CHROMIUM": str(fake_binary(tmp_path, "chromium", chromium)),
                "AUTHTRACE_CHROMEDRIVER": str(fake_binary(tmp_path, "chromedriver", driver))}
    return make


def test_a_ready_machine_exits_0(tmp_path, browsers):
    env = browsers("Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)",
                   "ChromeDriver 156.0.8078.114 (ea19f9737303-refs/branch-heads/8078_108@{#5})")
    code, checks = doctor(tmp_path, env=env)
    assert code == 0, checks
    assert checks["chromium"]["detail"].startswith("156.0.8078.114")
    assert checks["chromium-matches-driver"]["status"] == "ok"
    assert all(c["status"] != "fail" for c in checks.values())


def test_a_driver_of_another_major_version_fails_with_what_to_do(tmp_path, browsers):
    env = browsers("Chromium 156.0.8078.114 built on Debian", "ChromeDriver 155.0.7999.1 (abc)")
    code, checks = doctor(tmp_path, env=env)
    assert code == 2
    check = checks["chromium-matches-driver"]
    assert check["status"] == "fail" and "156.0.8078.114" in check["detail"] and "155.0.7999.1" in check["detail"]
    assert "upgrade both" in check["fix"]


def test_a_missing_chromium_fails_with_how_to_install_it(tmp_path, browsers):
    env = browsers("Chromium 156.0.8078.114", "ChromeDriver 156.0.8078.114")
    env["AUTHTRACE_CHROMIUM"] = str(tmp_path / "nowhere")
    code, checks = doctor(tmp_path, env=env)
    assert code == 2
    check = checks["chromium"]
    assert check["status"] == "fail" and "nowhere does not exist" in check["detail"]
    assert "apt-get install chromium" in check["fix"] and "AUTHTRACE_CHROMIUM" in check["fix"]


def test_a_busy_port_fails_naming_the_flag_to_change(tmp_path, browsers):
    env = browsers("Chromium 156.0.8078.114", "ChromeDriver 156.0.8078.114")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, checks = doctor(tmp_path, "--workos-port", str(port), env=env)
    assert code == 2
    assert checks[f"port-{port}"]["status"] == "fail" and "--workos-port" in checks[f"port-{port}"]["fix"]


def test_in_an_app_folder_it_checks_the_npm_package_next_to_the_cli(tmp_path, browsers):
    env = browsers("Chromium 156.0.8078.114", "ChromeDriver 156.0.8078.114")
    modules = tmp_path / "node_modules"
    (modules / "authtrace").mkdir(parents=True)
    (modules / "authtrace" / "package.json").write_text(json.dumps(
        {"name": "authtrace", "version": "0.0.1", "dependencies": {"pyodide": "314.0.7"}}))
    (modules / "pyodide").mkdir()
    (modules / "pyodide" / "package.json").write_text(json.dumps({"name": "pyodide", "version": "313.0.0"}))
    code, checks = doctor(tmp_path, env=env)
    assert code == 2
    assert checks["npm-authtrace"]["status"] == "warn" and __version__ in checks["npm-authtrace"]["fix"]
    assert checks["npm-pyodide"]["status"] == "fail" and "313.0.0" in checks["npm-pyodide"]["detail"]


def test_the_human_output_gives_the_fix_under_each_problem(tmp_path, browsers):
    env = browsers("Chromium 156.0.8078.114", "ChromeDriver 150.0.1.2")
    proc = subprocess.run([sys.executable, "-m", "authtrace", "doctor", "--quick", "--port", str(free_port()),
                           "--workos-port", str(free_port()), "--convex-port", str(free_port())],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env={**os.environ, **env})
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("✗ chromium-matches-driver"))
    assert "→ ChromeDriver drives only its own Chromium major version" in lines[at + 1]
    assert lines[-1] == "1 problem to fix"
