"""The offline Pyodide distribution, and where the run-time files live.

The npm ``pyodide`` package ships only the interpreter core; the wheels its
``pyodide-lock.json`` names are not in it, and PyPI's builds of the same
versions have other sha256 values. So we serve our own set: the pure-Python
wheels pinned in ``static/pyodide-requirements.txt`` plus an authtrace wheel
made from this package's own files, and rewrite the lock to list exactly those
files with their own hashes. The PyScript runtime is copied from npm
``@pyscript/core`` next to it, so nothing is fetched from a CDN at run time.

``build()`` writes, in a checkout:

- ``static/pyodide/``: the core and every pinned wheel (the lab, and the core
  tests that run inside Pyodide with pytest);
- ``static/pyscript/``: PyScript;
- ``web/wheels/``: only what a page loads (authtrace, and micropip, with which
  PyScript installs it) and their lock; the Vite plugin serves these next to
  the Pyodide core from the app's ``node_modules``, and the npm package ships
  them.

Where the files are (:func:`project_root`): a checkout's root, or, for an
installed wheel, ``authtrace/host/_assets`` (same ``web/`` and ``static/``
layout, built at pack time, read only: no command writes into site-packages).
"""

from __future__ import annotations

import base64
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

import authtrace

CORE_FILES = (
    "pyodide.mjs",
    "pyodide.js",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)
# What a page loads; the closure of their dependencies comes along.
RUNTIME = ("authtrace",)
# Not in the in-page wheel: CPython-only code and the assets of an installed wheel.
NOT_IN_PAGE = ("host", "__main__.py")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same files give the same sha256


class DistError(Exception):
    """Something the user must fix before the distribution can be built."""


@dataclass
class DistReport:
    out: Path
    packages: dict[str, str] = field(default_factory=dict)  # name -> file name
    pyscript: Path | None = None


# -- where the files are ------------------------------------------------------------------

def checkout_root() -> Path | None:
    """The checkout this package runs from (editable install), else None."""
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "web" / "vite-plugin-authtrace.js").is_file():
        return root
    return None


def bundle_root() -> Path:
    """The run-time files an installed wheel ships (``authtrace/host/_assets``)."""
    return Path(__file__).resolve().parent / "_assets"


def project_root() -> Path:
    return checkout_root() or bundle_root()


def is_bundle(root: Path) -> bool:
    return root.resolve() == bundle_root()


def require_checkout(root: Path, what: str) -> None:
    if is_bundle(root):
        raise DistError(f"{what} works in an authtrace checkout; the installed package ships its "
                        "Pyodide distribution and lab app already built")


# -- the in-page authtrace wheel ----------------------------------------------------------

def _in_page(rel: Path) -> bool:
    return (rel.parts[0] not in NOT_IN_PAGE and "__pycache__" not in rel.parts
            and rel.suffix in (".py", ".json"))


def pyodide_wheel(out_dir: Path, package_dir: Path | None = None) -> Path:
    """Write ``authtrace-<version>-py3-none-any.whl`` for Pyodide from this package's own
    files (a checkout's or an installed wheel's), without the CPython-only ``host``."""
    package_dir = package_dir or Path(authtrace.__file__).resolve().parent
    version = authtrace.__version__
    dist_info = f"authtrace-{version}.dist-info"
    files = {f"authtrace/{rel.as_posix()}": path.read_bytes()
             for path in sorted(package_dir.rglob("*")) if path.is_file()
             for rel in [path.relative_to(package_dir)] if _in_page(rel)}
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: authtrace\nVersion: {version}\n"
        "Summary: authtrace in the page: the pure core and the browser recorder and panel\n"
        "Requires-Python: >=3.11\n").encode()
    files[f"{dist_info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: authtrace pyodide_dist\n"
                                   b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{dist_info}/top_level.txt"] = b"authtrace\n"
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out = out_dir / f"authtrace-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out


# -- the lock -----------------------------------------------------------------------------

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


def lock_for(wheels: list[Path], info: dict, source: str = "the pinned wheels") -> dict:
    """A ``pyodide-lock.json`` listing exactly ``wheels`` (with their dependencies resolved among them)."""
    env = _marker_env(info["python"])
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
                raise DistError(f"{name} needs {req}, which is not in {source}")
            packages[name]["depends"].append(str(dep))
    return {"info": info, "packages": dict(sorted(packages.items()))}


def runtime_names(lock: dict) -> set[str]:
    """:data:`RUNTIME` and everything it depends on, per the lock."""
    todo, seen = list(RUNTIME), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(lock["packages"][name]["depends"])
    return seen


# -- building (checkout only) -------------------------------------------------------------

def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise DistError(f"`pip {' '.join(args[:2])} …` failed:\n{tail}")


def _pinned_wheels(requirements: Path, cache: Path, python: str) -> list[Path]:
    pins = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = next(iter(req.specifier)).version

    def cached() -> dict:
        found = {}
        for wheel in sorted(cache.glob("*.whl")):
            n, v, _, _ = parse_wheel_filename(wheel.name)
            if pins.get(canonicalize_name(n)) == str(v):
                found[canonicalize_name(n)] = wheel
        return found

    cache.mkdir(parents=True, exist_ok=True)
    if set(cached()) != set(pins):  # only go to PyPI for what the cache lacks
        _pip("download", "--quiet", "--no-deps", "--only-binary=:all:", "--platform", "any",
             "--python-version", ".".join(python.split(".")[:2]), "-d", str(cache), "-r", str(requirements))
    found = cached()
    missing = set(pins) - set(found)
    if missing:
        raise DistError(f"no pure wheel downloaded for: {', '.join(sorted(missing))}")
    return list(found.values())


def _swap_in(tmp: Path, out: Path) -> None:
    tmp.chmod(0o755)  # mkdtemp makes it private; web servers and npm pack read it
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)


def build(root: Path | None = None, out: Path | None = None, *, quiet: bool = False) -> DistReport:
    root = root or project_root()
    require_checkout(root, "`authtrace pyodide build`")
    out = out or root / "static" / "pyodide"
    npm_pyodide = root / "node_modules" / "pyodide"
    npm_pyscript = root / "node_modules" / "@pyscript" / "core" / "dist"
    requirements = root / "static" / "pyodide-requirements.txt"
    for needed in (npm_pyodide / "pyodide-lock.json", npm_pyscript / "core.js"):
        if not needed.exists():
            raise DistError(f"{needed} is missing: run `npm ci` in {root} first")
    if not requirements.exists():
        raise DistError(f"{requirements} is missing")

    info = json.loads((npm_pyodide / "pyodide-lock.json").read_text())["info"]
    pinned = _pinned_wheels(requirements, root / ".authtrace" / "wheels", info["python"])

    # Build into temp dirs first, then swap them in: a failed build never leaves
    # a half-written distribution behind.
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".pyodide-", dir=out.parent))
    web_wheels = root / "web" / "wheels"
    tmp_web = Path(tempfile.mkdtemp(prefix=".wheels-", dir=web_wheels.parent))
    try:
        for name in CORE_FILES:
            shutil.copy2(npm_pyodide / name, tmp / name)
        wheels = [Path(shutil.copy2(w, tmp / w.name)) for w in pinned]
        wheels.append(pyodide_wheel(tmp))
        lock = lock_for(wheels, info, requirements.name)
        (tmp / "pyodide-lock.json").write_text(json.dumps(lock, indent=1) + "\n")
        runtime = runtime_names(lock)
        page_wheels = [Path(shutil.copy2(w, tmp_web / w.name)) for w in wheels
                       if str(canonicalize_name(parse_wheel_filename(w.name)[0])) in runtime]
        (tmp_web / "pyodide-lock.json").write_text(json.dumps(lock_for(page_wheels, info), indent=1) + "\n")
        _swap_in(tmp, out)
        _swap_in(tmp_web, web_wheels)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(tmp_web, ignore_errors=True)
        raise

    pyscript_out = root / "static" / "pyscript"
    if pyscript_out.exists():
        shutil.rmtree(pyscript_out)
    shutil.copytree(npm_pyscript, pyscript_out, ignore=shutil.ignore_patterns("*.map"))
    report = DistReport(out, {n: p["file_name"] for n, p in lock["packages"].items()}, pyscript_out)
    if not quiet:
        print(f"Pyodide {info['python']} distribution in {out} with {len(report.packages)} packages:")
        for name, file_name in report.packages.items():
            print(f"  {name:18} {file_name}")
        print(f"PyScript runtime in {pyscript_out}")
        print(f"Wheels a page loads ({', '.join(sorted(runtime))}) in {web_wheels}")
    return report


def is_fresh(root: Path | None = None) -> bool:
    """Built, and the authtrace wheels in it are newer than every source file.
    An installed wheel's distribution was built when it was packed: always fresh."""
    root = root or project_root()
    lock = root / "static" / "pyodide" / "pyodide-lock.json"
    if is_bundle(root):
        return lock.exists()
    outputs = [lock, root / "static" / "pyscript" / "core.js", root / "web" / "wheels" / "pyodide-lock.json"]
    if not all(p.exists() for p in outputs):
        return False
    sources = [p for p in (root / "py" / "authtrace").rglob("*") if p.suffix in (".py", ".json")]
    sources.append(root / "static" / "pyodide-requirements.txt")
    return max(p.stat().st_mtime for p in sources) < min(p.stat().st_mtime for p in outputs)
