"""HAR entries to trace events, field by field: small hand-built entries, exact payloads.

Each test builds the few entries it needs (no pages, timings or other exporter noise) and
checks every field the converter writes, so a renamed key, a lost default or a changed
wording shows."""

from __future__ import annotations

import json

import pytest

from authtrace.diagnosis import HarFormatError, har_to_trace
from authtrace.diagnosis.har import browser_of

from _har import HAR_T0, iso

AUTH = "https://api.workos.test/user_management/authenticate"
SYNC = "wss://happy-otter-123.convex.test/api/1.48.0/sync"
API = "https://app.example.test/api/items"


def doc(entries: list, creator: dict | None = None, browser: dict | None = None) -> dict:
    log: dict = {"version": "1.2", "entries": entries}
    if creator is not None:
        log["creator"] = creator
    if browser is not None:
        log["browser"] = browser
    return {"log": log}


def chrome(entries: list) -> dict:
    return doc(entries, {"name": "WebInspector", "version": "537.36"})


def firefox(entries: list) -> dict:
    return doc(entries, {"name": "Firefox", "version": "140.0"})


def entry(t: float, url: str, *, method: str | None = "GET", status: int = 200, rtype: str | None = None,
          took: float = 10.0, mime: str = "application/json", req_headers: list | None = None,
          cookies: list | None = None, error: str | None = None, text: str | None = None,
          messages: list | None = None, post: str | None = None) -> dict:
    request: dict = {"url": url, "headers": req_headers or [], "cookies": cookies or []}
    if method is not None:
        request["method"] = method
    if post is not None:
        request["postData"] = {"mimeType": "application/json", "text": post}
    content: dict = {"mimeType": mime}
    if text is not None:
        content["text"] = text
    response: dict = {"status": status, "headers": [], "content": content}
    if error is not None:
        response["_error"] = error
    out: dict = {"startedDateTime": iso(HAR_T0 + t * 1000), "time": took, "request": request, "response": response}
    if rtype is not None:
        out["_resourceType"] = rtype
    if messages is not None:
        out["_webSocketMessages"] = messages
    return out


def events(trace) -> list[tuple[float, str, str, dict]]:
    return [(e.wall - HAR_T0, e.kind.value, e.type, e.payload) for e in trace.events]


# -- what is not a HAR ---------------------------------------------------------------------------
def test_not_a_har_says_what_was_expected():
    with pytest.raises(HarFormatError) as info:
        har_to_trace({"format": "authtrace/1", "events": []})
    assert str(info.value) == 'not a HAR: expected a JSON object with a "log" object'


def test_a_time_with_a_z_inside_is_not_read_as_utc_and_the_entry_is_skipped():
    bad = entry(0, API, rtype="fetch")
    bad["startedDateTime"] = "2027-01-15T08:00Z:00"
    trace = har_to_trace(chrome([bad, entry(1, API, rtype="fetch")]))
    assert trace.meta["har"]["skipped"] == 1 and trace.meta["har"]["entries"] == 2
    assert [(t, k, ty) for t, k, ty, _ in events(trace)] == [(1010.0, "fetch", "response")]


# -- which exporter -------------------------------------------------------------------------------
@pytest.mark.parametrize(("creator", "browser", "expected"), [
    ({"name": "WebInspector"}, None, "chrome"),
    ({"name": "WebKit Web Inspector"}, None, "safari"),
    ({"name": "Some Tool"}, {"name": "Safari"}, "safari"),
    ({"name": "Firefox"}, None, "firefox"),
    (None, {"name": "Chromium"}, "chrome"),
    (None, {"name": "Microsoft Edge"}, "chrome"),
    ({"name": "Charles Proxy"}, {"name": "Opera Mini"}, "other"),
    (None, None, "other"),
])
def test_browser_of_each_exporter(creator, browser, expected):
    log: dict = {}
    if creator is not None:
        log["creator"] = creator
    if browser is not None:
        log["browser"] = browser
    assert browser_of(log) == expected


@pytest.mark.parametrize(("creator", "browser", "expected"), [
    ({"name": "WebInspector", "version": "537.36"}, {"name": "Chrome", "version": "142.0"},
     {"creator": "WebInspector 537.36", "browser": "Chrome 142.0"}),
    ({"version": "537.36"}, {"version": "142.0"}, {"creator": "537.36", "browser": "142.0"}),
    ({"name": "WebInspector"}, {"name": "Chrome"}, {"creator": "WebInspector", "browser": "Chrome"}),
    (None, None, {}),
])
def test_meta_names_the_creator_and_the_browser_without_missing_parts(creator, browser, expected):
    meta = har_to_trace(doc([], creator, browser)).meta["har"]
    assert {k: meta[k] for k in ("creator", "browser") if k in meta} == expected


# -- WebSockets -------------------------------------------------------------------------------------
def test_a_sync_socket_opened_with_its_frames():
    connect = json.dumps({"type": "Connect", "sessionId": "s1", "connectionCount": 0, "lastCloseReason": None})
    ping = json.dumps({"type": "Connect", "sessionId": "binary", "connectionCount": 9, "lastCloseReason": None})
    trans = json.dumps({"type": "Transition", "startVersion": {"querySet": 0, "identity": 0, "ts": 1},
                        "endVersion": {"querySet": 1, "identity": 1, "ts": 2}, "modifications": []})
    base = HAR_T0 / 1000
    frames = [{"type": "send", "time": base + 0.1, "opcode": 1, "data": connect},
              {"type": "send", "time": base + 0.15, "opcode": 2, "data": ping},  # binary: not read
              {"type": "receive", "time": base + 0.2, "opcode": 1, "data": trans}]
    sock = entry(0, SYNC, status=101, rtype="websocket", took=35.0, messages=frames)
    trace = har_to_trace(chrome([sock, dict(sock, startedDateTime=iso(HAR_T0 + 5000), _webSocketMessages=[])]))
    page = {"visibility": None, "online": None}
    got = [(round(t, 3), k, ty, p) for t, k, ty, p in events(trace)]
    assert got == [
        (0.0, "websocket", "create", {"socket": 1, "url": SYNC, "sync": True, **page}),
        (1.0, "websocket", "open", {"socket": 1, "sync": True, **page}),
        (100.0, "convex", "Connect", {"socket": 1, "direction": "send", "connection_count": 0,
                                      "last_close_reason": None, "session_id": "s1"}),
        (200.0, "convex", "Transition", {"socket": 1, "direction": "receive", "identity_from": 0, "identity_to": 1,
                                         "identity_changed": True, "query_set": 1, "first": True, "queries": 0}),
        (5000.0, "websocket", "create", {"socket": 2, "url": SYNC, "sync": True, **page}),
        (5001.0, "websocket", "open", {"socket": 2, "sync": True, **page}),
    ]
    assert trace.meta["captured"] == ["fetch", "sync", "sockets", "net-errors"]


def test_a_socket_that_failed_has_an_error_event_and_no_frames_mark():
    trace = har_to_trace(firefox([entry(0, SYNC, status=0, took=40.0)]))
    page = {"visibility": None, "online": None}
    assert events(trace) == [
        (0.0, "websocket", "create", {"socket": 1, "url": SYNC, "sync": True, **page, "frames": False}),
        (40.0, "websocket", "error", {"socket": 1, "sync": True, **page}),
    ]


def test_a_socket_known_only_by_its_upgrade_header():
    headers = ["junk", {"name": 7, "value": "x"}, {"name": "Upgrade", "value": "WebSocket"}]
    trace = har_to_trace(firefox([entry(0, "https://app.example.test/live", status=200, mime="x-unknown",
                                        req_headers=headers)]))
    assert events(trace) == [(0.0, "websocket", "create", {"socket": 1, "url": "https://app.example.test/live",
                                                          "sync": False, "visibility": None, "online": None,
                                                          "frames": False})]


# -- WorkOS authenticate ---------------------------------------------------------------------------
def refresh(t: float, **kw) -> dict:
    body = json.dumps({"grant_type": "refresh_token", "client_id": "client_01FAKE", "refresh_token": "rt-fake"})
    return entry(t, AUTH, method="POST", rtype="fetch", post=body, **kw)


@pytest.mark.parametrize(("cookies", "headers", "expected"), [
    ([{"name": "workos-has-session", "value": "1"}], [], True),
    ([{"name": "other", "value": "1"}], [{"name": "Cookie", "value": "workos-has-session=1"}], False),
    ([], [{"name": "Cookie", "value": "a=1; workos-has-session=1"}], True),
    ([], [{"name": "Cookie", "value": "a=1"}], False),
    ([], [], None),
])
def test_the_session_cookie_as_the_request_sent_it(cookies, headers, expected):
    trace = har_to_trace(chrome([refresh(0, cookies=cookies, req_headers=headers, text="{}")]))
    request = trace.events[0]
    assert (request.type, request.payload["has_session_cookie"]) == ("request", expected)


def test_an_authenticate_request_and_its_answer():
    trace = har_to_trace(chrome([refresh(0, took=120.0, status=400,
                                         text=json.dumps({"error": "invalid_grant", "error_description": "gone"}))]))
    (t1, k1, ty1, req), (t2, k2, ty2, res) = events(trace)
    assert (t1, k1, ty1) == (0.0, "fetch", "request")
    assert {k: req[k] for k in ("request", "method", "url", "auth", "credentials", "grant_type")} == {
        "request": 1, "method": "POST", "url": AUTH, "auth": True, "credentials": None, "grant_type": "refresh_token"}
    assert (t2, k2, ty2) == (120.0, "fetch", "response")
    assert res == {"request": 1, "status": 400, "ok": False, "duration_ms": 120.0, "visibility": None,
                   "online": None, "auth": True, "grant_type": "refresh_token", "workos_error": "invalid_grant",
                   "workos_error_description": "gone"}


@pytest.mark.parametrize(("net", "name", "message", "online"), [
    ("net::ERR_ABORTED", "AbortError", "The user aborted a request.", None),
    ("cancelled", "AbortError", "The user aborted a request.", None),
    ("net::ERR_INTERNET_DISCONNECTED", "TypeError", "Failed to fetch", False),
    ("net::ERR_NAME_NOT_RESOLVED", "TypeError", "Failed to fetch", None),
])
def test_an_authenticate_request_that_failed(net, name, message, online):
    trace = har_to_trace(chrome([refresh(0, took=7.0, status=0, error=net)]))
    err = trace.events[1]
    assert (err.wall - HAR_T0, err.kind.value, err.type) == (7.0, "fetch", "error")
    assert err.payload == {"request": 1, "name": name, "message": message, "duration_ms": 7.0, "visibility": None,
                           "online": online, "auth": True, "grant_type": "refresh_token", "net_error": net}


# -- pages and ordinary requests ----------------------------------------------------------------------
def test_a_document_is_a_navigation_with_its_status():
    trace = har_to_trace(firefox([entry(0, "https://app.example.test/", method=None, status=203, mime="text/html"),
                                  entry(1, "https://app.example.test/x", method="POST", mime="text/html")]))
    assert events(trace) == [(0.0, "lifecycle", "navigation", {"url": "https://app.example.test/", "status": 203})]


@pytest.mark.parametrize(("status", "ok"), [(199, False), (200, True), (204, True), (299, True), (300, False),
                                            (404, False)])
def test_an_ordinary_request_answered(status, ok):
    trace = har_to_trace(chrome([entry(0, API, method=None, status=status, rtype="xhr", took=12.5)]))
    assert events(trace) == [(12.5, "fetch", "response", {
        "request": 1, "status": status, "ok": ok, "duration_ms": 12.5, "visibility": None, "online": None,
        "method": "GET", "url": API})]


@pytest.mark.parametrize(("make", "net", "message", "online"), [
    (chrome, "net::ERR_INTERNET_DISCONNECTED", "Failed to fetch", False),
    (chrome, "net::ERR_ABORTED", "The user aborted a request.", None),
    (firefox, None, "NetworkError when attempting to fetch resource.", None),
])
def test_an_ordinary_request_that_failed(make, net, message, online):
    trace = har_to_trace(make([entry(0, API, method="put", status=0, rtype="fetch", took=3.0, error=net)]))
    expected = {"request": 1, "name": "AbortError" if "ABORTED" in (net or "") else "TypeError",
                "message": message, "duration_ms": 3.0, "visibility": None, "online": online, "method": "PUT",
                "url": API}
    if net:
        expected["net_error"] = net
    assert events(trace) == [(3.0, "fetch", "error", expected)]
