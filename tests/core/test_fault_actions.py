"""fault_actions.check_params: the defaults it fills in and the exact refusals a user reads.
Pure: no emulator, just the vocabulary and its limits."""

import math

import pytest

from authtrace.fault_actions import (
    ACTIONS, DEFAULT_HANG_S, MAX_RETRY_AFTER_S, MAX_TEXT, MAX_WAIT_S, FaultError, check_params,
)


def refused(target, action, params):
    with pytest.raises(FaultError) as info:
        check_params(target, action, params)
    return str(info.value)


# --- target and action -------------------------------------------------------------------------

def test_unknown_target_names_it_and_the_known_ones():
    assert refused("auth0", "delay", {}) == "unknown target 'auth0'; expected one of workos, convex"


def test_a_target_that_is_not_a_string_is_refused_and_cut_to_64_characters():
    assert refused(None, "delay", {}) == "unknown target 'None'; expected one of workos, convex"
    assert refused("x" * 100, "delay", {}) == f"unknown target {'x' * 64!r}; expected one of workos, convex"


def test_unknown_action_names_the_target_and_its_actions():
    assert refused("convex", "delay", {}) == (
        "unknown convex action 'delay'; expected one of close, refuse-upgrade, auth-error, stall")
    assert refused("workos", "close", {}) == (
        "unknown workos action 'close'; expected one of delay, hang, drop, lost-response, no-cors, status, "
        "non-json, garbage-200, bad-token, invalid-grant, missing-refresh-token")


def test_an_action_that_is_not_a_string_is_refused_and_cut_to_64_characters():
    assert refused("convex", 7, {}).startswith("unknown convex action '7'; expected one of close,")
    assert refused("convex", "y" * 70, {}).startswith(f"unknown convex action {'y' * 64!r};")


def test_actions_without_params_pass_through_unchanged_and_as_a_copy():
    for action in ("drop", "lost-response", "no-cors", "garbage-200", "bad-token", "missing-refresh-token"):
        params = {"anything": 1}
        out = check_params("workos", action, params)
        assert out == {"anything": 1}
        out["x"] = 2
        assert params == {"anything": 1}


def test_every_listed_action_is_accepted_with_its_minimal_params():
    minimal = {"delay": {"seconds": 1}, "status": {"status": 500}}
    for target, actions in ACTIONS.items():
        for action in actions:
            check_params(target, action, dict(minimal.get(action, {})))


# --- delay ---------------------------------------------------------------------------------------

def test_delay_needs_seconds():
    assert refused("workos", "delay", {}) == "delay needs params.seconds"
    assert refused("workos", "delay", {"seconds": None}) == "delay needs params.seconds"


@pytest.mark.parametrize("seconds", [0, 0.5, 1, MAX_WAIT_S])
def test_delay_seconds_in_range_are_kept(seconds):
    assert check_params("workos", "delay", {"seconds": seconds}) == {"seconds": seconds}


@pytest.mark.parametrize("seconds", [-0.001, -1, MAX_WAIT_S + 0.001])
def test_delay_seconds_out_of_range(seconds):
    assert refused("workos", "delay", {"seconds": seconds}) == "seconds must be between 0 and 300"


@pytest.mark.parametrize("seconds", [True, False, "5", math.inf, math.nan, [1]])
def test_delay_seconds_must_be_a_finite_number(seconds):
    assert refused("workos", "delay", {"seconds": seconds}) == "seconds must be a number"


# --- hang / stall --------------------------------------------------------------------------------

def test_hang_and_stall_default_max_s():
    assert check_params("workos", "hang", {}) == {"max_s": DEFAULT_HANG_S} == {"max_s": 30.0}
    assert check_params("convex", "stall", {}) == {"max_s": 30.0}


def test_hang_and_stall_keep_max_s_in_range():
    assert check_params("workos", "hang", {"max_s": 0}) == {"max_s": 0}
    assert check_params("convex", "stall", {"max_s": 300}) == {"max_s": 300}
    assert check_params("workos", "hang", {"max_s": None}) == {"max_s": None}


def test_hang_and_stall_refuse_max_s_out_of_range_or_not_a_number():
    assert refused("workos", "hang", {"max_s": 300.5}) == "max_s must be between 0 and 300"
    assert refused("convex", "stall", {"max_s": -1}) == "max_s must be between 0 and 300"
    assert refused("workos", "hang", {"max_s": "10"}) == "max_s must be a number"
    assert refused("convex", "stall", {"max_s": True}) == "max_s must be a number"


# --- status ----------------------------------------------------------------------------------------

def test_status_needs_a_status():
    assert refused("workos", "status", {}) == "status needs params.status, an HTTP error code 400-599"


@pytest.mark.parametrize("status", [399, 600, 200, "500", 500.0, True, None])
def test_status_refuses_what_is_not_an_error_code(status):
    assert refused("workos", "status", {"status": status}) == (
        "status needs params.status, an HTTP error code 400-599")


@pytest.mark.parametrize("status", [400, 429, 503, 599])
def test_status_keeps_an_error_code(status):
    assert check_params("workos", "status", {"status": status}) == {"status": status}


def test_status_retry_after_bounds():
    assert check_params("workos", "status", {"status": 429, "retry_after": 0}) == {"status": 429, "retry_after": 0}
    assert check_params("workos", "status", {"status": 429, "retry_after": MAX_RETRY_AFTER_S})["retry_after"] == 86400
    assert refused("workos", "status", {"status": 429, "retry_after": -1}) == (
        "retry_after must be between 0 and 86400")
    assert refused("workos", "status", {"status": 429, "retry_after": 86401}) == (
        "retry_after must be between 0 and 86400")
    assert refused("workos", "status", {"status": 429, "retry_after": "1"}) == "retry_after must be a number"


def test_status_body_must_be_an_object():
    assert check_params("workos", "status", {"status": 500, "body": {"a": 1}}) == {"status": 500, "body": {"a": 1}}
    assert check_params("workos", "status", {"status": 500, "body": None}) == {"status": 500, "body": None}
    assert refused("workos", "status", {"status": 500, "body": "oops"}) == "status params.body must be a JSON object"
    assert refused("workos", "status", {"status": 500, "body": [1]}) == "status params.body must be a JSON object"


# --- non-json --------------------------------------------------------------------------------------

def test_non_json_defaults_to_502_and_keeps_a_given_status():
    assert check_params("workos", "non-json", {}) == {"status": 502}
    assert check_params("workos", "non-json", {"status": 504}) == {"status": 504}


def test_non_json_refusals():
    assert refused("workos", "non-json", {"status": 302}) == "non-json needs params.status, an HTTP error code 400-599"
    assert refused("workos", "non-json", {"status": None}) == (
        "non-json needs params.status, an HTTP error code 400-599")
    assert refused("workos", "non-json", {"retry_after": 86401}) == "retry_after must be between 0 and 86400"
    assert refused("workos", "non-json", {"retry_after": -0.5}) == "retry_after must be between 0 and 86400"
    assert refused("workos", "non-json", {"retry_after": False}) == "retry_after must be a number"
    assert check_params("workos", "non-json", {"retry_after": 0}) == {"status": 502, "retry_after": 0}


# --- close -----------------------------------------------------------------------------------------

def test_close_defaults_code_1011_and_empty_reason():
    assert check_params("convex", "close", {}) == {"code": 1011, "reason": ""}


@pytest.mark.parametrize("code", [1000, 4000, 4999, 1011])
def test_close_keeps_a_sendable_code(code):
    assert check_params("convex", "close", {"code": code, "reason": "bye"}) == {"code": code, "reason": "bye"}


@pytest.mark.parametrize("code", [999, 5000, 1005, 1006, 1015, "1000", 1000.0, True, None])
def test_close_refuses_a_code_a_server_cannot_send(code):
    assert refused("convex", "close", {"code": code}) == (
        "close params.code must be a WebSocket close code 1000-4999 a server can send")


def test_close_reason_is_a_bounded_string_that_fits_a_frame():
    assert check_params("convex", "close", {"reason": "r" * 123}) == {"code": 1011, "reason": "r" * 123}
    assert refused("convex", "close", {"reason": "r" * 124}) == (
        "close params.reason must fit in a close frame (123 bytes)")
    # 62 two-byte characters: 124 bytes, though only 62 characters.
    assert refused("convex", "close", {"reason": "é" * 62}) == (
        "close params.reason must fit in a close frame (123 bytes)")
    assert refused("convex", "close", {"reason": 5}) == (
        f"close params.reason must be a string of at most {MAX_TEXT} characters")
    assert refused("convex", "close", {"reason": "r" * 1025}) == (
        "close params.reason must be a string of at most 1024 characters")


# --- refuse-upgrade --------------------------------------------------------------------------------

def test_refuse_upgrade_defaults_to_503():
    assert check_params("convex", "refuse-upgrade", {}) == {"status": 503}
    assert check_params("convex", "refuse-upgrade", {"status": 401, "body": "no"}) == {"status": 401, "body": "no"}


def test_refuse_upgrade_refusals():
    assert refused("convex", "refuse-upgrade", {"status": 101}) == (
        "refuse-upgrade needs params.status, an HTTP error code 400-599")
    assert refused("convex", "refuse-upgrade", {"body": {"x": 1}}) == (
        "refuse-upgrade params.body must be a string of at most 1024 characters")
    assert check_params("convex", "refuse-upgrade", {"body": "b" * 1024})["body"] == "b" * 1024
    assert refused("convex", "refuse-upgrade", {"body": "b" * 1025}) == (
        "refuse-upgrade params.body must be a string of at most 1024 characters")


# --- auth-error / invalid-grant --------------------------------------------------------------------

@pytest.mark.parametrize("target,action", [("convex", "auth-error"), ("workos", "invalid-grant")])
def test_message_and_description_texts(target, action):
    assert check_params(target, action, {}) == {}
    ok = {"message": "m", "description": "d", "authUpdateAttempted": True}
    assert check_params(target, action, ok) == ok
    assert refused(target, action, {"message": 1}) == (
        f"{action} params.message must be a string of at most 1024 characters")
    assert refused(target, action, {"description": "d" * 1025}) == (
        f"{action} params.description must be a string of at most 1024 characters")
    assert refused(target, action, {"authUpdateAttempted": "yes"}) == (
        f"{action} params.authUpdateAttempted must be true or false")
    assert refused(target, action, {"authUpdateAttempted": None}) == (
        f"{action} params.authUpdateAttempted must be true or false")
