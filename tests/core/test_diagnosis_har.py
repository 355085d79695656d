"""HAR 1.2 (Chrome DevTools export) to a redacted trace, and what a HAR lets the engine judge."""

import base64
import json

import pytest

from authtrace import Kind, Trace, fingerprint
from authtrace.diagnosis import HarFormatError, diagnose, har_to_trace, is_har

from _builders import make_jwt, opaque_token
from _har import HAR_T0, auth_entry, har, page_entry, ws_entry

T0_S = int(HAR_T0 / 1000)


def refresh_body(rt):
    return {"client_id": "client_01FAKE", "grant_type": "refresh_token", "refresh_token": rt}


def story():
    """Reconnect with an expired token, a refresh sent offline, then two refreshes with one token."""
    rt0, rt1, rt2, rt3 = (opaque_token() for _ in range(4))
    at1 = make_jwt({"iat": T0_S, "exp": T0_S + 300})
    at2 = make_jwt({"iat": T0_S + 705, "exp": T0_S + 1005})
    at3 = make_jwt({"iat": T0_S + 800, "exp": T0_S + 1100})
    entries = [
        page_entry(0),
        auth_entry(0.1, refresh_body(rt0), 200, {"access_token": at1, "refresh_token": rt1,
                                                 "user": {"id": "user_01FAKE", "email": "someone@example.com"}}),
        ws_entry(0.5, [(0.55, "send", {"type": "Connect", "sessionId": "s1", "connectionCount": 0,
                                       "lastCloseReason": None}),
                       (0.56, "send", {"type": "Authenticate", "tokenType": "User", "value": at1, "baseVersion": 0}),
                       (0.6, "send", {"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1, "modifications": []}),
                       (0.7, "receive", {"type": "Transition", "startVersion": {"querySet": 0, "identity": 0, "ts": 1},
                                         "endVersion": {"querySet": 1, "identity": 1, "ts": 2}, "modifications": []})]),
        ws_entry(700, [(700.05, "send", {"type": "Connect", "sessionId": "s1", "connectionCount": 1,
                                         "lastCloseReason": "closed with code 1006"}),
                       (700.06, "send", {"type": "Authenticate", "tokenType": "User", "value": at1, "baseVersion": 1}),
                       (700.2, "receive", {"type": "AuthError", "error": "Token expired", "baseVersion": 1,
                                           "authUpdateAttempted": True})]),
        auth_entry(700.3, refresh_body(rt1), took=2.0, net_error="net::ERR_INTERNET_DISCONNECTED"),
        auth_entry(705, refresh_body(rt1), 200, {"access_token": at2, "refresh_token": rt2, "user": {"id": "user_01FAKE"}}),
        auth_entry(800, refresh_body(rt2), 200, {"access_token": at3, "refresh_token": rt3, "user": {"id": "user_01FAKE"}},
                   took=200),
        auth_entry(800.05, refresh_body(rt2), 400, {"error": "invalid_grant",
                                                    "error_description": "Refresh token already exchanged."}),
    ]
    return har(entries), {"rts": [rt0, rt1, rt2, rt3], "ats": [at1, at2, at3]}


def test_detects_a_har():
    doc, _ = story()
    assert is_har(doc)
    assert not is_har({"format": "authtrace/1", "events": []}) and not is_har([1]) and not is_har({"log": []})


def test_har_becomes_a_redacted_trace_with_the_recorders_event_types():
    doc, secrets = story()
    trace = har_to_trace(doc)
    text = trace.dumps()
    for s in secrets["rts"] + secrets["ats"]:
        assert s not in text
    assert "someone@example.com" not in text
    assert trace.meta["source"] == "har" and trace.meta["captured"] == ["fetch", "sync", "sockets", "net-errors"]
    assert trace.meta["har"]["creator"] == "WebInspector 537.36" and trace.meta["har"]["entries"] == 8
    types = [(e.kind.value, e.type) for e in trace.events]
    assert ("convex", "Connect") in types and ("convex", "AuthError") in types
    assert ("websocket", "create") in types and ("websocket", "open") in types
    assert ("fetch", "error") in types
    auths = [e for e in trace.events if e.type == "Authenticate"]
    at1 = secrets["ats"][0]
    assert [a.payload["token"] for a in auths] == [fingerprint(at1)] * 2
    assert auths[0].payload["expired_when_sent"] is False and auths[1].payload["expired_when_sent"] is True
    assert auths[1].payload["jwt"][fingerprint(at1)]["exp"] == T0_S + 300
    err = next(e for e in trace.events if e.kind is Kind.FETCH and e.type == "error")
    assert (err.payload["name"], err.payload["message"], err.payload["online"]) == ("TypeError", "Failed to fetch", False)
    assert err.payload["net_error"] == "net::ERR_INTERNET_DISCONNECTED" and err.payload["grant_type"] == "refresh_token"
    reqs = [e for e in trace.events if e.kind is Kind.FETCH and e.type == "request"]
    assert reqs[0].payload["refresh_token"] == fingerprint(secrets["rts"][0])
    assert [e.wall for e in trace.events] == sorted(e.wall for e in trace.events)
    assert trace.events[0].mono == 0.0 and (trace.events[0].kind, trace.events[0].type) == (Kind.LIFECYCLE, "navigation")
    assert reqs[0].wall == HAR_T0 + 100 and reqs[0].mono == 100.0
    # and it is a valid trace file
    assert Trace.loads(text).events == trace.events


def test_diagnosis_of_a_har_and_what_it_cannot_judge():
    doc, _ = story()
    d = diagnose(har_to_trace(doc))
    assert d.source == "har"
    assert [(f.id, f.confidence) for f in d.findings] == [
        ("hidden-tab-refresh-paused", "inferred"), ("stale-token-on-reconnect", "confirmed"),
        ("split-brain", "inferred"), ("offline-at-refresh", "confirmed"), ("rotation-race", "confirmed")]
    hidden, stale, split, offline, _ = d.findings
    assert "closed with code 1006" in stale.explanation and stale.missing_evidence == ()
    assert "ERR_INTERNET_DISCONNECTED" in offline.explanation
    # The request gap (0.1 s to 11:40) and the expired token: visibility deduced, and said so.
    assert "11 min 40 s" in hidden.explanation and "cannot show visibility" in hidden.explanation
    assert [m.what for m in hidden.missing_evidence] == ["page visibility, lifecycle and online/offline events"]
    assert "boot.js" in hidden.missing_evidence[0].capture
    # From the AuthError (no recovery) until WorkOS refused the reused token.
    [sb] = d.split_brain
    assert sb.inferred and sb.start == split.at and sb.end == d.findings[-1].at
    not_judged = {n.id: n.reason for n in d.not_judged}
    assert set(not_judged) == {"throw-wedge", "pause-overwrite-wedge", "same-token-reauth", "refresh-lock-starvation"}
    assert "HAR" in not_judged["throw-wedge"] and "Convex client events" in not_judged["throw-wedge"]


def test_cookie_mode_har_missing_refresh_token():
    doc = har([auth_entry(1, {"client_id": "client_01FAKE", "grant_type": "refresh_token"}, 400,
                          {"error": "invalid_request", "error_description": "Missing refresh token."})])
    d = diagnose(har_to_trace(doc))
    assert [f.id for f in d.findings] == ["refresh-cookie-missing"]


def test_base64_bodies_aborted_requests_and_ordinary_fetches():
    at = make_jwt({"iat": T0_S, "exp": T0_S + 300})
    ok = auth_entry(1, refresh_body(opaque_token()), 200, {"access_token": at, "refresh_token": opaque_token()})
    ok["response"]["content"] = {"size": 10, "mimeType": "application/json", "encoding": "base64",
                                 "text": base64.b64encode(json.dumps({"access_token": at}).encode()).decode()}
    aborted = auth_entry(2, refresh_body(opaque_token()), net_error="net::ERR_ABORTED")
    api = {**page_entry(3, f"https://app.example.test/api/data?access_token={at}"), "_resourceType": "fetch"}
    trace = har_to_trace(har([ok, aborted, api]))
    resp = next(e for e in trace.events if e.type == "response" and e.payload.get("auth"))
    assert resp.payload["access_token"] == fingerprint(at) and resp.payload["expires_in_s"] == 298.9
    err = next(e for e in trace.events if e.type == "error")
    assert err.payload["name"] == "AbortError" and err.payload["online"] is None
    plain = [e for e in trace.events if e.type == "response" and not e.payload.get("auth")]
    assert len(plain) == 1 and at not in plain[0].payload["url"]
    assert fingerprint(at) in plain[0].payload["url"]


def test_bad_entries_are_skipped_and_counted():
    doc = har([{"request": "nope"}, 5, {"request": {"url": "x"}, "startedDateTime": "yesterday"},
               auth_entry(1, refresh_body(opaque_token()), 200, {})])
    trace = har_to_trace(doc)
    assert trace.meta["har"]["skipped"] == 3 and len(trace.events) == 2


@pytest.mark.parametrize("doc", [{"log": {}}, {"log": {"entries": {}}}, {"nolog": 1}])
def test_unreadable_har(doc):
    with pytest.raises(HarFormatError):
        har_to_trace(doc)


def test_empty_har_has_no_findings():
    d = diagnose(har_to_trace(har([])))
    assert d.findings == [] and d.source == "har"
