"""Run a replay plan in headless Chromium against the lab and the emulators.

Reuses the scenario runner: the same emulators, lab server, Chromium driver and
:class:`~authtrace.host.scenarios.context.Context` (open the lab, sign in, hide/show,
freeze/unfreeze, offline/online over CDP, arm emulator faults), and the runner's
figures (:func:`authtrace.host.scenarios.metrics.compute` via ``_collect``). The
plan's steps run on the replay clock from :func:`authtrace.replay.schedule`, counted
from the moment Convex is authenticated after sign-in.

Two clocks: ``"real"`` replays on the real clock with quiet time fast-forwarded (the
schedule at ``speed``; token lifetimes cannot go below what the clients need);
``"virtual"`` replays the recording at its own pace, lifetimes and all, on Chromium's
virtual time with the emulators' clock following it (:mod:`.virtual_time`), so
the wall time is what the CPU needs, not what the recording lasted.
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
from .virtual_time import SteppedClock, VirtualTime

CLOCKS = ("real", "virtual")



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
        name: str = "replay", clock: str = "real") -> dict[str, Any]:
    """Replay ``plan`` once with ``adapter``; the runner's figures, the comparison with the
    recorded outcome and the path of the new trace. ``clock="virtual"`` ignores ``speed``."""
    if adapter not in ADAPTERS:
        raise ValueError(f"adapter must be one of {', '.join(ADAPTERS)}")
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {', '.join(CLOCKS)}")
    virtual = clock == "virtual"
    if virtual:
        if plan.get("page"):
            raise ReplayUnavailable("--clock virtual cannot replay hidden/frozen/offline stretches yet; use --clock real")
        speed = 1.0  # the recording's own pace, on the virtual clock
    if adapter == "resilient":
        why = resilient_wired()
        if why:
            raise ReplayUnavailable(f"--adapter resilient cannot run: {why}")
    sched = schedule(plan, speed)
    root = project_root()
    prepare(root)
    cookie = bool((plan.get("app") or {}).get("cookie_mode"))
    stepped = SteppedClock()
    suite = EmulatorSuite(workos_port=0, convex_port=0, access_token_ttl=sched["access_token_ttl_s"],
                          clock=stepped).start_in_thread()
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
                if virtual:
                    vt = VirtualTime(driver, ctx.main, stepped, ping=lambda: suite.call(suite.convex.ping_all()))
                    try:
                        vt.start()
                        # The recording's clock starts at sign-in, when the first tokens were issued;
                        # Convex confirming them (where sign_in() returns) can be seconds later here.
                        issued = [e["t"] for e in suite.events.list(source="workos", type="code-exchange")]
                        late_ms = max(0.0, vt.start_ms - issued[-1] * 1000) if issued else 0.0
                        _play_virtual(ctx, vt, sched["steps"], sched["replay_ms"], late_ms)
                    finally:
                        vt.close()
                    budgets = {"count": vt.budgets, "tab_running_s": round(vt.running_s, 2)}
                else:
                    _play(ctx, sched["steps"], sched["replay_ms"])
                    budgets = None
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
    trace["meta"]["replay"] = {"speed": sched["speed"], "clock": clock, "plan_source": plan.get("source"),
                               "access_token_ttl_s": sched["access_token_ttl_s"]}
    path = trace_out or Path(".authtrace") / "replays" / f"{name}.{adapter}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace, indent=1) + "\n")
    result["causes"] = diagnose(Trace.from_json(trace)).causes()
    result["trace"] = str(path)
    result["page_adapter"] = ctx.adapter
    result["comparison"] = compare(plan.get("recorded") or {}, result)
    result["recurred"] = result["comparison"]["recurred"]
    result["timing"] = {"recorded_s": round(sched["recorded_ms"] / 1000, 2), "replayed_s": round(replay_s, 2),
                        "total_wall_s": round(total_s, 2), "access_token_ttl_s": sched["access_token_ttl_s"],
                        "clock": clock, "virtual_time_budgets": budgets}
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


def _play_virtual(ctx: Context, vt: VirtualTime, steps: list[dict[str, Any]], replay_ms: float,
                  late_ms: float = 0.0) -> None:
    """The steps at their recorded times on the tab's virtual clock, which started ``late_ms``
    after the replay's sign-in."""
    for step in steps:
        vt.advance_to(step["at_ms"] - late_ms)
        _do(ctx, step)
    vt.advance_to(replay_ms - late_ms)
    # The tab's clock stands still now; let the sampler (real time) read the final state.
    time.sleep(0.3)


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
