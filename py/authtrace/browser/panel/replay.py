"""Replay recorded refresh attempts in the live tab, through ``web/recorder/replay-inject.js``
and the :class:`~authtrace.browser.page.Page`.

The pure part (:mod:`authtrace.replay`) turns a trace into an ``authtrace-replay/1``
plan and the plan's WorkOS faults into fetch injections; the JS injector answers the
page's next refresh attempts with the recorded outcomes (through the boot shim's one
fetch instrumentation). :class:`LiveReplay` loads the injector when the page did not,
installs the injections, and records a ``note/replay`` event (``replay: "started"``/
``"stopped"``) through the boot shim so the trace shows what was armed. Only WorkOS
refresh outcomes can be injected: page states (hidden, frozen, offline) and Convex
server events are listed as skipped. (The whole-session replay in headless Chromium is
:mod:`authtrace.host.replay`; this one runs in the tab the panel is in.)
"""

from __future__ import annotations

import json
from typing import Any

from ..page import Page
from .helper import Helper


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
class LiveReplay:
    """One tab's in-page replay: the last start's summary, and the last error until a success."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.helper = Helper(page, "__authtraceReplay", "replay-inject.js", "the replay injector")
        self._session: dict[str, Any] | None = None  # the last start's summary and when it was installed
        self._error: str | None = None

    def ensure_loaded(self, src: str | None = None) -> None:
        """Insert the injector's script unless the page already has it (it loads asynchronously)."""
        self.helper.ensure_loaded(src)

    def _failed(self, exc: Exception) -> None:
        self._error = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"

    def start(self, source: Any, speed: float = 1.0, name: str | None = None) -> dict[str, Any]:
        """Install the injections of ``source`` (a Trace, a plan, or their JSON) in this tab.

        Returns ``{faults, injections, skipped: [reasons], source, speed}``; raises
        RuntimeError with a readable message when the injector is not loaded or there is
        nothing to inject. A second start replaces the first."""
        try:
            if not self.helper.loaded:
                raise RuntimeError(self.helper.missing)
            plan, injections, reasons = prepare(source, speed)
            self.helper.call("install", injections)
        except Exception as exc:
            self._failed(exc)
            raise
        ends = [i["until_ms"] for i in injections]
        summary = {"faults": len(plan.get("faults") or []), "injections": len(injections), "skipped": reasons,
                   "source": {**({"name": name} if name else {}), **(plan.get("source") or {})}, "speed": float(speed)}
        self._session = {**summary, "installed_mono": self.page.now()[0],
                         "ends_ms": None if any(e is None for e in ends) else max(ends)}
        self._error = None
        self.page.emit("note", "replay", {"replay": "started", **summary})
        return summary

    def stop(self) -> dict[str, Any]:
        """Stop injecting (a pending hang still ends on its own); returns :meth:`state`."""
        try:
            before = self.helper.call("state")
            self.helper.call("uninstall")
        except Exception as exc:
            self._failed(exc)
            raise
        self._error = None
        if before.get("installed"):
            self.page.emit("note", "replay", {"replay": "stopped", "applied": len(before.get("applied") or [])})
        return self.state()

    def state(self) -> dict[str, Any]:
        """``{loaded, installed, pending, applied, summary, elapsed_ms, over, error}``."""
        loaded = self.helper.loaded
        out: dict[str, Any] = {"loaded": loaded, "installed": False, "pending": 0, "applied": [],
                               "summary": None, "elapsed_ms": None, "over": None, "error": self._error}
        if loaded:
            out.update(self.helper.call("state"))
        if self._session is not None:
            out["summary"] = {k: v for k, v in self._session.items() if k != "installed_mono"}
            if out["installed"]:
                out["elapsed_ms"] = round(self.page.now()[0] - self._session["installed_mono"], 1)
                out["over"] = self._session["ends_ms"] is not None and out["elapsed_ms"] > self._session["ends_ms"]
        return out
