"""``authtrace doctor``: is this machine ready for authtrace, and if not, what to do.

Checks Chromium and ChromeDriver (found, their versions, that they match, that
headless Chromium starts), Node.js, the Pyodide distribution and the lab app the
commands serve (and, in an app folder, the npm package next to them), and the
ports ``authtrace lab`` and ``emulate`` listen on. Each problem comes with what
to do. Exit 0 when nothing fails (warnings allowed), 2 otherwise.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from ... import __version__

NODE_MIN = (20, 19)  # Vite 8's floor (and Node 22.12+); the npm package's plugin runs in Vite
VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass
class Check:
    name: str
    status: str  # "ok" | "warn" | "fail"
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "fail"


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check Chromium, ChromeDriver, Node, Pyodide and ports; say what to fix")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quick", action="store_true", help="do not start headless Chromium")
    p.add_argument("--host", default="127.0.0.1", help="address the ports are checked on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=5173, help="the lab's port (default: 5173)")
    p.add_argument("--workos-port", type=int, default=8787, help="the WorkOS emulator's port (default: 8787)")
    p.add_argument("--convex-port", type=int, default=8765, help="the Convex emulator's port (default: 8765)")
    p.set_defaults(func=run)


def _version_of(cmd: list[str]) -> tuple[str | None, str]:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    text = (proc.stdout or proc.stderr).strip().splitlines()
    line = next((ln for ln in text if VERSION.search(ln)), text[-1] if text else "")
    match = VERSION.search(line)
    return (match.group(0) if match else None), line


def browsers(quick: bool) -> list[Check]:
    from ..chromium import chromedriver_binary, chromium_binary

    debian = "install Debian's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver)"
    found = {}
    checks = []
    for name, locate in (("chromium", chromium_binary), ("chromedriver", chromedriver_binary)):
        try:
            binary = locate()
        except FileNotFoundError as exc:
            env = "AUTHTRACE_CHROMIUM" if name == "chromium" else "AUTHTRACE_CHROMEDRIVER"
            checks.append(Check(name, "fail", str(exc).split(":")[0], f"{debian}, or point {env} at it"))
            continue
        version, line = _version_of([binary, "--version"])
        if version is None:
            checks.append(Check(name, "fail", f"{binary} --version: {line}", debian))
            continue
        found[name] = version
        checks.append(Check(name, "ok", f"{version} ({binary})"))
    if len(found) == 2:
        major = {n: v.split(".")[0] for n, v in found.items()}
        if major["chromium"] != major["chromedriver"]:
            checks.append(Check("chromium-matches-driver", "fail",
                                f"Chromium {found['chromium']}, ChromeDriver {found['chromedriver']}",
                                "ChromeDriver drives only its own Chromium major version: upgrade both together "
                                "(apt-get install --only-upgrade chromium chromium-driver)"))
        elif found["chromium"] != found["chromedriver"]:
            checks.append(Check("chromium-matches-driver", "warn", f"same major version, builds differ "
                                f"({found['chromium']} / {found['chromedriver']})", "upgrade both together"))
        else:
            checks.append(Check("chromium-matches-driver", "ok", f"both {found['chromium']}"))
        if not quick:
            checks.append(_starts())
    return checks


def _starts() -> Check:
    from ..chromium import new_driver

    try:
        driver = new_driver()
    except Exception as exc:  # selenium's errors are many; the first line says what happened
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Check("chromium-starts", "fail", first[:300],
                     "run `chromium --headless=new --no-sandbox --dump-dom about:blank` to see why it does not start")
    try:
        driver.get("about:blank")
    finally:
        driver.quit()
    return Check("chromium-starts", "ok", "headless Chromium started under ChromeDriver")


def node(in_checkout: bool) -> Check:
    why = "the npm package (Vite plugin), and in a checkout the lab build"
    binary = shutil.which("node")
    level = "fail" if in_checkout else "warn"
    if binary is None:
        return Check("node", level, "not found", f"install Node.js >= {NODE_MIN[0]}.{NODE_MIN[1]}: it runs {why}")
    version, line = _version_of([binary, "--version"])
    parts = tuple(int(x) for x in version.split(".")[:2]) if version else (0, 0)
    if parts < NODE_MIN:
        return Check("node", level, f"{line} ({binary})", f"install Node.js >= {NODE_MIN[0]}.{NODE_MIN[1]}: it runs {why}")
    return Check("node", "ok", f"{version} ({binary})")


def pyodide(root: Path, bundle: bool) -> list[Check]:
    from ..pyodide_dist import CORE_FILES, is_fresh

    dist = root / "static" / "pyodide"
    fix = ("reinstall the authtrace wheel (it ships them)" if bundle
           else "run `authtrace pyodide build` (`authtrace lab` does it too)")
    lock_file = dist / "pyodide-lock.json"
    level = "fail" if bundle else "warn"
    if not lock_file.exists():
        return [Check("pyodide", level, f"{lock_file} is missing", fix)]
    lock = json.loads(lock_file.read_text())
    bad = [n for n in CORE_FILES if not (dist / n).is_file()]
    for pkg in lock["packages"].values():
        wheel = dist / pkg["file_name"]
        if not wheel.is_file() or hashlib.sha256(wheel.read_bytes()).hexdigest() != pkg["sha256"]:
            bad.append(pkg["file_name"])
    if bad:
        return [Check("pyodide", level, f"missing or altered in {dist}: {', '.join(bad)}", fix)]
    checks = [Check("pyodide", "ok", f"Python {lock['info']['python']}, {len(lock['packages'])} packages in {dist}")]
    if not bundle and not is_fresh(root):
        checks.append(Check("pyodide-fresh", "warn", "older than the authtrace sources", fix))
    lab = root / "web" / "dist" / "lab" / "index.html"
    if not lab.exists():
        checks.append(Check("lab-app", level, f"{lab} is missing",
                            "reinstall the authtrace wheel" if bundle else "run `npx vite build` (`authtrace lab` does it too)"))
    else:
        checks.append(Check("lab-app", "ok", str(lab.parent)))
    return checks


def npm_package(cwd: Path) -> list[Check]:
    """In an app folder with the npm package installed: the same version, and its Pyodide there."""
    manifest = cwd / "node_modules" / "authtrace" / "package.json"
    if not manifest.exists():
        return []
    pkg = json.loads(manifest.read_text())
    checks = []
    if pkg.get("version") != __version__:
        checks.append(Check("npm-authtrace", "warn", f"node_modules/authtrace is {pkg.get('version')}, this CLI {__version__}",
                            f"install the same version of both: npm install --save-exact authtrace@{__version__}"))
    else:
        checks.append(Check("npm-authtrace", "ok", f"node_modules/authtrace {__version__}"))
    for dep, wanted in (pkg.get("dependencies") or {}).items():
        places = [cwd / "node_modules" / "authtrace" / "node_modules" / dep, cwd / "node_modules" / dep]
        have = next((json.loads((p / "package.json").read_text()).get("version") for p in places
                     if (p / "package.json").exists()), None)
        if have != wanted:
            checks.append(Check(f"npm-{dep}", "fail", f"authtrace needs {dep} {wanted}, found {have or 'none'}",
                                "run `npm install` in the app (it installs authtrace's dependencies)"))
    return checks


def ports(args) -> list[Check]:
    from .lab import check_port
    from ..errors import UsageError

    out = []
    for flag, port, who in (("--port", args.port, "authtrace lab"), ("--workos-port", args.workos_port, "the WorkOS emulator"),
                            ("--convex-port", args.convex_port, "the Convex emulator")):
        try:
            check_port(args.host, port, flag)
        except UsageError as exc:
            out.append(Check(f"port-{port}", "fail", f"{exc} ({who})",
                             f"stop what listens on {args.host}:{port}, or pass {flag} to `authtrace lab`/`emulate`"))
        else:
            out.append(Check(f"port-{port}", "ok", f"{args.host}:{port} is free ({who})"))
    return out


def run(args) -> int:
    from ..pyodide_dist import checkout_root, is_bundle, project_root

    root = project_root()
    bundle = is_bundle(root)
    checks = [Check("authtrace", "ok", f"{__version__} ({'installed' if bundle else 'checkout'}: {root})")]
    checks += browsers(args.quick)
    checks.append(node(checkout_root() is not None))
    checks += pyodide(root, bundle)
    checks += npm_package(Path.cwd())
    checks += ports(args)
    ok = all(c.ok for c in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [{**asdict(c), "ok": c.ok} for c in checks]}))
    else:
        marks = {"ok": "✓", "warn": "!", "fail": "✗"}
        for c in checks:
            print(f"{marks[c.status]} {c.name:24} {c.detail}")
            if c.fix and c.status != "ok":
                print(f"  {'':24} → {c.fix}")
        problems = [c for c in checks if c.status == "fail"]
        print("ready" if ok else f"{len(problems)} problem{'s' if len(problems) > 1 else ''} to fix")
    return 0 if ok else 2
