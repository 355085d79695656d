"""The split-brain alarm's cause in the lab app with a long recording: the panel's live
diagnosis names it in slices (tasks of their own), and a later run folds in only the
events that came since (no refold, no start over). Timing is the benchmark's business
(``authtrace bench livediag``); here only what happened."""

from __future__ import annotations

import json
import time

from authtrace.host.bench_diagnosis import build, default_traces

from .conftest import wait_for
from .test_panel import _workos_config, open_panel, signed_in_with_panel

HISTORY = 3_000


def cause_stats(driver) -> dict:
    return json.loads(driver.execute_script("return authtrace.panel.causeStats()"))


def test_a_long_recording_is_diagnosed_in_slices_and_then_only_what_is_new(lab_url, driver):
    signed_in_with_panel(driver, lab_url)
    trace = build(HISTORY, default_traces())  # other tabs' recorded stories, restored from IndexedDB on reload
    shift = driver.execute_script("return Date.now()") - 120_000 - trace.events[-1].wall
    records = [json.dumps({**e.to_json(), "wall": e.wall + shift}) for e in trace.events]
    driver.execute_async_script("__authtraceStore.put(arguments[0]).then(arguments[1], arguments[1])", records)
    signed_in_with_panel(driver, lab_url)
    assert json.loads(driver.execute_script("return authtrace.stats()"))["events"] > HISTORY
    open_panel(driver)
    assert cause_stats(driver)["runs"] == 0  # no split brain yet: the engine was not even asked

    ttl = _workos_config(driver)["access_token_ttl"]
    try:  # the stock adapter's chain, as in test_panel: 4 s tokens, every refresh fails with TypeError
        _workos_config(driver, {"access_token_ttl": 4})
        driver.execute_async_script("const done = arguments[0]; __labAuthkit.getAccessToken({forceRefresh: true}).then(done, done)")
        driver.execute_script("__authtraceExperiments.arm('refresh-typeerror', 100)")
        driver.execute_script("globalThis.__lab.convex.sync.authenticationManager.refetchToken()")
        wait_for(driver, "return !document.getElementById('authtrace-alarm').hidden", 40)
    finally:
        _workos_config(driver, {"access_token_ttl": ttl})
    cause = wait_for(driver, "return document.getElementById('authtrace-alarm').dataset.cause", 30)
    driver.execute_script("__authtraceExperiments.disarm()")
    assert cause in driver.find_element("id", "authtrace-alarm").text
    first = cause_stats(driver)
    assert first["error"] is None and first["cause"] == cause
    assert first["fed"] > HISTORY and first["slices"] > 3 * first["runs"]  # many tasks, not one

    # Another tab relays 30 events: the next run folds in those (and this tab's newest) only.
    driver.execute_script("""
      const bc = new BroadcastChannel('authtrace');
      bc.postMessage(JSON.stringify(Array.from({length: 30}, (_, i) => JSON.stringify(
        {id: i + 1, tab: 'tab-other', mono: performance.now(), wall: Date.now(), kind: 'note', type: 'relayed', payload: {}}))));""")
    deadline = time.time() + 20
    later = first
    while time.time() < deadline and later["fed"] < first["fed"] + 30:
        time.sleep(0.5)
        later = cause_stats(driver)
    assert later["fed"] >= first["fed"] + 30 and later["runs"] > first["runs"]
    assert later["fed"] - first["fed"] < 200  # the new events, not the recording again
    assert later["refolds"] == 0 and later["restarts"] == 0 and later["error"] is None
    assert driver.find_element("id", "authtrace-alarm").get_attribute("data-cause") == cause
