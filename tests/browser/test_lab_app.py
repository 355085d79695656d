"""The lab app: the real, unmodified authkit-react/authkit-js, convex and
@convex-dev/workos from npm, against the emulators, in headless Chromium.

This is also the emulators' browser test: sign in through the WorkOS emulator
(PKCE, code exchange), Convex authenticated with the emulator's RS256 token,
``auth:whoami``, a message round trip, and a forced refresh that rotates the
refresh token; in devMode and in cookie mode.
"""

from __future__ import annotations

import json
import time

import pytest

from .conftest import exported, wait_for

STATE = "return globalThis.__labState ? JSON.stringify(globalThis.__labState) : null"


def lab_state(driver) -> dict:
    raw = driver.execute_script(STATE)
    return json.loads(raw) if raw else {}


def signed_in(driver, url):
    driver.get(url)
    wait_for(driver, "return !!document.getElementById('sign-in') || !!(globalThis.__labState && globalThis.__labState.authkitUser)", 30)
    if not lab_state(driver).get("authkitUser"):
        driver.execute_script("document.getElementById('sign-in').click()")
    wait_for(driver, "return globalThis.__labState && globalThis.__labState.convexAuthenticated && globalThis.__labState.whoami !== 'loading' && globalThis.__labState.whoami", 40)
    return lab_state(driver)


@pytest.mark.parametrize("mode", ["devMode", "cookie"])
def test_sign_in_whoami_message_and_forced_refresh(lab_url, driver, mode):
    url = lab_url + "/?adapter=stock" + ("&cookie=1" if mode == "cookie" else "")
    state = signed_in(driver, url)
    assert state["authkitUser"] is True and state["convexAuthenticated"] is True
    assert state["whoami"].startswith("user_")
    assert driver.find_element("id", "whoami").text == state["whoami"]

    body = f"hello from {mode} {time.time()}"
    driver.find_element("id", "message-body").send_keys(body)
    driver.find_element("id", "send").click()
    wait_for(driver, f"return [...document.querySelectorAll('#messages li')].some(li => li.textContent === {json.dumps(body)})", 15)

    stored = driver.execute_script("return localStorage.getItem('workos:refresh-token:client_local')")
    assert (stored is not None) == (mode == "devMode")  # cookie mode keeps it out of JS reach
    before = driver.execute_script("return globalThis.__labAuthkit.getAccessToken()")
    after = driver.execute_async_script(
        "const done = arguments[0]; globalThis.__labAuthkit.getAccessToken({forceRefresh: true}).then(done, e => done('ERR ' + e))")
    assert after and not after.startswith("ERR") and after != before
    if mode == "devMode":
        assert driver.execute_script("return localStorage.getItem('workos:refresh-token:client_local')") != stored
    time.sleep(0.5)
    assert lab_state(driver)["convexAuthenticated"] is True

    # The recorder saw the whole story, and kept no token.
    events = exported(driver)["events"]
    grants = [e["payload"].get("grant_type") for e in events if e["kind"] == "fetch" and e["type"] == "response" and e["payload"].get("auth")]
    assert "authorization_code" in grants and "refresh_token" in grants
    assert any(e["type"] == "Authenticate" and e["payload"].get("token", "").startswith("tok:") for e in events)
    assert any(e["type"] == "auth-change" and e["payload"]["is_authenticated"] for e in events)
    # The refresh lock around each refresh, and AuthKit's calls as the app made them.
    locks = [e["payload"] for e in events if e["kind"] == "lock"]
    assert {"request", "response"} <= {p["at"] for p in locks}
    assert all(p["name"] == "WORKOS_REFRESH_SESSION" for p in locks)
    # What Convex asked its adapter for, and AuthKit's answers to the adapter (the app's
    # own direct getAccessToken call above is not routed through the traced useAuth).
    assert any(e["type"] == "fetchToken" and e["payload"]["outcome"] == "token" for e in events)
    assert any(e["type"] == "getAccessToken" and e["payload"]["outcome"] == "token" for e in events)
    # In cookie mode the emulator's workos-has-session hint cookie lands on its host,
    # which the lab shares (cookies ignore ports); devMode requests are not credentialed,
    # so the browser ignores the cookie.
    refreshes = [e["payload"] for e in events if e["type"] == "request" and e["payload"].get("grant_type") == "refresh_token"]
    assert refreshes and refreshes[-1]["has_session_cookie"] is (mode == "cookie")
    assert refreshes[-1]["refresh_token_sent"] is (mode == "devMode")
    assert refreshes[-1]["credentials"] == ("include" if mode == "cookie" else None)
    text = json.dumps(events)
    assert before not in text and after not in text
    if stored:
        assert stored not in text
