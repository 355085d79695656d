"""The fault board on its own, and the one fault vocabulary replay plans share with it."""

from __future__ import annotations

import pytest

from authtrace import fault_actions, workos_errors
from authtrace.host.emulators.eventlog import EventLog
from authtrace.host.emulators.faults import FaultBoard, FaultError
from authtrace.replay import inject, plan

from ._workos import FakeClock


def test_fault_board_counts_windows_matching_and_listing():
    clock = FakeClock()
    log = EventLog(clock=clock)
    board = FaultBoard(clock=clock, events=log)
    f = board.arm("workos", "status", match={"path": "/user_management/*", "grant_type": ["refresh_token", "x"]}, count=2, params={"status": 500})
    assert board.take("workos", path="/user_management/authenticate") is None  # grant_type fact missing
    assert board.take("convex", path="/user_management/authenticate", grant_type="refresh_token") is None
    got = board.take("workos", path="/user_management/authenticate", grant_type="refresh_token")
    assert got.id == f.id and got.fired == 1 and got.remaining == 1
    assert board.take("workos", path="/user_management/x", grant_type="x").remaining == 0
    assert board.list() == []
    w = board.arm("convex", "stall", count=None, window_s=5)
    assert board.take("convex").params["max_s"] == 30
    clock.advance(5)
    assert board.take("convex") is None and board.list() == []
    board.arm("convex", "auth-error", count=5)
    board.arm("convex", "refuse-upgrade", count=1)
    assert board.take("convex", actions=("refuse-upgrade",)).action == "refuse-upgrade"
    assert board.take("convex", actions=("refuse-upgrade",)) is None
    assert board.list("convex")[0].remaining == 5  # skipped, not consumed
    board.arm("workos", "drop", count=5)
    assert board.reset("convex") == 1 and [x.action for x in board.list()] == ["drop"]
    assert board.cancel(board.list()[0].id) and not board.cancel("fault_x")
    assert {"faults.armed", "faults.fired", "faults.expired"} <= set(log.counters)
    assert w.until == clock.t


def test_take_with_actions_uses_a_later_fault_and_counts_it_down():
    """A multi-use fault behind one for another phase is used and decremented, not skipped."""
    board = FaultBoard(clock=FakeClock())
    board.arm("convex", "refuse-upgrade", count=1)
    close = board.arm("convex", "close", count=2, match={"type": "Mutation"})
    assert board.take("convex", actions=("close", "stall"), phase="message", type="Mutation").id == close.id
    assert board.take("convex", actions=("close", "stall"), phase="message", type="Mutation").remaining == 0
    assert [f.action for f in board.list()] == ["refuse-upgrade"]


@pytest.mark.parametrize("target, action, kw", [
    ("workos", "delay", {"params": {"seconds": 301}}),
    ("workos", "delay", {"params": {"seconds": float("nan")}}),
    ("workos", "hang", {"params": {"max_s": float("inf")}}),
    ("workos", "status", {"params": {"status": 503, "body": {"x": float("nan")}}}),
    ("workos", "status", {"params": {"status": 503, "body": {"x": "\ud800"}}}),
    ("workos", "status", {"params": {"status": 503, "body": {"x": object()}}}),
    ("workos", "status", {"params": {"status": 503, "body": {"x": "a" * 20_000}}}),
    ("workos", "drop", {"window_s": -1}),
    ("workos", "drop", {"window_s": float("nan"), "count": None}),
    ("workos", "drop", {"match": {"path": {"a": {"b": {"c": {"d": 1}}}}}}),
    ("workos", "drop", {"match": {1: "x"}}),
    ("convex", "close", {"params": {"code": 99}}),
    ("convex", "close", {"params": {"code": 1006}}),
    ("convex", "auth-error", {"params": {"authUpdateAttempted": "yes"}}),
    ("convex", "refuse-upgrade", {"params": {"body": 5}}),
])
def test_fault_board_refuses_what_it_cannot_honour(target, action, kw):
    board = FaultBoard(clock=FakeClock())
    with pytest.raises(FaultError):
        board.arm(target, action, **kw)
    assert board.list() == []


def test_one_vocabulary_for_emulators_and_replay_plans():
    from authtrace.host.emulators import faults

    assert plan.ACTIONS is fault_actions.ACTIONS is faults.ACTIONS
    assert plan.MAX_WAIT_S == faults.MAX_WAIT_S == fault_actions.MAX_WAIT_S == 300.0


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 418])
def test_page_injections_answer_the_emulators_bodies(status):
    out = inject.outcome_of({"action": "status", "params": {"status": status}})
    assert out == {"kind": "response", "status": status, "body": workos_errors.status_body(status)}


def test_workos_error_bodies_follow_the_reference():
    # workos-node's fixture for short-lived refresh contention (workos-authkit.md §2.1).
    assert workos_errors.status_body(429) == {"error": "too_many_requests",
                                              "error_description": "Could not process refresh token. Please retry."}
    assert workos_errors.status_body(503) == {"message": "Service unavailable"}
    assert inject.outcome_of({"action": "missing-refresh-token"})["body"] == workos_errors.MISSING_REFRESH_TOKEN.body()
    assert inject.outcome_of({"action": "invalid-grant", "params": {}})["body"] == workos_errors.INVALID_REFRESH_TOKEN.body()
    assert inject.outcome_of({"action": "non-json", "params": {"status": 502}})["text"] == workos_errors.gateway_page(502)
