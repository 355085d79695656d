"""The debug panel replays recorded refresh attempts in the live tab (the lab: real
AuthKit + Convex clients against the emulators, headless Chromium).

A recorded-style trace (hidden and frozen for ten minutes, then five forced refreshes
that fail with ``TypeError: Failed to fetch`` before one succeeds) is imported; the
replay injects its failures into this tab's next real refresh attempts, the trace
records the injected failure, and stopping the replay lets the next refresh through."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from selenium.webdriver.common.by import By

from .conftest import exported, wait_for
from .test_panel import open_panel, signed_in_with_panel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import _traces as S  # noqa: E402

AUTH_PATH = "/user_management/authenticate"
FORCE_REFRESH = ("const done = arguments[0]; globalThis.__labAuthkit.getAccessToken({forceRefresh: true})"
                 ".then(t => done('token ' + typeof t), e => done('error ' + (e && e.name) + ': ' + (e && e.message)))")


def hidden_resume_typeerror() -> str:
    """Signed in, hidden and frozen for ten minutes; on return the forced refresh fails with
    "Failed to fetch" five times in twelve seconds (the network is not back), then succeeds."""
    b = S.Builder()
    S.load(b)
    b.hide("A", 30)
    b.freeze("A", 40)
    b.resume("A", 629.9)
    b.show("A", 630)
    for t in (630.2, 633.2, 636.2, 639.2, 642.2):
        call = b.call_start("A", t, True)
        request, _ = b.refresh_request("A", t + 0.01, "rt2")
        b.refresh_failed("A", t + 0.1, request, t + 0.01, S.NETWORK)
        b.call_end("A", t + 0.11, call, t, True, error=S.NETWORK)
    b.refresh("A", 645.2, "rt2", "at2", "rt3")
    b.focus("A", 700)
    return b.trace.dumps()


def js_json(driver, script: str, *args):
    return json.loads(driver.execute_script(script, *args))


def injected_failures(driver, tab: str) -> list[dict]:
    """The fetch errors of this tab's refresh requests that a note/replay names as replayed."""
    events = [e for e in exported(driver)["events"] if e["tab"] == tab]
    auth_requests = {e["payload"]["request"]: e for e in events if e["kind"] == "fetch" and e["type"] == "request"
                     and str(e["payload"].get("url", "")).endswith(AUTH_PATH)}
    replayed = {e["payload"].get("request") for e in events
                if e["kind"] == "note" and e["type"] == "replay" and e["payload"].get("replayed") is True}
    out = [e["payload"] for e in events if e["kind"] == "fetch" and e["type"] == "error"
           and e["payload"]["request"] in auth_requests and e["payload"]["request"] in replayed]
    # The fetch events carry the mark themselves (a later plan of this recording leaves them out).
    assert all(p.get("replayed") and auth_requests[p["request"]]["payload"].get("replayed") for p in out), out
    return out


def test_replay_of_an_imported_trace_fails_the_next_refreshes_until_stopped(lab_url, driver):
    signed_in_with_panel(driver, lab_url)
    open_panel(driver)
    wait_for(driver, "return !!globalThis.__authtraceReplay", 20)  # loaded by the panel (the lab page does not)
    tab = driver.execute_script("return sessionStorage.getItem('authtrace:tab')")
    imported = driver.find_element(By.ID, "authtrace-replay-imported")
    assert not imported.is_displayed()  # nothing imported yet
    assert driver.execute_script("return authtrace.panel.importText(arguments[0], 'hidden-resume.json')",
                                 hidden_resume_typeerror()) is True
    wait_for(driver, "return !document.getElementById('authtrace-replay-imported').hidden", 5)
    assert driver.find_element(By.ID, "authtrace-replay-live").is_displayed()

    imported.click()
    status = wait_for(driver, "const s = document.getElementById('authtrace-replay-status'); "
                              "return s.dataset.state === 'armed' && s.textContent", 10)
    assert "armed 1 injection(s) from 1 fault(s) of hidden-resume.json" in status
    assert status.endswith("; not injected: hidden, frozen")
    reasons = driver.find_element(By.ID, "authtrace-replay-status").get_attribute("title")
    assert "hidden: page states are not injected" in reasons and "frozen: page states are not injected" in reasons

    # The next two real refresh attempts of this tab get the recorded outcome.
    assert driver.execute_async_script(FORCE_REFRESH) == "error TypeError: Failed to fetch"
    assert driver.execute_async_script(FORCE_REFRESH) == "error TypeError: Failed to fetch"
    state = js_json(driver, "return authtrace.replayState()")
    assert state["installed"] is True and [a["kind"] for a in state["applied"]] == ["error", "error"]
    assert state["elapsed_ms"] < state["summary"]["ends_ms"]  # the fault window is still open: stop ends it
    deadline = time.time() + 10
    while len(failures := injected_failures(driver, tab)) < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert len(failures) == 2
    for f in failures:
        assert f["name"] == "TypeError" and f["message"] == "Failed to fetch"
        assert f["auth"] is True and f["grant_type"] == "refresh_token"
    events = exported(driver)["events"]
    started = [e["payload"] for e in events if e["type"] == "replay" and e["payload"].get("replay") == "started"]
    assert started and started[-1]["injections"] == 1 and started[-1]["faults"] == 1
    assert started[-1]["source"]["name"] == "hidden-resume.json" and len(started[-1]["skipped"]) == 2
    wait_for(driver, "return document.getElementById('authtrace-replay-status').textContent.includes('applied 2')", 5)

    # Stopped (JS API), the next refresh reaches the WorkOS emulator and gets a token again.
    stopped = js_json(driver, "return authtrace.stopReplay()")
    assert stopped["installed"] is False and len(stopped["applied"]) == 2
    assert driver.execute_async_script(FORCE_REFRESH) == "token string"
    assert len(js_json(driver, "return authtrace.replayState()")["applied"]) == 2
    status = wait_for(driver, "const s = document.getElementById('authtrace-replay-status'); "
                              "return s.dataset.state === 'stopped' && s.textContent", 5)
    assert "applied 2" in status
    time.sleep(0.5)
    events = [e for e in exported(driver)["events"] if e["tab"] == tab]
    assert any(e["payload"].get("replay") == "stopped" and e["payload"].get("applied") == 2 for e in events)
    last = [e for e in events if e["kind"] == "fetch" and e["type"] in ("response", "error") and e["payload"].get("auth")][-1]
    assert last["type"] == "response" and last["payload"]["status"] == 200 and last["payload"]["grant_type"] == "refresh_token"
    assert len(injected_failures(driver, tab)) == 2
    assert driver.find_element(By.ID, "authtrace-panel").get_attribute("data-error") is None


def test_replay_controls_and_clear_errors_without_exceptions(lab_url, driver):
    signed_in_with_panel(driver, lab_url)
    open_panel(driver)
    wait_for(driver, "return !!globalThis.__authtraceReplay", 20)
    group = driver.find_element(By.CSS_SELECTOR, "[role=group][aria-label='replay recorded refresh attempts']")
    labels = [b.text for b in group.find_elements(By.TAG_NAME, "button") if b.is_displayed()]
    assert labels == ["Replay this trace", "Stop replay"]
    assert all(b.get_attribute("type") == "button" for b in group.find_elements(By.TAG_NAME, "button"))
    errors_before = js_json(driver, "return authtrace.stats()")["errors"]

    # A fresh tab (stock adapter: signed in by the code exchange, no refresh yet): nothing to replay.
    driver.find_element(By.ID, "authtrace-replay-live").click()
    status = wait_for(driver, "const s = document.getElementById('authtrace-replay-status'); "
                              "return s.dataset.state === 'error' && s.textContent", 20)
    assert status == ("replay failed: nothing to replay: the trace has no refresh attempt, no hidden/frozen/offline "
                      "interval and no Convex AuthError or socket close")
    assert js_json(driver, "return authtrace.replayState()")["installed"] is False
    # After a successful refresh there is an attempt, but none failed: still nothing to inject.
    assert driver.execute_async_script(FORCE_REFRESH) == "token string"
    time.sleep(0.5)  # the recorder drains the shim's queue within ~100 ms
    assert js_json(driver, "return authtrace.replay(null, 1)") == {
        "error": "nothing to replay in this tab: no recorded WorkOS refresh attempt failed"}
    assert js_json(driver, "return authtrace.replayState()")["installed"] is False

    # Bad input through the JS API: one readable message, no exception.
    bad = js_json(driver, "return authtrace.replay('this is not JSON', 1)")
    assert set(bad) == {"error"} and bad["error"].startswith("not JSON (") and "Traceback" not in bad["error"]
    bad = js_json(driver, "return authtrace.replay(JSON.stringify({format: 'authtrace/1', events: 5}), 1)")
    assert bad == {"error": 'bad trace: "events" must be a list'}
    bad = js_json(driver, "return authtrace.replay(arguments[0], 0)", hidden_resume_typeerror())
    assert "speed must be a number between 1 and" in bad["error"]
    bad = js_json(driver, "return authtrace.replay(arguments[0], 'fast')", hidden_resume_typeerror())
    assert bad["error"].startswith("speed must be a number between 1 and") and bad["error"].endswith("got 'fast'")
    wait_for(driver, "return document.getElementById('authtrace-replay-status').textContent"
                     ".startsWith('replay failed: speed must be a number')", 5)  # the panel shows the last error

    # A good trace through the JS API: the summary, shown by the panel too.
    summary = js_json(driver, "return authtrace.replay(arguments[0], 2)", hidden_resume_typeerror())
    assert summary["faults"] == 1 and summary["injections"] == 1 and summary["speed"] == 2.0
    assert [s.split(":")[0] for s in summary["skipped"]] == ["hidden", "frozen"]
    assert summary["source"]["kind"] == "trace" and summary["source"]["events"] > 40
    state = js_json(driver, "return authtrace.replayState()")
    assert state["installed"] is True and state["pending"] == 1 and state["applied"] == [] and state["error"] is None
    wait_for(driver, "return document.getElementById('authtrace-replay-status').dataset.state === 'armed'", 5)
    driver.find_element(By.ID, "authtrace-replay-stop").click()
    wait_for(driver, "return document.getElementById('authtrace-replay-status').dataset.state === 'stopped'", 5)
    assert js_json(driver, "return authtrace.replayState()")["installed"] is False

    assert js_json(driver, "return authtrace.stats()")["errors"] == errors_before
    assert driver.find_element(By.ID, "authtrace-panel").get_attribute("data-error") is None


def test_convex_server_events_and_page_states_are_named_as_not_injected():
    """The README's chain (pure, no browser): only its failed refresh becomes an injection."""
    from authtrace.browser.panel import replay, view

    b, _ = S.readme_story()
    plan, injections, reasons = replay.prepare(b.trace.dumps(), 4)
    assert [(i["outcome"], i["match"]["path"]) for i in injections] == [
        ({"kind": "error", "name": "TypeError", "message": "Failed to fetch"}, AUTH_PATH)]
    assert [r.split(":")[0] for r in reasons] == ["f1 (convex close)", "hidden", "frozen"]
    assert reasons[0].endswith("happens on the server, not in fetch")
    line = view.replay_line({"loaded": True, "installed": True, "applied": [{"kind": "error"}],
                             "summary": {"injections": 1, "faults": len(plan["faults"]), "ends_ms": 1600.0,
                                         "skipped": reasons, "source": {"name": "story.json"}},
                             "elapsed_ms": 2000.0, "over": True, "error": None})
    assert line.state == "over" and line.text == ("armed 1 injection(s) from 2 fault(s) of story.json; applied 1 (error ×1); "
                                                  "all windows over; not injected: f1 (convex close), hidden, frozen")
    assert line.detail == "; ".join(reasons)
