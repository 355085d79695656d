"""The lab app in headless Firefox with the recorder attached (real AuthKit and
Convex clients against the emulators): what the recorder captures there, and the
debug panel's split-brain alarm raised by a real Firefox network failure (the
WorkOS emulator drops the refresh: Firefox has no network emulation)."""

from __future__ import annotations

from authtrace.failure import classify

from .lab import SPLIT, lab, sign_in, trace_events, wait_js

FIREFOX_NETWORK_ERROR = "NetworkError when attempting to fetch resource."
PANEL = "!!(globalThis.authtrace && globalThis.authtrace.panel && document.getElementById('authtrace-panel'))"


def test_recorder_and_split_brain_alarm_in_firefox(page):
    with lab(access_token_ttl=5) as lb:  # short-lived tokens: the next refresh comes soon
        sign_in(page, lb.url + "/?adapter=stock")
        wait_js(page, PANEL, 60, "the debug panel did not mount")
        assert page.evaluate("document.getElementById('authtrace-alarm').hidden") is True
        events = trace_events(page)
        kinds = {(e["kind"], e["type"]) for e in events}
        # AuthKit's token requests (fetch) and Convex's socket (websocket) are recorded in Firefox too.
        assert ("fetch", "response") in kinds, sorted(kinds)
        assert any(k == "websocket" for k, _ in kinds), sorted(kinds)
        assert any(e["type"] == "Authenticate" for e in events)

        # Every refresh is dropped by WorkOS: Firefox's fetch rejects when the token runs out, the
        # stock adapter hands Convex null, Convex signs out while AuthKit keeps its user.
        lb.suite.faults.arm("workos", "drop", match={"grant_type": "refresh_token"}, window_s=60, count=None)
        wait_js(page, SPLIT, 30, "no split brain after the dropped refresh")
        wait_js(page, "!document.getElementById('authtrace-alarm').hidden", 15, "the split-brain alarm did not show")
        alarm = page.evaluate("document.getElementById('authtrace-alarm').textContent")
        assert "Split brain" in alarm
        assert page.evaluate("document.getElementById('authtrace-toggle').dataset.alarm") == "true"

        # The recorder kept Firefox's own words for the failure, and the diagnosis calls it transient.
        failures = [e["payload"] for e in trace_events(page)
                    if e["kind"] == "fetch" and e["payload"].get("name") == "TypeError"]
        assert failures, "no failed fetch recorded"
        assert failures[0]["message"] == FIREFOX_NETWORK_ERROR
        verdict = classify(failures[0]["name"], failures[0]["message"])
        assert (verdict.kind, verdict.reason) == ("transient", "network")
