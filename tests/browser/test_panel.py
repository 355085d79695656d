"""The debug panel in the lab app (real AuthKit + Convex clients against the
emulators, headless Chromium at 1280x720): it mounts, collapses, draws lanes for
the recorded events, shows the badges, runs an experiment that the trace and
the timeline show, exports JSON (round-trips through Trace.loads) and HAR,
imports a trace, and raises the split-brain alarm (screenshot in test-artifacts/)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from authtrace.trace import Trace

from .conftest import wait_for

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PANEL = "return !!(window.authtrace && window.authtrace.panel && document.getElementById('authtrace-panel'))"


def signed_in_with_panel(driver, lab_url):
    driver.get(lab_url + "/?adapter=stock")
    wait_for(driver, "return !!document.getElementById('sign-in') || !!(globalThis.__labState && globalThis.__labState.authkitUser)", 30)
    driver.execute_script("const b = document.getElementById('sign-in'); if (b) b.click()")  # (one step: no race)
    wait_for(driver, "return !!(globalThis.__labState && globalThis.__labState.convexAuthenticated)", 40)
    wait_for(driver, PANEL, 60)


def badge_state(driver, key):
    return driver.find_element(By.ID, f"authtrace-badge-{key}").get_attribute("data-state")


def open_panel(driver):
    if driver.find_element(By.ID, "authtrace-toggle").get_attribute("aria-expanded") != "true":
        driver.find_element(By.ID, "authtrace-toggle").click()
    wait_for(driver, "return document.getElementById('authtrace-panel').dataset.open === 'true'", 5)


def capture_downloads(driver):
    driver.execute_script("""
      window.__downloads = [];
      const orig = URL.createObjectURL.bind(URL);
      URL.createObjectURL = (blob) => { window.__downloads.push(blob); return orig(blob); };""")


def last_download(driver) -> str:
    return driver.execute_async_script(
        "const done = arguments[0]; window.__downloads[window.__downloads.length - 1].text().then(done)")


def test_panel_mounts_collapsed_and_is_keyboard_accessible(lab_url, driver):
    signed_in_with_panel(driver, lab_url)
    dock = driver.find_element(By.ID, "authtrace-panel")
    toggle = driver.find_element(By.ID, "authtrace-toggle")
    assert dock.get_attribute("data-open") == "false" and toggle.get_attribute("aria-expanded") == "false"
    rect = driver.execute_script("return document.getElementById('authtrace-panel').getBoundingClientRect().toJSON()")
    assert rect["width"] < 200 and rect["height"] < 60  # collapsed: one button in the corner
    assert not driver.find_element(By.ID, "authtrace-body").is_displayed()

    toggle.send_keys(Keys.ENTER)  # a real button: Enter opens it
    wait_for(driver, "return document.getElementById('authtrace-panel').dataset.open === 'true'", 5)
    rect = driver.execute_script("return document.getElementById('authtrace-panel').getBoundingClientRect().toJSON()")
    assert rect["width"] == driver.execute_script("return document.documentElement.clientWidth") and rect["height"] <= 0.46 * 720
    assert driver.execute_script("return getComputedStyle(document.body).paddingBottom") != "0px"  # app stays reachable
    zoom = driver.find_element(By.CSS_SELECTOR, "[data-zoom='1m']")
    zoom.send_keys(Keys.ENTER)
    assert zoom.get_attribute("aria-pressed") == "true"
    zoom.send_keys(Keys.ESCAPE)
    wait_for(driver, "return document.getElementById('authtrace-panel').dataset.open === 'false'", 5)
    assert driver.execute_script("return document.activeElement.id") == "authtrace-toggle"


def test_lanes_badges_experiment_and_exports(lab_url, driver):
    signed_in_with_panel(driver, lab_url)
    open_panel(driver)
    wait_for(driver, "return document.getElementById('authtrace-badge-convex').dataset.state === 'authenticated'", 15)
    user = driver.find_element(By.ID, "authtrace-badge-user")
    assert user.get_attribute("data-state") == "user" and "user_" in user.text
    assert badge_state(driver, "token") == "valid" and "left" in driver.find_element(By.ID, "authtrace-badge-token").text
    assert badge_state(driver, "refresh") == "present"  # devMode: the refresh token is in localStorage
    assert badge_state(driver, "socket") == "ready"
    assert driver.find_element(By.ID, "authtrace-alarm").get_attribute("hidden") is not None

    tab = driver.execute_script("return sessionStorage.getItem('authtrace:tab')")
    lanes = driver.execute_script(f"return [...document.querySelectorAll('.at-lane[data-tab=\"{tab}\"]')].map(l => l.dataset.lane)")
    assert lanes == ["page", "network", "authkit", "socket", "convex", "notes"]
    kinds = driver.execute_script("return [...document.querySelectorAll('.at-mark')].map(m => m.dataset.lane + ' ' + m.dataset.kind)")
    assert "authkit fetch/response" in kinds and "socket websocket/open" in kinds and "convex convex/auth-change" in kinds
    title = driver.execute_script("return document.querySelector('.at-mark[data-kind=\"fetch/response\"] title').textContent")
    assert "grant_type" in title and "authorization_code" in title  # hover shows the (redacted) payload

    # Experiment through the panel's own controls: the next refresh returns 503.
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "authtrace-exp-mode")).select_by_value("refresh-503")
    driver.find_element(By.ID, "authtrace-exp-arm").click()
    wait_for(driver, "return document.getElementById('authtrace-exp-status').textContent.includes('refresh-503')", 5)
    outcome = driver.execute_async_script(
        "const done = arguments[0]; globalThis.__labAuthkit.getAccessToken({forceRefresh: true})"
        ".then(t => done('token'), e => done('error ' + (e && e.message)))")
    assert outcome.startswith("error")
    wait_for(driver, "return !!document.querySelector('.at-mark.at-warn[data-lane=\"authkit\"][data-kind=\"fetch/response\"]')", 10)
    wait_for(driver, "return !!document.querySelector('.at-mark[data-lane=\"notes\"][data-kind=\"note/experiment\"]')", 10)
    events = json.loads(driver.execute_script("return authtrace.exportTrace()"))["events"]
    notes = [e["payload"] for e in events if e["kind"] == "note" and e["type"] == "experiment"]
    assert {"experiment": "armed", "mode": "refresh-503"}.items() <= notes[0].items()
    assert any(n.get("experiment") == "fired" for n in notes)
    assert any(e["type"] == "response" and e["payload"].get("auth") and e["payload"].get("status") == 503 for e in events)
    # (__labAuthkit is the app's raw useAuth, so no authkit/getAccessToken event: the fetch shows it.)
    assert driver.execute_script("return __authtraceExperiments.state().armed.length") == 0

    # Exports through the buttons (Blob + object URL).
    capture_downloads(driver)
    driver.find_element(By.ID, "authtrace-export-json").click()
    trace = Trace.loads(last_download(driver))
    assert trace.meta["redacted"] is True and any(e.type == "experiment" for e in trace.events)
    driver.find_element(By.ID, "authtrace-export-har").click()
    har = json.loads(last_download(driver))
    entries = har["log"]["entries"]
    assert har["log"]["version"] == "1.2" and entries
    assert any(e["response"]["status"] == 503 and e["_authtrace"]["auth"] for e in entries)
    assert any(e["_resourceType"] == "websocket" and e["_webSocketMessages"] for e in entries)

    # Import: the exported file is shown read-only, then back to live.
    assert driver.execute_script("return authtrace.panel.importText(arguments[0], 'export.json')", trace.dumps()) is True
    view = driver.find_element(By.ID, "authtrace-view")
    assert view.is_displayed() and "export.json" in view.text
    assert driver.find_element(By.CSS_SELECTOR, "[data-zoom='all']").get_attribute("aria-pressed") == "true"
    assert driver.execute_script("return document.querySelectorAll('.at-mark').length") > 5
    driver.find_element(By.ID, "authtrace-live").click()
    assert not view.is_displayed()


def _workos_config(driver, body: dict | None = None) -> dict:
    """The WorkOS emulator's runtime config (its loopback control API), read or changed."""
    w = driver.execute_script("return globalThis.__AUTHTRACE_LAB__.workos")
    url = f"http://{w['apiHostname']}:{w['port']}/__authtrace/config"
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"}, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def test_split_brain_alarm_names_the_cause(lab_url, driver):
    """The stock adapter's chain, on a real timeline: access tokens live 4 s, so
    Convex's own scheduled refetch comes at once; every refresh then fails with
    TypeError "Failed to fetch" (the experiment), the adapter reports null, and
    Convex signs out while AuthKit keeps its user."""
    signed_in_with_panel(driver, lab_url)
    open_panel(driver)
    ttl = _workos_config(driver)["access_token_ttl"]
    try:
        _workos_config(driver, {"access_token_ttl": 4})
        # A short-lived token for AuthKit, then Convex picks it up (and schedules its refetch near its expiry).
        driver.execute_async_script("const done = arguments[0]; __labAuthkit.getAccessToken({forceRefresh: true}).then(done, done)")
        driver.execute_script("__authtraceExperiments.arm('refresh-typeerror', 100)")
        driver.execute_script("globalThis.__lab.convex.sync.authenticationManager.refetchToken()")
        wait_for(driver, "return globalThis.__labState && globalThis.__labState.authkitUser && !globalThis.__labState.convexAuthenticated", 30)
    finally:
        _workos_config(driver, {"access_token_ttl": ttl})
    wait_for(driver, "return !document.getElementById('authtrace-alarm').hidden", 10)
    alarm = driver.find_element(By.ID, "authtrace-alarm")
    assert alarm.is_displayed() and "Split brain" in alarm.text
    assert driver.find_element(By.ID, "authtrace-toggle").get_attribute("data-alarm") == "true"
    assert badge_state(driver, "convex") == "unauthenticated" and badge_state(driver, "user") == "user"
    deadline = time.time() + 12  # the engine runs at most every few seconds
    cause = None
    while time.time() < deadline and not cause:
        cause = alarm.get_attribute("data-cause")
        time.sleep(0.3)
    driver.execute_script("__authtraceExperiments.disarm()")
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "panel-split-brain.png"))
    assert (ARTIFACTS / "panel-split-brain.png").stat().st_size > 10_000
    assert cause, f"no cause named; alarm says: {alarm.text}"
    assert cause in alarm.text
