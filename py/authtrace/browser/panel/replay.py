"""Replay recorded refresh attempts in the live tab, through ``web/recorder/replay-inject.js``
(Pyodide only, like :mod:`.experiments`).

The pure part (:mod:`authtrace.replay`) turns a trace into an ``authtrace-replay/1``
plan and the plan's WorkOS faults into fetch injections; the JS injector sits in the
page's ``fetch`` path and answers the next refresh attempts with the recorded outcomes.
This module loads the injector when the page did not, installs the injections, and
records a ``note/replay`` event (``replay: "started"``/``"stopped"``) through the boot
shim so the trace shows what was armed. Only WorkOS refresh outcomes can be injected:
page states (hidden, frozen, offline) and Convex server events are listed as skipped.
"""

from __future__ import annotations

import json
from typing import Any

from . import scripts

ATTR = "data-authtrace-replay"
_session: dict[str, Any] | None = None  # the last start's summary and when it was installed
_error: str | None = None  # the last start's or stop's error, until the next success


def default_src() -> str:
    """Next to the boot shim if the page loaded it from a URL, else ``/recorder/replay-inject.js``."""
    return scripts.next_to_boot("replay-inject.js")


def api():
    return scripts.global_api("__authtraceReplay")


def ensure_loaded(src: str | None = None) -> None:
    """Insert the helper's script unless the page already has it (it loads asynchronously)."""
    scripts.ensure_loaded("__authtraceReplay", "replay-inject.js", ATTR, src)


def _plain(value):
    import js

    return json.loads(str(js.JSON.stringify(value))) if hasattr(value, "to_py") else value


def _emit(payload: dict) -> None:
    """A ``note/replay`` event through the boot shim, recorded like the page's own observations."""
    import js
    from pyodide.ffi import to_js

    shim = getattr(js.globalThis, "__authtrace", None)
    if shim is not None and type(shim).__name__ != "JsNull":
        shim.emit("note", "replay", to_js(payload, dict_converter=js.Object.fromEntries))


# -- pure -----------------------------------------------------------------------------
def plan_of(source: Any) -> dict[str, Any]:
    """An ``authtrace-replay/1`` plan from a Trace, a trace/HAR/plan dict or its JSON text.

    Raises :class:`authtrace.replay.PlanError` (``NothingToReplay``) with a readable message."""
    from ...replay import PlanError, load_plan

    if isinstance(source, str):
        try:
            source = json.loads(source)
        except ValueError as exc:
            raise PlanError(f"not JSON ({exc}); expected an authtrace trace, a HAR export or a replay plan") from None
    return load_plan(source)


def reason_text(item: dict[str, Any], plan: dict[str, Any]) -> str:
    """``"hidden: ..."`` for a page state, ``"f2 (convex close): ..."`` for a fault."""
    what = item.get("page")
    if what is None:
        fault = next((f for f in plan.get("faults") or [] if f.get("id") == item.get("fault")), {})
        what = f"{item.get('fault')} ({fault.get('target')} {fault.get('action')})" if fault else str(item.get("fault"))
    return f"{what}: {item.get('reason', 'not injected')}"


def prepare(source: Any, speed: float = 1.0) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """(plan, injections, skipped reasons) for ``source``; a RuntimeError says why there is nothing to inject."""
    from ...replay import PlanError, page_injections

    try:
        plan = plan_of(source)
        injections, skipped = page_injections(plan, speed, with_skipped=True)
    except (PlanError, ValueError, KeyError, TypeError) as exc:  # NothingToReplay is a PlanError
        text = str(exc) if isinstance(exc, ValueError) else f"bad plan: {type(exc).__name__}: {exc}"
        raise RuntimeError(text) from None
    reasons = [reason_text(s, plan) for s in skipped]
    if not injections:
        why = "nothing to replay in this tab: no recorded WorkOS refresh attempt failed"
        raise RuntimeError(why + (f" (not injectable here: {'; '.join(reasons)})" if reasons else ""))
    return plan, injections, reasons


# -- in the page ------------------------------------------------------------------------
def start(source: Any, speed: float = 1.0, name: str | None = None) -> dict[str, Any]:
    """Install the injections of ``source`` (a Trace, a plan, or their JSON) in this tab.

    Returns ``{faults, injections, skipped: [reasons], source, speed}``; raises
    RuntimeError with a readable message when the injector is not loaded or there is
    nothing to inject. A second start replaces the first."""
    global _session, _error
    import js
    from pyodide.ffi import to_js

    try:
        helper = api()
        if helper is None:
            raise RuntimeError("the replay injector (replay-inject.js) is not loaded on this page")
        plan, injections, reasons = prepare(source, speed)
        helper.install(to_js(injections, dict_converter=js.Object.fromEntries))
    except Exception as exc:
        _error = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
        raise
    ends = [i["until_ms"] for i in injections]
    summary = {"faults": len(plan.get("faults") or []), "injections": len(injections), "skipped": reasons,
               "source": {**({"name": name} if name else {}), **(plan.get("source") or {})}, "speed": float(speed)}
    _session = {**summary, "installed_mono": float(js.performance.now()),
                "ends_ms": None if any(e is None for e in ends) else max(ends)}
    _error = None
    _emit({"replay": "started", **summary})
    return summary


def stop() -> dict[str, Any]:
    """Stop injecting (a pending hang still ends on its own); returns :func:`state`."""
    global _error
    try:
        helper = api()
        if helper is None:
            raise RuntimeError("the replay injector (replay-inject.js) is not loaded on this page")
        before = _plain(helper.state())
        helper.uninstall()
    except Exception as exc:
        _error = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
        raise
    _error = None
    if before.get("installed"):
        _emit({"replay": "stopped", "applied": len(before.get("applied") or [])})
    return state()


def state() -> dict[str, Any]:
    """``{loaded, installed, pending, applied, summary, elapsed_ms, over, error}``."""
    import js

    helper = api()
    out: dict[str, Any] = {"loaded": helper is not None, "installed": False, "pending": 0, "applied": [],
                           "summary": None, "elapsed_ms": None, "over": None, "error": _error}
    if helper is not None:
        out.update(_plain(helper.state()))
    if _session is not None:
        out["summary"] = {k: v for k, v in _session.items() if k not in ("installed_mono",)}
        if out["installed"]:
            out["elapsed_ms"] = round(float(js.performance.now()) - _session["installed_mono"], 1)
            out["over"] = _session["ends_ms"] is not None and out["elapsed_ms"] > _session["ends_ms"]
    return out


def status(st: dict[str, Any]) -> tuple[str, str, str]:
    """(text, state, detail) for the panel's status line; state is idle/error/armed/over/stopped,
    detail the skipped items' reasons (the line names only what was skipped)."""
    if st.get("error"):
        return f"replay failed: {st['error']}", "error", ""
    summary = st.get("summary")
    if not st.get("loaded"):
        return "replay injector not loaded yet", "idle", ""
    if summary is None:
        return "", "idle", ""
    detail = "; ".join(summary.get("skipped") or [])
    applied = st.get("applied") or []
    kinds: dict[str, int] = {}
    for a in applied:
        kinds[str(a.get("kind"))] = kinds.get(str(a.get("kind")), 0) + 1
    done = f"applied {len(applied)}" + (" (" + ", ".join(f"{k} ×{n}" for k, n in kinds.items()) + ")" if kinds else "")
    if not st.get("installed"):
        return f"stopped; {done}", "stopped", detail
    name = (summary.get("source") or {}).get("name")
    text = f"armed {summary['injections']} injection(s) from {summary['faults']} fault(s)" + (f" of {name}" if name else "")
    text += f"; {done}"
    if st.get("over"):
        text += "; all windows over"
    elif summary.get("ends_ms") is not None and st.get("elapsed_ms") is not None:
        text += f"; windows end in {max(0.0, (summary['ends_ms'] - st['elapsed_ms']) / 1000):.0f} s"
    if summary.get("skipped"):
        text += "; not injected: " + ", ".join(s.split(":")[0] for s in summary["skipped"])
    return text, "over" if st.get("over") else "armed", detail
