"""Run a replay plan in headless Chromium against the lab and the emulators.

Reuses the scenario runner: the same emulators, lab server, Chromium driver and
:class:`~authtrace.host.scenarios.context.Context` (open the lab, sign in, hide/show,
freeze/unfreeze, offline/online over CDP, arm emulator faults), and the runner's
figures (:func:`authtrace.host.scenarios.metrics.compute` via ``_collect``). The
plan's steps run on the replay clock from :func:`authtrace.replay.schedule`, counted
from the moment Convex is authenticated after sign-in.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..diagnosis import diagnose
from ..replay import compare, schedule
from ..trace import Trace
from .background import BackgroundServer
from .chromium import new_driver
from .emulators.suite import EmulatorSuite
from .lab import create_app
from .pyodide_dist import project_root
from .scenarios.context import Context, ScenarioError
from .scenarios.catalog import SCENARIOS
from .scenarios.runner import ADAPTERS, _collect, prepare



class ReplayUnavailable(RuntimeError):
    """The replay cannot run as asked (e.g. the resilient bridge is not wired into the lab)."""


def resilient_wired(root: Path | None = None) -> str | None:
    """None if the lab serves the resilient bridge at ``?adapter=resilient``; else why not."""
    root = root or project_root()
    adapters = root / "web" / "lab" / "adapters.jsx"
    bridge = root / "web" / "bridge" / "index.js"
    if not bridge.is_file():
        return "the resilient bridge (web/bridge/index.js) is not there yet"
    try:
        text = adapters.read_text()
    except OSError:
        return "the lab has no adapter table (web/lab/adapters.jsx)"
    if 'case "resilient": return ResilientProvider' not in text and "case \"resilient\"" not in text:
        return "the lab does not wire ?adapter=resilient to the bridge yet (web/lab/adapters.jsx)"
    return None


def page_adapter(plan: dict[str, Any], adapter: str) -> str:
    """The lab's ``?adapter=``: a recorded broken variant replays as the stock control."""
    if adapter != "stock":
        return adapter
    variant = (plan.get("app") or {}).get("adapter_variant")
    if variant:
        return variant
    scenario = SCENARIOS.get((plan.get("source") or {}).get("scenario") or "")
    return (scenario.adapter if scenario else None) or "stock"


def run(plan: dict[str, Any], adapter: str = "stock", speed: float = 10.0, trace_out: Path | None = None,
        name: str = "replay") -> dict[str, Any]:
    """Replay ``plan`` once with ``adapter``; the runner's figures, the comparison with the
    recorded outcome and the path of the new trace."""
    if adapter not in ADAPTERS:
        raise ValueError(f"adapter must be one of {', '.join(ADAPTERS)}")
    if adapter == "resilient":
        why = resilient_wired()
        if why:
            raise ReplayUnavailable(f"--adapter resilient cannot run: {why}")
    sched = schedule(plan, speed)
    root = project_root()
    prepare(root)
    cookie = bool((plan.get("app") or {}).get("cookie_mode"))
    suite = EmulatorSuite(workos_port=0, convex_port=0, access_token_ttl=sched["access_token_ttl_s"]).start_in_thread()
    wall0 = time.monotonic()
    try:
        config = {"workos": suite.authkit_props(dev_mode=not cookie), "convexUrl": suite.convex_url}
        with BackgroundServer(create_app(root, config)) as lab:
            driver = new_driver()
            driver.set_script_timeout(30)
            ctx = Context(driver, suite, lab.url, 0, adapter=page_adapter(plan, adapter), cookie_mode=cookie)
            try:
                started = time.time()
                ctx.open_lab()
                ctx.sign_in()
                replay_started = time.monotonic()
                _play(ctx, sched["steps"], sched["replay_ms"])
                replay_s = time.monotonic() - replay_started
                ctx.stop_sampling()
                result = _collect(ctx, name, adapter, 0, started, suite)
            finally:
                ctx.stop_sampling()
                driver.quit()
    finally:
        suite.stop()
    total_s = time.monotonic() - wall0
    trace = result.pop("_trace")
    trace["meta"]["replay"] = {"speed": sched["speed"], "plan_source": plan.get("source"),
                               "access_token_ttl_s": sched["access_token_ttl_s"]}
    path = trace_out or Path(".authtrace") / "replays" / f"{name}.{adapter}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace, indent=1) + "\n")
    d = diagnose(Trace.from_json(trace))
    causes: list[str] = []
    for c in d.ids():
        if c not in causes:
            causes.append(c)
    result["causes"] = causes
    result["trace"] = str(path)
    result["page_adapter"] = ctx.adapter
    result["comparison"] = compare(plan.get("recorded") or {}, result)
    result["recurred"] = result["comparison"]["recurred"]
    result["timing"] = {"recorded_s": round(sched["recorded_ms"] / 1000, 2), "replayed_s": round(replay_s, 2),
                        "total_wall_s": round(total_s, 2), "access_token_ttl_s": sched["access_token_ttl_s"]}
    return result


def _play(ctx: Context, steps: list[dict[str, Any]], replay_ms: float) -> None:
    base = ctx.now_ms()
    for step in steps:
        delay = (base + step["at_ms"] - ctx.now_ms()) / 1000.0
        if delay > 0:
            time.sleep(delay)
        _do(ctx, step)
    rest = (base + replay_ms - ctx.now_ms()) / 1000.0
    if rest > 0:
        time.sleep(rest)


def _do(ctx: Context, step: dict[str, Any]) -> None:
    what = step["do"]
    if what == "hide":
        if ctx.driver.current_window_handle == ctx.main:
            ctx.hide()
    elif what == "show":
        if ctx.driver.current_window_handle != ctx.main:
            ctx.show()
    elif what == "freeze":
        ctx.freeze()
    elif what == "unfreeze":
        ctx.unfreeze()
    elif what == "offline":
        ctx.offline()
    elif what == "online":
        ctx.online()
    elif what == "close":
        ctx.drop_sync_connections(int((step.get("params") or {}).get("code", 1001)))
    elif what == "arm":
        ctx.arm(step["target"], step["action"], match=step.get("match") or {}, count=step.get("count"),
                window_s=step.get("window_s"), params=step.get("params") or {})
    elif what == "send":
        try:
            ctx.send_message(step["body"])
            ctx.mark(f"sent {step['body']}")
        except Exception as exc:  # a frozen tab cannot take input: recorded, not fatal
            ctx.mark(f"send failed: {type(exc).__name__}")
    elif what == "fault-ended":
        ctx.fault_ended()
    else:
        raise ScenarioError(f"unknown replay step {what!r}")
