import json

from authtrace import Kind, fingerprint
from authtrace.capture import Capture

from _builders import make_jwt, opaque_token

WALL = 1_800_000_100_000.0  # ms; make_jwt's token lives from 1_800_000_000 to 1_800_000_300 s


def raw(kind, type_, payload, mono=1.0, wall=WALL):
    return {"kind": kind, "type": type_, "mono": mono, "wall": wall, "payload": payload}


def page(visibility="visible", online=True):
    return {"visibility": visibility, "online": online}


def test_refresh_request_response_pair_keeps_grant_and_redacts():
    cap = Capture("tab-1")
    rt, new_rt, at = opaque_token(), opaque_token(), make_jwt({"sub": "user_C"})
    body = json.dumps({"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": rt})
    [req] = cap.observe(raw("fetch", "request", {"request": 7, "url": "http://127.0.0.1:8787/user_management/authenticate",
                                                 "method": "POST", "auth": True, "body": body, "page": page("hidden")}))
    assert req.kind is Kind.FETCH and req.payload["grant_type"] == "refresh_token"
    assert req.payload["refresh_token_sent"] is True
    assert req.payload["refresh_token"] == fingerprint(rt)
    assert req.payload["visibility"] == "hidden"
    resp_body = json.dumps({"access_token": at, "refresh_token": new_rt, "user": {"id": "user_C", "email": "x@y.z"},
                            "organization_id": None, "authentication_method": "Password"})
    [resp] = cap.observe(raw("fetch", "response", {"request": 7, "status": 200, "ok": True, "durationMs": 12.34,
                                                   "body": resp_body, "page": page()}, mono=20.0))
    p = resp.payload
    assert p["grant_type"] == "refresh_token" and p["duration_ms"] == 12.3
    assert p["access_token"] == fingerprint(at) and p["refresh_token"] == fingerprint(new_rt)
    assert p["jwt"][fingerprint(at)]["sub"] == "user_C"
    assert p["expires_in_s"] == 200.0
    assert "x@y.z" not in json.dumps(p)  # user details beyond the id are not kept
    text = json.dumps([req.to_json(), resp.to_json()])
    assert rt not in text and new_rt not in text and at not in text


def test_workos_error_and_missing_refresh_token():
    cap = Capture("t")
    body = json.dumps({"client_id": "c", "grant_type": "refresh_token"})
    [req] = cap.observe(raw("fetch", "request", {"request": 1, "url": "/user_management/authenticate", "method": "POST",
                                                 "auth": True, "body": body, "page": page()}))
    assert req.payload["refresh_token_sent"] is False
    [resp] = cap.observe(raw("fetch", "response", {"request": 1, "status": 400, "ok": False, "durationMs": 3,
                                                   "body": '{"error":"invalid_request","error_description":"Missing refresh token."}',
                                                   "page": page()}))
    assert resp.payload["workos_error"] == "invalid_request"
    assert resp.payload["workos_error_description"] == "Missing refresh token."


def test_fetch_rejection_keeps_engine_message_and_page_state():
    cap = Capture("t")
    cap.observe(raw("fetch", "request", {"request": 2, "url": "/user_management/authenticate", "method": "POST",
                                         "auth": True, "body": '{"grant_type":"refresh_token","refresh_token":"r"}',
                                         "page": page()}))
    [err] = cap.observe(raw("fetch", "error", {"request": 2, "name": "TypeError", "message": "Failed to fetch",
                                               "durationMs": 1, "page": page("visible", False)}))
    assert (err.type, err.payload["name"], err.payload["message"]) == ("error", "TypeError", "Failed to fetch")
    assert err.payload["online"] is False and err.payload["grant_type"] == "refresh_token"


def test_an_answer_made_up_in_the_page_is_marked_on_request_and_outcome():
    cap = Capture("tab-1")
    body = json.dumps({"grant_type": "refresh_token", "refresh_token": opaque_token()})
    [req] = cap.observe(raw("fetch", "request", {"request": 3, "url": "/user_management/authenticate", "method": "POST",
                                                 "auth": True, "body": body, "page": page(), "replayed": "f1"}))
    [err] = cap.observe(raw("fetch", "error", {"request": 3, "name": "TypeError", "message": "Failed to fetch",
                                               "durationMs": 1, "page": page()}))
    assert req.payload["replayed"] == "f1" and err.payload["replayed"] == "f1"
    cap.observe(raw("fetch", "request", {"request": 4, "url": "/user_management/authenticate", "method": "POST",
                                         "auth": True, "body": body, "page": page(), "simulated": "refresh-503"}))
    [resp] = cap.observe(raw("fetch", "response", {"request": 4, "status": 503, "ok": False, "durationMs": 1,
                                                   "body": "{}", "page": page()}))
    assert resp.payload["simulated"] == "refresh-503" and "replayed" not in resp.payload
    cap.observe(raw("fetch", "request", {"request": 5, "url": "/user_management/authenticate", "method": "POST",
                                         "auth": True, "body": body, "page": page()}))
    [real] = cap.observe(raw("fetch", "response", {"request": 5, "status": 200, "ok": True, "durationMs": 1,
                                                   "body": "{}", "page": page()}))
    assert "replayed" not in real.payload and "simulated" not in real.payload


def test_convex_authenticate_with_expired_token_and_auth_error():
    cap = Capture("t")
    expired = make_jwt({"iat": 1_800_000_000, "exp": 1_800_000_050})
    cap.observe(raw("websocket", "create", {"socket": 1, "url": "ws://127.0.0.1:8765/api/1.48.0/sync", "sync": True,
                                            "page": page()}))
    [conn] = cap.observe(raw("websocket", "send", {"socket": 1, "sync": True, "data": json.dumps(
        {"type": "Connect", "sessionId": "s", "connectionCount": 2, "lastCloseReason": "closed with code 1001"})}))
    assert conn.payload["last_close_reason"] == "closed with code 1001"
    [auth] = cap.observe(raw("websocket", "send", {"socket": 1, "sync": True, "data": json.dumps(
        {"type": "Authenticate", "tokenType": "User", "value": expired, "baseVersion": 0})}))
    assert auth.payload["expired_when_sent"] is True and auth.payload["seconds_left"] == -50.0
    assert auth.payload["token"] == fingerprint(expired)
    assert auth.payload["jwt"][fingerprint(expired)]["exp"] == 1_800_000_050
    assert expired not in json.dumps(auth.to_json())
    [err] = cap.observe(raw("websocket", "receive", {"socket": 1, "sync": True, "data": json.dumps(
        {"type": "AuthError", "error": "token expired", "baseVersion": 0, "authUpdateAttempted": True})}))
    assert err.payload["auth_update_attempted"] is True


def test_transitions_recorded_only_when_identity_changes_or_first():
    cap = Capture("t")

    def transition(a, b):
        return raw("websocket", "receive", {"socket": 3, "sync": True, "data": json.dumps({
            "type": "Transition", "startVersion": {"querySet": 0, "identity": a, "ts": "AAAAAAAAAAA="},
            "endVersion": {"querySet": 1, "identity": b, "ts": "AQAAAAAAAAA="}, "modifications": []})})

    assert len(cap.observe(transition(0, 0))) == 1  # first
    assert cap.observe(transition(0, 0)) == []
    [t] = cap.observe(transition(0, 1))
    assert t.payload["identity_changed"] is True
    assert cap.observe(raw("websocket", "receive", {"socket": 3, "sync": True, "data": '{"type":"Ping"}'})) == []
    assert cap.observe(raw("websocket", "receive", {"socket": 3, "sync": True, "data": "not json"})) == []


def test_storage_changes_fingerprinted():
    cap = Capture("t")
    rt = opaque_token()
    [s] = cap.observe(raw("storage", "setItem", {"area": "local", "key": "workos:refresh-token:client_local", "value": rt}))
    assert s.payload["value"] == fingerprint(rt)
    [e] = cap.observe(raw("storage", "storage-event", {"key": "workos:refresh-token:client_local", "oldValue": rt,
                                                       "newValue": None, "fromOtherTab": True}))
    assert e.payload["change"] == "removed" and e.payload["oldValue"] == fingerprint(rt)


def test_unknown_observations_become_redacted_events_of_their_kind():
    cap = Capture("t")
    at = make_jwt()
    [e] = cap.observe(raw("authkit", "getAccessToken", {"forceRefresh": True, "outcome": "token", "token": at}))
    assert e.kind is Kind.AUTHKIT and e.payload["token"] == fingerprint(at)
    [n] = cap.observe(raw("mystery", "x", {"a": 1}))
    assert n.kind is Kind.NOTE


def test_ordinary_fetch_is_one_event_when_it_settles():
    cap = Capture("t")
    [ok] = cap.observe(raw("fetch", "response", {"request": 4, "status": 204, "ok": True, "durationMs": 2.0,
                                                  "url": "/api/x?access_token=abcdefabcdefabcdef", "method": "GET",
                                                  "page": page()}))
    assert ok.payload["method"] == "GET" and ok.payload["status"] == 204
    assert "abcdefabcdef" not in ok.payload["url"] and "access_token=tok:" in ok.payload["url"]
    [err] = cap.observe(raw("fetch", "error", {"request": 5, "name": "TypeError", "message": "Failed to fetch",
                                               "durationMs": 1.0, "url": "/api/y", "method": "POST", "page": page()}))
    assert err.payload["url"] == "/api/y" and err.payload["method"] == "POST"


def test_convex_fetch_token_calls_are_recorded_with_their_outcome():
    cap = Capture("t")
    at = make_jwt()
    [start] = cap.observe(raw("convex", "fetchToken-start", {"call": 4, "forceRefreshToken": True, "page": page()}))
    assert start.payload == {"call": 4, "force_refresh_token": True, "visibility": "visible", "online": True}
    [done] = cap.observe(raw("convex", "fetchToken", {"call": 4, "forceRefreshToken": True, "outcome": "token",
                                                      "token": at, "durationMs": 5, "page": page()}))
    assert done.payload["token"] == fingerprint(at) and done.payload["jwt"][fingerprint(at)]["sub"] == "user_01TEST"
    [threw] = cap.observe(raw("convex", "fetchToken", {"call": 5, "forceRefreshToken": True, "outcome": "throw",
                                                       "name": "TypeError", "message": "Failed to fetch", "page": page()}))
    assert (threw.payload["outcome"], threw.payload["name"]) == ("throw", "TypeError")
