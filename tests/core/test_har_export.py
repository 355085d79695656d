"""Trace → HAR 1.2 (authtrace.har_export): entries for fetches, _webSocketMessages
for Convex sync frames, _authtrace fields; no secret survives; reads back with
the diagnosis engine's HAR reader. Self-contained: also runs inside Pyodide."""

from __future__ import annotations

import base64
import json
import os

from authtrace.capture import Capture
from authtrace.event import Event, Kind
from authtrace.har_export import iso, to_har
from authtrace.trace import Trace

T0 = 1_800_000_000_000.0


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _jwt(exp_s: float) -> str:
    sig = base64.urlsafe_b64encode(os.urandom(48)).rstrip(b"=").decode()
    return ".".join([_b64({"alg": "RS256", "kid": "k"}), _b64({"sub": "user_H", "sid": "s", "iat": exp_s - 300, "exp": exp_s}), sig])


def _trace():
    """What the recorder makes of a refresh (ok), a failed refresh, a page fetch and a sync socket."""
    cap = Capture("tab-a")
    refresh = "rt_" + os.urandom(12).hex()
    access = _jwt(T0 / 1000 + 300)
    page = {"visibility": "visible", "online": True}
    raws = [
        ("lifecycle", "boot", 0, {"visibility": "visible", "online": True}),
        ("fetch", "request", 10, {"request": 1, "url": "http://w/user_management/authenticate", "method": "POST", "auth": True,
                                  "page": page, "body": json.dumps({"grant_type": "refresh_token", "client_id": "client_x",
                                                                    "refresh_token": refresh})}),
        ("fetch", "response", 60, {"request": 1, "status": 200, "ok": True, "durationMs": 50, "page": page,
                                   "body": json.dumps({"access_token": access, "refresh_token": refresh + "2",
                                                       "user": {"id": "user_H"}})}),
        ("fetch", "request", 100, {"request": 2, "url": "http://w/user_management/authenticate", "method": "POST", "auth": True,
                                   "page": page, "body": json.dumps({"grant_type": "refresh_token", "refresh_token": refresh + "2"})}),
        ("fetch", "error", 130, {"request": 2, "name": "TypeError", "message": "Failed to fetch", "durationMs": 30, "page": page}),
        ("fetch", "response", 140, {"request": 3, "status": 404, "ok": False, "durationMs": 5, "page": page,
                                    "url": "http://app/api/x", "method": "GET"}),
        ("websocket", "create", 200, {"socket": 1, "url": "ws://c/api/1.0/sync", "sync": True, "page": page}),
        ("websocket", "open", 210, {"socket": 1, "sync": True, "page": page}),
        ("websocket", "send", 220, {"socket": 1, "sync": True, "data": json.dumps(
            {"type": "Authenticate", "tokenType": "User", "baseVersion": 0, "value": access})}),
        ("websocket", "receive", 230, {"socket": 1, "sync": True, "data": json.dumps(
            {"type": "AuthError", "error": "token expired", "baseVersion": 0, "authUpdateAttempted": True})}),
        ("websocket", "close", 240, {"socket": 1, "sync": True, "code": 1006, "reason": "", "wasClean": False, "page": page}),
    ]
    trace = Trace({"recorded_by": "tab-a"})
    for kind, type_, ms, payload in raws:
        for ev in cap.observe({"kind": kind, "type": type_, "mono": ms, "wall": T0 + ms, "payload": payload}):
            trace.add(ev)
    return trace, (refresh, access)


def test_fetch_entries_carry_status_errors_bodies_and_event_ids():
    trace, _ = _trace()
    har = to_har(trace)
    log = har["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "authtrace"
    assert [p["id"] for p in log["pages"]] == ["tab-a"]
    fetches = [e for e in log["entries"] if e["_resourceType"] == "fetch"]
    assert len(fetches) == 3
    ok, failed, plain = fetches
    assert ok["response"]["status"] == 200 and ok["time"] == 50
    assert ok["startedDateTime"] == iso(T0 + 10)
    assert json.loads(ok["request"]["postData"]["text"])["grant_type"] == "refresh_token"
    assert json.loads(ok["response"]["content"]["text"])["user"] == {"id": "user_H"}
    assert [r["kind"] for r in ok["_authtrace"]["events"]] == ["fetch/request", "fetch/response"]
    assert ok["_authtrace"]["page"] == {"visibility": "visible", "online": True}
    assert failed["response"]["status"] == 0 and failed["response"]["_error"] == "net::ERR_FAILED"
    assert failed["_authtrace"]["error"] == {"name": "TypeError", "message": "Failed to fetch"}
    assert plain["request"]["url"] == "http://app/api/x" and plain["response"]["status"] == 404
    for entry in log["entries"]:
        for field in ("startedDateTime", "time", "request", "response", "cache", "timings"):
            assert field in entry
        ids = [r["id"] for r in entry["_authtrace"]["events"]]
        assert all(isinstance(i, int) for i in ids)


def test_sync_socket_messages_and_other_events_are_kept():
    trace, _ = _trace()
    log = to_har(trace)["log"]
    (ws,) = [e for e in log["entries"] if e["_resourceType"] == "websocket"]
    assert ws["request"]["url"] == "ws://c/api/1.0/sync" and ws["response"]["status"] == 101
    msgs = ws["_webSocketMessages"]
    assert [(m["type"], json.loads(m["data"])["type"]) for m in msgs] == [("send", "Authenticate"), ("receive", "AuthError")]
    assert msgs[0]["time"] == (T0 + 220) / 1000
    assert json.loads(msgs[0]["data"])["value"].startswith("tok:")
    assert ws["_authtrace"]["close"]["code"] == 1006
    assert [e["type"] for e in log["_authtrace"]["events"]] == ["boot"]
    assert log["_authtrace"]["meta"] == {"recorded_by": "tab-a"}


def test_no_secret_in_the_har():
    trace, secrets = _trace()
    text = json.dumps(to_har(trace))
    for secret in secrets:
        assert secret not in text
        assert secret.split(".")[-1] not in text


def test_reused_request_ids_after_a_reload_make_separate_entries():
    ev = lambda i, t, p: Event("tab-a", i, T0 + i, Kind.FETCH, t, p, id=i)  # noqa: E731
    trace = Trace(events=[ev(1, "response", {"request": 5, "status": 200, "url": "/a", "method": "GET", "duration_ms": 1}),
                          ev(2, "response", {"request": 5, "status": 500, "url": "/b", "method": "GET", "duration_ms": 1})])
    statuses = [e["response"]["status"] for e in to_har(trace)["log"]["entries"]]
    assert statuses == [200, 500]


def test_empty_trace_is_a_valid_empty_har():
    log = to_har(Trace())["log"]
    assert log["entries"] == [] and log["pages"] == [] and json.loads(json.dumps(log))


def test_reads_back_with_the_diagnosis_har_reader():
    try:
        from authtrace.diagnosis import har_to_trace
    except ImportError:  # the engine is optional for this module
        return
    trace, _ = _trace()
    back = har_to_trace(json.loads(json.dumps(to_har(trace))))
    kinds = [(e.kind.value, e.type) for e in back.events]
    assert ("fetch", "error") in kinds and ("convex", "Authenticate") in kinds and ("convex", "AuthError") in kinds
    grants = [e.payload.get("grant_type") for e in back.events if e.type == "response" and e.payload.get("auth")]
    assert grants == ["refresh_token"]
