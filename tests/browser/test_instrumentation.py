"""The boot shim as authtrace's one instrumentation, in real Chromium: interposers
answer fetches instead of the network (and the shim records their answers like real
ones, with their mark), the shim knows every open socket from the first moment, and
the helpers that hook into it fail clearly without it while leaving the page alone."""

from __future__ import annotations

from pathlib import Path

from .conftest import exported, open_recorder, wait_for

RECORDER = Path(__file__).resolve().parents[2] / "web" / "recorder"

INTERPOSE = """
const done = arguments[0];
const at = globalThis.__authtrace;
const seen = [];
const settle = p => p.then(async r => r.status + ' ' + await r.text(), e => e.name + ': ' + e.message);
const answer = at.interpose('fetch', req => {
  seen.push([req.method, req.auth]);
  if (req.url.includes('hang')) return {response: at.answers.hang(req, req.url.includes('drop') ? 50 : null)};
  if (!req.auth) return undefined;
  return {response: at.answers.response(503, '{"error":"temporarily_unavailable"}'), mark: {simulated: 'test-503'}};
});
const broken = at.interpose('fetch', () => { throw new Error('interposer bug'); });
(async () => {
  const out = {};
  out.answered = await settle(fetch('/user_management/authenticate', {method: 'POST',
                                    body: JSON.stringify({grant_type: 'refresh_token'})}));
  out.passed = await settle(fetch('/__lab/echo?x=1'));
  const ac = new AbortController();
  const hanging = settle(fetch('/__lab/echo?hang=1', {signal: ac.signal}));
  setTimeout(() => ac.abort(), 50);
  out.aborted = await hanging;
  out.preAborted = await settle(fetch('/__lab/echo?hang=2', {signal: AbortSignal.abort()}));
  out.dropped = await settle(fetch('/__lab/echo?hang=drop'));
  answer(); broken();
  out.after = await settle(fetch('/user_management/authenticate', {method: 'POST', body: '{}'}));
  out.seen = seen;
  done(out);
})();
"""


def test_an_interposer_answers_instead_of_the_network_and_the_answer_is_recorded(lab_url, driver):
    open_recorder(driver, lab_url)
    out = driver.execute_async_script(INTERPOSE)
    assert out["answered"] == '503 {"error":"temporarily_unavailable"}'
    assert out["passed"].startswith("200 ")  # not its business: the network answered
    assert out["aborted"] == out["preAborted"] == "AbortError: The operation was aborted."
    assert out["dropped"] == "TypeError: Failed to fetch"
    assert not out["after"].startswith("503")  # removed: the network again
    assert out["seen"][:2] == [["POST", True], ["GET", False]]
    events = wait_for(driver, """
        const events = JSON.parse(authtrace.exportTrace()).events;
        return events.filter(e => e.type === 'observer-error').length >= 5 && events;""", 10)
    simulated = [e for e in events if e["kind"] == "fetch" and e["payload"].get("simulated") == "test-503"]
    assert [e["type"] for e in simulated] == ["request", "response"]
    assert simulated[0]["payload"]["grant_type"] == "refresh_token" and simulated[1]["payload"]["status"] == 503
    broken = {e["payload"]["where"] for e in events if e["type"] == "observer-error"}
    assert broken == {"interpose"}  # a broken interposer is noted; the fetch went on
    assert not [e for e in exported(driver)["events"] if e["kind"] == "lock" and e["payload"]["request"] ==
                simulated[0]["payload"]["request"]]  # an answer made up here never held WorkOS's lock


def test_helpers_without_the_boot_shim_change_nothing_and_say_why(lab_url, driver):
    driver.get(lab_url + "/plain.html")
    out = driver.execute_script("""
        const before = [fetch, WebSocket, Storage.prototype.setItem];
        for (const text of arguments) (0, eval)(text);
        const same = [fetch, WebSocket, Storage.prototype.setItem].every((f, i) => f === before[i]);
        const error = (fn) => { try { fn(); return null; } catch (e) { return e.message; } };
        return {same, arm: error(() => __authtraceExperiments.arm('refresh-503', 1)),
                hide: error(() => __authtraceExperiments.hide(1)), state: __authtraceExperiments.state(),
                install: error(() => __authtraceReplay.install([])), replay: __authtraceReplay.state(),
                hidden: document.visibilityState};
    """, (RECORDER / "experiments.js").read_text(), (RECORDER / "replay-inject.js").read_text())
    assert out["same"] is True and out["hidden"] == "visible"
    assert out["arm"] == out["hide"] == "authtrace: experiments.js needs the boot shim (boot.js) loaded before it"
    assert out["install"] == "authtrace: replay-inject.js needs the boot shim (boot.js) loaded before it"
    assert out["state"] == {"armed": [], "hidden": False, "offline": False, "sockets": 0, "shim": False}
    assert out["replay"] == {"installed": False, "pending": 0, "applied": []}


def test_experiments_loaded_late_still_know_the_sockets_opened_before(lab_url, driver):
    driver.get(lab_url + "/shim-only.html")
    driver.execute_async_script("""
        const done = arguments[0], ws = location.origin.replace('http', 'ws');
        globalThis.__sync = new WebSocket(ws + '/__lab/api/1.48.0/sync');
        globalThis.__echo = new WebSocket(ws + '/__lab/ws-echo');
        let open = 0;
        for (const s of [__sync, __echo]) s.onopen = () => { if (++open === 2) done(); };
    """)
    open_before = driver.execute_script("return __authtrace.sockets().map(s => [s.id, s.sync, s.url.split('/__lab/')[1]])")
    assert open_before == [[1, True, "api/1.48.0/sync"], [2, False, "ws-echo"]]
    driver.execute_script((RECORDER / "experiments.js").read_text())  # as the panel loads it, later
    assert driver.execute_script("return __authtraceExperiments.state().sockets") == 1
    assert driver.execute_script("return __authtraceExperiments.dropSockets()") == 1
    wait_for(driver, "return __sync.readyState === WebSocket.CLOSED && __authtrace.sockets().length === 1", 5)
    assert driver.execute_script("return __echo.readyState") == 1  # not a Convex sync socket: left alone


HAND_OVER = """
const done = arguments[0];
const at = globalThis.__authtrace;
const batches = [];
at.attach(batch => {
  const t = performance.now();
  batches.push({seqs: batch.map(o => o.seq), t});
});
const attached = batches.length;  // what queued before attach, handed over at once
const first = at.seq + 1;
for (let i = 0; i < 250; i++) at.emit('note', 'bench', {i});
setTimeout(() => {
  const timed = batches.slice(attached).map(b => b.seqs.length);
  for (let i = 0; i < 150; i++) at.emit('note', 'bench', {i});
  at.flush();  // what visibilitychange(hidden), freeze and pagehide call: everything, now
  done({timed, all: batches.slice(attached + timed.length).map(b => b.seqs.length),
        seqs: batches.flatMap(b => b.seqs), first});
}, 1500);
"""


def test_the_shim_hands_over_at_most_100_observations_per_task_except_before_a_freeze(lab_url, driver):
    """A burst never becomes one long task of Python: the timer hands over 100 at a time,
    each in its own task, in order; a lifecycle flush hands over everything at once."""
    driver.get(lab_url + "/shim-only.html")
    out = driver.execute_async_script(HAND_OVER)
    assert out["timed"] == [100, 100, 50]
    assert out["all"] == [150]
    ours = [s for s in out["seqs"] if s >= out["first"]]
    assert ours == sorted(ours) and len(ours) == 400
