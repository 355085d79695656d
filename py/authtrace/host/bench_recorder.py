"""``authtrace bench recorder``: what the recorder costs the page, measured in one Chromium run.

Two measurements, both side by side in one run:

* **Round trips.** Loopback ``fetch`` and WebSocket round trips through the browser's
  own objects (kept aside by the boot shim) and through the hooked ones, alternating
  in ABBA blocks on the recorder page so drift hits both alike; and, as a cross-check,
  a page without authtrace against the recorder page. Targets: hooked/unhooked
  medians at most 1.02 for fetch and for query churn over a WebSocket, 1.05 when every
  frame is one the recorder keeps. The page is cross-origin isolated (COOP/COEP),
  which gives ``performance.now()`` 5 µs steps instead of 100 µs. Like the real
  Convex client, the page parses every frame it receives, on both sides.
* **A busy Convex app, profiled.** For ``--busy-s`` seconds the page carries the
  traffic of a busy app (query churn every 50 ms, a mutation every 500 ms, a fetch a
  second, a token refresh and a re-Authenticate every 5 s) while the CDP sampling
  profiler runs; each sample is charged to authtrace when the innermost frame with a
  script URL is authtrace's (the boot shim, the store, PyScript, Pyodide and so the
  Python recorder), except the native ``fetch``/``send`` the shim calls for the app.
  Reported: authtrace's main-thread ms per minute, its share of the page's busy time,
  the longest unbroken stretch of authtrace work (target: none over 50 ms), and the
  same workload's busy time on the page without authtrace. Plus the memory of 10,000
  stored events.
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

TARGETS = {"fetch": 1.02, "websocket": 1.02, "websocket_all_recorded": 1.05}
LONG_TASK_MS = 50.0
SAMPLING_US = 200

ROUND_TRIPS = """
// Each sample is the mean of a group of round trips. Groups alternate between the
// browser's own fetch/WebSocket (kept aside by the boot shim) and the hooked ones,
// on the same page, in ABBA order so drift hits both alike.
// "control" is the browser's own on both sides: the noise floor of the comparison.
// Two sockets are never quite alike, so which one opens first alternates between runs.
const [kind, groups, group, tracedFirst, control, done] = arguments;
(async () => {
  const at = globalThis.__authtrace;
  const own = {fetch: at ? at.native.fetch : fetch, WS: at ? at.native.WebSocket : WebSocket};
  const sides = {
    native: {fetch: own.fetch, WS: own.WS, times: []},
    traced: {fetch: control ? own.fetch : globalThis.fetch, WS: control ? own.WS : globalThis.WebSocket, times: []},
  };
  if (kind !== 'fetch') {
    for (const side of (tracedFirst ? [sides.traced, sides.native] : [sides.native, sides.traced])) {
      side.ws = new side.WS(location.origin.replace('http', 'ws') + '/__lab/bench/api/1.48.0/sync');
      await new Promise(r => side.ws.onopen = r);
    }
  }
  let i = 0;
  for (let g = 0; g < groups * 2; g++) {
    const side = (g % 4 === 0 || g % 4 === 3) ? sides.native : sides.traced;
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
        // The app reads every frame, as the Convex client does (JSON.parse(message.data)).
        await new Promise(r => { side.ws.onmessage = e => r(JSON.parse(e.data)); side.ws.send(msg); });
      }
    }
    side.times.push((performance.now() - t) / group);
  }
  for (const side of Object.values(sides)) if (side.ws) side.ws.close();
  done({native: sides.native.times, traced: sides.traced.times});
})();
"""

BUSY_APP = """
// The traffic of a busy Convex app for `seconds`, through whatever fetch/WebSocket the
// page has (hooked on the recorder page, the browser's own on the plain page).
const [seconds, done] = arguments;
(async () => {
  const long = [];
  let observer = null;
  try {
    observer = new PerformanceObserver(list => { for (const e of list.getEntries()) long.push(e.duration); });
    observer.observe({type: 'longtask'});
  } catch (_) { /* no long task API: reported as null */ }
  const b64 = s => btoa(s).replace(/=+$/, '').replace(/\\+/g, '-').replace(/\\//g, '_');
  const jwt = n => b64(JSON.stringify({alg: 'RS256', kid: 'k'})) + '.' +
    b64(JSON.stringify({iss: 'https://api.workos.com/user_management/client_x', sub: 'user_1', sid: 's' + n,
                        iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300})) + '.' + b64('sig' + n);
  const ws = new WebSocket(location.origin.replace('http', 'ws') + '/__lab/bench/api/1.48.0/sync');
  await new Promise(r => ws.onopen = r);
  let frames = 0;
  ws.onmessage = e => { JSON.parse(e.data); frames++; };
  const end = performance.now() + seconds * 1000;
  let q = 0, m = 0, f = 0, a = 0;
  const timers = [
    setInterval(() => ws.send(JSON.stringify({type: 'ModifyQuerySet', baseVersion: q, newVersion: ++q,
      modifications: [{type: 'Add', queryId: q, udfPath: 'messages:list', args: [{limit: 20}]}]})), 50),
    setInterval(() => ws.send(JSON.stringify({type: 'Mutation', requestId: m++, udfPath: 'messages:send',
      args: [{body: 'hello ' + m}]})), 500),
    setInterval(() => fetch('/__lab/echo?f=' + (f++), {method: 'POST', body: 'x'}).then(r => r.text()), 1000),
    setInterval(() => {
      a++;
      fetch('/__lab/bench/user_management/authenticate', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({grant_type: 'refresh_token', client_id: 'client_x', refresh_token: 'rt_' + a + 'x'.repeat(24)})})
        .then(r => r.text(), () => null);
      ws.send(JSON.stringify({type: 'Authenticate', tokenType: 'User', value: jwt(a), baseVersion: a - 1}));
    }, 5000),
  ];
  await new Promise(r => setTimeout(r, Math.max(0, end - performance.now())));
  timers.forEach(clearInterval);
  ws.close();
  if (observer) observer.disconnect();
  await new Promise(r => setTimeout(r, 300));  // the recorder's last hand-off
  done({frames, queries: q, mutations: m, fetches: f, refreshes: a, longTasks: observer ? long : null});
})();
"""

OWN = {"/recorder/boot.js": "boot shim", "/recorder/": "recorder scripts", "/static/pyodide/": "pyodide (the Python recorder)",
       "/static/pyscript/": "pyscript"}
WRAPPED_NATIVE = {"fetch", "send", "WebSocket"}


def _isolated(app):
    """COOP/COEP on every response: a cross-origin isolated page has 5 µs timers."""
    extra = [(b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-embedder-policy", b"require-corp")]

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        return await app(scope, receive, send_with_headers)

    return wrapped


def _ready(driver, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while not driver.execute_script("return !!(window.authtrace && window.authtrace.ready)"):
        if time.time() > deadline:
            raise RuntimeError("the recorder page did not become ready")
        time.sleep(0.1)


def attribute(profile: dict) -> dict:
    """Charge each sample of a CDP CPU profile to authtrace, the page's other work, GC or idle.

    A sample is authtrace's when the innermost frame that has a script URL is one of
    authtrace's scripts, unless the innermost frame is the native fetch/send/WebSocket
    that the boot shim calls on the app's behalf (the app would pay for that anyway).
    Also the longest unbroken stretch of authtrace samples (GC inside it included).
    """
    nodes = {n["id"]: n for n in profile["nodes"]}
    where: dict[str, float] = {}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    memo: dict[int, str] = {}

    def bucket(node_id: int) -> tuple[str, str]:
        if node_id in memo:
            return memo[node_id]
        frame = nodes[node_id]["callFrame"]
        name, url = frame.get("functionName", ""), frame.get("url", "")
        out = {"(idle)": ("idle", ""), "(garbage collector)": ("gc", ""), "(program)": ("program", "")}.get(name)
        if out is None:
            leaf_native = name if not url else None
            n, out = node_id, ("page", "")
            while n is not None:
                u = nodes[n]["callFrame"].get("url", "")
                if u:
                    script = next((label for prefix, label in OWN.items() if prefix in u), None)
                    if script and leaf_native not in WRAPPED_NATIVE:
                        out = ("authtrace", script)
                    break
                n = parent.get(n)
        memo[node_id] = out
        return out

    totals = {"authtrace": 0.0, "page": 0.0, "gc": 0.0, "program": 0.0, "idle": 0.0}
    stretches: list[tuple[float, float]] = []  # (ms, of which GC)
    run = run_gc = 0.0
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"]):
        ms = max(0, delta) / 1000
        b, script = bucket(node_id)
        totals[b] += ms
        if script:
            where[script] = where.get(script, 0.0) + ms
        if b == "authtrace" or (b == "gc" and run > 0):
            run += ms
            run_gc += ms if b == "gc" else 0.0
        elif run:
            stretches.append((run, run_gc))
            run = run_gc = 0.0
    if run:
        stretches.append((run, run_gc))
    return {**{k: round(v, 1) for k, v in totals.items()}, "by_script": {k: round(v, 1) for k, v in where.items()},
            "stretches": stretches}


def _hook_cpu(driver, kind: str, groups: int, group: int) -> float:
    """authtrace's main-thread ms per hooked round trip, from a profile of one run."""
    driver.execute_cdp_cmd("Profiler.enable", {})
    driver.execute_cdp_cmd("Profiler.setSamplingInterval", {"interval": 50})
    driver.execute_cdp_cmd("Profiler.start", {})
    try:
        driver.execute_async_script(ROUND_TRIPS, kind, groups, group, False, False)
    finally:
        profile = driver.execute_cdp_cmd("Profiler.stop", {})["profile"]
        driver.execute_cdp_cmd("Profiler.disable", {})
    return attribute(profile)["authtrace"] / (groups * group)


def _busy(driver, seconds: float) -> dict:
    driver.execute_cdp_cmd("Profiler.enable", {})
    driver.execute_cdp_cmd("Profiler.setSamplingInterval", {"interval": SAMPLING_US})
    driver.execute_cdp_cmd("Profiler.start", {})
    try:
        traffic = driver.execute_async_script(BUSY_APP, seconds)
    finally:
        profile = driver.execute_cdp_cmd("Profiler.stop", {})["profile"]
        driver.execute_cdp_cmd("Profiler.disable", {})
    spent = attribute(profile)
    duration_min = (profile["endTime"] - profile["startTime"]) / 60e6
    busy = spent["authtrace"] + spent["page"] + spent["gc"] + spent["program"]
    stretches = spent.pop("stretches")
    long_tasks = traffic.pop("longTasks")
    return {
        "traffic": traffic,
        "profiled_s": round(duration_min * 60, 1),
        "main_thread_busy_ms_per_min": round(busy / duration_min, 1),
        "authtrace_ms_per_min": round(spent["authtrace"] / duration_min, 1),
        "authtrace_ms_per_min_by_script": {k: round(v / duration_min, 1) for k, v in spent["by_script"].items()},
        "authtrace_share_of_busy": round(spent["authtrace"] / busy, 3) if busy else 0.0,
        "page_js_ms_per_min": round(spent["page"] / duration_min, 1),
        "gc_ms_per_min": round(spent["gc"] / duration_min, 1),
        "renderer_native_ms_per_min": round(spent["program"] / duration_min, 1),
        "longest_authtrace_stretch_ms": round(max(stretches, default=(0.0, 0.0))[0], 1),
        "longest_authtrace_stretch_gc_ms": round(max(stretches, default=(0.0, 0.0))[1], 1),
        "authtrace_stretches_over_50ms": sum(1 for s, _ in stretches if s > LONG_TASK_MS),
        "page_long_tasks_over_50ms": None if long_tasks is None else sum(1 for d in long_tasks if d > LONG_TASK_MS),
    }


def run(rounds: int = 12, group: int = 20, events: int = 10_000, busy_s: float = 20.0) -> dict:
    """Alternate native and traced blocks on the recorder page ``rounds`` times (same page,
    same Pyodide: the difference is the hooks and the recording); as a cross-check, a page
    without authtrace against the recorder page; then the busy app, profiled, on both."""
    root = project_root()
    if not is_fresh(root):
        build(root, quiet=True)
    kinds = {"fetch": ("fetch", 10), "websocket": ("ws", 50), "websocket_all_recorded": ("ws-recorded", 25)}
    samples = {name: {"plain": [], "hooked": [], "control_a": [], "control_b": []} for name in kinds}
    hook_cpu: dict[str, float] = {}
    pages = {name: {"plain": [], "hooked": []} for name in kinds}
    busy: dict = {}
    with BackgroundServer(_isolated(create_app(Path(root)))) as server:
        driver = new_driver()
        driver.set_script_timeout(max(300, busy_s * 3))
        try:
            driver.get(server.url + "/recorder.html")
            _ready(driver)
            isolated = driver.execute_script("return self.crossOriginIsolated === true")
            for r in range(rounds):
                for name, (kind, groups) in kinds.items():
                    got = driver.execute_async_script(ROUND_TRIPS, kind, groups, group, r % 2 == 1, False)
                    samples[name]["plain"] += got["native"]
                    samples[name]["hooked"] += got["traced"]
                    if r % 2 == 0:  # the A/A control, half as often
                        got = driver.execute_async_script(ROUND_TRIPS, kind, groups, group, r % 4 == 2, True)
                        samples[name]["control_a"] += got["native"]
                        samples[name]["control_b"] += got["traced"]
            for name, (kind, groups) in kinds.items():
                hook_cpu[name] = _hook_cpu(driver, kind, groups, group)
            memory = json.loads(driver.execute_script(f"return authtrace.memoryProbe({events})"))
            for _ in range(max(1, rounds // 4)):
                for page, key in (("/plain.html", "plain"), ("/recorder.html", "hooked")):
                    driver.get(server.url + page)
                    if key == "hooked":
                        _ready(driver)
                    for name, (kind, groups) in kinds.items():
                        pages[name][key] += driver.execute_async_script(ROUND_TRIPS, kind, groups, group, False, False)["traced"]
            if busy_s > 0:
                for page, key in (("/plain.html", "page_without_authtrace"), ("/recorder.html", "recorder_page")):
                    driver.get(server.url + page)
                    if key == "recorder_page":
                        _ready(driver)
                    busy[key] = _busy(driver, busy_s)
        finally:
            driver.quit()
    out: dict = {"targets": TARGETS, "cross_origin_isolated": isolated}
    for what in kinds:
        plain, hooked = statistics.median(samples[what]["plain"]), statistics.median(samples[what]["hooked"])
        p_plain, p_hooked = statistics.median(pages[what]["plain"]), statistics.median(pages[what]["hooked"])
        control = statistics.median(samples[what]["control_b"]) / statistics.median(samples[what]["control_a"])
        out[what] = {"samples": len(samples[what]["plain"]), "round_trips_per_sample": group,
                     "unhooked_median_ms": round(plain, 4), "hooked_median_ms": round(hooked, 4),
                     "ratio": round(hooked / plain, 4), "target": TARGETS[what],
                     "meets_target": hooked / plain <= TARGETS[what],
                     "control_ratio_unhooked_vs_unhooked": round(control, 4),
                     "hook_cpu_us_per_round_trip": round(hook_cpu[what] * 1000, 2),
                     "cpu_ratio": round((plain + hook_cpu[what]) / plain, 4),
                     "page_without_authtrace_median_ms": round(p_plain, 4),
                     "recorder_page_median_ms": round(p_hooked, 4), "page_ratio": round(p_hooked / p_plain, 4)}
    out["memory"] = memory
    if busy:
        out["busy_app"] = busy
    out["note"] = ("websocket: query churn, the bulk of sync traffic (the shim drops these frames before Python); "
                   "websocket_all_recorded: every frame is one the recorder keeps")
    out["meets_target"] = bool(all(out[k]["meets_target"] for k in kinds)
                               and (not busy or busy["recorder_page"]["authtrace_stretches_over_50ms"] == 0))
    return out


def add_arguments(parser) -> None:
    parser.add_argument("--rounds", type=int, default=12, help="alternating rounds (default: 12)")
    parser.add_argument("--events", type=int, default=10_000, help="events for the memory figure (default: 10000)")
    parser.add_argument("--busy-s", type=float, default=20.0,
                        help="seconds of busy-app traffic profiled on each page (default: 20; 0: skip)")


def main(args) -> dict:
    return run(rounds=max(1, args.rounds), events=max(1, args.events), busy_s=max(0.0, args.busy_s))
