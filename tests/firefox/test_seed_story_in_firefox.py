"""The seed story ``hidden-tab-resume-typeerror`` in Firefox, for both adapters: the
stock control ends in split brain (AuthKit has a user, Convex signed out), the
resilient bridge does not.

Firefox has neither CDP's freeze nor network emulation, so the story is told with
what it has (docs/engines.md): the lab tab is really ``hidden`` behind a second tab
(Firefox fires ``visibilitychange``; its timers keep running, throttled, instead of
stopping), and WorkOS is unreachable by the emulator's fault API (every refresh is
dropped, which Firefox reports as ``TypeError: NetworkError when attempting to fetch
resource.``). As in Chromium's version (scenarios/reported.py): hidden past the
token's lifetime, the Convex socket drops meanwhile, and the tab comes back while
WorkOS is still down for a moment. Because the hidden tab's timers still run, the
outage starts when the tab is hidden (a frozen tab would not have tried before)."""

from __future__ import annotations

import time

from authtrace.host.scenarios.reported import TOKEN_TTL

from .lab import SPLIT, STATE, lab, send_message, sign_in, wait_js

OUTAGE_AFTER_RETURN_S = 3.0


def run_story(firefox, adapter: str) -> dict:
    page = firefox.new_page()
    front = None
    try:
        with lab(access_token_ttl=TOKEN_TTL) as lb:
            sign_in(page, f"{lb.url}/?adapter={adapter}&panel=0")
            send_message(page, "before-hide")
            time.sleep(1)
            front = firefox.new_page()  # a tab in front: the lab tab is hidden
            wait_js(page, "document.visibilityState === 'hidden'", 5, "the lab tab did not become hidden")
            hidden_for = TOKEN_TTL + 4
            lb.suite.faults.arm("workos", "drop", match={"grant_type": "refresh_token"},
                                window_s=hidden_for + OUTAGE_AFTER_RETURN_S, count=None)
            time.sleep(hidden_for)
            lb.suite.call(lb.suite.convex.disconnect_all(code=1001))
            front.close()
            front = None
            page.bring_to_front()
            wait_js(page, "document.visibilityState === 'visible'", 5, "the lab tab did not come back")
            time.sleep(OUTAGE_AFTER_RETURN_S + 8)  # the outage ends, then time to recover
            send_message(page, "after-resume")
            time.sleep(3)
            state = page.evaluate(STATE)
            final = page.evaluate("({sent: globalThis.__labSent || [], failed: globalThis.__labFailed || [],"
                                  f" split: {SPLIT}, visibility: document.visibilityState,"
                                  " bridge: globalThis.__labBridge ? globalThis.__labBridge.state() : null})")
            return {"state": state, **final, "console": page.console()[-6:]}
    finally:
        if front:
            front.close()
        page.close()


def test_stock_ends_in_split_brain(firefox):
    r = run_story(firefox, "stock")
    assert r["split"], r
    assert r["state"]["authkitUser"] and not r["state"]["convexAuthenticated"], r
    assert "after-resume" in r["failed"], r  # the app cannot write: Convex has no identity


def test_resilient_bridge_avoids_split_brain(firefox):
    r = run_story(firefox, "resilient")
    assert not r["split"], r
    assert r["state"]["authkitUser"] and r["state"]["convexAuthenticated"], r
    assert r["sent"] == ["before-hide", "after-resume"] and r["failed"] == [], r
    assert r["bridge"] != "signed_out", r
