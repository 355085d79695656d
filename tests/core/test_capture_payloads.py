"""Capture, handler by handler: the exact payload each observation becomes, and malformed or
edge bodies (not JSON, a JSON array, empty tokens, odd ids and numbers) that must neither raise
nor be misread. Exact payloads pin every field name docs/trace-events.md promises."""

import json

import pytest

from authtrace import Kind, fingerprint
from authtrace.capture import Capture, _json_object, _ms, _path

from _builders import make_jwt, opaque_token

WALL = 1_800_000_100_000.0  # make_jwt's token lives from 1_800_000_000 to 1_800_000_300 s
VISIBLE = {"visibility": "visible", "online": True}
AUTH_URL = "/user_management/authenticate"


def raw(kind, type_, payload, mono=1.0, wall=WALL):
    return {"kind": kind, "type": type_, "mono": mono, "wall": wall, "payload": payload}


def one(cap, kind, type_, payload, **kw):
    events = cap.observe(raw(kind, type_, payload, **kw))
    assert len(events) == 1, events
    return events[0]


def page(visibility="visible", online=True):
    return {"visibility": visibility, "online": online}


# -- fetch ------------------------------------------------------------------------------------------

def test_auth_request_payload():
    cap = Capture("t")
    rt, code = opaque_token(), "c0de" + opaque_token(8)
    body = json.dumps({"grant_type": "authorization_code", "client_id": "client_1", "refresh_token": rt, "code": code,
                       "organization_id": "org_1"})
    e = one(cap, "fetch", "request", {"request": 1, "method": "POST", "url": AUTH_URL, "auth": True,
                                       "credentials": "include", "hasSessionCookie": False, "body": body,
                                       "page": page("hidden", False)})
    assert (e.kind, e.type, e.tab, e.mono, e.wall) == (Kind.FETCH, "request", "t", 1.0, WALL)
    assert e.payload == {"request": 1, "method": "POST", "url": AUTH_URL, "visibility": "hidden", "online": False,
                         "auth": True, "credentials": "include", "has_session_cookie": False,
                         "grant_type": "authorization_code", "client_id": "client_1", "refresh_token_sent": True,
                         "refresh_token": fingerprint(rt), "code": fingerprint(code, "code"),
                         "organization_id": "org_1"}


def test_plain_request_has_no_auth_fields():
    e = one(Capture("t"), "fetch", "request", {"request": 2, "method": "GET", "url": "/api", "page": page(),
                                                "body": '{"refresh_token": "x"}'})
    assert e.payload == {"request": 2, "method": "GET", "url": "/api", **VISIBLE}


@pytest.mark.parametrize("body, sent", [
    ('{"grant_type": "refresh_token", "refresh_token": ""}', False),  # empty: not sent
    ('{"grant_type": "refresh_token", "refresh_token": null}', False),
    ('{"grant_type": "refresh_token"}', False),
    ('{"grant_type": "refresh_token", "refresh_token": "r"}', True),
])
def test_an_empty_refresh_token_is_not_sent(body, sent):
    e = one(Capture("t"), "fetch", "request", {"request": 1, "url": AUTH_URL, "auth": True, "body": body})
    assert e.payload["refresh_token_sent"] is sent
    assert ("refresh_token" in e.payload) is sent
    assert e.payload["grant_type"] == "refresh_token"


@pytest.mark.parametrize("body, readable", [
    (None, True),  # no body at all (a GET, or the body came separately)
    ("grant_type=refresh_token&refresh_token=abc", False),  # a form body
    ('["refresh_token"]', False),  # JSON, but not an object
    ("{not json", False),
    ("", False),
    (42, False),
])
def test_an_auth_body_that_is_not_a_json_object(body, readable):
    cap = Capture("t")
    e = one(cap, "fetch", "request", {"request": 1, "url": AUTH_URL, "auth": True, "body": body})
    assert e.payload["body_readable"] is readable
    assert "grant_type" not in e.payload and "refresh_token_sent" not in e.payload
    # ...and a request-body observation of the same kind neither raises nor invents a grant type
    body_ev = one(cap, "fetch", "request-body", {"request": 1, "body": body})
    assert body_ev.payload == {"request": 1, "body_readable": readable}
    resp = one(cap, "fetch", "response", {"request": 1, "status": 200, "ok": True, "body": "{}"})
    assert resp.payload["grant_type"] is None


def test_request_body_sent_later_sets_the_grant_type_of_its_request():
    cap = Capture("t")
    one(cap, "fetch", "request", {"request": 9, "url": AUTH_URL, "auth": True})
    e = one(cap, "fetch", "request-body", {"request": 9, "body": '{"grant_type": "refresh_token", "refresh_token": ""}'})
    assert e.payload == {"request": 9, "grant_type": "refresh_token", "client_id": None, "refresh_token_sent": False}
    resp = one(cap, "fetch", "response", {"request": 9, "status": 400, "ok": False,
                                          "body": '{"error": "invalid_request"}'})
    assert resp.payload["grant_type"] == "refresh_token" and resp.payload["workos_error"] == "invalid_request"
    # a body for a request nobody saw: reported, nothing else changes
    assert one(cap, "fetch", "request-body", {"request": 10, "body": '{"grant_type": "x"}'}).payload["grant_type"] == "x"


def test_auth_response_payload():
    cap = Capture("t")
    one(cap, "fetch", "request", {"request": 1, "url": AUTH_URL, "auth": True,
                                  "body": '{"grant_type": "refresh_token", "refresh_token": "r"}'})
    at, rt = make_jwt(), opaque_token()
    e = one(cap, "fetch", "response", {"request": 1, "status": 200, "ok": True, "durationMs": 7.25, "page": page(),
                                       "body": json.dumps({"access_token": at, "refresh_token": rt,
                                                           "user": {"id": "user_1", "email": "a@b.c"},
                                                           "organization_id": "org_1",
                                                           "authentication_method": "SSO"})})
    p = dict(e.payload)
    assert p.pop("jwt")[fingerprint(at)]["exp"] == 1_800_000_300
    assert p == {"request": 1, "status": 200, "ok": True, "duration_ms": 7.2, **VISIBLE, "auth": True,
                 "grant_type": "refresh_token", "access_token": fingerprint(at), "expires_in_s": 200.0,
                 "refresh_token": fingerprint(rt), "user_id": "user_1", "organization_id": "org_1",
                 "authentication_method": "SSO"}


@pytest.mark.parametrize("body, expected", [
    ('{"error_description": "Missing refresh token."}', {"workos_error": None,
                                                         "workos_error_description": "Missing refresh token."}),
    ('{"error": "invalid_grant"}', {"workos_error": "invalid_grant", "workos_error_description": None}),
    ("<html>Bad gateway</html>", {"body_json": False}),
    ('[{"access_token": "x"}]', {"body_json": False}),
    (None, {"body_json": False}),
    ('{"access_token": 5, "user": "user_1"}', {"organization_id": None, "authentication_method": None}),
    ('{"access_token": "opaque-not-a-jwt", "refresh_token": ""}',
     {"access_token": fingerprint("opaque-not-a-jwt"), "organization_id": None, "authentication_method": None}),
])
def test_auth_response_bodies(body, expected):
    cap = Capture("t")
    one(cap, "fetch", "request", {"request": 1, "url": AUTH_URL, "auth": True})
    e = one(cap, "fetch", "response", {"request": 1, "status": 400, "ok": False, "body": body})
    base = {"request": 1, "status": 400, "ok": False, "duration_ms": None, "visibility": None, "online": None,
            "auth": True, "grant_type": None}
    assert e.payload == {**base, **expected}


def test_a_jwt_without_exp_gives_no_lifetime():
    cap = Capture("t")
    one(cap, "fetch", "request", {"request": 1, "url": AUTH_URL, "auth": True})
    at = make_jwt({"exp": None})
    e = one(cap, "fetch", "response", {"request": 1, "status": 200, "ok": True,
                                       "body": json.dumps({"access_token": at})})
    assert e.payload["access_token"] == fingerprint(at) and "expires_in_s" not in e.payload


def test_fetch_error_payload_and_the_request_is_forgotten():
    cap = Capture("t")
    one(cap, "fetch", "request", {"request": 3, "url": AUTH_URL, "auth": True, "replayed": "fault-1"})
    e = one(cap, "fetch", "error", {"request": 3, "name": "TypeError", "message": "Failed to fetch", "durationMs": 3,
                                    "page": page()})
    assert e.payload == {"request": 3, "name": "TypeError", "message": "Failed to fetch", "duration_ms": 3.0,
                         **VISIBLE, "auth": True, "grant_type": None, "replayed": "fault-1"}
    again = one(cap, "fetch", "error", {"request": 3, "name": "TypeError", "message": "x"})
    assert "auth" not in again.payload and "replayed" not in again.payload
    later = one(cap, "fetch", "response", {"request": 3, "status": 200, "ok": True})
    assert "auth" not in later.payload


@pytest.mark.parametrize("value, expected", [
    ("fault-1", "fault-1"), ("replay-fault-" * 4, ("replay-fault-" * 4)[:40]), (True, True), ("", None), (False, None), (7, None), (None, None),
])
def test_injected_marks(value, expected):
    e = one(Capture("t"), "fetch", "request", {"request": 1, "url": "/a", "replayed": value, "simulated": value})
    assert e.payload.get("replayed") == expected and e.payload.get("simulated") == expected


@pytest.mark.parametrize("value, expected", [
    (12.34, 12.3), (12, 12.0), (0, 0.0), (True, None), ("5", None), (float("nan"), None), (float("inf"), None),
    (None, None),
])
def test_durations(value, expected):
    assert _ms(value) == expected
    e = one(Capture("t"), "fetch", "response", {"request": 1, "status": 200, "durationMs": value})
    assert e.payload["duration_ms"] == expected


@pytest.mark.parametrize("request_id, key", [
    ([1, 2], "[1, 2]"), ({"a": 1}, '{"a": 1}'), (list(range(100)), json.dumps(list(range(100)))[:64]), (5, 5),
])
def test_ids_that_are_lists_or_objects_become_strings(request_id, key):
    cap = Capture("t")
    req = one(cap, "fetch", "request", {"request": request_id, "url": AUTH_URL, "auth": True})
    resp = one(cap, "fetch", "response", {"request": request_id, "status": 200, "ok": True})
    assert req.payload["request"] == key == resp.payload["request"] and resp.payload["auth"] is True
    sock = one(cap, "websocket", "open", {"socket": request_id})
    assert sock.payload["socket"] == key


def test_missing_times_are_zero():
    [e] = Capture("t").observe({"kind": "note", "type": "x"})
    assert (e.mono, e.wall, e.payload) == (0.0, 0.0, {})


def test_json_object_reader():
    assert _json_object({"a": 1}) == {"a": 1}
    assert _json_object('  \n {"a": 1}') == {"a": 1}
    assert _json_object("[1]") is None and _json_object('{"a": ') is None and _json_object(None) is None
    assert _json_object(b'{"a": 1}') is None


def test_paths():
    assert _path("http://x/a/b?c=1") == "/a/b"
    assert _path("http://[::1") is None and _path(None) is None and _path(5) is None


# -- websocket / Convex sync --------------------------------------------------------------------------

def send(cap, msg, socket=1, direction="send"):
    data = msg if isinstance(msg, str) else json.dumps(msg)
    return cap.observe(raw("websocket", direction, {"socket": socket, "sync": True, "data": data}))


def test_socket_lifecycle_payloads():
    cap = Capture("t")
    assert one(cap, "websocket", "create", {"socket": 1, "url": "ws://x/sync", "sync": True, "page": page()}).payload == \
        {"socket": 1, "url": "ws://x/sync", "sync": True, **VISIBLE}
    assert one(cap, "websocket", "open", {"socket": 1, "sync": True}).payload == \
        {"socket": 1, "sync": True, "visibility": None, "online": None}
    assert one(cap, "websocket", "error", {"socket": 1, "sync": False, "page": page()}).payload == \
        {"socket": 1, "sync": False, **VISIBLE}
    assert one(cap, "websocket", "close", {"socket": 1, "sync": True, "code": 1006, "reason": "r", "wasClean": False,
                                           "page": page()}).payload == \
        {"socket": 1, "sync": True, "code": 1006, "reason": "r", "was_clean": False, **VISIBLE}


def test_sync_messages_payloads():
    cap = Capture("t")
    [c] = send(cap, {"type": "Connect", "connectionCount": 0, "lastCloseReason": None, "sessionId": "s1"})
    assert (c.kind, c.type, c.payload) == (Kind.CONVEX, "Connect", {
        "socket": 1, "direction": "send", "connection_count": 0, "last_close_reason": None, "session_id": "s1"})
    [a] = send(cap, {"type": "AuthError", "error": "bad", "baseVersion": 2, "authUpdateAttempted": False}, direction="receive")
    assert a.payload == {"socket": 1, "direction": "receive", "error": "bad", "base_version": 2,
                         "auth_update_attempted": False}
    [m] = send(cap, {"type": "Mutation", "requestId": 4, "udfPath": "tasks:add"})
    assert (m.type, m.payload) == ("Mutation", {"socket": 1, "direction": "send", "request_id": 4, "udf_path": "tasks:add"})
    [m] = send(cap, {"type": "Action", "requestId": 5, "udfPath": "a:b"})
    assert m.type == "Action" and m.payload["request_id"] == 5
    [r] = send(cap, {"type": "MutationResponse", "requestId": 4, "success": False, "result": "Not authenticated"},
               direction="receive")
    assert (r.type, r.payload) == ("MutationResponse", {"socket": 1, "direction": "receive", "request_id": 4,
                                                        "success": False, "error": "Not authenticated"})
    [r] = send(cap, {"type": "ActionResponse", "requestId": 5, "success": False, "result": {"x": 1}}, direction="receive")
    assert r.type == "ActionResponse" and r.payload["error"] is None
    [r] = send(cap, {"type": "MutationResponse", "requestId": 6, "success": True, "result": "ok"}, direction="receive")
    assert "error" not in r.payload and r.payload["success"] is True
    [f] = send(cap, {"type": "FatalError", "error": "boom"}, direction="receive")
    assert (f.type, f.payload) == ("FatalError", {"socket": 1, "direction": "receive", "error": "boom"})
    [ev] = send(cap, {"type": "Event", "eventType": "ClientConnect"})
    assert (ev.type, ev.payload) == ("ClientEvent", {"socket": 1, "direction": "send", "event_type": "ClientConnect"})


@pytest.mark.parametrize("data", ["not json", "[1, 2]", '{"type": 3}', '{"type": "Ping"}', '{"type": "ModifyQuerySet"}',
                                  '{"no": "type"}', ""])
def test_sync_frames_that_are_skipped(data):
    assert send(Capture("t"), data) == []


def test_authenticate_payload_and_expiry_at_the_second():
    cap = Capture("t")
    at = make_jwt({"iat": 1_800_000_000, "exp": 1_800_000_100})  # expires exactly at WALL
    [a] = send(cap, {"type": "Authenticate", "tokenType": "User", "baseVersion": 3, "value": at})
    p = dict(a.payload)
    assert p.pop("jwt") == {fingerprint(at): p_claims(at)}
    assert p == {"socket": 1, "direction": "send", "token_type": "User", "base_version": 3, "token": fingerprint(at),
                 "iat": 1_800_000_000, "exp": 1_800_000_100, "seconds_left": 0.0, "expired_when_sent": True}
    at2 = make_jwt({"iat": 1_800_000_000, "exp": 1_800_000_101})
    [b] = send(cap, {"type": "Authenticate", "tokenType": "User", "value": at2})
    assert b.payload["expired_when_sent"] is False and b.payload["seconds_left"] == 1.0
    [n] = send(cap, {"type": "Authenticate", "tokenType": "None", "value": ""})
    assert n.payload == {"socket": 1, "direction": "send", "token_type": "None", "base_version": None}
    [o] = send(cap, {"type": "Authenticate", "tokenType": "User", "value": "opaque"})
    assert o.payload["token"] == fingerprint("opaque") and "exp" not in o.payload and "jwt" not in o.payload


def p_claims(token):
    from authtrace.jwt import read_claims

    return read_claims(token).to_json()


def test_transitions_count_queries_and_track_identity():
    cap = Capture("t")

    def transition(start, end, mods=None):
        return send(cap, {"type": "Transition", "startVersion": start, "endVersion": end,
                          "modifications": mods}, socket=2, direction="receive")

    [first] = transition({"identity": 0}, {"identity": 0, "querySet": 1}, [{"a": 1}, {"b": 2}])
    assert first.payload == {"socket": 2, "direction": "receive", "identity_from": 0, "identity_to": 0,
                             "identity_changed": False, "query_set": 1, "first": True, "queries": 2}
    assert transition({"identity": 0}, {"identity": 0}) == []
    [changed] = transition({"identity": 0}, {"identity": 1}, "not a list")
    assert changed.payload["identity_changed"] is True and changed.payload["first"] is False
    assert changed.payload["queries"] == 0
    # versions that are not objects count as empty; a missing identity is 0
    assert transition(None, [1]) == []
    assert transition({}, {}) == []
    [c] = transition({"identity": 1}, {})
    assert c.payload["identity_changed"] is True and c.payload["identity_to"] is None


# -- storage --------------------------------------------------------------------------------------------

def test_set_item_fingerprints_only_the_refresh_token_key():
    cap = Capture("t")
    rt = opaque_token()
    e = one(cap, "storage", "setItem", {"area": "local", "key": "workos:refresh-token:client_1", "value": rt})
    assert e.payload == {"area": "local", "key": "workos:refresh-token:client_1", "value": fingerprint(rt)}
    e = one(cap, "storage", "setItem", {"area": "session", "key": "theme", "value": "dark"})
    assert e.payload == {"area": "session", "key": "theme", "value": "dark"}
    e = one(cap, "storage", "setItem", {"area": "local", "key": "my:workos:refresh-token", "value": "short"})
    assert e.payload["value"] == "short"


def test_remove_item_payload():
    e = one(Capture("t"), "storage", "removeItem", {"area": "local", "key": "k", "existed": True})
    assert (e.kind, e.type, e.payload) == (Kind.STORAGE, "removeItem", {"area": "local", "key": "k", "existed": True})


@pytest.mark.parametrize("payload, change", [
    ({"key": None, "oldValue": None, "newValue": None}, "clear"),  # localStorage.clear() in another tab
    ({"oldValue": None, "newValue": None}, "clear"),
    ({"key": "workos:refresh-token:c", "oldValue": "a", "newValue": None}, "removed"),
    ({"key": "workos:refresh-token:c", "oldValue": None, "newValue": "b"}, "set"),
    ({"key": "workos:refresh-token:c", "oldValue": "a", "newValue": ""}, "set"),
])
def test_storage_events_from_other_tabs(payload, change):
    e = one(Capture("t"), "storage", "storage-event", payload)
    old, new = payload.get("oldValue"), payload.get("newValue")
    assert e.payload == {"key": payload.get("key"), "from_other_tab": True, "change": change,
                         "oldValue": fingerprint(old) if old else old, "newValue": fingerprint(new) if new else new}


# -- client wrappers ---------------------------------------------------------------------------------

def test_get_access_token_error_keeps_the_error_details():
    cap = Capture("t")
    e = one(cap, "authkit", "getAccessToken", {
        "call": 2, "forceRefresh": True, "outcome": "error", "durationMs": 4, "page": page(), "name": "RefreshError",
        "message": "Service Unavailable", "errorClass": "RefreshError", "isTransient": True, "status": 503,
        "error": "server_error"})
    assert e.payload == {"call": 2, "force_refresh": True, "outcome": "error", "duration_ms": 4.0, **VISIBLE,
                         "name": "RefreshError", "message": "Service Unavailable", "error_class": "RefreshError",
                         "is_transient": True, "status": 503, "error": "server_error"}


@pytest.mark.parametrize("outcome", ["null", "token", "errors", None])
def test_get_access_token_other_outcomes_carry_no_error(outcome):
    e = one(Capture("t"), "authkit", "getAccessToken", {"call": 1, "outcome": outcome, "name": "TypeError",
                                                       "message": "m"})
    assert e.payload == {"call": 1, "force_refresh": None, "outcome": outcome, "duration_ms": None,
                         "visibility": None, "online": None}


def test_get_access_token_token_and_its_seconds_left():
    at = make_jwt()
    e = one(Capture("t"), "authkit", "getAccessToken", {"call": 1, "outcome": "token", "token": at})
    assert e.payload["token"] == fingerprint(at) and e.payload["seconds_left"] == 200.0
    e = one(Capture("t"), "authkit", "getAccessToken", {"call": 1, "outcome": "token", "token": ""})
    assert "token" not in e.payload


def test_client_wrapper_payloads():
    cap = Capture("t")
    assert one(cap, "authkit", "getAccessToken-start", {"call": 1, "forceRefresh": False, "page": page()}).payload == \
        {"call": 1, "force_refresh": False, **VISIBLE}
    assert one(cap, "authkit", "user", {"present": True, "userId": "user_1", "isLoading": False,
                                        "page": page()}).payload == \
        {"present": True, "user_id": "user_1", "is_loading": False, **VISIBLE}
    e = one(cap, "convex", "fetchToken", {"call": 3, "forceRefreshToken": True, "outcome": "throw", "name": "TypeError",
                                          "message": "Failed to fetch"})
    assert e.payload == {"call": 3, "force_refresh_token": True, "outcome": "throw", "duration_ms": None,
                         "visibility": None, "online": None, "name": "TypeError", "message": "Failed to fetch"}
    e = one(cap, "convex", "fetchToken", {"call": 4, "outcome": "null", "name": "TypeError"})
    assert "name" not in e.payload
    assert one(cap, "convex", "setAuth", {"anything": 1}).payload == {}
    assert one(cap, "convex", "auth-change", {"isAuthenticated": False, "page": page()}).payload == \
        {"is_authenticated": False, **VISIBLE}
    assert one(cap, "convex", "refresh-change", {"isRefreshing": True}).payload == \
        {"is_refreshing": True, "visibility": None, "online": None}
    assert one(cap, "convex", "state", {"socket": "ready", "paused": "no", "auth": "noAuth",
                                        "isWebSocketConnected": True, "hasEverConnected": False, "connectionCount": 0,
                                        "connectionRetries": 2, "inflightMutations": 1}).payload == \
        {"socket": "ready", "paused": "no", "auth": "noAuth", "is_websocket_connected": True,
         "has_ever_connected": False, "connection_count": 0, "connection_retries": 2, "inflight_mutations": 1}
    assert one(cap, "lifecycle", "boot", {"visibility": "hidden", "online": True, "wasDiscarded": True,
                                          "url": "http://127.0.0.1:5173/app?x=1", "hasSessionCookie": True,
                                          "userAgent": "UA"}).payload == \
        {"visibility": "hidden", "online": True, "was_discarded": True, "path": "/app", "has_session_cookie": True,
         "user_agent": "UA"}
    assert one(cap, "lifecycle", "boot", {}).payload["path"] == ""


def test_convex_log_drops_the_token_tail():
    e = one(Capture("t"), "convex", "log", {"level": "debug",
                                            "message": 'sending {"type":"Authenticate","value": "...abc1234"}'})
    assert e.payload == {"level": "debug", "message": 'sending {"type":"Authenticate","value":"…"}'}
    assert one(Capture("t"), "convex", "log", {"level": "info"}).payload == {"level": "info", "message": ""}


def test_unknown_type_of_a_known_kind_keeps_kind_and_type():
    e = one(Capture("t"), "convex", "somethingNew", {"a": 1})
    assert (e.kind, e.type, e.payload) == (Kind.CONVEX, "somethingNew", {"a": 1})
    e = one(Capture("t"), None, None, {})
    assert (e.kind, e.type) == (Kind.NOTE, "None")
