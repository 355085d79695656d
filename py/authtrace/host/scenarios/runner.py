"""Run one scenario: emulators, the lab, headless Chromium, the story, the figures."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from ..background import BackgroundServer
from ..chromium import new_driver
from ..emulators.suite import EmulatorSuite
from ..lab import create_app
from ..pyodide_dist import build, is_fresh, project_root
from ..webbuild import build_lab
from .catalog import SCENARIOS
from .context import Context, ScenarioError
from .metrics import compute

ADAPTERS = ("stock", "resilient")


def default_trace_path(name: str, adapter: str, seed: int) -> Path:
    return Path(".authtrace") / "traces" / f"{name}.{adapter}.seed{seed}.json"


def prepare(root: Path) -> None:
    if not is_fresh(root):
        build(root, quiet=True)
    build_lab(root)


def run(name: str, adapter: str = "stock", seed: int = 0, trace_out: Path | None = None) -> dict[str, Any]:
    scenario = SCENARIOS[name]
    root = project_root()
    prepare(root)
    suite = EmulatorSuite(workos_port=0, convex_port=0, **scenario.emulator).start_in_thread()
    try:
        config = {"workos": suite.authkit_props(dev_mode=not scenario.cookie_mode), "convexUrl": suite.convex_url}
        with BackgroundServer(create_app(root, config)) as lab:
            driver = new_driver()
            driver.set_script_timeout(30)
            # A scenario about a broken adapter variant (throw, same-token) runs that variant
            # as its control; with the resilient adapter the same story runs on the bridge.
            page_adapter = scenario.adapter if (scenario.adapter and adapter == "stock") else adapter
            ctx = Context(driver, suite, lab.url, seed, adapter=page_adapter, cookie_mode=scenario.cookie_mode)
            try:
                started = time.time()
                scenario.script(ctx)
                ctx.stop_sampling()
                result = _collect(ctx, scenario.name, adapter, seed, started, suite)
            finally:
                ctx.stop_sampling()
                driver.quit()
    finally:
        suite.stop()
    path = trace_out or default_trace_path(name, adapter, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    trace = result.pop("_trace")
    path.write_text(json.dumps(trace, indent=1) + "\n")
    result["trace"] = str(path)
    return result


JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def _leaks(text: str, secrets: list[str]) -> int:
    """How many emulator-minted secrets (or any signed JWT) the recorded trace contains."""
    return sum(1 for s in secrets if s and s in text) + len(JWT.findall(text))


def _collect(ctx: Context, name: str, adapter: str, seed: int, started: float, suite: EmulatorSuite) -> dict[str, Any]:
    driver = ctx.driver
    if driver.current_window_handle != ctx.main:
        driver.switch_to.window(ctx.main)
    sent = ctx.page(ctx.main, "JSON.stringify(globalThis.__labSent || [])")
    sent = json.loads(sent) if sent else []
    failed = ctx.page(ctx.main, "JSON.stringify(globalThis.__labFailed || [])")
    failed = json.loads(failed) if failed else []
    stored = [m.get("body") for m in suite.convex.messages]
    metrics = compute(ctx.samples, sent, stored, ctx.fault_end_ms, failed)
    raw = ctx.page(ctx.main, "globalThis.authtrace && globalThis.authtrace.exportTrace()")
    if not raw:
        raise ScenarioError("the recorder in the lab tab did not export a trace")
    trace = json.loads(raw)
    leaked = _leaks(raw, suite.workos.minted_secrets())
    trace["meta"].update({
        "scenario": name, "adapter": adapter, "seed": seed, "started_wall": started * 1000,
        "marks": ctx.marks, "server_events": suite.events.list(),
    })
    return {
        "scenario": name,
        "adapter": adapter,
        "seed": seed,
        "split_brain_ms": metrics.split_brain_ms,
        "split_brain_open": metrics.split_brain_open,
        "split_brain_longest_ms": max((((i["end"] if i["end"] is not None else ctx.samples[-1].t) - i["start"])
                                       for i in metrics.split_brain), default=0.0),
        "wedged": metrics.wedged,
        "lost_mutations": metrics.lost_mutations,
        "duplicated_mutations": metrics.duplicated_mutations,
        "recovered_ms": metrics.recovered_ms,
        "authkit_user_at_end": metrics.authkit_user_at_end,
        "convex_authenticated_at_end": metrics.convex_authenticated_at_end,
        "trace_secrets_found": leaked,
        "_trace": trace,
    }
