"""to_har, whole: the exact HAR 1.2 document of a small trace with every kind of entry (an auth
refresh answered, one aborted, an outcome without its request, one still pending, a sync socket
with frames, a socket refused) and the events that go to ``_authtrace``."""

import json

from authtrace import Event, Kind, Trace, __version__
from authtrace.har_export import dumps, iso, to_har

T0 = 1_800_000_000_000.0  # 2027-01-15T08:00:00Z
AUTH_URL = "http://w/user_management/authenticate"


def sample() -> Trace:
    t = Trace({"origin": "http://127.0.0.1:5173"})

    def ev(tab, ms, kind, type_, **p):
        t.add(Event(tab, ms, T0 + ms, kind, type_, p))

    ev("A", 0, Kind.LIFECYCLE, "boot", visibility="visible", online=True)
    ev("A", 10, Kind.FETCH, "request", request=1, method="post", url=AUTH_URL, visibility="visible", online=True,
       auth=True, grant_type="refresh_token", client_id="client_1", refresh_token="tok:0123456789ab",
       refresh_token_sent=True)
    ev("A", 130, Kind.FETCH, "response", request=1, status=200, ok=True, duration_ms=120.0, visibility="visible",
       online=True, auth=True, grant_type="refresh_token", access_token="tok:aaaaaaaaaaaa",
       refresh_token="tok:bbbbbbbbbbbb", user_id="user_1", organization_id=None, authentication_method="Password")
    ev("A", 200, Kind.FETCH, "request", request=2, method="POST", url=AUTH_URL, visibility="hidden", online=False,
       auth=True, grant_type="refresh_token")
    ev("A", 210, Kind.FETCH, "error", request=2, name="AbortError", message="aborted", duration_ms=10.0,
       visibility="hidden", online=False, auth=True, grant_type="refresh_token")
    ev("A", 300, Kind.FETCH, "response", request=3, status=400, ok=False, duration_ms=None, url=AUTH_URL,
       method="POST", auth=True, grant_type="refresh_token", workos_error="invalid_grant",
       workos_error_description="Session has ended.")
    ev("A", 400, Kind.FETCH, "request", request=4, method="GET", url="http://app/x")
    ev("B", 500, Kind.WEBSOCKET, "create", socket=1, url="ws://c/sync", sync=True, visibility="visible", online=True)
    ev("B", 510, Kind.WEBSOCKET, "open", socket=1, sync=True)
    ev("B", 520, Kind.CONVEX, "Connect", socket=1, direction="send", connection_count=0, last_close_reason=None,
       session_id="s1")
    ev("B", 530, Kind.CONVEX, "Transition", socket=1, direction="receive", identity_from=0, identity_to=1,
       identity_changed=True, query_set=2, first=True, queries=1)
    ev("B", 540, Kind.CONVEX, "ClientEvent", socket=1, direction="send", event_type="x")
    ev("B", 600, Kind.WEBSOCKET, "close", socket=1, sync=True, code=1006, reason="", was_clean=False)
    ev("B", 700, Kind.WEBSOCKET, "create", socket=2, url="ws://c/sync", sync=True)
    ev("B", 710, Kind.WEBSOCKET, "error", socket=2, sync=True)
    ev("B", 800, Kind.VISIBILITY, "visibilitychange", state="hidden")
    return t


def request(method, url, body_size=-1, post=None):
    out = {"method": method, "url": url, "httpVersion": "", "cookies": [], "headers": [], "queryString": [],
           "headersSize": -1, "bodySize": body_size}
    if post is not None:
        out["postData"] = {"mimeType": "application/json", "text": post}
    return out


def response(status=0, text=None, body_size=-1, error=None):
    content = {"size": 0, "mimeType": ""} if text is None else \
        {"size": len(text.encode()), "mimeType": "application/json", "text": text}
    out = {"status": status, "statusText": "", "httpVersion": "", "cookies": [], "headers": [], "content": content,
           "redirectURL": "", "headersSize": -1, "bodySize": body_size}
    if error:
        out["_error"] = error
    return out


def fetch(at, took, req, resp, authtrace, error=None):
    out = {"startedDateTime": at, "time": took, "request": req, "response": resp, "cache": {},
           "timings": {"send": 0, "wait": took, "receive": 0}, "_resourceType": "fetch", "pageref": "A"}
    if error:
        out["_error"] = error
    out["_authtrace"] = authtrace
    return out


def refs(*pairs):
    return [{"id": i, "kind": k} for i, k in pairs]


NO_PAGE = {"visibility": None, "online": None}
EXPECTED = {"log": {
    "version": "1.2",
    "creator": {"name": "authtrace", "version": __version__},
    "pages": [{"startedDateTime": "2027-01-15T08:00:00.000Z", "id": "A", "title": "authtrace tab A", "pageTimings": {}},
              {"startedDateTime": "2027-01-15T08:00:00.500Z", "id": "B", "title": "authtrace tab B", "pageTimings": {}}],
    "entries": [
        fetch("2027-01-15T08:00:00.010Z", 120.0,
              request("POST", AUTH_URL, post='{"grant_type":"refresh_token","client_id":"client_1",'
                                             '"refresh_token":"tok:0123456789ab"}'),
              response(200, '{"access_token":"tok:aaaaaaaaaaaa","refresh_token":"tok:bbbbbbbbbbbb",'
                            '"user":{"id":"user_1"},"authentication_method":"Password"}'),
              {"tab": "A", "request": 1, "auth": True, "events": refs((2, "fetch/request"), (3, "fetch/response")),
               "page": {"visibility": "visible", "online": True}, "error": None}),
        fetch("2027-01-15T08:00:00.200Z", 10.0,
              request("POST", AUTH_URL, post='{"grant_type":"refresh_token"}'),
              response(error="net::ERR_ABORTED"),
              {"tab": "A", "request": 2, "auth": True, "events": refs((4, "fetch/request"), (5, "fetch/error")),
               "page": {"visibility": "hidden", "online": False}, "error": {"name": "AbortError", "message": "aborted"}},
              error="net::ERR_ABORTED"),
        fetch("2027-01-15T08:00:00.300Z", 0.0,
              request("POST", AUTH_URL, post='{"grant_type":"refresh_token"}'),
              response(400, '{"error":"invalid_grant","error_description":"Session has ended."}'),
              {"tab": "A", "request": 3, "auth": True, "events": refs((6, "fetch/response")), "page": NO_PAGE,
               "error": None}),
        fetch("2027-01-15T08:00:00.400Z", 0.0, request("GET", "http://app/x"), response(),
              {"tab": "A", "request": 4, "auth": False, "events": refs((7, "fetch/request")), "page": NO_PAGE,
               "error": None}, error="pending"),
        {"startedDateTime": "2027-01-15T08:00:00.500Z", "time": 100.0, "request": request("GET", "ws://c/sync", 0),
         "response": response(101, body_size=0), "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
         "_resourceType": "websocket", "pageref": "B",
         "_webSocketMessages": [
             {"type": "send", "time": 1800000000.52, "opcode": 1,
              "data": '{"type":"Connect","connectionCount":0,"sessionId":"s1"}',
              "_authtrace": {"id": 10, "kind": "convex/Connect"}},
             {"type": "receive", "time": 1800000000.53, "opcode": 1,
              "data": '{"type":"Transition","startVersion":{"querySet":2,"identity":0},'
                      '"endVersion":{"querySet":2,"identity":1}}',
              "_authtrace": {"id": 11, "kind": "convex/Transition"}},
             {"type": "send", "time": 1800000000.54, "opcode": 1, "data": '{"type":"Event","eventType":"x"}',
              "_authtrace": {"id": 12, "kind": "convex/ClientEvent"}}],
         "_authtrace": {"tab": "B", "socket": 1,
                        "events": refs((8, "websocket/create"), (9, "websocket/open"), (13, "websocket/close")),
                        "page": {"visibility": "visible", "online": True},
                        "close": {"code": 1006, "reason": "", "was_clean": False}}},
        {"startedDateTime": "2027-01-15T08:00:00.700Z", "time": 10.0, "request": request("GET", "ws://c/sync", 0),
         "response": response(0, body_size=0, error="net::ERR_CONNECTION_REFUSED"), "cache": {},
         "timings": {"send": 0, "wait": 0, "receive": 0}, "_resourceType": "websocket", "pageref": "B",
         "_webSocketMessages": [],
         "_authtrace": {"tab": "B", "socket": 2, "events": refs((14, "websocket/create"), (15, "websocket/error")),
                        "page": NO_PAGE, "close": None}},
    ],
    "_authtrace": {"format": "authtrace/1", "meta": {"origin": "http://127.0.0.1:5173"}, "events": [
        {"id": 1, "tab": "A", "mono": 0, "wall": T0, "kind": "lifecycle", "type": "boot",
         "payload": {"visibility": "visible", "online": True}},
        {"id": 16, "tab": "B", "mono": 800, "wall": T0 + 800, "kind": "visibility", "type": "visibilitychange",
         "payload": {"state": "hidden"}}]},
}}


def test_the_whole_document():
    har = to_har(sample())
    assert har == EXPECTED
    assert json.loads(dumps(sample())) == EXPECTED
    assert dumps(sample(), indent=1).startswith('{\n "log": {\n  "version": "1.2"')


def test_iso_keeps_milliseconds_in_utc():
    assert iso(T0) == "2027-01-15T08:00:00.000Z"
    assert iso(T0 + 1_999) == "2027-01-15T08:00:01.999Z"
    assert iso(0) == "1970-01-01T00:00:00.000Z"


def test_a_request_id_seen_again_starts_a_new_entry():
    t = Trace()
    for ms, type_, extra in ((0, "request", {}), (5, "response", {"status": 200}), (10, "request", {}),
                             (12, "request-body", {}), (20, "error", {"name": "TypeError", "message": "x"})):
        t.add(Event("A", ms, T0 + ms, Kind.FETCH, type_, {"request": 1, "url": "http://a/", **extra}))
    entries = to_har(t)["log"]["entries"]
    assert [[r["kind"] for r in e["_authtrace"]["events"]] for e in entries] == [
        ["fetch/request", "fetch/response"], ["fetch/request", "fetch/request-body", "fetch/error"]]
    assert [e["response"]["status"] for e in entries] == [200, 0]
    assert entries[1]["_error"] == "net::ERR_FAILED" and entries[1]["time"] == 10.0


def test_secrets_in_a_hand_made_trace_are_redacted_on_the_way_out():
    secret = "sk_test_" + "Qw8Zt2LmN4vB7xK1pR5sD9fH"
    t = Trace({"note": f"Authorization: Bearer {secret}"})
    t.add(Event("A", 0, T0, Kind.NOTE, "x", {"password": secret}))
    text = dumps(t)
    assert secret not in text and "tok:" in text
