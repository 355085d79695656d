"""to_har at its edges: an outcome without its request, the same request id in two tabs, where
the method comes from, the fields of a token body, and a socket that never opened."""

import json

from authtrace import Event, Kind, Trace
from authtrace.har_export import to_har

T0 = 1_800_000_000_000.0  # 2027-01-15T08:00:00Z
AUTH = "http://w/user_management/authenticate"


def har(*events) -> list[dict]:
    t = Trace()
    for tab, ms, kind, type_, p in events:
        t.add(Event(tab, ms, T0 + ms, kind, type_, p))
    return to_har(t)["log"]["entries"]


def test_an_outcome_without_its_request_starts_its_duration_before_it():
    [e] = har(("A", 0, Kind.FETCH, "response", {"request": 1, "status": 200, "ok": True, "duration_ms": 40.0,
                                                "url": AUTH, "auth": True}))
    assert (e["startedDateTime"], e["time"]) == ("2027-01-15T07:59:59.960Z", 40.0)
    assert e["request"]["method"] == "POST"  # an auth request of AuthKit is a POST
    assert "postData" not in e["request"] and e["request"]["bodySize"] == -1  # nothing known of its body
    assert e["response"]["content"] == {"size": 0, "mimeType": ""}  # no token, no body made up


def test_the_recorded_duration_wins_over_the_gap_between_events():
    [e] = har(("A", 0, Kind.FETCH, "request", {"request": 1, "method": "GET", "url": "http://app/x"}),
              ("A", 100, Kind.FETCH, "response", {"request": 1, "status": 200, "ok": True, "duration_ms": 50.0}))
    assert e["time"] == 50.0 and e["startedDateTime"] == "2027-01-15T08:00:00.000Z"


def test_the_same_request_id_in_two_tabs_is_two_requests():
    entries = har(
        ("A", 100, Kind.FETCH, "request", {"request": 2, "method": "POST", "url": AUTH, "auth": True,
                                           "grant_type": "refresh_token"}),
        ("B", 105, Kind.FETCH, "request", {"request": 2, "url": "http://app/x"}),
        ("A", 200, Kind.FETCH, "response", {"request": 2, "status": 200, "ok": True, "duration_ms": 50.0,
                                            "auth": True, "grant_type": "refresh_token"}),
        ("B", 300, Kind.FETCH, "response", {"request": 2, "status": 204, "ok": True, "duration_ms": 5.0,
                                            "method": "put"}),
    )
    assert [(e["_authtrace"]["tab"], e["request"]["url"], e["response"]["status"]) for e in entries] == [
        ("A", AUTH, 200), ("B", "http://app/x", 204)]
    assert [[x["id"] for x in e["_authtrace"]["events"]] for e in entries] == [[1, 3], [2, 4]]
    # the method: the request's, else the outcome's (upper case)
    assert [e["request"]["method"] for e in entries] == ["POST", "PUT"]


def test_the_method_falls_back_to_get_for_the_apps_own_requests():
    entries = har(("A", 0, Kind.FETCH, "request", {"request": 1, "method": "delete", "url": "http://app/x"}),
                  ("A", 1, Kind.FETCH, "request", {"request": 2, "url": "http://app/y"}))
    assert [e["request"]["method"] for e in entries] == ["DELETE", "GET"]


def test_token_bodies_keep_the_organization():
    [e] = har(
        ("A", 100, Kind.FETCH, "request", {"request": 2, "method": "POST", "url": AUTH, "auth": True,
                                           "grant_type": "refresh_token", "organization_id": "org_1"}),
        ("A", 200, Kind.FETCH, "response", {"request": 2, "status": 200, "ok": True, "duration_ms": 50.0,
                                            "auth": True, "grant_type": "refresh_token",
                                            "access_token": "tok:aaaaaaaaaaaa", "organization_id": "org_1"}),
    )
    assert json.loads(e["request"]["postData"]["text"]) == {"grant_type": "refresh_token", "organization_id": "org_1"}
    assert json.loads(e["response"]["content"]["text"]) == {"access_token": "tok:aaaaaaaaaaaa",
                                                            "organization_id": "org_1"}


def test_a_socket_that_never_opened_is_refused_only_after_an_error():
    quiet = har(("A", 0, Kind.WEBSOCKET, "create", {"socket": 1, "url": "ws://c/sync", "sync": True}),
                ("A", 5, Kind.WEBSOCKET, "close", {"socket": 1, "sync": True, "code": 1006, "reason": "",
                                                   "was_clean": False}))
    assert "_error" not in quiet[0]["response"]
    refused = har(("A", 0, Kind.WEBSOCKET, "create", {"socket": 1, "url": "ws://c/sync", "sync": True}),
                  ("A", 5, Kind.WEBSOCKET, "error", {"socket": 1, "sync": True}))
    assert refused[0]["response"]["_error"] == "net::ERR_CONNECTION_REFUSED"
