"""The plan's faults (``authtrace.replay.faults``), exactly: small hand-made attempts and server
events to the fault windows the executor arms, with their boundaries (a hang's wait, a close code
a server may send, a close while frozen moved to the unfreeze)."""

from __future__ import annotations

from authtrace.replay import faults_from_attempts
from authtrace.replay.faults import _fault_of, server_faults

AUTH = "/user_management/authenticate"


def match(grant: str = "refresh_token") -> dict:
    return {"method": "POST", "path": AUTH, "grant_type": grant}


def hang_s(ms) -> float:
    return _fault_of({"outcome": {"type": "hang", "ms": ms}})[1]["max_s"]


def test_a_hang_waits_as_long_as_recorded_to_a_tenth_within_bounds():
    assert _fault_of({"outcome": {"type": "hang", "ms": 1234}}) == ("hang", {"max_s": 1.2}, False)
    assert hang_s(500) == 0.5
    assert hang_s(0) == 0.1 and hang_s(None) == 0.1  # at least a tenth of a second
    assert hang_s(100_000) == 100.0
    assert hang_s(400_000) == 300.0  # MAX_WAIT_S


def test_errors_thrown_map_to_garbage_or_drop():
    assert _fault_of({"outcome": {"type": "error", "name": "SyntaxError"}}) == ("garbage-200", {}, False)
    assert _fault_of({"outcome": {"type": "error", "name": "syntaxerror"}}) == ("drop", {}, False)
    assert _fault_of({"outcome": {"type": "error"}}) == ("drop", {}, False)
    assert _fault_of({"outcome": {"type": "TypeError"}}) == ("drop", {}, False)
    assert _fault_of({"outcome": {"type": "token"}}) is None
    assert _fault_of({"outcome": {"type": "TypeError"}, "cause": "offline"}) is None


def test_a_terminal_answer_holds_until_halfway_to_the_next_success():
    attempts = [{"at_ms": 1000, "outcome": {"type": "http", "status": 400, "error": "invalid_grant"},
                 "grant_type": "refresh_token"},
                {"at_ms": 5000, "outcome": {"type": "token"}},
                {"at_ms": 9000, "outcome": {"type": "error", "name": "SyntaxError"}, "grant_type": "authorization_code"}]
    assert faults_from_attempts(attempts, 20_000) == [
        {"target": "workos", "action": "invalid-grant", "start_ms": 500.0, "end_ms": 3000.0, "count": None,
         "match": match(), "params": {}, "attempts": [0], "terminal": True},
        {"target": "workos", "action": "garbage-200", "start_ms": 8000.0, "end_ms": 11000.0, "count": None,
         "match": match("authorization_code"), "params": {}, "attempts": [2], "terminal": False},
    ]


def test_a_missing_grant_type_is_a_refresh():
    [f] = faults_from_attempts([{"at_ms": 4000, "outcome": {"type": "TypeError"}}], 10_000)
    assert f["match"] == match() and (f["start_ms"], f["end_ms"]) == (3000.0, 6000.0)


def test_server_auth_errors_are_armed_around_their_time():
    server = [{"at_ms": 3000, "type": "auth-error", "replayed_by": "injected", "error": "boom"},
              {"at_ms": 100, "type": "auth-error", "replayed_by": "injected"},
              {"at_ms": 200, "type": "auth-error", "replayed_by": "token expiry"}]
    assert server_faults(server, []) == [
        {"target": "convex", "action": "auth-error", "start_ms": 2000.0, "end_ms": 4000.0, "count": 1,
         "match": {"type": "Authenticate"}, "params": {"message": "boom"}, "server": [0]},
        {"target": "convex", "action": "auth-error", "start_ms": 0.0, "end_ms": 1100.0, "count": 1,
         "match": {"type": "Authenticate"}, "params": {"message": "authtrace replay"}, "server": [1]},
    ]


def close(code) -> int:
    [f] = server_faults([{"at_ms": 10, "type": "socket-close", "replayed_by": "injected", "code": code}], [])
    return f["params"]["code"]


def test_close_codes_a_server_cannot_send_become_1001():
    assert [close(c) for c in (1000, 4999, 5000, 999, 1005, 1006, 1015, True, "4000", None)] == \
        [1000, 4999, 1001, 1001, 1001, 1001, 1001, 1001, 1001, 1001]


def test_a_close_while_frozen_comes_just_before_the_unfreeze_within_250_ms():
    def at(end_ms: float) -> float:
        page = [{"state": "frozen", "start_ms": 0, "end_ms": end_ms}, {"state": "hidden", "start_ms": 0, "end_ms": 1100}]
        [f] = server_faults([{"at_ms": 1000, "type": "socket-close", "replayed_by": "injected", "while_frozen": True,
                              "code": 1006}], page)
        assert f["end_ms"] == f["start_ms"] and f["params"] == {"code": 1001} and f["action"] == "close"
        return f["start_ms"]

    assert at(1250) == 1050.0 and at(750) == 550.0
    assert at(1251) == 800.0 and at(749) == 800.0  # no unfreeze near it: 200 ms before the close itself
