"""``authtrace bench recorder``: what the recorder costs the page, measured in one Chromium run.

The same loopback ``fetch`` and WebSocket round trips run on a page without
authtrace and on a page with the boot shim and the Python recorder, in
alternating rounds so drift hits both alike. Reported: medians, their ratios
(target: at most 1.05), and the memory of 10,000 stored events.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from .background import BackgroundServer
from .chromium import new_driver
from .lab import create_app
from .pyodide_dist import build, is_fresh, project_root

TARGET_RATIO = 1.05

ROUND_TRIPS = """
// Each sample is the mean of a group of round trips: performance.now() is
// coarse (0.1 ms) outside cross-origin isolation, a group is not. Groups
// alternate between the browser's own fetch/WebSocket (kept aside by the boot
// shim) and the hooked ones, on the same page, so drift hits both alike.
const [kind, groups, group, done] = arguments;
(async () => {
  const at = globalThis.__authtrace;
  const sides = {
    native: {fetch: at ? at.native.fetch : fetch, WS: at ? at.native.WebSocket : WebSocket, times: []},
    traced: {fetch: globalThis.fetch, WS: globalThis.WebSocket, times: []},
  };
  if (kind !== 'fetch') {
    for (const side of Object.values(sides)) {
      side.ws = new side.WS(location.origin.replace('http', 'ws') + '/__lab/bench/api/1.48.0/sync');
      await new Promise(r => side.ws.onopen = r);
    }
  }
  let i = 0;
  for (let g = 0; g < groups * 2; g++) {
    const side = (g % 4 === 0 || g % 4 === 3) ? sides.native : sides.traced;  // ABBA order
    const t = performance.now();
    for (let k = 0; k < group; k++, i++) {
      if (kind === 'fetch') {
        const r = await side.fetch.call(globalThis, '/__lab/echo?i=' + i, {method: 'POST', body: 'x'});
        await r.text();
      } else {
        // "ws": query churn (ModifyQuerySet out, Transition back), the bulk of real sync traffic;
        // "ws-recorded": every frame one the recorder keeps (Mutation out, MutationResponse back).
        const msg = kind === 'ws'
          ? JSON.stringify({type: 'ModifyQuerySet', baseVersion: i, newVersion: i + 1, modifications: [{type: 'Add', queryId: i, udfPath: 'messages:list', args: [{}]}]})
          : JSON.stringify({type: 'Mutation', requestId: i, udfPath: 'messages:send', args: [{body: 'hello ' + i}]});
        await new Promise(r => { side.ws.onmessage = r; side.ws.send(msg); });
      }
    }
    side.times.push((performance.now() - t) / group);
  }
  for (const side of Object.values(sides)) if (side.ws) side.ws.close();
  done({native: sides.native.times, traced: sides.traced.times});
})();
"""

KINDS = {"fetch": ("fetch", 20), "websocket": ("ws", 100), "websocket_all_recorded": ("ws-recorded", 50)}


def _ready(driver, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while not driver.execute_script("return !!(window.authtrace && window.authtrace.ready)"):
        if time.time() > deadline:
            raise RuntimeError("the recorder page did not become ready")
        time.sleep(0.1)


def run(rounds: int = 12, group: int = 10, events: int = 10_000) -> dict:
    """Alternate native and traced blocks on the recorder page ``rounds`` times
    (same page, same Pyodide: the difference is the hooks and the recording),
    and, as a cross-check, a page without authtrace against the recorder page."""
    root = project_root()
    if not is_fresh(root):
        build(root, quiet=True)
    samples = {name: {"plain": [], "hooked": []} for name in KINDS}
    pages = {name: {"plain": [], "hooked": []} for name in KINDS}
    with BackgroundServer(create_app(Path(root))) as server:
        driver = new_driver()
        driver.set_script_timeout(300)
        try:
            driver.get(server.url + "/recorder.html")
            _ready(driver)
            for _ in range(rounds):
                for name, (kind, groups) in KINDS.items():
                    got = driver.execute_async_script(ROUND_TRIPS, kind, groups, group)
                    samples[name]["plain"] += got["native"]
                    samples[name]["hooked"] += got["traced"]
            memory = json.loads(driver.execute_script(f"return authtrace.memoryProbe({events})"))
            for _ in range(max(1, rounds // 4)):
                for page, key in (("/plain.html", "plain"), ("/recorder.html", "hooked")):
                    driver.get(server.url + page)
                    if key == "hooked":
                        _ready(driver)
                    for name, (kind, groups) in KINDS.items():
                        pages[name][key] += driver.execute_async_script(ROUND_TRIPS, kind, groups, group)["traced"]
        finally:
            driver.quit()
    out: dict = {"target_ratio": TARGET_RATIO}
    for what in KINDS:
        plain, hooked = statistics.median(samples[what]["plain"]), statistics.median(samples[what]["hooked"])
        p_plain, p_hooked = statistics.median(pages[what]["plain"]), statistics.median(pages[what]["hooked"])
        out[what] = {"samples": len(samples[what]["plain"]), "round_trips_per_sample": group,
                     "unhooked_median_ms": round(plain, 4), "hooked_median_ms": round(hooked, 4),
                     "ratio": round(hooked / plain, 4),
                     "page_without_authtrace_median_ms": round(p_plain, 4),
                     "recorder_page_median_ms": round(p_hooked, 4), "page_ratio": round(p_hooked / p_plain, 4)}
    out["memory"] = memory
    out["note"] = ("websocket: query churn, the bulk of sync traffic (the shim drops these frames before Python); "
                   "websocket_all_recorded: every frame is one the recorder keeps (worst case, reported, not targeted)")
    out["meets_target"] = all(out[k]["ratio"] <= TARGET_RATIO for k in ("fetch", "websocket"))
    return out


def add_arguments(parser) -> None:
    parser.add_argument("--rounds", type=int, default=12, help="alternating rounds (default: 12)")
    parser.add_argument("--events", type=int, default=10_000, help="events for the memory figure (default: 10000)")


def main(args) -> dict:
    return run(rounds=max(1, args.rounds), events=max(1, args.events))
