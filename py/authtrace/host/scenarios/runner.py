"""Run one scenario: emulators, the lab, headless Chromium, the story, the figures.

Each run has its own emulators (free ports), lab server and Chromium profile, so runs
can go side by side (chaos.py runs them in worker processes).
"""

from __future__ import annotations

import contextlib
import errno
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..background import BackgroundServer
from ..chromium import new_driver
from ..emulators.suite import EmulatorSuite
from ..lab import create_app
from ..pyodide_dist import build, is_fresh, project_root
from ..webbuild import build_lab
from . import counts
from .catalog import SCENARIOS
from .context import Context, ScenarioError
from .metrics import compute
from .page import FINAL
from .station import Station

ADAPTERS = ("stock", "resilient")
PROFILES = ("full", "ci")

# The fields of one run's JSON (``authtrace scenario run --json``), in the lab and against
# an app (app.py); chaos adds its timings (wall_s, boot_wait_s, cpu_s).
FIELDS = (
    "scenario", "adapter", "seed", "split_brain_ms", "split_brain_open", "split_brain_longest_ms", "wedged",
    "lost_mutations", "duplicated_mutations", "recovered_ms", "serving_ms", "authkit_user_at_end",
    "convex_authenticated_at_end", "trace_secrets_found", "tabs",
    "window_s", "refresh_requests_per_tab_max", "adapter_refresh_requests_per_tab_max", "authkit_calls_per_tab_max",
    "authkit_calls_outstanding_max", "token_wait_longest_ms", "rotations", "refresh_tokens_reused",
    "refresh_tokens_replayed", "invalid_grants",
    "console_errors", "console_errors_convex", "console_warnings", "console_heads", "authkit_calls_after_unmount",
    "bridge_state_at_end", "bridge_events",
    "params", "duration_s", "trace", "profile",
)


def default_trace_path(name: str, adapter: str, seed: int) -> Path:
    return Path(".authtrace") / "traces" / f"{name}.{adapter}.seed{seed}.json"


def prepare(root: Path) -> None:
    if not is_fresh(root):
        build(root, quiet=True)
    build_lab(root)


def _start_emulators(scenario: Any, station: Station | None) -> EmulatorSuite:
    """The run's emulators: on the station's ports (moving the station once if another
    process took one since its last run), else on any free ports."""
    if station is None:
        return EmulatorSuite(workos_port=0, convex_port=0, **scenario.emulator).start_in_thread()
    try:
        return EmulatorSuite(**station.emulator_ports(), **scenario.emulator).start_in_thread()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
    station.rehome()
    return EmulatorSuite(**station.emulator_ports(), **scenario.emulator).start_in_thread()


def run(name: str, adapter: str = "stock", seed: int = 0, trace_out: Path | None = None, *,
        profile: str = "full", on_booted: Callable[[], None] | None = None, prepared: bool = False,
        station: Station | None = None) -> dict[str, Any]:
    """Run scenario ``name`` once; ``on_booted`` is called once signed in with the lab tab's
    recorder running (the CPU-heavy part is over); ``prepared``: the caller already built
    Pyodide and the lab; ``station``: reuse that worker's browser and lab origin (station.py)."""
    scenario = SCENARIOS[name]
    root = project_root()
    if not prepared:
        prepare(root)
    suite = _start_emulators(scenario, station)
    try:
        with contextlib.ExitStack() as stack:
            if station:
                station.check_config(suite)
                lab_url, driver = station.lab.url, station.fresh_driver()
            else:
                config = {"workos": suite.authkit_props(dev_mode=not scenario.cookie_mode), "convexUrl": suite.convex_url}
                lab_url = stack.enter_context(BackgroundServer(create_app(root, config))).url
                driver = new_driver()
                driver.set_script_timeout(30)
                stack.callback(driver.quit)
            # A scenario about a broken adapter variant (throw, same-token) runs that variant
            # as its control; with the resilient adapter the same story runs on the bridge.
            page_adapter = scenario.adapter if (scenario.adapter and adapter == "stock") else adapter
            ctx = Context(driver, suite, lab_url, seed, adapter=page_adapter, cookie_mode=scenario.cookie_mode,
                          profile=profile, on_booted=on_booted)
            stack.callback(ctx.close)
            started = time.time()
            scenario.script(ctx)
            ctx.stop_sampling()
            result = _collect(ctx, scenario.name, adapter, seed, started, suite)
    finally:
        suite.stop()
    path = trace_out or default_trace_path(name, adapter, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    trace = result.pop("_trace")
    path.write_text(json.dumps(trace, indent=1) + "\n")
    result["trace"] = str(path)
    result["profile"] = profile
    return result


JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def _leaks(text: str, secrets: list[str]) -> int:
    """How many emulator-minted secrets (or any signed JWT) the recorded trace contains."""
    return sum(1 for s in secrets if s and s in text) + len(JWT.findall(text))


def _final(ctx: Context) -> list[dict[str, Any]]:
    """Each watched lab tab's own record: messages sent and failed, console counts,
    AuthKit calls per provider generation, the bridge's state."""
    out = []
    for handle in ctx.tab_samples or [ctx.main]:
        try:
            raw = ctx.read(handle, FINAL)
        except Exception:  # a tab closed by the story
            raw = None
        out.append(json.loads(raw) if raw else {})
    return out


def _collect(ctx: Context, name: str, adapter: str, seed: int, started: float, suite: EmulatorSuite) -> dict[str, Any]:
    driver = ctx.driver
    if driver.current_window_handle != ctx.main:
        driver.switch_to.window(ctx.main)
    finals = _final(ctx)
    sent = [b for f in finals for b in f.get("sent", [])]
    failed = [b for f in finals for b in f.get("failed", [])]
    stored = [m.get("body") for m in suite.convex.messages]
    tabs = [ctx.tab_samples[h] for h in ctx.tab_samples] or [ctx.samples]
    per_tab = [compute(samples, [], [], ctx.fault_end_ms) for samples in tabs]
    metrics = compute(ctx.samples, sent, stored, ctx.fault_end_ms, failed)
    raw = ctx.export_trace()
    trace = json.loads(raw)
    leaked = _leaks(raw, suite.workos.minted_secrets())
    server_events = suite.events.list()
    trace["meta"].update({
        "scenario": name, "adapter": adapter, "seed": seed, "started_wall": started * 1000,
        "marks": ctx.marks, "server_events": server_events, "params": ctx.params, "profile": ctx.profile,
    })
    end_ms = ctx.now_ms()

    def longest(m, samples):
        return max((((i["end"] if i["end"] is not None else samples[-1].t) - i["start"]) for i in m.split_brain), default=0.0)

    servings = [m.serving_ms for m in per_tab]
    return {
        "scenario": name,
        "adapter": adapter,
        "seed": seed,
        "split_brain_ms": round(sum(m.split_brain_ms for m in per_tab), 1),
        "split_brain_open": any(m.split_brain_open for m in per_tab),
        "split_brain_longest_ms": max(longest(m, s) for m, s in zip(per_tab, tabs)),
        "wedged": any(m.wedged for m in per_tab),
        "lost_mutations": metrics.lost_mutations,
        "duplicated_mutations": metrics.duplicated_mutations,
        "recovered_ms": metrics.recovered_ms,
        "serving_ms": None if None in servings else max(servings, default=None),
        "authkit_user_at_end": metrics.authkit_user_at_end,
        "convex_authenticated_at_end": metrics.convex_authenticated_at_end,
        "trace_secrets_found": leaked,
        "tabs": len(tabs),
        **_wire(ctx, trace["events"], server_events, end_ms),
        **_page_record(finals, ctx),
        "params": ctx.params,
        "duration_s": round(end_ms / 1000, 1),
        "_trace": trace,
    }


def _wire(ctx: Context, events: list[dict], server_events: list[dict], end_ms: float) -> dict[str, Any]:
    """Counts from the trace and WorkOS's log over the story's window: from the fault's
    start (or sign-in) to ``ctx.count_end_ms`` (or the end of the run)."""
    signed_in = next((t for t, label in ctx.marks if label == "signed-in"), 0.0)
    start = ctx.fault_start_ms if ctx.fault_start_ms is not None else signed_in
    end = ctx.count_end_ms if ctx.count_end_ms is not None else end_ms
    window = (ctx.wall_ms(start), ctx.wall_ms(end))
    end_wall = ctx.wall_ms(end_ms)
    return {
        "window_s": round((end - start) / 1000, 1),
        "refresh_requests_per_tab_max": max(counts.refresh_requests(events, window).values(), default=0),
        "adapter_refresh_requests_per_tab_max": max(counts.adapter_refresh_requests(events, window).values(), default=0),
        "authkit_calls_per_tab_max": max(counts.authkit_calls(events, window).values(), default=0),
        "authkit_calls_outstanding_max": counts.max_outstanding_calls(events, window, end_wall),
        "token_wait_longest_ms": counts.longest_token_wait_ms(events, end_wall),
        "rotations": counts.rotations(server_events, window),
        "refresh_tokens_reused": counts.reused_refresh_tokens(server_events),
        "refresh_tokens_replayed": counts.replayed_refresh_tokens(server_events),
        "invalid_grants": counts.invalid_grants(server_events),
    }


def _page_record(finals: list[dict[str, Any]], ctx: Context) -> dict[str, Any]:
    consoles = [f.get("console") or {} for f in finals]
    calls = [f.get("authkitCalls") or {} for f in finals]
    main = finals[0] if finals else {}
    last_bridge = next((s.bridge for s in reversed(ctx.samples) if not s.frozen), None)
    return {
        # console.error lines not from the Convex client's own logger (the adapter's, the app's)
        "console_errors": sum(c.get("error", 0) - c.get("convexError", 0) for c in consoles),
        "console_errors_convex": sum(c.get("convexError", 0) for c in consoles),
        "console_warnings": sum(c.get("warn", 0) for c in consoles),
        "console_heads": [h for c in consoles for h in c.get("heads", [])][:12],
        "authkit_calls_after_unmount": sum(c.get("afterUnmount", 0) for c in calls),
        "bridge_state_at_end": ((main.get("bridge") or {}).get("state") if ctx.adapter == "resilient" else None) or
                               (last_bridge if ctx.adapter == "resilient" else None),
        "bridge_events": (main.get("bridge") or {}).get("events") if ctx.adapter == "resilient" else None,
    }
