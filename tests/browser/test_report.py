"""Reports opened from disk in headless Chromium with the network off (CDP): the verdict, the lanes
and the findings are there, clicking an evidence link highlights its event on the lanes and in the
table, zoom works, no request leaves the page and the policy refuses nothing, the file reads with
JavaScript disabled, a secret-bearing input leaves no secret in it, and the panel's "export report"
button downloads the same kind of file for the live trace. Screenshots in test-artifacts/."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from authtrace import Event, Kind, Trace, fingerprint
from authtrace.host.chromium import new_driver, requested_urls
from authtrace.host.cli import main as cli

from .conftest import wait_for
from .test_panel import capture_downloads, last_download, open_panel, signed_in_with_panel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from _builders import make_jwt, opaque_token  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SEED = ROOT / "tests" / "fixtures" / "traces" / "hidden-tab-resume-typeerror.stock.json"
READY = "return document.documentElement.dataset.ready === 'true'"


def go_offline(driver) -> None:
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


@pytest.fixture
def offline():
    d = new_driver(("--window-size=1280,900",), network_log=True)
    go_offline(d)
    yield d
    d.quit()


def report_of(tmp_path: Path, *inputs: Path, name: str = "report.html") -> Path:
    out = tmp_path / name
    assert cli(["report", *map(str, inputs), "-o", str(out)]) == 0
    return out


def open_report(driver, path: Path, script: bool = True) -> None:
    driver.get(path.as_uri())
    if script:
        wait_for(driver, READY, 10)


def problems(driver) -> list[str]:
    """Console errors (a refused script, style or request shows here)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def test_the_seed_report_offline_with_evidence_highlighting(tmp_path, offline):
    path = report_of(tmp_path, SEED)
    open_report(offline, path)
    ARTIFACTS.mkdir(exist_ok=True)
    offline.save_screenshot(str(ARTIFACTS / "report-seed.png"))
    assert offline.find_element(By.ID, "rp-verdict").text == \
        "split brain for 13.6 s (still so at the end), cause: transient refresh reported as sign-out"
    assert offline.title.startswith("authtrace report: split brain")
    tab = Trace.loads(SEED.read_text()).tabs()[0]
    lanes = offline.execute_script(f"return [...document.querySelectorAll('.at-lane[data-tab=\"{tab}\"]')].map(l => l.dataset.lane)")
    assert lanes == ["page", "network", "authkit", "socket", "convex", "notes"]
    assert offline.execute_script("return document.querySelectorAll('#rp-lanes .at-mark').length") > 40
    assert offline.find_element(By.CSS_SELECTOR, "rect.rp-split").get_attribute("data-tab") == tab
    causes = [a.get_attribute("data-cause") for a in offline.find_elements(By.CSS_SELECTOR, "article.rp-finding")]
    assert causes == ["hidden-tab-refresh-paused", "stale-token-on-reconnect", "transient-refresh-reported-as-signout",
                      "split-brain"]
    assert offline.find_element(By.ID, "rp-toolbar").is_displayed()

    link = offline.find_element(By.CSS_SELECTOR, "article[data-cause='transient-refresh-reported-as-signout'] a.rp-ev")
    event = link.get_attribute("data-id")
    link.click()
    wait_for(offline, f"return location.hash === '#ev-{event}'", 5)
    state = offline.execute_script("""
        const id = arguments[0], mark = document.querySelector(`.at-mark[data-id="${id}"]`);
        const row = document.getElementById('ev-' + id), box = document.getElementById('rp-lanes').getBoundingClientRect();
        const m = mark.getBoundingClientRect(), r = row.getBoundingClientRect();
        return {mark: mark.classList.contains('rp-hit'), row: row.classList.contains('rp-hit'),
                hits: document.querySelectorAll('.rp-hit').length, guide: !!document.querySelector('.rp-guide'),
                markInView: m.top >= box.top && m.bottom <= box.bottom, rowInView: r.top >= 0 && r.bottom <= innerHeight,
                others: [...document.querySelectorAll('.at-mark.rp-hit')].filter(e => e.dataset.id !== id).length}""", event)
    assert state == {"mark": True, "row": True, "hits": state["hits"], "guide": True, "markInView": True,
                     "rowInView": True, "others": 0}
    offline.find_element(By.CSS_SELECTOR, "#rp-toolbar [data-zoom='16']").click()
    zoomed = offline.execute_script("""
        const rect = document.querySelector(`.at-mark[data-id="${arguments[0]}"] rect`);
        const hidden = [...document.querySelectorAll('.at-mark rect')].filter(r => r.getAttribute('visibility') === 'hidden');
        return {window: document.getElementById('rp-window').textContent, visible: rect.getAttribute('visibility'),
                hidden: hidden.length, pressed: document.querySelector('[data-zoom="16"]').getAttribute('aria-pressed')}""",
                                    event)
    assert zoomed["visible"] == "visible" and zoomed["hidden"] > 0 and zoomed["pressed"] == "true"
    assert re.fullmatch(r"\d\d:\d\d:\d\d to \d\d:\d\d:\d\d UTC", zoomed["window"])
    offline.save_screenshot(str(ARTIFACTS / "report-seed-highlight.png"))
    # a mark clicked on the lanes is found in the table
    other = offline.execute_script("""
        const m = [...document.querySelectorAll('.at-mark')].find(g => document.getElementById('ev-' + g.dataset.id)
            && g.dataset.id !== arguments[0] && g.querySelector('rect').getAttribute('visibility') !== 'hidden');
        m.dispatchEvent(new MouseEvent('click', {bubbles: true})); return m.dataset.id""", event)
    wait_for(offline, f"return location.hash === '#ev-{other}' && document.body.dataset.highlight === '{other}'", 5)

    assert requested_urls(offline) == [path.as_uri()]  # the file itself, and nothing else
    assert problems(offline) == []


def test_the_report_reads_without_javascript(tmp_path):
    path = report_of(tmp_path, SEED)
    driver = new_driver()
    try:
        go_offline(driver)
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        open_report(driver, path, script=False)
        assert driver.find_element(By.ID, "rp-verdict").text.startswith("split brain for 13.6 s")
        assert not driver.find_element(By.ID, "rp-toolbar").is_displayed()  # the zoom needs the script
        assert len(driver.find_elements(By.CSS_SELECTOR, "#rp-lanes .at-mark")) > 40
        assert driver.find_element(By.CSS_SELECTOR, "#finding-3 .rp-fix").text.startswith("Fix: Never return null")
        link = driver.find_element(By.CSS_SELECTOR, "#finding-3 a.rp-ev")
        link.click()
        row = driver.find_element(By.ID, f"ev-{link.get_attribute('data-id')}")
        assert driver.current_url.endswith(f"#ev-{link.get_attribute('data-id')}")
        assert row.value_of_css_property("background-color") == "rgba(61, 90, 153, 1)"  # :target
        assert row.is_displayed() and driver.execute_script("return document.documentElement.dataset.ready") is None
        driver.save_screenshot(str(ARTIFACTS / "report-seed-no-js.png"))
    finally:
        driver.quit()


def test_a_secret_bearing_input_leaves_no_secret_in_the_file(tmp_path, offline):
    at, rt, code, cookie = make_jwt(), opaque_token(), opaque_token(), opaque_token()
    t = Trace({"origin": f"http://127.0.0.1:5173/callback?code={code}"})
    t.add(Event("A", 1, 1_800_000_000_000, Kind.FETCH, "request",
                {"request": 1, "auth": True, "grant_type": "refresh_token", "refresh_token": rt,
                 "headers": {"Authorization": f"Bearer {at}", "Cookie": f"wos-session={cookie}"},
                 "body": json.dumps({"grant_type": "refresh_token", "refresh_token": rt})}))
    t.add(Event("A", 2, 1_800_000_000_100, Kind.STORAGE, "setItem", {"key": "workos:refresh-token:c", "value": rt}))
    t.add(Event("A", 3, 1_800_000_000_200, Kind.WEBSOCKET, "send",
                {"sync": True, "message": json.dumps({"type": "Authenticate", "value": at})}))
    t.add(Event("A", 4, 1_800_000_000_300, Kind.NOTE, "unhandledrejection", {"message": f"Bearer {at} rejected"}))
    src = tmp_path / "secret-trace.json"
    src.write_text(t.dumps())
    path = report_of(tmp_path, src)
    text = path.read_text()
    open_report(offline, path)
    shown = offline.execute_script("return document.documentElement.outerHTML")
    for secret in (at, rt, code, cookie, at.split(".")[2]):
        assert secret not in text and secret not in shown
    assert fingerprint(rt) in text and "redaction rules version" in offline.find_element(By.ID, "rp-redaction").text
    assert problems(offline) == []


def test_the_panels_export_report_button(lab_url, driver, tmp_path):
    signed_in_with_panel(driver, lab_url)
    open_panel(driver)
    wait_for(driver, "return document.getElementById('authtrace-badge-convex').dataset.state === 'authenticated'", 15)
    tab = driver.execute_script("return sessionStorage.getItem('authtrace:tab')")
    capture_downloads(driver)
    driver.find_element(By.ID, "authtrace-export-report").click()
    wait_for(driver, "return window.__downloads.length === 1", 30)
    text = last_download(driver)
    assert text.startswith("<!DOCTYPE html>") and not re.search(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", text)  # no JWT
    path = tmp_path / "live.html"
    path.write_text(text)
    driver.get("about:blank")
    go_offline(driver)
    driver.get_log("performance")  # forget the lab's requests
    open_report(driver, path)
    assert driver.find_element(By.ID, "rp-verdict").get_attribute("data-tone") == "ok"  # a healthy session
    assert f"the live recording of tab {tab}" in driver.find_element(By.CSS_SELECTOR, ".rp-facts").text
    kinds = driver.execute_script(f"return [...document.querySelectorAll('.at-mark[data-tab=\"{tab}\"]')].map(m => m.dataset.kind)")
    assert "authkit/getAccessToken" in kinds or "fetch/response" in kinds
    assert "convex/auth-change" in kinds
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "report-live.png"))
    assert requested_urls(driver) == [path.as_uri()]
