"""The flight recorder in real Chromium: every page-level capture point, fail-open,
no secrets stored, persistence across reloads, one timeline across tabs.

Client-level capture (AuthKit, Convex, refresh attempts against the emulators)
is covered with the lab app's tests.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from .conftest import exported, free_port, open_recorder, wait_for


def events(driver, kind=None, type_=None):
    return [e for e in exported(driver)["events"]
            if (kind is None or e["kind"] == kind) and (type_ is None or e["type"] == type_)]


def wait_event(driver, kind, type_, pred=lambda e: True, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [e for e in events(driver, kind, type_) if pred(e)]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no {kind}/{type_} event; have {[(e['kind'], e['type']) for e in events(driver)]}")


def fake_jwt(exp_offset_s: int = 300) -> str:
    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    now = int(time.time())
    return ".".join([b64({"alg": "RS256", "kid": "k1"}),
                     b64({"sub": "user_REC", "sid": "session_REC", "iss": "http://127.0.0.1:8787/user_management/client_local",
                          "iat": now, "exp": now + exp_offset_s}),
                     base64.urlsafe_b64encode(b"\x07" * 48).rstrip(b"=").decode()])


def test_no_blind_start_events_before_pyodide_is_ready_are_kept(lab_url, driver):
    driver.get(lab_url + "/recorder.html")
    ready_then = driver.execute_script(
        "const r = !!(window.authtrace && window.authtrace.ready);"
        "fetch('/__lab/echo?early=1'); document.dispatchEvent(new Event('visibilitychange')); return r;")
    assert ready_then is False  # the fetch happened while Python was still loading
    wait_for(driver, "return !!(window.authtrace && window.authtrace.ready)")
    boot = wait_event(driver, "lifecycle", "boot")[0]
    assert boot["payload"]["was_discarded"] is False
    early = wait_event(driver, "fetch", "response", lambda e: "early=1" in e["payload"].get("url", ""))
    assert early[0]["payload"]["status"] == 200


def test_real_hidden_tab_and_focus(lab_url, driver):
    open_recorder(driver, lab_url)
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    time.sleep(0.3)
    driver.close()
    driver.switch_to.window(first)
    wait_event(driver, "visibility", "visibilitychange", lambda e: e["payload"]["state"] == "visible")
    states = [e["payload"]["state"] for e in events(driver, "visibility", "visibilitychange")]
    assert states[states.index("hidden"):] == ["hidden", "visible"]
    focus = [e["type"] for e in events(driver, "visibility") if e["type"] in ("blur", "focus")]
    assert focus[-2:] == ["blur", "focus"]


def test_real_freeze_and_resume(lab_url, driver):
    open_recorder(driver, lab_url)
    driver.execute_cdp_cmd("Page.enable", {})
    driver.execute_cdp_cmd("Page.setWebLifecycleState", {"state": "frozen"})
    time.sleep(0.5)
    driver.execute_cdp_cmd("Page.setWebLifecycleState", {"state": "active"})
    wait_event(driver, "lifecycle", "resume")
    order = [e["type"] for e in events(driver, "lifecycle") if e["type"] in ("freeze", "resume")]
    assert order == ["freeze", "resume"]


def test_real_offline_and_failed_fetch_while_offline(lab_url, driver):
    open_recorder(driver, lab_url)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    try:
        driver.execute_async_script("const done = arguments[0]; fetch('/__lab/echo?offline=1').then(() => done('ok'), e => done(e.message));")
    finally:
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    wait_event(driver, "network", "online")
    err = wait_event(driver, "fetch", "error")[-1]["payload"]
    assert (err["name"], err["message"], err["online"]) == ("TypeError", "Failed to fetch", False)
    kinds = [e["type"] for e in events(driver, "network")]
    assert kinds[-2:] == ["offline", "online"]


def test_fetch_outcomes_are_recorded(lab_url, driver):
    open_recorder(driver, lab_url)
    closed = free_port()
    driver.execute_async_script(f"""
        const done = arguments[0];
        const settle = p => p.then(r => r.text(), e => e.name);
        const ac = new AbortController();
        const aborted = fetch('/__lab/stream?n=5&ms=200', {{signal: ac.signal}}); ac.abort();
        Promise.all([
          settle(fetch('/__lab/echo', {{method: 'POST', body: 'x'}})),
          settle(fetch('/__lab/echo?status=503')),
          settle(fetch('http://127.0.0.1:{closed}/')),
          settle(aborted),
          settle(fetch(new Request('/__lab/echo?req=1', {{method: 'PUT', body: 'r'}}))),
        ]).then(done);
    """)
    time.sleep(0.5)
    responses = {e["payload"]["status"] for e in events(driver, "fetch", "response")}
    assert {200, 503} <= responses
    errors = {e["payload"]["name"]: e["payload"]["message"] for e in events(driver, "fetch", "error")}
    assert errors["TypeError"] == "Failed to fetch"
    assert errors["AbortError"] == "signal is aborted without reason"
    put = [e for e in events(driver, "fetch", "response") if e["payload"]["method"] == "PUT"]
    assert put and put[0]["payload"]["url"].endswith("/__lab/echo?req=1")
    assert all(e["payload"]["duration_ms"] is not None for e in events(driver, "fetch", "response"))


FAIL_OPEN_SCENARIO = """
const [base, closedPort, done] = arguments;
(async () => {
  const log = [];
  const describe = async (label, promise) => {
    try {
      const r = await promise;
      let body;
      if (label === 'stream') {
        const reader = r.body.getReader(); const parts = [];
        for (;;) { const {value, done} = await reader.read(); if (done) break; parts.push(new TextDecoder().decode(value)); }
        body = parts.join('|').replace(/\\|/g, '').length + ':' + parts.join('').split(';').length;
      } else { body = await r.text(); }
      log.push([label, 'ok', r.status, r.ok, r.type, r.redirected, body, r.headers.get('content-type')]);
    } catch (e) {
      log.push([label, 'err', e.name, e.message, e.constructor.name, e instanceof TypeError, e instanceof DOMException]);
    }
  };
  await describe('success', fetch(base + '/__lab/echo', {method: 'POST', body: 'x'}));
  await describe('http-error', fetch(base + '/__lab/echo?status=503'));
  await describe('network', fetch('http://127.0.0.1:' + closedPort + '/'));
  const ac = new AbortController(); const p = fetch(base + '/__lab/stream?n=5&ms=100', {signal: ac.signal}); ac.abort();
  await describe('abort', p);
  await describe('stream', fetch(base + '/__lab/stream?n=5&ms=20'));
  await describe('request-object', fetch(new Request(base + '/__lab/echo', {method: 'POST', body: 'req-body'})));
  // Order of the app's own continuations around one fetch that resolves and one that rejects.
  const seq = [];
  const a = fetch(base + '/__lab/echo?order=1');
  Promise.resolve().then(() => seq.push('microtask'));
  a.then(() => seq.push('a1')).then(() => seq.push('a2'));
  a.then(() => seq.push('a3'));
  await a; seq.push('await-a');
  const bad = fetch('http://127.0.0.1:' + closedPort + '/');
  bad.catch(() => seq.push('b1')).then(() => seq.push('b2'));
  bad.then(null, () => seq.push('b3'));
  try { await bad; } catch (e) { seq.push('await-bad'); }
  await Promise.resolve(); seq.push('end');
  const ws = await new Promise(resolve => {
    const out = [];
    const s = new WebSocket(base.replace('http', 'ws') + '/__lab/ws-echo');
    s.onopen = () => { out.push('open'); s.send('ping'); };
    s.onmessage = e => { out.push('message:' + e.data); s.close(1000, 'bye'); };
    s.onclose = e => { out.push('close:' + e.code + ':' + e.reason + ':' + e.wasClean); resolve(out); };
    out.push('instanceof:' + (s instanceof WebSocket) + ':' + WebSocket.OPEN);
  });
  let badWs;
  try { new WebSocket('not a url'); } catch (e) { badWs = [e.name, e.message]; }
  done({log, seq, ws, badWs, fetchName: fetch.name, fetchLength: fetch.length});
})();
"""


@pytest.mark.parametrize("fault", [None, "observe", "sink"])
def test_fail_open_fetch_and_websocket_behave_as_without_authtrace(lab_url, driver, fault):
    closed = free_port()
    driver.get(lab_url + "/plain.html")
    baseline = driver.execute_async_script(FAIL_OPEN_SCENARIO, lab_url, closed)
    open_recorder(driver, lab_url)
    driver.execute_script("authtrace.injectFault(arguments[0])", fault)
    traced = driver.execute_async_script(FAIL_OPEN_SCENARIO, lab_url, closed)
    assert traced == baseline
    labels = [entry[0] for entry in baseline["log"]]
    assert labels == ["success", "http-error", "network", "abort", "stream", "request-object"]
    assert [e[1] for e in baseline["log"]] == ["ok", "ok", "err", "err", "ok", "ok"]
    driver.execute_script("authtrace.injectFault(null)")
    if fault == "observe":
        wait_event(driver, "note", "recorder-error")
    elif fault == "sink":
        wait_event(driver, "note", "observer-error", lambda e: e["payload"]["where"] == "sink")


def test_convex_sync_frames_are_parsed_and_tokens_never_stored(lab_url, driver):
    open_recorder(driver, lab_url)
    token = fake_jwt(exp_offset_s=-30)  # already expired when sent
    refresh = "rt_" + "Q" * 30
    driver.execute_async_script("""
        const [token, refresh, done] = arguments;
        localStorage.setItem('workos:refresh-token:client_local', refresh);
        fetch('/__lab/echo', {headers: {Authorization: 'Bearer ' + token}});
        const ws = new WebSocket(location.origin.replace('http', 'ws') + '/__lab/api/1.48.0/sync');
        let n = 0;
        ws.onopen = () => {
          ws.send(JSON.stringify({type: 'Connect', sessionId: 's-1', connectionCount: 0, lastCloseReason: 'InitialConnect', clientTs: 1}));
          ws.send(JSON.stringify({type: 'Authenticate', tokenType: 'User', value: token, baseVersion: 0}));
          ws.send(JSON.stringify({type: 'AuthError', error: 'expired', baseVersion: 0, authUpdateAttempted: true}));
        };
        ws.onmessage = () => { if (++n === 3) { ws.close(); done(); } };
    """, token, refresh)
    auth = wait_event(driver, "convex", "Authenticate", lambda e: e["payload"]["direction"] == "send")[0]["payload"]
    assert auth["expired_when_sent"] is True and auth["seconds_left"] < 0
    fp = auth["token"]
    assert fp.startswith("tok:") and auth["jwt"][fp]["sub"] == "user_REC"
    err = wait_event(driver, "convex", "AuthError", lambda e: e["payload"]["direction"] == "receive")[0]["payload"]
    assert err["auth_update_attempted"] is True
    conn = wait_event(driver, "convex", "Connect")[0]["payload"]
    assert conn["last_close_reason"] == "InitialConnect"
    wait_event(driver, "websocket", "close")
    stored = wait_event(driver, "storage", "setItem")[0]["payload"]
    assert stored["value"].startswith("tok:")
    # Nothing of either secret anywhere: the export, IndexedDB, the other tabs' channel.
    trace_text = json.dumps(exported(driver))
    persisted = driver.execute_async_script("const done = arguments[0]; __authtraceStore.all().then(r => done(r.join('\\n')));")
    for secret in (token, token.split(".")[2], refresh):
        assert secret not in trace_text
        assert secret not in persisted


def test_storage_changes_by_another_tab_are_seen(lab_url, driver):
    open_recorder(driver, lab_url)
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(lab_url + "/plain.html")
    driver.execute_script("localStorage.setItem('workos:refresh-token:client_local', 'rt_other_tab_value_123456');"
                          "localStorage.removeItem('workos:refresh-token:client_local');")
    driver.close()
    driver.switch_to.window(first)
    seen = wait_event(driver, "storage", "storage-event", lambda e: e["payload"]["change"] == "removed")
    assert seen[0]["payload"]["from_other_tab"] is True
    assert "rt_other_tab_value" not in json.dumps(exported(driver))


def test_trace_survives_reload_and_tabs_share_one_timeline(lab_url, driver):
    open_recorder(driver, lab_url)
    driver.execute_script("fetch('/__lab/echo?before-reload=1')")
    wait_event(driver, "fetch", "response", lambda e: "before-reload=1" in e["payload"]["url"])
    tab_a = json.loads(driver.execute_script("return authtrace.stats()"))["tab"]
    driver.refresh()
    wait_for(driver, "return !!(window.authtrace && window.authtrace.ready)")
    stats = json.loads(driver.execute_script("return authtrace.stats()"))
    assert stats["tab"] == tab_a and stats["restored"] > 0
    assert wait_event(driver, "lifecycle", "pagehide") and len(events(driver, "lifecycle", "pageshow")) >= 2
    assert len(events(driver, "lifecycle", "boot")) >= 2
    assert any("before-reload=1" in e["payload"].get("url", "") for e in events(driver, "fetch", "response"))
    seqs = [e["payload"]["seq"] for e in events(driver) if e["tab"] == tab_a]
    assert len(seqs) == len(set(seqs))  # the reload continued the tab's numbering

    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    open_recorder(driver, lab_url)
    tab_b = json.loads(driver.execute_script("return authtrace.stats()"))["tab"]
    driver.execute_script("fetch('/__lab/echo?from-tab-b=1')")
    assert tab_b != tab_a
    driver.switch_to.window(first)
    found = wait_event(driver, "fetch", "response", lambda e: "from-tab-b=1" in e["payload"]["url"])
    assert found[0]["tab"] == tab_b
    assert set(exported(driver)["meta"]["tabs"]) >= {tab_a, tab_b}


def test_bounded_with_visible_drop_count(lab_url, driver):
    driver.get(lab_url + "/recorder.html?authtrace_max_events=20")
    wait_for(driver, "return !!(window.authtrace && window.authtrace.ready)")
    driver.execute_script("return authtrace.clear()")
    driver.execute_async_script("const done = arguments[0]; Promise.all([...Array(30)].map((_, i) => fetch('/__lab/echo?n=' + i))).then(done);")
    time.sleep(0.5)
    stats = json.loads(driver.execute_script("return authtrace.stats()"))
    assert stats["events"] == 20 and stats["dropped"] >= 10
    assert exported(driver)["meta"]["dropped"] == stats["dropped"]


def test_wall_clock_jump_against_the_monotonic_clock_is_recorded(lab_url, driver):
    # A suspended laptop moves the wall clock without the monotonic one; a headless
    # browser cannot be suspended, so the wall clock is moved in the page instead.
    open_recorder(driver, lab_url)
    driver.execute_script("const real = Date.now.bind(Date); Date.now = () => real() + 90000;")
    jump = wait_event(driver, "lifecycle", "clock-jump", timeout=5)[0]["payload"]
    assert 85_000 <= jump["jumpMs"] <= 95_000


def test_without_its_store_the_recorder_records_in_memory(lab_url, driver):
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/recorder/store.js"]})
    try:
        open_recorder(driver, lab_url)
        driver.execute_script("fetch('/__lab/echo?no-store=1')")
        wait_event(driver, "fetch", "response", lambda e: "no-store=1" in e["payload"]["url"])
        stats = json.loads(driver.execute_script("return authtrace.stats()"))
        assert stats["started"] is True and stats["errors"] == 0
        assert driver.execute_script("return typeof globalThis.__authtraceStore") == "undefined"
    finally:
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
