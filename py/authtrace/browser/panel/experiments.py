"""In-page experiments, through ``web/recorder/experiments.js`` (Pyodide only).

The JS helper does the work (it must sit in the page's fetch/WebSocket path);
this module loads it when the page did not, and calls it. Every experiment is
recorded by the helper as a ``note/experiment`` event. They are page-side
simulations: see the helper's header and docs/embedding.md for their limits.
"""

from __future__ import annotations

import json

REFRESH_MODES: dict[str, str] = {
    "refresh-typeerror": "next refresh throws TypeError",
    "refresh-503": "next refresh returns 503",
    "refresh-invalid-grant": "next refresh returns invalid_grant",
    "refresh-hang": "next refresh hangs",
}


def default_src() -> str:
    """Next to the boot shim if the page loaded it from a URL, else ``/recorder/experiments.js``."""
    import js

    for script in js.document.querySelectorAll("script[src]").to_py():
        src = str(script.getAttribute("src") or "")
        if src.endswith("/boot.js") or src == "boot.js":
            return src[: -len("boot.js")] + "experiments.js"
    return "/recorder/experiments.js"


def api():
    import js

    helper = getattr(js.globalThis, "__authtraceExperiments", None)
    return None if helper is None or type(helper).__name__ == "JsNull" else helper


def ensure_loaded(src: str | None = None) -> None:
    """Insert the helper's script unless the page already has it (it loads asynchronously)."""
    import js

    if api() is not None or type(js.document.querySelector("script[data-authtrace-experiments]")).__name__ != "JsNull":
        return
    script = js.document.createElement("script")
    script.src = src or default_src()
    script.setAttribute("data-authtrace-experiments", "")
    js.document.head.appendChild(script)


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
