"""Replay plans (pure): a trace to an authtrace-replay/1 plan, the validator, the
fast-forwarded schedule and the page-side injections. Self-contained: the traces are
built here; runs on CPython and inside Pyodide."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.replay import (
    FORMAT,
    SETTLE_MS,
    NothingToReplay,
    PlanError,
    build_plan,
    compare,
    faults_from_attempts,
    load_plan,
    page_injections,
    schedule,
    validate_plan,
)

from _replay_events import AUTH, TAB, Events


class Rec(Events):
    def refresh(self, at, tab=TAB, took=0.01, **end):
        self.req += 1
        mark = {"replayed": end["replayed"]} if end.get("replayed") else {}
        self.ev(at, "fetch", "request", tab=tab, request=self.req, method="POST", url=AUTH, auth=True,
                grant_type="refresh_token", refresh_token_sent=True, online=end.pop("online", True), **mark)
        if end.get("hang"):
            return
        if "name" in end:
            self.ev(at + took, "fetch", "error", tab=tab, request=self.req, auth=True, grant_type="refresh_token",
                    duration_ms=took * 1000, **end)
        else:
            status = end.pop("status", 200)
            self.ev(at + took, "fetch", "response", tab=tab, request=self.req, auth=True, grant_type="refresh_token",
                    status=status, ok=status < 300, duration_ms=took * 1000, **end)

    def signed_in(self, at=1.0, ttl=15):
        self.ev(0, "lifecycle", "boot", visibility="visible", online=True)
        self.ev(at, "authkit", "getAccessToken", call=1, outcome="token", token="tok:aaaaaaaaaaaa",
                jwt={"tok:aaaaaaaaaaaa": {"iat": 1_800_000_000, "exp": 1_800_000_000 + ttl}})
        self.ev(at, "authkit", "user", present=True, user_id="user_1")
        self.ev(at, "convex", "auth-change", is_authenticated=True)

    def trace(self, **meta):
        return {"format": "authtrace/1", "meta": {"recorded_by": TAB, **meta}, "events": self.events}


def hidden_resume_typeerror():
    r = Rec()
    r.signed_in()
    r.ev(4, "visibility", "visibilitychange", state="hidden")
    r.ev(4, "lifecycle", "freeze", visibility="hidden")
    r.ev(30, "lifecycle", "resume", visibility="hidden")
    r.ev(30.05, "websocket", "close", socket=1, sync=True, code=1006, reason="", was_clean=False, online=True)
    r.ev(30.1, "visibility", "visibilitychange", state="visible")
    for at in (31, 31.5, 32.5):
        r.refresh(at, name="TypeError", message="Failed to fetch")
    r.ev(31.4, "convex", "AuthError", socket=2, error="Token claims are not valid: The token is expired")
    r.ev(31.41, "websocket", "close", socket=2, sync=True, code=1005, reason="", was_clean=True, online=True)
    r.ev(31.5, "convex", "auth-change", is_authenticated=False)
    r.refresh(34)
    r.ev(40, "note", "end")
    return r.trace(scenario="hidden-tab-resume-typeerror", adapter="stock")


def test_plan_has_the_page_states_attempts_server_events_and_lifetimes():
    plan = build_plan(hidden_resume_typeerror())
    assert plan["format"] == FORMAT
    assert plan["duration_ms"] == 40_000
    assert plan["signed_in_ms"] == 1000
    assert plan["tokens"]["access_token_ttl_s"] == 15
    states = {(p["state"], p["start_ms"], p["end_ms"]) for p in plan["page"]}
    assert ("hidden", 4000, 30100) in states and ("frozen", 4000, 30000) in states
    outcomes = [a["outcome"]["type"] for a in plan["attempts"]]
    assert outcomes == ["TypeError", "TypeError", "TypeError", "token"]
    assert plan["attempts"][0]["outcome"]["message"] == "Failed to fetch"
    kinds = [(s["type"], s["replayed_by"]) for s in plan["server"]]
    assert ("socket-close", "injected") in kinds  # the server closed it while the tab was frozen
    assert ("auth-error", "token expiry") in kinds  # the expired token makes it again by itself
    assert ("socket-close", "the client, after the AuthError") in kinds


def test_fault_windows_match_by_method_path_and_grant_type():
    plan = build_plan(hidden_resume_typeerror())
    drops = [f for f in plan["faults"] if f["action"] == "drop"]
    assert len(drops) == 1  # one outage, not one fault per attempt
    d = drops[0]
    assert d["match"] == {"method": "POST", "path": "/user_management/authenticate", "grant_type": "refresh_token"}
    assert d["count"] is None and d["start_ms"] <= 31_000 and 32_500 < d["end_ms"] < 34_000
    close = [f for f in plan["faults"] if f["target"] == "convex"]
    assert close and close[0]["action"] == "close" and close[0]["start_ms"] < 30_000  # before the resume


def test_terminal_answers_hold_to_the_end_and_http_errors_map_to_actions():
    attempts = [
        {"at_ms": 1000, "outcome": {"type": "token"}, "grant_type": "refresh_token"},
        {"at_ms": 5000, "outcome": {"type": "http", "status": 503}, "grant_type": "refresh_token"},
        {"at_ms": 6000, "outcome": {"type": "http", "status": 503}, "grant_type": "refresh_token"},
        {"at_ms": 8000, "outcome": {"type": "token"}, "grant_type": "refresh_token"},
        {"at_ms": 12000, "outcome": {"type": "http", "status": 400, "error": "invalid_request",
                                     "description": "Missing refresh token."}, "grant_type": "refresh_token"},
    ]
    faults = faults_from_attempts(attempts, 20_000)
    assert [f["action"] for f in faults] == ["status", "missing-refresh-token"]
    assert faults[0]["params"] == {"status": 503} and faults[0]["end_ms"] == 7000
    assert faults[1]["end_ms"] == 20_000 and faults[1]["terminal"]


def test_offline_failures_and_hangs():
    r = Rec()
    r.signed_in()
    r.ev(5, "network", "offline", online=False)
    r.refresh(6, name="TypeError", message="Failed to fetch", online=False)
    r.ev(8, "network", "online", online=True)
    r.refresh(9, took=20, name="TypeError", message="Failed to fetch")
    r.ev(35, "note", "end")
    plan = build_plan(r.trace())
    assert plan["attempts"][0]["cause"] == "offline"
    assert plan["attempts"][1]["outcome"]["type"] == "hang"
    actions = [f["action"] for f in plan["faults"]]
    assert actions == ["hang"]  # the offline failure is made by the replayed offline interval
    assert plan["faults"][0]["params"]["max_s"] == 20.0 and plan["faults"][0]["count"] == 1


def test_answers_of_an_earlier_in_tab_replay_are_left_out():
    r = Rec()
    r.signed_in()
    r.refresh(10, name="TypeError", message="Failed to fetch", replayed="f1")
    r.refresh(12, name="TypeError", message="Failed to fetch")
    r.refresh(14)
    r.ev(20, "note", "end")
    plan = build_plan(r.trace())
    assert [a["at_ms"] for a in plan["attempts"]] == [12_000, 14_000]
    assert any("earlier in-tab replay" in n for n in plan["notes"])


def test_nothing_replayable_says_so():
    r = Rec()
    r.ev(0, "lifecycle", "boot", visibility="visible", online=True)
    r.ev(1, "note", "hello")
    with pytest.raises(NothingToReplay, match="nothing to replay"):
        build_plan(r.trace())
    with pytest.raises(NothingToReplay):
        build_plan({"format": "authtrace/1", "meta": {}, "events": []})


def test_not_a_trace_is_refused():
    with pytest.raises(PlanError, match="neither"):
        build_plan({"hello": 1})
    with pytest.raises(PlanError):
        build_plan([1, 2])


def test_plan_is_json_and_loads_back():
    plan = build_plan(hidden_resume_typeerror())
    again = load_plan(json.loads(json.dumps(plan)))
    assert again == plan
    with pytest.raises(PlanError, match="already a replay plan"):
        build_plan(plan)


@pytest.mark.parametrize("edit, reason", [
    (lambda p: p.update(format="authtrace-replay/9"), "not supported"),
    (lambda p: p.update(format="x"), "not a replay plan"),
    (lambda p: p.pop("duration_ms"), "duration_ms: missing"),
    (lambda p: p["page"][0].update(state="asleep"), "state: must be one of"),
    (lambda p: p["page"][0].update(end_ms=1), "before start_ms"),
    (lambda p: p["page"][0].update(end_ms=10**9), "outside"),
    (lambda p: p["faults"][0].update(action="explode"), "not a convex action|not a workos action"),
    (lambda p: p["faults"][-1].update(count=0), "count: must be a positive integer"),
    (lambda p: p["faults"][-1].update(count=None, end_ms=p["faults"][-1]["start_ms"]), "unbounded"),
    (lambda p: p["faults"][-1].update(action="status", params={"status": 200}), "400..599"),
    (lambda p: p["faults"][-1].update(params={"max_s": 9999}), "max_s"),
    (lambda p: p["tokens"].update(access_token_ttl_s="15"), "must be a number"),
    (lambda p: p["attempts"][0].update(outcome={"type": "maybe"}), "outcome.type"),
    (lambda p: p.update(page=[], faults=[], attempts=[], server=[], mutations=[]), "nothing to replay"),
])
def test_validator_refuses_an_invalid_edited_plan_with_the_reason(edit, reason):
    plan = copy.deepcopy(build_plan(hidden_resume_typeerror()))
    edit(plan)
    with pytest.raises(PlanError, match=reason):
        validate_plan(plan)


def test_validator_refuses_non_objects():
    with pytest.raises(PlanError, match="JSON object"):
        validate_plan([])


def test_schedule_keeps_the_seconds_around_faults_and_is_identity_at_speed_1():
    plan = build_plan(hidden_resume_typeerror())
    s1 = schedule(plan, 1)
    assert s1["replay_ms"] == plan["duration_ms"] - plan["signed_in_ms"]
    s = schedule(plan, 10)
    steps = s["steps"]
    # The ordering is kept, and the relative timing around the resume is exact.
    at = {st["do"]: st["at_ms"] for st in steps}
    assert at["close"] < at["unfreeze"] <= at["show"]
    arm = next(st for st in steps if st["do"] == "arm" and st["action"] == "drop")
    assert round(arm["at_ms"] - at["unfreeze"], 1) == round(next(
        f["start_ms"] for f in plan["faults"] if f["action"] == "drop") - 30_000, 1)
    # Hidden time stays long enough for the 15 s token to expire while hidden.
    assert at["unfreeze"] - at["freeze"] >= 15_000
    assert s["access_token_ttl_s"] == 15


def test_quiet_time_is_fast_forwarded_and_tokens_scaled():
    plan = {"format": FORMAT, "duration_ms": 3_600_000, "signed_in_ms": 5_000,
            "tokens": {"access_token_ttl_s": 300}, "app": {}, "page": [], "server": [], "mutations": [],
            "attempts": [{"at_ms": 3_300_000, "grant_type": "refresh_token",
                          "outcome": {"type": "http", "status": 400, "error": "invalid_request",
                                      "description": "Missing refresh token."}}],
            "faults": [], "recorded": {"split_brain_open_at_end": True, "causes": []}}
    plan["faults"] = faults_from_attempts(plan["attempts"], plan["duration_ms"])
    s = schedule(validate_plan(plan), 300)
    assert s["access_token_ttl_s"] == 15  # 300 s / 300 would be refreshed in a loop
    assert s["fast_forward"] >= 60
    # After the failure, one token lifetime stays (scaled): Convex notices the failure.
    arm = next(st for st in s["steps"] if st["do"] == "arm")
    assert s["replay_ms"] - arm["at_ms"] >= 15_000


@settings(max_examples=60, deadline=None)
@given(speed=st.floats(min_value=1, max_value=500),
       times=st.lists(st.floats(min_value=2_000, max_value=200_000), min_size=1, max_size=6))
def test_schedule_is_monotone_and_deterministic(speed, times):
    attempts = [{"at_ms": round(t, 1), "grant_type": "refresh_token",
                 "outcome": {"type": "TypeError", "message": "Failed to fetch"} if i % 2 else {"type": "token"}}
                for i, t in enumerate(sorted(times))]
    plan = {"format": FORMAT, "duration_ms": 210_000, "signed_in_ms": 1_000, "tokens": {"access_token_ttl_s": 60},
            "page": [{"state": "hidden", "start_ms": 50_000, "end_ms": 120_000}], "attempts": attempts,
            "server": [], "mutations": [], "recorded": {}, "faults": []}
    plan["faults"] = faults_from_attempts(attempts, 210_000)
    a, b = schedule(plan, speed), schedule(copy.deepcopy(plan), speed)
    assert a == b
    ats = [s["at_ms"] for s in a["steps"]]
    assert ats == sorted(ats) and all(x >= 0 for x in ats)
    assert a["replay_ms"] <= plan["duration_ms"] - plan["signed_in_ms"] + SETTLE_MS + 1e-6
    segs = a["segments"]
    assert all(x["to_ms"] <= y["from_ms"] + 1e-6 for x, y in zip(segs, segs[1:]))
    assert all(s["rate"] == 1.0 for s in segs if s["kind"] == "kept")


def test_the_replay_runs_past_a_fault_at_the_very_end_of_the_recording():
    # The recording stopped 60 ms after the last fault (laptop-sleep): the replay goes on
    # long enough for the clients to show what the fault did.
    plan = {"format": FORMAT, "duration_ms": 27_564, "signed_in_ms": 3_790, "tokens": {"access_token_ttl_s": 15},
            "page": [{"state": "hidden", "start_ms": 6_903, "end_ms": 27_523}],
            "attempts": [{"at_ms": 27_542, "grant_type": "refresh_token",
                          "outcome": {"type": "http", "status": 400, "error": "invalid_grant"}}],
            "server": [], "mutations": [], "recorded": {}, "faults": []}
    plan["faults"] = faults_from_attempts(plan["attempts"], plan["duration_ms"])
    for speed in (1, 10):
        s = schedule(validate_plan(plan), speed)
        show = next(st for st in s["steps"] if st["do"] == "show")
        assert s["replay_ms"] - show["at_ms"] >= SETTLE_MS - 19 - 1e-6  # the 400 came 19 ms after the show
    assert schedule(plan, 1)["replay_ms"] > plan["duration_ms"] - plan["signed_in_ms"]


def test_schedule_rejects_a_bad_speed():
    plan = build_plan(hidden_resume_typeerror())
    for bad in (0, 0.5, True, "2", 1e9):
        with pytest.raises(ValueError):
            schedule(plan, bad)


def test_page_injections():
    plan = build_plan(hidden_resume_typeerror())
    inj, skipped = page_injections(plan, with_skipped=True)
    assert inj[0]["at_ms"] == 0 and inj[0]["until_ms"] > 1500 and inj[0]["count"] is None
    assert inj[0]["match"] == {"method": "POST", "path": "/user_management/authenticate",
                               "grant_type": "refresh_token"}
    assert inj[0]["outcome"] == {"kind": "error", "name": "TypeError", "message": "Failed to fetch"}
    assert any("convex" in s["reason"] for s in skipped)
    json.dumps(inj)


def test_compare():
    rec = {"split_brain_open_at_end": True, "wedged": False, "causes": ["a", "split-brain"]}
    same = compare(rec, {"split_brain_open": True, "causes": ["a", "split-brain", "b"]})
    assert same["recurred"] and same["causes_missing"] == [] and same["causes_new"] == ["b"]
    fixed = compare(rec, {"split_brain_open": False, "causes": ["a"]})
    assert not fixed["recurred"] and fixed["causes_missing"] == ["split-brain"]
    wedge = compare({"wedged": True, "causes": ["throw-wedge"]}, {"causes": ["throw-wedge"]})
    assert wedge["recurred"]
    assert not compare({"causes": []}, {"split_brain_open": True})["recurred"]


def test_cause_ids_once_each_in_order():
    """``Diagnosis.causes()``: what the replay plan records and the replay compares."""
    from authtrace.diagnosis import Diagnosis, Finding

    d = Diagnosis("trace", [Finding(c, 1.8e12 + i, [1], "x", "y") for i, c in enumerate(["b", "a", "b", "c", "a"])])
    assert d.causes() == ["b", "a", "c"] and d.ids() == ["b", "a", "b", "c", "a"]
