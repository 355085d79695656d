"""Replay (pure): a recorded session's refresh attempts, page states and server
events as an editable plan, its fast-forwarded schedule, and the page-side
injections. No ``js``, no sockets, no clock: runs on CPython and in Pyodide.

* :func:`build_plan` -- a trace (or a Chrome HAR export) to an ``authtrace-replay/1`` plan;
* :func:`validate_plan` -- refuse an invalid (edited) plan with the reason;
* :func:`schedule` -- the plan fast-forwarded for ``speed`` (quiet time compressed,
  the seconds around each fault kept exactly, token lifetimes scaled);
* :func:`page_injections` -- the plan's WorkOS faults as fetch injections for a live tab;
* :func:`compare` -- did a replay reproduce the recorded failure.

Four modules are called ``replay``; this package is the pure one, the other three run it:
``host/replay.py`` plays a plan in headless Chromium against the emulators,
``host/commands/replay.py`` is the ``authtrace replay`` command around it, and
``browser/panel/replay.py`` injects a plan's WorkOS outcomes into the live tab.
Modules: ``plan`` (what a plan holds; its public names), ``format``, ``build``,
``faults``, ``validate``, ``outcome``, ``schedule``, ``inject``.
"""

from .inject import page_injections
from .plan import (
    FORMAT,
    NothingToReplay,
    PlanError,
    build_plan,
    compare,
    faults_from_attempts,
    failure_signature,
    load_plan,
    validate_plan,
)
from .schedule import MIN_TTL_S, PROTECT_MS, SETTLE_MS, schedule

__all__ = [
    "FORMAT",
    "MIN_TTL_S",
    "PROTECT_MS",
    "SETTLE_MS",
    "NothingToReplay",
    "PlanError",
    "build_plan",
    "compare",
    "failure_signature",
    "faults_from_attempts",
    "load_plan",
    "page_injections",
    "schedule",
    "validate_plan",
]
