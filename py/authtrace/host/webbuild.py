"""Build the lab app (``web/lab``) with Vite when its sources changed (in a checkout;
an installed wheel ships it built)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .pyodide_dist import DistError, is_bundle


def _newest(paths) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def lab_is_fresh(root: Path) -> bool:
    out = root / "web" / "dist" / "lab" / "index.html"
    if not out.exists():
        return False
    if is_bundle(root):
        return True
    sources = [*(root / "web" / "lab").rglob("*"), *(root / "web" / "recorder").rglob("*.js"),
               *(root / "web" / "bridge").rglob("*.js"),
               root / "vite.config.js", root / "package-lock.json"]
    return _newest(sources) < out.stat().st_mtime


def build_lab(root: Path, *, force: bool = False, quiet: bool = True) -> Path:
    out = root / "web" / "dist" / "lab"
    if is_bundle(root):
        if force or not lab_is_fresh(root):
            raise DistError(f"the installed authtrace has no lab app to rebuild ({out}); "
                            "reinstall the wheel, or run from a checkout")
        return out
    if not force and lab_is_fresh(root):
        return out
    if not (root / "node_modules" / ".bin" / "vite").exists():
        raise DistError(f"Vite is not installed: run `npm ci` in {root} first")
    npx = shutil.which("npx")
    if npx is None:
        raise DistError("npx (Node.js) is not on PATH")
    proc = subprocess.run([npx, "vite", "build"], cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise DistError(f"building the lab app failed:\n{tail}")
    if not quiet:
        print(f"lab app built in {out}")
    return out
