"""Capture's exact event names and fields where the diagnosis reads them (each pinned after a
mutation run showed it could change unnoticed)."""

import json

from authtrace import Kind, fingerprint
from authtrace.capture import Capture

from _builders import make_jwt

WALL = 1_800_000_100_000.0  # ms; make_jwt's token expires at 1_800_000_300 s


def raw(kind, type_, payload, mono=1.0, wall=WALL):
    return {"kind": kind, "type": type_, "mono": mono, "wall": wall, "payload": payload}


def test_client_calls_keep_the_names_the_rules_match():
    cap = Capture("t")
    [start] = cap.observe(raw("authkit", "getAccessToken-start", {"call": 3, "forceRefresh": True}))
    assert (start.kind, start.type) == (Kind.AUTHKIT, "getAccessToken-start")
    assert start.payload["call"] == 3 and start.payload["force_refresh"] is True
    [set_auth] = cap.observe(raw("convex", "setAuth", {"anything": "ignored"}))
    assert (set_auth.kind, set_auth.type, set_auth.payload) == (Kind.CONVEX, "setAuth", {})


def test_seconds_left_is_rounded_to_a_tenth():
    cap = Capture("t")
    token = make_jwt()
    [ev] = cap.observe(raw("authkit", "getAccessToken", {"call": 1, "outcome": "token", "token": token},
                           wall=WALL + 1234.0))
    assert ev.payload["seconds_left"] == 198.8  # 200 s left at WALL, 1.234 s later
    assert ev.payload["token"] == fingerprint(token)


def test_a_received_authenticate_frame_is_judged_at_its_own_time():
    cap = Capture("t")
    token = make_jwt()
    frame = json.dumps({"type": "Authenticate", "tokenType": "User", "value": token, "baseVersion": 0})
    [ev] = cap.observe(raw("websocket", "receive", {"socket": 1, "data": frame}, wall=1_800_000_301_000.0))
    assert ev.payload["direction"] == "receive"
    assert ev.payload["expired_when_sent"] is True and ev.payload["seconds_left"] == -1.0


def test_structured_fields_of_a_frame_are_redacted_not_replaced():
    cap = Capture("t")
    token = make_jwt()
    frame = json.dumps({"type": "AuthError", "error": ["not valid", token], "baseVersion": 2,
                        "authUpdateAttempted": False})
    [ev] = cap.observe(raw("websocket", "receive", {"socket": 1, "data": frame}))
    assert ev.payload["error"] == ["not valid", fingerprint(token)]
    assert ev.payload["base_version"] == 2 and ev.payload["auth_update_attempted"] is False
