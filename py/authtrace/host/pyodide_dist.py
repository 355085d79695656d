"""Assemble the local, offline Pyodide distribution under ``static/``.

The npm ``pyodide`` package ships only the interpreter core; the wheels its
``pyodide-lock.json`` names are not in it, and PyPI's builds of the same
versions have other sha256 values. So we serve our own set: the pure-Python
wheels pinned in ``static/pyodide-requirements.txt`` plus the authtrace wheel,
and rewrite the lock to list exactly those files with their own hashes. The
PyScript runtime is copied from npm ``@pyscript/core`` next to it, so nothing
is fetched from a CDN at run time.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

CORE_FILES = (
    "pyodide.mjs",
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)


class DistError(Exception):
    """Something the user must fix before the distribution can be built."""


@dataclass
class DistReport:
    out: Path
    packages: dict[str, str] = field(default_factory=dict)  # name -> file name
    pyscript: Path | None = None


def project_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "static").is_dir():
            return parent
    return Path.cwd()


def _marker_env(python: str) -> dict[str, str]:
    env = default_environment()
    major_minor = ".".join(python.split(".")[:2])
    env.update(
        python_version=major_minor,
        python_full_version=python,
        sys_platform="emscripten",
        platform_system="Emscripten",
        platform_machine="wasm32",
        os_name="posix",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return env


def _wheel_entry(path: Path, env: dict[str, str]) -> tuple[dict, list[Requirement]]:
    name, version, _, tags = parse_wheel_filename(path.name)
    if not any(t.platform == "any" for t in tags):
        raise DistError(f"{path.name} is not a pure-Python wheel; Pyodide cannot load it from here")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode("utf-8"))
        top_level = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        if top_level:
            imports = [line.strip() for line in zf.read(top_level).decode().splitlines() if line.strip()]
        else:
            # No top_level.txt: every root entry that is a module or a package.
            roots = {n.split("/")[0] for n in names if n.endswith(".py")}
            imports = sorted(r.removesuffix(".py") for r in roots if not r.endswith((".dist-info", ".data")))
    reqs = []
    for raw in meta.get_all("Requires-Dist") or []:
        req = Requirement(raw)
        if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
            reqs.append(req)
    entry = {
        "name": str(canonicalize_name(name)),
        "version": str(version),
        "file_name": path.name,
        "install_dir": "site",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": [i for i in imports if i.isidentifier()],
        "depends": [],
        "unvendored_tests": False,
    }
    return entry, reqs


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise DistError(f"`pip {' '.join(args[:2])} …` failed:\n{tail}")


def build(root: Path | None = None, out: Path | None = None, *, quiet: bool = False) -> DistReport:
    root = root or project_root()
    out = out or root / "static" / "pyodide"
    npm_pyodide = root / "node_modules" / "pyodide"
    npm_pyscript = root / "node_modules" / "@pyscript" / "core" / "dist"
    requirements = root / "static" / "pyodide-requirements.txt"
    for needed in (npm_pyodide / "pyodide-lock.json", npm_pyscript / "core.js"):
        if not needed.exists():
            raise DistError(f"{needed} is missing: run `npm ci` in {root} first")
    if not requirements.exists():
        raise DistError(f"{requirements} is missing")

    upstream = json.loads((npm_pyodide / "pyodide-lock.json").read_text())
    info = upstream["info"]
    python = info["python"]
    env = _marker_env(python)
    major_minor = ".".join(python.split(".")[:2])

    cache = root / ".authtrace" / "wheels"
    cache.mkdir(parents=True, exist_ok=True)
    _pip(
        "download", "--quiet", "--no-deps", "--only-binary=:all:", "--platform", "any",
        "--python-version", major_minor, "-d", str(cache), "-r", str(requirements),
    )
    pins = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = next(iter(req.specifier)).version

    # Build into a temp dir first, then swap it in: a failed build never leaves
    # a half-written distribution behind.
    tmp = Path(tempfile.mkdtemp(prefix=".pyodide-", dir=out.parent if out.parent.exists() else None))
    try:
        for name in CORE_FILES:
            shutil.copy2(npm_pyodide / name, tmp / name)
        wheels: list[Path] = []
        for wheel in sorted(cache.glob("*.whl")):
            n, v, _, _ = parse_wheel_filename(wheel.name)
            if pins.get(canonicalize_name(n)) == str(v):
                wheels.append(Path(shutil.copy2(wheel, tmp / wheel.name)))
        missing = set(pins) - {canonicalize_name(parse_wheel_filename(w.name)[0]) for w in wheels}
        if missing:
            raise DistError(f"no pure wheel downloaded for: {', '.join(sorted(missing))}")
        with tempfile.TemporaryDirectory() as wdir:
            _pip("wheel", "--quiet", "--no-deps", "-w", wdir, str(root))
            built = next(Path(wdir).glob("authtrace-*.whl"))
            wheels.append(Path(shutil.copy2(built, tmp / built.name)))

        packages: dict[str, dict] = {}
        requirements_of: dict[str, list[Requirement]] = {}
        for wheel in wheels:
            entry, reqs = _wheel_entry(wheel, env)
            packages[entry["name"]] = entry
            requirements_of[entry["name"]] = reqs
        for name, reqs in requirements_of.items():
            for req in reqs:
                dep = canonicalize_name(req.name)
                if dep not in packages:
                    raise DistError(f"{name} needs {req}, which is not in {requirements.name}")
                packages[name]["depends"].append(str(dep))
        lock = {"info": info, "packages": dict(sorted(packages.items()))}
        (tmp / "pyodide-lock.json").write_text(json.dumps(lock, indent=1) + "\n")
        # pytest-pyodide serves its own bootstrap pages; the lab serves ours.
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    pyscript_out = root / "static" / "pyscript"
    if pyscript_out.exists():
        shutil.rmtree(pyscript_out)
    shutil.copytree(npm_pyscript, pyscript_out, ignore=shutil.ignore_patterns("*.map"))
    report = DistReport(out, {n: p["file_name"] for n, p in packages.items()}, pyscript_out)
    if not quiet:
        print(f"Pyodide {info['python']} distribution in {out} with {len(packages)} packages:")
        for name, file_name in report.packages.items():
            print(f"  {name:18} {file_name}")
        print(f"PyScript runtime in {pyscript_out}")
    return report


def is_fresh(root: Path | None = None) -> bool:
    """Built, and the authtrace wheel in it is newer than every source file."""
    root = root or project_root()
    lock = root / "static" / "pyodide" / "pyodide-lock.json"
    if not lock.exists() or not (root / "static" / "pyscript" / "core.js").exists():
        return False
    sources = [p for p in (root / "py" / "authtrace").rglob("*") if p.suffix in (".py", ".json")]
    sources.append(root / "static" / "pyodide-requirements.txt")
    return max(p.stat().st_mtime for p in sources) < lock.stat().st_mtime
