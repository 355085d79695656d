"""In-page experiments, through ``web/recorder/experiments.js`` (Pyodide only).

The JS helper does the work (it must sit in the page's fetch/WebSocket path);
this module loads it when the page did not, and calls it. Every experiment is
recorded by the helper as a ``note/experiment`` event. They are page-side
simulations: see the helper's header and docs/embedding.md for their limits.
"""

from __future__ import annotations

import json

from . import scripts

REFRESH_MODES: dict[str, str] = {
    "refresh-typeerror": "next refresh throws TypeError",
    "refresh-503": "next refresh returns 503",
    "refresh-invalid-grant": "next refresh returns invalid_grant",
    "refresh-hang": "next refresh hangs",
}


def default_src() -> str:
    """Next to the boot shim if the page loaded it from a URL, else ``/recorder/experiments.js``."""
    return scripts.next_to_boot("experiments.js")


def api():
    return scripts.global_api("__authtraceExperiments")


def ensure_loaded(src: str | None = None) -> None:
    """Insert the helper's script unless the page already has it (it loads asynchronously)."""
    scripts.ensure_loaded("__authtraceExperiments", "experiments.js", "data-authtrace-experiments", src)


def _call(name: str, *args):
    helper = api()
    if helper is None:
        raise RuntimeError("the experiments helper (experiments.js) is not loaded on this page")
    out = getattr(helper, name)(*args)
    if hasattr(out, "to_py"):
        import js

        return json.loads(str(js.JSON.stringify(out)))
    return out


def arm(mode: str, count: int = 1) -> dict:
    if mode not in REFRESH_MODES:
        raise ValueError(f"unknown experiment {mode!r}")
    return _call("arm", mode, max(1, int(count)))


def hide(seconds: float) -> dict:
    return _call("hide", float(seconds))


def offline(seconds: float) -> dict:
    return _call("offline", float(seconds))


def drop_sockets() -> int:
    return int(_call("dropSockets"))


def disarm() -> dict:
    return _call("disarm")


def state() -> dict | None:
    return _call("state") if api() is not None else None
