"""The panel's Python console and its in-page stories in the lab app (real AuthKit and
Convex clients against the emulators, real Chromium): the console is not loaded until
opened (modules imported, scripts requested), lines over the live trace, an experiment
scripted in it and recorded, an exception that leaves the app and the recorder working.
Then the stock adapter plays hidden-tab-resume-typeerror in the live tab to a split
brain, the resilient bridge does not. One browser session for the whole module (issue 19
keeps its CI time small)."""

from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from authtrace.host.chromium import new_driver

from .conftest import wait_for
from .test_panel import _workos_config, open_panel, signed_in_with_panel

NOTES = "return JSON.parse(authtrace.exportTrace()).events.filter(e => e.kind === 'note' && e.type === 'console').length"
SCRIPTS = "return performance.getEntriesByType('resource').filter(r => r.initiatorType === 'script').map(r => r.name)"


@pytest.fixture(scope="module")
def session():
    d = new_driver(network_log=True)
    d.set_script_timeout(60)
    yield d
    d.quit()


def driver_text(driver, element_id: str) -> str:
    return driver.execute_script("return document.getElementById(arguments[0]).textContent", element_id)


def run(driver, line: str) -> dict:
    return json.loads(driver.execute_script("return authtrace.panel.console(arguments[0])", line))


def exported_events(driver) -> list[dict]:
    return json.loads(driver.execute_script("return authtrace.exportTrace()"))["events"]


def test_console_loads_when_opened_and_answers_over_the_live_trace(lab_url, session):
    driver = session
    signed_in_with_panel(driver, lab_url)
    open_panel(driver)
    scripts_before = driver.execute_script(SCRIPTS)
    assert driver.execute_script("return authtrace.panel.consoleLoaded()") is False
    assert driver.find_element(By.ID, "authtrace-console").get_attribute("hidden") is not None
    assert driver.execute_script("return document.getElementById('authtrace-console').children.length") == 0
    driver.find_element(By.ID, "authtrace-console-toggle").click()
    wait_for(driver, "return !!document.getElementById('authtrace-console-input')", 10)
    assert driver.execute_script("return authtrace.panel.consoleLoaded()") is True
    assert driver.execute_script(SCRIPTS) == scripts_before  # nothing more downloaded: the modules are in the wheel

    box = driver.find_element(By.ID, "authtrace-console-input")
    box.send_keys("count('fetch/response', tab=trace.meta.get('recorded_by')) > 0 and len(trace.events)", Keys.ENTER)
    wait_for(driver, "return document.getElementById('authtrace-console-out').textContent.includes('>>> count(')", 10)
    n_events = len(exported_events(driver))
    out = driver.find_element(By.ID, "authtrace-console-out").text
    last = out.strip().splitlines()[-1]
    assert last.isdigit() and 0 < int(last) <= n_events
    box.send_keys(Keys.ARROW_UP)
    assert box.get_attribute("value").startswith("count('fetch/response'")
    box.clear()
    assert run(driver, "[e.payload.get('is_authenticated') for e in events('convex', 'auth-change')][-1]")["text"] == "True"
    assert run(driver, "table(events('websocket', last=600))")["text"].count("websocket/") >= 1
    wait_for(driver, NOTES + " === 3", 5)  # the shim hands its queue over in batches
    notes = [e["payload"] for e in exported_events(driver) if e["kind"] == "note" and e["type"] == "console"]
    assert notes[0]["line"].startswith("count('fetch/response'") and notes[0]["ok"] is True and len(notes) == 3


def test_an_experiment_scripted_in_the_console_is_recorded(lab_url, session):
    driver = session
    first = run(driver, "r = await experiments.arm('refresh-503', 1)\nawait experiments.hide(1)\n'done'")
    assert first["pending"] is True
    wait_for(driver, "return document.getElementById('authtrace-console-out').textContent.includes(\"'done'\")", 10)
    outcome = driver.execute_async_script(
        "const done = arguments[0]; globalThis.__labAuthkit.getAccessToken({forceRefresh: true})"
        ".then(t => done('token'), e => done('error ' + (e && e.message)))")
    assert outcome.startswith("error")
    wait_for(driver, NOTES + " === 4", 5)
    events = exported_events(driver)
    experiments = [e["payload"] for e in events if e["kind"] == "note" and e["type"] == "experiment"]
    assert any(x.get("experiment") == "armed" and x.get("mode") == "refresh-503" for x in experiments)
    assert any(x.get("experiment") == "hide" for x in experiments) and any(x.get("experiment") == "fired" for x in experiments)
    assert any(e["kind"] == "visibility" for e in events)  # the pretend-hidden span as the page saw it
    console = [e["payload"] for e in events if e["kind"] == "note" and e["type"] == "console"]
    assert {"line": "r = await experiments.arm('refresh-503', 1)\nawait experiments.hide(1)\n'done'",
            "result": "'done'", "ok": True}.items() <= console[-1].items()


def test_a_console_exception_leaves_the_app_and_the_recorder_working(lab_url, session):
    driver = session
    errors = json.loads(driver.execute_script("return authtrace.stats()"))["errors"]
    for line in ("1/0", "raise SystemExit(1)", "import js; js.undefined_thing()", "await Sleep('x')", "def ("):
        out = run(driver, line)
        assert out["ok"] is False, (line, out)
    wait_for(driver, "return document.getElementById('authtrace-console-out').textContent.includes('SyntaxError')", 10)
    assert run(driver, "'alive'")["text"] == "'alive'"
    run(driver, "import js\nawait js.Promise.resolve(7)")  # a JS promise: an asyncio future in Pyodide
    wait_for(driver, "return document.getElementById('authtrace-console-out').textContent.includes('resolve(7)\\n7')", 10)
    assert json.loads(driver.execute_script("return authtrace.stats()"))["errors"] == errors
    before = len(exported_events(driver))
    driver.execute_script("globalThis.__lab.convex.sync.authenticationManager.refetchToken()")
    wait_for(driver, f"return JSON.parse(authtrace.exportTrace()).events.length > {before}", 10)
    wait_for(driver, "return !!(globalThis.__labState && globalThis.__labState.convexAuthenticated)", 20)
    assert driver.execute_script("return document.getElementById('authtrace-panel').dataset.error") is None


def signed_in(driver, lab_url, adapter):
    driver.get(f"{lab_url}/?adapter={adapter}")
    wait_for(driver, "return !!document.getElementById('sign-in') || !!(globalThis.__labState && globalThis.__labState.authkitUser)", 30)
    driver.execute_script("const b = document.getElementById('sign-in'); if (b) b.click()")  # (one step: no race)
    wait_for(driver, "return !!(globalThis.__labState && globalThis.__labState.convexAuthenticated)", 40)
    wait_for(driver, "return !!(window.authtrace && window.authtrace.panel)", 60)


def play_here(driver, lab_url, adapter, console_seed=None) -> dict:
    """Play the story in the lab tab with the scenario catalog's short tokens (15 s): a fresh
    token for AuthKit, then Convex takes it (and schedules its refetch near its expiry).
    With ``console_seed``, from the console (``await play(name, seed)``), else "play here"."""
    signed_in(driver, lab_url, adapter)
    ttl = _workos_config(driver)["access_token_ttl"]
    try:
        _workos_config(driver, {"access_token_ttl": 15})
        driver.execute_async_script("const done = arguments[0]; __labAuthkit.getAccessToken({forceRefresh: true}).then(done, done)")
        driver.execute_script("globalThis.__lab.convex.sync.authenticationManager.refetchToken()")
        wait_for(driver, "return !!(globalThis.__labState && globalThis.__labState.convexAuthenticated)", 20)
        open_panel(driver)
        if console_seed is None:
            driver.find_element(By.ID, "authtrace-story-play").click()
        else:
            assert run(driver, f"o = await play('hidden-tab-resume-typeerror', {console_seed})\no['outcome']")["pending"]
        wait_for(driver, "const s = JSON.parse(authtrace.panel.storyState() || 'null'); return s && !s.playing", 70, 0.5)
    finally:
        _workos_config(driver, {"access_token_ttl": ttl})
    state = json.loads(driver.execute_script("return authtrace.panel.storyState()"))
    assert state["error"] is None, state
    status = driver.find_element(By.ID, "authtrace-story-status")
    assert status.text.startswith("hidden-tab-resume-typeerror in this tab: ") and "AuthKit user: yes" in status.text
    assert "freeze: every WorkOS refresh fails with TypeError" in status.get_attribute("title")
    wait_for(driver, "const n = (x) => JSON.parse(authtrace.exportTrace()).events.filter(e => e.type === 'story' && "
                     "e.payload.event === x).length; return n('ended') === n('started')", 5)
    notes = [e["payload"] for e in sorted(exported_events(driver), key=lambda e: e["wall"])  # (earlier loads kept too)
             if e["kind"] == "note" and e["type"] == "story"]
    assert notes[-1]["event"] == "ended" and any(n.get("do") == "hide" and n["simulated"] for n in notes)
    return state["outcome"]


def test_the_stock_adapter_plays_the_story_here_to_a_split_brain(lab_url, session):
    o = play_here(session, lab_url, "stock", console_seed=31)  # (seed 31: the shortest waits of the first 100)
    wait_for(session, "return document.getElementById('authtrace-console-out').textContent.endsWith('}')", 5)  # (polls 4×/s)
    shown = driver_text(session, "authtrace-console-out").strip().splitlines()[-1]
    assert shown.startswith("{'split_brain_ms': ") and "'split_brain_open': True" in shown
    assert o["split_brain_ms"] > 5_000 and o["split_brain_open"] and not o["convex_authenticated_at_end"], o
    assert o["authkit_user_at_end"] and o["diagnosis"], o


def test_the_bridge_plays_the_same_story_without_one(lab_url, session):
    o = play_here(session, lab_url, "resilient")
    assert o["split_brain_ms"] == 0 and o["convex_authenticated_at_end"] and o["authkit_user_at_end"], o
    assert not o["wedged"], o
