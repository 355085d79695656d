"""The panel's JS helpers (``experiments.js``, ``replay-inject.js``): found next to the
boot shim, loaded when the page did not load them itself (Pyodide only)."""

from __future__ import annotations


def _missing(value) -> bool:
    return value is None or type(value).__name__ == "JsNull"


def next_to_boot(name: str) -> str:
    """``name`` in the boot shim's folder if the page loaded it from a URL, else ``/recorder/<name>``."""
    import js

    for script in js.document.querySelectorAll("script[src]").to_py():
        src = str(script.getAttribute("src") or "")
        if src.endswith("/boot.js") or src == "boot.js":
            return src[: -len("boot.js")] + name
    return f"/recorder/{name}"


def global_api(name: str):
    """The helper's ``globalThis`` object, or None before it has loaded."""
    import js

    helper = getattr(js.globalThis, name, None)
    return None if _missing(helper) else helper


def ensure_loaded(global_name: str, file: str, attr: str, src: str | None = None) -> None:
    """Insert the helper's script unless the page already has it (it loads asynchronously)."""
    import js

    if global_api(global_name) is not None or not _missing(js.document.querySelector(f"script[{attr}]")):
        return
    script = js.document.createElement("script")
    script.src = src or next_to_boot(file)
    script.setAttribute(attr, "")
    js.document.head.appendChild(script)
