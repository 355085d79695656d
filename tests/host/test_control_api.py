"""The control API of both emulators (``/__authtrace/``), in-process with a fake clock."""

from __future__ import annotations

import json

import pytest

from authtrace.redaction import fingerprint

from ._workos import BASE, TestClient, client_for, error_of, front, refresh, sign_in


def test_control_api_is_loopback_only(emu):
    remote = client_for(emu, peer="203.0.113.9")
    for method, path in [("GET", "/__authtrace/faults"), ("POST", "/__authtrace/reset"), ("GET", "/__authtrace/events")]:
        assert remote.request(method, path).status_code == 403
    # The WorkOS API itself answers anyone.
    assert remote.get("/sso/jwks/client_local").status_code == 200
    rebinding = TestClient(front(emu), base_url="http://evil.example:8787", client=("127.0.0.1", 1))
    assert rebinding.get("/__authtrace/faults").status_code == 403
    assert client_for(emu).get("/__authtrace/faults").status_code == 200


def test_control_api_cors_for_loopback_origins_only(emu):
    local = TestClient(front(emu), base_url=BASE, client=("127.0.0.1", 1), headers={"origin": "http://localhost:5173"})
    pre = local.options("/__authtrace/faults", headers={"access-control-request-method": "POST"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert local.get("/__authtrace/faults").headers["access-control-allow-origin"] == "http://localhost:5173"
    foreign = TestClient(front(emu), base_url=BASE, client=("127.0.0.1", 1), headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.get("/__authtrace/faults").headers


def test_control_faults_arm_list_cancel_and_validation(client, emu):
    r = client.post("/__authtrace/faults", json={"action": "status", "count": 2, "params": {"status": 429, "retry_after": 3}})
    assert r.status_code == 201
    fid = r.json()["id"]
    r2 = client.post("/__authtrace/faults", json={"target": "convex", "action": "close", "window_s": 5, "params": {"code": 1011, "reason": "test"}})
    assert r2.status_code == 201 and r2.json()["remaining"] is None and r2.json()["until"] is not None
    listing = client.get("/__authtrace/faults").json()
    assert [f["id"] for f in listing["faults"]] == [fid, r2.json()["id"]]
    assert "stall" in listing["actions"]["convex"] and "hang" in listing["actions"]["workos"]
    assert emu.faults.take("convex", phase="message").action == "close"
    assert client.delete(f"/__authtrace/faults/{fid}").json() == {"removed": 1}
    assert client.delete(f"/__authtrace/faults/{fid}").status_code == 404
    for bad in [
        {"action": "explode"},
        {"target": "mars", "action": "drop"},
        {"target": ["workos"], "action": "drop"},
        {"action": ["drop"]},
        {"action": "drop", "count": None},
        {"action": "drop", "count": 0},
        {"action": "drop", "count": 10**7},
        {"action": "drop", "window_s": 10**9},
        {"action": "status"},
        {"action": "status", "params": {"status": 200}},
        {"action": "status", "params": {"status": 503, "body": "text"}},
        {"action": "hang", "params": {"max_s": 10_000}},
        {"action": "delay"},
        {"action": "drop", "extra": 1},
        {"action": "drop", "match": {"grant_type": "\ud800"}},
        {"action": "drop", "match": {"a": {"b": {"c": {"d": {"e": 1}}}}}},
        {"target": "convex", "action": "close", "params": {"code": 1005}},
        {"target": "convex", "action": "close", "params": {"reason": "x" * 200}},
        {},
    ]:
        r = client.post("/__authtrace/faults", content=json.dumps(bad))
        assert r.status_code == 400 and r.json()["message"], bad
    assert client.post("/__authtrace/faults", content=b"{oops").status_code == 400
    assert client.delete("/__authtrace/faults").json() == {"removed": 1}


@pytest.mark.parametrize("raw", [
    b'{"action": "status", "params": {"status": 503, "body": {"x": NaN}}}',
    b'{"action": "status", "params": {"status": 503, "retry_after": Infinity}}',
    b'{"action": "delay", "params": {"seconds": 1e400}}',
    b'[' * 100_000 + b']' * 100_000,
    b'{"action": "drop", "match": ' + b'[' * 5000 + b']' * 5000 + b'}',
    b'\xff\xfe{}',
])
def test_control_faults_refuses_what_is_not_plain_json_and_arms_nothing(client, emu, raw):
    r = client.post("/__authtrace/faults", content=raw)
    assert r.status_code == 400 and r.json()["message"]
    assert emu.faults.list() == []
    assert client.get("/__authtrace/events").status_code == 200


def test_control_body_over_one_mib_is_413(client, emu):
    r = client.post("/__authtrace/config", content=b" " * (1 << 20) + b"{}")
    assert r.status_code == 413
    assert client.get("/__authtrace/config").json()["access_token_ttl"] == 300


def test_control_events_counters_and_no_raw_secrets(client, emu):
    data = sign_in(client)
    rt1 = refresh(client, data["refresh_token"]).json()["refresh_token"]
    events = client.get("/__authtrace/events").json()
    types = [e["type"] for e in events["events"]]
    assert {"authorize", "code-exchange", "refresh", "request"} <= set(types) and events["dropped"] == 0
    later = client.get("/__authtrace/events", params={"since": events["last_seq"] - 1}).json()["events"]
    assert len(later) <= 2
    only = client.get("/__authtrace/events", params={"type": "refresh"}).json()["events"]
    assert [e["outcome"] for e in only] == ["rotated"] and only[0]["refresh_token"] == fingerprint(data["refresh_token"])
    for since in ("x", "9" * 5000, "²", "1.5"):
        assert client.get("/__authtrace/events", params={"since": since}).status_code == 400
    counters = client.get("/__authtrace/counters").json()
    assert counters["workos.refresh"] == 1 and counters["workos.code-exchange"] == 1
    dump = json.dumps(emu.events.list()) + json.dumps(emu.sessions())
    for secret in (data["refresh_token"], rt1, data["access_token"], data["access_token"].split(".")[1]):
        assert secret not in dump


def test_control_config_changes_ttls_at_run_time(client, emu):
    r = client.post("/__authtrace/config", json={"access_token_ttl": 2, "inactivity_timeout": 60})
    assert r.status_code == 200 and r.json()["access_token_ttl"] == 2 and r.json()["issuer"].endswith("/client_local")
    c = emu.key.verify(sign_in(client)["access_token"])
    assert c["exp"] - c["iat"] == 2
    for bad in [{"access_token_ttl": 0}, {"session_ttl": -1}, {"refresh_grace": "x"}, {"client_id": "other"}, {"nope": 1}]:
        assert client.post("/__authtrace/config", json=bad).status_code == 400, bad
    assert client.get("/__authtrace/config").json()["inactivity_timeout"] == 60


@pytest.mark.parametrize("raw", [
    b'{"session_ttl": Infinity}', b'{"access_token_ttl": Infinity}', b'{"access_token_ttl": 1e400}',
    b'{"refresh_grace": NaN}', b'{"session_ttl": -Infinity}', b'{"inactivity_timeout": 1e15}',
    b'{"access_token_ttl": 5, "session_ttl": Infinity}', b'{"organization_id": "\\ud800"}',
])
def test_control_config_refuses_non_finite_or_out_of_range_and_applies_nothing(client, emu, raw):
    r = client.post("/__authtrace/config", content=raw)
    assert r.status_code == 400 and r.json()["message"]
    cfg = client.get("/__authtrace/config")
    assert cfg.status_code == 200
    assert (cfg.json()["access_token_ttl"], cfg.json()["session_ttl"], cfg.json()["organization_id"]) == (300, 0, None)
    assert sign_in(client)["refresh_token"]


def test_control_revoke_session_and_refresh_token(client, emu):
    a = sign_in(client)
    b = sign_in(client)
    sid_a = emu.key.verify(a["access_token"])["sid"]
    sessions = client.get("/__authtrace/sessions").json()["sessions"]
    assert {s["id"] for s in sessions} >= {sid_a}
    assert all(s["refresh_token"].startswith("tok:") for s in sessions)
    assert client.post(f"/__authtrace/sessions/{sid_a}/revoke", json={"reason": "admin"}).status_code == 200
    assert error_of(refresh(client, a["refresh_token"])) == (400, "invalid_grant", "Session has ended.")
    assert client.post("/__authtrace/sessions/session_nope/revoke").status_code == 404
    assert client.post(f"/__authtrace/sessions/{sid_a}/revoke", json={"reason": 5}).status_code == 400
    r = client.post("/__authtrace/refresh-tokens/revoke", json={"fingerprint": fingerprint(b["refresh_token"])})
    assert r.json() == {"revoked": 1}
    assert error_of(refresh(client, b["refresh_token"])) == (400, "invalid_grant", "Refresh token has been revoked.")
    c = sign_in(client)
    sid_c = emu.key.verify(c["access_token"])["sid"]
    assert client.post("/__authtrace/refresh-tokens/revoke", json={"session_id": sid_c}).json() == {"revoked": 1}
    assert error_of(refresh(client, c["refresh_token"]))[1] == "invalid_grant"
    assert client.post("/__authtrace/refresh-tokens/revoke", json={}).status_code == 400
    assert client.post("/__authtrace/refresh-tokens/revoke", json={"refresh_token": "nope"}).status_code == 404
    assert client.post("/__authtrace/refresh-tokens/revoke", json={"fingerprint": ["x"]}).status_code == 400


def test_control_reset(client, emu):
    data = sign_in(client)
    emu.arm("drop", count=3)
    assert client.post("/__authtrace/reset").json() == {"reset": {"faults": True, "sessions": False, "events": False}}
    assert emu.faults.list() == []
    assert refresh(client, data["refresh_token"]).status_code == 200
    assert client.post("/__authtrace/reset", json={"sessions": True, "events": True}).status_code == 200
    assert emu.sessions() == []
    assert error_of(refresh(client, data["refresh_token"]))[1] == "invalid_grant"
    assert client.post("/__authtrace/reset", json={"sessions": "yes"}).status_code == 400
