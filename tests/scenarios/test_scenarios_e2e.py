"""Every scenario, end to end, with the stock adapter: the real clients in headless
Chromium against the emulators must show what users report (the fleet stories: that
the harness did what the story says). These assertions prove the harness reproduces
the problem; they are not expectations for the fix. The runs are the CI subset of
the chaos matrix (conftest.py), shared with the bridge's targets (test_chaos_ci.py).

Each run also checks its own trace: the failure's signature is in it, and no
token or code minted by the emulator is.
"""

from __future__ import annotations

import json

import pytest

from authtrace import Trace
from authtrace.diagnosis import diagnose
from authtrace.host.scenarios import fleet
from authtrace.host.scenarios.catalog import SCENARIOS
from authtrace.host.scenarios.runner import FIELDS
from authtrace.host.scenarios.targets import OUTAGE_REQUESTS

from .conftest import CI_SEEDS, ci_run


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


def check_workos_outage(r):
    split_brain_at_end(r)
    during = refresh_responses(r) + events(r, "fetch", "error", grant_type="refresh_token")
    if r["params"]["variant"] == "5xx":
        assert {e["payload"].get("status") for e in during} & {502, 503}
    else:
        blip = events(r, "network", "offline")
        assert blip and events(r, "network", "online")  # the blip at the end
        errors = [e for e in events(r, "fetch", "error", grant_type="refresh_token", name="TypeError")
                  if e["wall"] < blip[0]["wall"]]
        assert errors and all(e["payload"]["online"] is True for e in errors)  # navigator.onLine stayed true until the blip
    # With the stock adapter nothing but AuthKit's own 1 s timer refreshes, and it alone
    # exceeds the outage budget: the target counts the adapter's requests (counts.py).
    assert r["adapter_refresh_requests_per_tab_max"] <= 2
    assert r["refresh_requests_per_tab_max"] > OUTAGE_REQUESTS


def check_online_lies(r):
    # The stock adapter never reads navigator.onLine, and Convex asked it for no token
    # during the flaky moment: no failure (the story is about the bridge's waiting).
    assert not r["split_brain_open"] and r["convex_authenticated_at_end"]
    assert [e for e in events(r, "fetch", "error", grant_type="refresh_token") if e["payload"]["online"] is False]
    assert events(r, "network", "offline") and events(r, "network", "online")
    lied = [e for e in refresh_responses(r, status=200) if e["payload"]["online"] is False]
    assert lied, "no refresh succeeded while navigator.onLine read false"


def check_hung_refresh(r):
    split_brain_at_end(r)
    hung = [e for e in events(r, "fetch", "error", grant_type="refresh_token")
            if e["payload"]["duration_ms"] >= (fleet.HANG_S - 5) * 1000]
    assert hung, "no refresh hung for the whole window"


def check_unmount_during_retry(r):
    labels = [label for _, label in json.loads(open(r["trace"]).read())["meta"]["marks"]]
    assert "provider-unmounted" in labels and "provider-mounted" in labels
    assert r["split_brain_longest_ms"] > 1000  # null on the failed refresh ...
    assert r["authkit_user_at_end"] and r["convex_authenticated_at_end"]  # ... and the remount's setAuth recovers
    assert r["authkit_calls_after_unmount"] == 0


def check_convex_rejects_tokens(r):
    split_brain_at_end(r)
    rejected = events(r, "convex", "AuthError", auth_update_attempted=True)
    assert rejected and all("No auth provider found matching the given token" in e["payload"]["error"] for e in rejected)
    assert r["rotations"] == 0  # the stock adapter never forces a refresh


def check_multi_tab_resume(r):
    trace = json.loads(open(r["trace"]).read())
    resumed = {e["tab"] for e in trace["events"] if e["kind"] == "lifecycle" and e["type"] == "resume"}
    visible = {e["tab"] for e in trace["events"] if e["type"] == "visibilitychange" and e["payload"].get("state") == "visible"}
    assert len(resumed) == 3 and resumed <= visible and r["tabs"] == 3


def check_healthy_hour(r):
    assert r["split_brain_ms"] == 0 and not r["wedged"]
    cycles = r["params"]["duration_s"] // (fleet.HEALTHY_TTL - fleet.AUTHKIT_BUFFER_S)
    assert cycles - 1 <= r["rotations"] <= cycles + 1  # AuthKit's timer alone: one rotation per cycle


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


STOCK_RUNS = [(name, seed) for name in SCENARIOS for seed in CI_SEEDS.get(name, (0,))]


@pytest.mark.parametrize("name, seed", STOCK_RUNS)
def test_scenario_reproduces_with_stock_adapter(ci_matrix, name, seed):
    result = ci_run(ci_matrix, name, "stock", seed)
    assert result["scenario"] == name and result["adapter"] == "stock"
    assert set(result) - {"wall_s", "boot_wait_s", "cpu_s"} == set(FIELDS)  # (the app runs' too: tests/harness)
    assert result["trace_secrets_found"] == 0
    CHECKS[name](result)
    if name in CAUSES:
        diagnosis = diagnose(Trace.loads(open(result["trace"]).read()))
        named = {f.id for f in diagnosis.findings}
        assert CAUSES[name] <= named, f"analyze named {sorted(named)}"
