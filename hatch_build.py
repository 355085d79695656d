"""Hatchling build hook: put the run-time assets into the wheel.

``tools/pack.py`` stages them in ``build/assets`` (the built lab app and test
pages under ``web/``, the Pyodide distribution and PyScript under ``static/``);
this hook adds that folder as ``authtrace/host/_assets``. An editable install
(the checkout's venv) skips it: there the commands use ``web/`` and ``static/``
directly. A standard wheel without the staged assets is refused rather than
built broken.
"""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# What every command needs; tools/pack.py stages more (all of web/recorder, PyScript's chunks).
REQUIRED = (
    "web/dist/lab/index.html",
    "web/recorder/boot.js",
    "static/pyscript.json",
    "static/pyscript/core.js",
    "static/pyodide/pyodide.mjs",
    "static/pyodide/pyodide.asm.wasm",
    "static/pyodide/python_stdlib.zip",
    "static/pyodide/pyodide-lock.json",
)


class AssetsHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return
        assets = Path(self.root) / "build" / "assets"
        missing = [rel for rel in REQUIRED if not (assets / rel).is_file()]
        if missing:
            raise RuntimeError(f"{assets} lacks {', '.join(missing)}: build the packages with `python tools/pack.py`")
        build_data["force_include"][str(assets)] = "authtrace/host/_assets"
