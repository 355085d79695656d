"""``authtrace bench report``: how big a report gets and how fast headless Chromium opens it.

The traces are ``authtrace bench diagnosis``'s (the recorded scenario traces laid
end to end, 13 tabs), at 2,000 and 20,000 events, and the 20,000 again with every
event in one tab (the recorder's buffer of one long-lived tab). For each: the
time to make the report in CPython, its size, and, opened from disk in headless
Chromium with the network off (median of ``--repeat`` runs, a fresh browser
each): the time from navigation until two animation frames after the load (so it
was laid out and painted), the load event and the first contentful paint as the
page measured them, the browser's main-thread, layout and style time, and what
zooming to 16× and highlighting an evidence link take. The machine's load average
is printed first: on a shared machine the wall times grow with it.

Targets (issue 23): a 20,000-event trace gives a report under 5 MB that opens and
renders in under 2 s.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = (2_000, 20_000)
TARGET_EVENTS = 20_000
TARGET_MB = 5.0
TARGET_S = 2.0


def add_arguments(parser) -> None:
    parser.add_argument("--repeat", type=int, default=3, help="Chromium runs per report (median; default: %(default)s)")
    parser.add_argument("--keep", type=Path, default=None, help="also write the reports into this directory")


def _one_tab(trace):
    from ..event import Event
    from ..trace import Trace

    return Trace(trace.meta, [Event("tab-one", e.mono, e.wall, e.kind, e.type, e.payload, e.id) for e in trace.events])


def _open(path: Path) -> dict[str, float]:
    from .chromium import new_driver

    driver = new_driver()
    try:
        driver.set_script_timeout(60)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        driver.execute_cdp_cmd("Performance.enable", {})
        t0 = time.perf_counter()
        driver.get(path.as_uri())
        driver.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done))")
        opened = time.perf_counter() - t0
        page = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "const p = performance.getEntriesByName('first-contentful-paint')[0];"
            "return {load: n.loadEventEnd, fcp: p ? p.startTime : null, marks: document.querySelectorAll('.at-mark').length,"
            " ready: document.documentElement.dataset.ready === 'true'}")
        metrics = {m["name"]: m["value"] for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
        zoom_ms = driver.execute_async_script(
            "const done = arguments[0], t = performance.now();"
            "document.querySelector('#rp-toolbar [data-zoom=\"16\"]').click();"
            "requestAnimationFrame(() => done(performance.now() - t))")
        hit_ms = driver.execute_async_script(
            "const done = arguments[0], a = document.querySelector('.rp-finding a.rp-ev'), t = performance.now();"
            "if (!a) { done(null); return; } a.click(); requestAnimationFrame(() => done(performance.now() - t))")
        return {"open_s": opened, "load_ms": page["load"], "fcp_ms": page["fcp"] or 0.0,
                "main_thread_s": metrics.get("TaskDuration", 0.0),
                "layout_s": metrics.get("LayoutDuration", 0.0), "style_s": metrics.get("RecalcStyleDuration", 0.0),
                "zoom_ms": zoom_ms, "highlight_ms": hit_ms or 0.0, "marks": page["marks"], "ready": page["ready"]}
    finally:
        driver.quit()


def measure(name: str, trace, repeat: int, keep: Path | None) -> dict[str, Any]:
    from ..report import render

    t0 = time.perf_counter()
    text = render(trace, [name])
    made = time.perf_counter() - t0
    data = text.encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.html"
        path.write_bytes(data)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / path.name).write_bytes(data)
        runs = [_open(path) for _ in range(max(1, repeat))]
    med = {key: round(statistics.median(r[key] for r in runs), 3) for key in runs[0] if key not in ("ready", "marks")}
    return {"events": len(trace.events), "tabs": len({e.tab for e in trace.events}), "marks": runs[0]["marks"],
            "bytes": len(data), "mb": round(len(data) / 1e6, 2), "render_s_cpython": round(made, 3),
            "chromium": med, "script_ran": all(r["ready"] for r in runs),
            "open_s_runs": [round(r["open_s"], 3) for r in runs]}


def main(args) -> dict[str, Any]:
    from .bench_diagnosis import build, default_traces

    traces = default_traces()
    out: dict[str, Any] = {"load_average": round(os.getloadavg()[0], 1)}  # on a shared machine, read the times with it
    for n in SIZES:
        out[f"tabs_{n}"] = measure(f"report-tabs-{n}", build(n, traces), args.repeat, args.keep)
    out[f"one_tab_{TARGET_EVENTS}"] = measure(f"report-one-tab-{TARGET_EVENTS}", _one_tab(build(TARGET_EVENTS, traces)),
                                              args.repeat, args.keep)
    big = [v for v in out.values() if isinstance(v, dict) and v["events"] == TARGET_EVENTS]
    out["meets_target"] = all(v["mb"] < TARGET_MB and v["chromium"]["open_s"] < TARGET_S for v in big)
    out["target"] = f"{TARGET_EVENTS} events: under {TARGET_MB:g} MB, opened and rendered in under {TARGET_S:g} s"
    return out
