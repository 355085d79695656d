"""Every scenario, end to end, with the stock adapter: the real clients in headless
Chromium against the emulators must show what users report. These assertions prove
the harness reproduces the problem; they are not expectations for the fix.

Each run also checks its own trace: the failure's signature is in it, and no
token or code minted by the emulator is.
"""

from __future__ import annotations

import json

import pytest

from authtrace import Trace
from authtrace.diagnosis import diagnose
from authtrace.host.scenarios.catalog import SCENARIOS
from authtrace.host.scenarios.runner import run


def events(result, kind=None, type_=None, **where):
    trace = json.loads(open(result["trace"]).read())
    out = []
    for e in trace["events"]:
        if kind and e["kind"] != kind or type_ and e["type"] != type_:
            continue
        if all(e["payload"].get(k) == v for k, v in where.items()):
            out.append(e)
    return out


def refresh_responses(result, **where):
    return [e for e in events(result, "fetch", "response", auth=True, grant_type="refresh_token")
            if all(e["payload"].get(k) == v for k, v in where.items())]


def split_brain_at_end(r):
    assert r["split_brain_open"] is True and r["authkit_user_at_end"] is True
    assert r["convex_authenticated_at_end"] is False and r["split_brain_ms"] > 0


def check_hidden_tab_resume_typeerror(r):
    split_brain_at_end(r)
    assert any(e["payload"].get("expired_when_sent") for e in events(r, "convex", "Authenticate"))
    assert events(r, "convex", "AuthError", auth_update_attempted=True)
    assert events(r, "authkit", "getAccessToken", outcome="error", name="TypeError", message="Failed to fetch")
    assert events(r, "convex", "auth-change", is_authenticated=False)


def check_missing_refresh_token_other_tab(r):
    split_brain_at_end(r)
    removed = [e for e in events(r, "storage", "storage-event") if e["payload"]["change"] == "removed"]
    assert removed
    missing = refresh_responses(r, workos_error_description="Missing refresh token.")
    assert missing
    assert missing[0]["wall"] > removed[0]["wall"]
    sent = [e for e in events(r, "fetch", "request", grant_type="refresh_token") if not e["payload"]["refresh_token_sent"]]
    assert sent


def check_missing_refresh_cookie(r):
    split_brain_at_end(r)
    assert refresh_responses(r, workos_error_description="Missing refresh token.")
    assert all(e["payload"]["credentials"] == "include" for e in events(r, "fetch", "request", grant_type="refresh_token"))


def check_rotation_race(r):
    split_brain_at_end(r)
    assert refresh_responses(r, workos_error="invalid_grant")


def check_transient_5xx(r):
    split_brain_at_end(r)
    statuses = {e["payload"]["status"] for e in refresh_responses(r)}
    assert statuses & {502, 503}


def check_throw_wedge(r):
    assert r["wedged"] is True
    assert events(r, "note", "unhandledrejection")
    assert any(e["payload"]["socket"] == "stopped" for e in events(r, "convex", "state"))


def check_same_token_reauth(r):
    split_brain_at_end(r)
    # Handed its own token back, Convex stops scheduling refreshes ...
    assert any(e["payload"]["auth"] == "notRefetching" for e in events(r, "convex", "state"))
    # ... learns of the expiry from the server, and reauthentication with the same token fails.
    expired = events(r, "convex", "AuthError", auth_update_attempted=False)
    signed_out = events(r, "convex", "auth-change", is_authenticated=False)
    assert expired and signed_out and signed_out[-1]["wall"] >= expired[0]["wall"]


def check_laptop_sleep(r):
    # The session really ended; the stock adapter still leaves AuthKit showing a user.
    assert refresh_responses(r, workos_error="invalid_grant")
    assert events(r, "lifecycle", "freeze") and events(r, "network", "offline")
    split_brain_at_end(r)


def check_refresh_lock_starvation(r):
    split_brain_at_end(r)
    assert any(e["payload"].get("error_class") == "RefreshTimeoutError" or "Timed out" in (e["payload"].get("message") or "")
               for e in events(r, "authkit", "getAccessToken", outcome="error"))


def check_offline_at_refresh(r):
    split_brain_at_end(r)
    assert [e for e in events(r, "fetch", "error", grant_type="refresh_token") if e["payload"]["online"] is False]


CHECKS = {name: globals()["check_" + name.replace("-", "_")] for name in SCENARIOS}

# What `authtrace analyze` must name for each scenario's trace (it may name more:
# mechanisms along the way, e.g. the stale token sent on reconnect).
CAUSES = {
    "hidden-tab-resume-typeerror": {"stale-token-on-reconnect", "transient-refresh-reported-as-signout", "split-brain"},
    "missing-refresh-token-other-tab": {"refresh-token-removed-by-other-tab", "split-brain"},
    "missing-refresh-cookie": {"refresh-cookie-missing", "split-brain"},
    "rotation-race": {"rotation-race", "split-brain"},
    "transient-5xx": {"transient-refresh-reported-as-signout", "split-brain"},
    "throw-wedge": {"throw-wedge"},
    "same-token-reauth": {"same-token-reauth", "split-brain"},
    "laptop-sleep": {"session-ended"},
    "refresh-lock-starvation": {"refresh-lock-starvation", "split-brain"},
    "offline-at-refresh": {"offline-at-refresh", "split-brain"},
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_reproduces_with_stock_adapter(name, tmp_path):
    result = run(name, "stock", seed=0, trace_out=tmp_path / f"{name}.json")
    assert result["scenario"] == name and result["adapter"] == "stock"
    assert result["trace_secrets_found"] == 0
    CHECKS[name](result)
    diagnosis = diagnose(Trace.loads(open(result["trace"]).read()))
    named = {f.id for f in diagnosis.findings}
    assert CAUSES[name] <= named, f"analyze named {sorted(named)}"
