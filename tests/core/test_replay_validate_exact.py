"""The replay plan's validator (``authtrace.replay.validate``), exactly: the one-line reason a person
who edited a plan reads, naming the field, and the boundaries of what is accepted."""

from __future__ import annotations

import copy

import pytest

from authtrace.replay import FORMAT, NothingToReplay, PlanError, validate_plan


def plan(**parts) -> dict:
    p = {"format": FORMAT, "duration_ms": 10_000, "signed_in_ms": 0, "tokens": {"access_token_ttl_s": 15},
         "page": [], "attempts": [], "server": [], "mutations": [], "faults": []}
    p.update(parts)
    return p


def reason(p) -> str:
    with pytest.raises(PlanError) as exc:
        validate_plan(p)
    return str(exc.value)


def fault(**f) -> dict:
    return {"target": "workos", "action": "drop", "start_ms": 100, "end_ms": 200, **f}


def ok(p) -> None:
    assert validate_plan(p) is p


def test_nothing_to_replay_names_what_a_plan_may_hold():
    with pytest.raises(NothingToReplay) as exc:
        validate_plan(plan())
    assert str(exc.value) == ("nothing to replay: the plan has no page interval, fault, refresh attempt, "
                              "server event or mutation")
    ok(plan(server=[{"at_ms": 5, "type": "auth-error"}]))
    ok(plan(mutations=[{"at_ms": 5}]))


def test_the_token_lifetime_bounds():
    some = {"mutations": [{"at_ms": 5}]}
    assert reason(plan(tokens={"access_token_ttl_s": 0}, **some)) == "tokens.access_token_ttl_s: 0 is outside 0.001..86400"
    assert reason(plan(tokens={"access_token_ttl_s": 86_401}, **some)) == \
        "tokens.access_token_ttl_s: 86401 is outside 0.001..86400"
    ok(plan(tokens={"access_token_ttl_s": 86_400}, **some))
    ok(plan(tokens={"access_token_ttl_s": 0.001}, **some))
    assert reason(plan(tokens=None, **some)) == "tokens: must be an object with access_token_ttl_s"


def test_the_app_part():
    some = {"mutations": [{"at_ms": 5}]}
    assert reason(plan(app=[], **some)) == "app: must be an object"
    assert reason(plan(app={"cookie_mode": "yes"}, **some)) == "app.cookie_mode: must be true or false"
    ok(plan(app={"cookie_mode": True}, **some))


def test_fields_are_named_with_their_place():
    assert reason(plan(page=[{"state": "hidden", "end_ms": 5}])) == "page[0].start_ms: missing"
    assert reason(plan(page=[{"state": "hidden", "start_ms": 1, "end_ms": 2}, {"state": "frozen", "start_ms": 1}])) == \
        "page[1].end_ms: missing"
    assert reason(plan(attempts=[{"outcome": {"type": "token"}}])) == "attempts[0].at_ms: missing"
    assert reason(plan(server=[{"at_ms": 5, "type": "auth-error"}, {"at_ms": 5, "type": "close"}])) == \
        "server[1].type: must be auth-error or socket-close, got 'close'"
    assert reason(plan(server=[{"type": "auth-error"}])) == "server[0].at_ms: missing"
    assert reason(plan(server={})) == "server: must be a list, got dict"
    assert reason(plan(mutations=[{"at_ms": 5}], recorded=[])) == "recorded: must be an object"


def test_an_unknown_action_lists_the_targets_actions():
    assert reason(plan(faults=[fault(target="convex", action="drop")])) == (
        "faults[0].action: 'drop' is not a convex action the replay can arm (close, refuse-upgrade, auth-error, stall)")


def test_a_count_null_needs_a_window_except_a_convex_close():
    unbounded = ("faults[0]: unbounded (count null and an empty window): give a count or end_ms after start_ms")
    assert reason(plan(faults=[fault(count=None, end_ms=100)])) == unbounded
    assert reason(plan(faults=[fault(target="convex", action="auth-error", count=None, end_ms=100)])) == unbounded
    ok(plan(faults=[fault(target="convex", action="close", count=None, end_ms=100)]))
    ok(plan(faults=[fault(count=None)]))


def test_close_codes():
    def code(c):
        return plan(faults=[fault(target="convex", action="close", params={"code": c})])

    for good in (1000, 4999, 3000):
        ok(code(good))
    for bad in (999, 5000, 1005, 1006, 1015, True, "1000"):
        assert reason(code(bad)) == f"faults[0].params.code: must be a WebSocket close code a server can send, got {bad!r}"
    ok(plan(faults=[fault(target="convex", action="close", params={"reason": "bye"})]))


def test_a_valid_plan_is_returned_unchanged():
    p = plan(page=[{"state": "hidden", "start_ms": 1000, "end_ms": 2000}],
             attempts=[{"at_ms": 1500, "outcome": {"type": "TypeError"}}],
             faults=[fault(action="status", params={"status": 503})])
    before = copy.deepcopy(p)
    ok(p)
    assert p == before
