"""Build both packages from this checkout, with no network once `.ci/setup` has run:

- the Python wheel and sdist (``python -m build --no-isolation``: the sdist first, then
  the wheel from the sdist), with the run-time assets staged in ``build/assets``
  (``hatch_build.py`` adds them to the wheel as ``authtrace/host/_assets``);
- the npm package ``authtrace`` (``npm pack`` of ``web/``, staged in ``build/npm`` with
  the version written into its package.json).

The version of both is ``authtrace.__version__`` (py/authtrace/__init__.py).

    .venv/bin/python tools/pack.py [--out dist] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py"))

import authtrace  # noqa: E402
from authtrace.host.pyodide_dist import CORE_FILES, DistError, build, is_fresh  # noqa: E402
from authtrace.host.webbuild import build_lab  # noqa: E402

BUILD = ROOT / "build"


def say(message: str) -> None:
    print(f"[pack] {message}", flush=True)


def fresh_checkout_outputs() -> None:
    if not is_fresh(ROOT):
        say("building the Pyodide distribution (authtrace pyodide build)")
        build(ROOT, quiet=True)
    build_lab(ROOT)


def check_pins() -> None:
    """The npm package depends on the Pyodide and PyScript the checkout builds and tests with."""
    ours = json.loads((ROOT / "web" / "package.json").read_text())["dependencies"]
    tested = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for name, version in ours.items():
        if tested.get(name) != version:
            raise SystemExit(f"web/package.json pins {name} {version}, the checkout tests {tested.get(name)}")


def stage_assets() -> Path:
    """``build/assets``: ``web/`` (the built lab app, the test pages, the recorder scripts)
    and ``static/`` (pyscript.json, PyScript, Pyodide's core with the page's wheels)."""
    out = BUILD / "assets"
    if out.exists():
        shutil.rmtree(out)
    # web/ as the lab serves it; what only the npm package needs stays out.
    shutil.copytree(ROOT / "web", out / "web", ignore=shutil.ignore_patterns(
        "*.map", "test", "wheels", "npm", "package.json", "README.md", "vite-plugin-authtrace.js"))
    static = out / "static"
    shutil.copytree(ROOT / "static" / "pyscript", static / "pyscript")
    shutil.copy2(ROOT / "static" / "pyscript.json", static / "pyscript.json")
    pyodide = static / "pyodide"
    pyodide.mkdir()
    for name in CORE_FILES:
        shutil.copy2(ROOT / "static" / "pyodide" / name, pyodide / name)
    for wheel in (ROOT / "web" / "wheels").iterdir():  # the wheels and their lock
        shutil.copy2(wheel, pyodide / wheel.name)
    return out


def python_packages(out: Path) -> list[Path]:
    for old in out.glob(f"authtrace-{authtrace.__version__}*"):
        if old.suffix in (".whl", ".gz"):
            old.unlink()
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"python -m build failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return [out / f"authtrace-{authtrace.__version__}.tar.gz", out / f"authtrace-{authtrace.__version__}-py3-none-any.whl"]


def npm_package(out: Path) -> Path:
    stage = BUILD / "npm"
    if stage.exists():
        shutil.rmtree(stage)
    # The whole of web/; package.json's "files" decides what goes into the tarball.
    shutil.copytree(ROOT / "web", stage, ignore=shutil.ignore_patterns("*.map", "node_modules", "dist", "lab"))
    manifest = json.loads((stage / "package.json").read_text())
    manifest.pop("//", None)
    manifest = {"name": manifest.pop("name"), "version": authtrace.__version__, **manifest}
    (stage / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm (Node.js) is not on PATH")
    proc = subprocess.run([npm, "pack", "--json", "--pack-destination", str(out)], cwd=stage,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"npm pack failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return out / json.loads(proc.stdout)[0]["filename"]


def contents(path: Path) -> dict:
    """Size per top folder, so a report can say what is in a package."""
    import tarfile

    sizes: dict[str, int] = {}
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as zf:
            entries = [(i.filename, i.file_size) for i in zf.infolist()]
    else:
        with tarfile.open(path) as tf:
            entries = [(m.name, m.size) for m in tf.getmembers() if m.isfile()]
    for name, size in entries:
        parts = name.split("/")
        key = "/".join(parts[:4]) if "_assets" in parts else "/".join(parts[:2])
        sizes[key] = sizes.get(key, 0) + size
    return {"bytes": path.stat().st_size, "files": len(entries), "unpacked": sum(s for _, s in entries),
            "by_folder": dict(sorted(sizes.items(), key=lambda kv: -kv[1]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the packages go (default: dist/)")
    parser.add_argument("--json", action="store_true", help="print what was built as JSON")
    args = parser.parse_args(argv)
    started = time.monotonic()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    try:
        check_pins()
        fresh_checkout_outputs()
    except DistError as exc:
        raise SystemExit(str(exc)) from None
    say(f"authtrace {authtrace.__version__}: staging the run-time assets in {stage_assets()}")
    built = python_packages(out)
    say("built " + ", ".join(p.name for p in built))
    built.append(npm_package(out))
    say(f"built {built[-1].name} in {time.monotonic() - started:.1f} s")
    report = {"version": authtrace.__version__, "seconds": round(time.monotonic() - started, 1),
              "packages": {p.name: contents(p) for p in built}, "paths": [str(p) for p in built]}
    if args.json:
        print(json.dumps(report))
    else:
        for name, info in report["packages"].items():
            print(f"{name}: {info['bytes'] / 1e6:.2f} MB, {info['files']} files, {info['unpacked'] / 1e6:.2f} MB unpacked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
