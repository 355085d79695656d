"""The WorkOS AuthKit emulator's HTTP routes, CORS and faults, and the real authkit-js against it.

Most tests drive what the suite serves in-process (Starlette's TestClient) with
a fake clock; the faults that act on the socket (drop, lost response, hang) run
against a real uvicorn server on a free loopback port. The session rules
themselves are plain function calls in ``test_workos_sessions.py``.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from authtrace.host.emulators.suite import EmulatorSuite
from authtrace.host.emulators.workos import REFRESH_COOKIE, SESSION_HINT_COOKIE, WorkOSConfig, WorkOSEmulator
from authtrace.redaction import fingerprint

from ._workos import (
    APP, AUTH, REDIRECT, TestClient, authorize_params, client_for, error_of, get_code, pkce, refresh,
    sign_in,
)


# -- authorize + code exchange ----------------------------------------------------


def test_authorize_redirects_with_code_and_state_verbatim(client):
    state = json.dumps({"returnTo": "/a b?c=1&d=é"})
    _, challenge = pkce()
    r = client.get("/user_management/authorize", params=authorize_params(challenge, state=state))
    assert r.status_code == 302
    loc = urlsplit(r.headers["location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == REDIRECT
    q = parse_qs(loc.query)
    assert q["state"] == [state]
    assert len(q["code"][0]) >= 20


def test_authorize_rejects_bad_client_and_redirect_uri_without_redirecting(client):
    _, challenge = pkce()
    r = client.get("/user_management/authorize", params=authorize_params(challenge, client_id="client_other"))
    assert error_of(r)[:2] == (400, "invalid_client")
    r = client.get("/user_management/authorize", params=authorize_params(challenge, redirect_uri="javascript:alert(1)"))
    assert error_of(r)[:2] == (400, "invalid_request")
    params = authorize_params(challenge)
    del params["redirect_uri"]
    assert client.get("/user_management/authorize", params=params).status_code == 400


def test_code_exchange_good_verifier_then_code_is_single_use(client):
    code, verifier = get_code(client)
    body = {"code": code, "client_id": "client_local", "grant_type": "authorization_code", "code_verifier": verifier}
    r = client.post(AUTH, json=body)
    assert r.status_code == 200
    data = r.json()
    assert set(data) >= {"user", "access_token", "refresh_token", "authentication_method"}
    assert data["user"]["object"] == "user" and data["user"]["id"].startswith("user_")
    assert data["authentication_method"] == "Password"
    assert "organization_id" not in data
    again = client.post(AUTH, json=body)
    assert error_of(again)[:2] == (400, "invalid_grant")


def test_form_encoded_body_is_accepted(client):
    code, verifier = get_code(client)
    r = client.post(AUTH, data={"code": code, "client_id": "client_local", "grant_type": "authorization_code", "code_verifier": verifier})
    assert r.status_code == 200 and r.json()["refresh_token"]


@pytest.mark.parametrize(
    "content, status, error",
    [
        (b"{not json", 400, "invalid_request"),
        (b"[1, 2]", 400, "invalid_request"),
        (b"", 400, "invalid_request"),
        (json.dumps({"grant_type": "refresh_token"}).encode(), 400, "invalid_request"),
        (json.dumps({"client_id": "client_nope", "grant_type": "refresh_token"}).encode(), 400, "invalid_client"),
        (json.dumps({"client_id": "client_local"}).encode(), 400, "invalid_request"),
        (json.dumps({"client_id": "client_local", "grant_type": "password"}).encode(), 400, "unsupported_grant_type"),
        (json.dumps({"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": 42}).encode(), 400, "invalid_request"),
        (json.dumps({"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": "nope"}).encode(), 400, "invalid_grant"),
        (json.dumps({"client_id": "client_local", "grant_type": "authorization_code"}).encode(), 400, "invalid_request"),
    ],
)
def test_bad_authenticate_input_gets_workos_shaped_errors(client, content, status, error):
    r = client.post(AUTH, content=content, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert r.json()["error"] == error and isinstance(r.json()["error_description"], str)
    assert r.headers["access-control-allow-origin"] == APP


def test_unknown_route_and_method_are_json(client):
    assert client.get("/nope").json() == {"message": "Not Found"}
    assert client.get(AUTH).status_code == 405


# -- tokens --------------------------------------------------------------------------


def test_access_token_claims_and_rs256_signature_verify_against_the_jwks_endpoint(client, clock):
    data = sign_in(client)
    r = client.get("/sso/jwks/client_local")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/jwk-set+json")
    keyset = KeySet.import_key_set(r.json())
    token = jwt.decode(data["access_token"], keyset, algorithms=["RS256"])
    assert token.header["alg"] == "RS256" and token.header["typ"] == "JWT"
    assert token.header["kid"] == r.json()["keys"][0]["kid"]
    c = token.claims
    assert c["iss"] == "http://127.0.0.1:8787/user_management/client_local"
    assert c["sub"] == data["user"]["id"]
    assert c["sid"].startswith("session_") and c["jti"].startswith("token_")
    assert c["iat"] == int(clock.t) and c["exp"] - c["iat"] == 300
    assert "aud" not in c and "org_id" not in c
    assert client.get("/sso/jwks/client_other").status_code == 404
    # A token signed by another key does not verify against this JWKS.
    other = WorkOSEmulator(WorkOSConfig(), clock=clock)
    with pytest.raises(Exception):
        jwt.decode(other.sign_in()["access_token"], keyset, algorithms=["RS256"])


# -- refresh ------------------------------------------------------------------------


def test_refresh_rotates_and_grace_window_replays_the_same_pair(client, clock):
    rt0 = sign_in(client)["refresh_token"]
    first = refresh(client, rt0)
    assert first.status_code == 200
    rt1 = first.json()["refresh_token"]
    assert rt1 != rt0
    clock.advance(29)
    replay = refresh(client, rt0)
    assert replay.status_code == 200 and replay.json() == first.json()
    clock.advance(2)  # 31 s after the exchange: past the 30 s grace window
    assert error_of(refresh(client, rt0)) == (400, "invalid_grant", "Refresh token already exchanged.")
    nxt = refresh(client, rt1)
    assert nxt.status_code == 200 and nxt.json()["refresh_token"] not in (rt0, rt1)


@pytest.mark.parametrize("body", [{}, {"refresh_token": None}, {"refresh_token": ""}])
def test_missing_refresh_token(client, body):
    r = client.post(AUTH, json={"client_id": "client_local", "grant_type": "refresh_token", **body})
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_request", "error_description": "Missing refresh token."}


def test_cookie_mode_sets_httponly_cookie_and_refreshes_from_it(client):
    code, verifier = get_code(client)
    r = client.post(AUTH, json={"code": code, "client_id": "client_local", "grant_type": "authorization_code", "code_verifier": verifier})
    cookies = r.headers.get_list("set-cookie")
    rt_cookie = next(c for c in cookies if c.startswith(f"{REFRESH_COOKIE}="))
    hint = next(c for c in cookies if c.startswith(f"{SESSION_HINT_COOKIE}="))
    assert "HttpOnly" in rt_cookie and "Path=/" in rt_cookie
    assert hint.startswith(f"{SESSION_HINT_COOKIE}=client_local;") and "HttpOnly" not in hint
    assert r.headers["access-control-allow-credentials"] == "true"
    rt0 = r.json()["refresh_token"]
    assert client.cookies[REFRESH_COOKIE] == rt0
    # authkit-js cookie mode: no refresh_token in the body at all.
    r1 = refresh(client, None)
    assert r1.status_code == 200 and r1.json()["refresh_token"] != rt0
    assert client.cookies[REFRESH_COOKIE] == r1.json()["refresh_token"]
    assert refresh(client, None).status_code == 200
    client.cookies.clear()
    assert error_of(refresh(client, None)) == (400, "invalid_request", "Missing refresh token.")


def test_cookie_cleared_on_invalid_grant_only_when_configured(client, emu, clock):
    sign_in(client)
    stale = client.cookies[REFRESH_COOKIE]
    assert refresh(client, None).status_code == 200
    clock.advance(60)
    client.cookies.set(REFRESH_COOKIE, stale)
    r = refresh(client, None)
    assert error_of(r)[1] == "invalid_grant" and not r.headers.get_list("set-cookie")
    emu.set_config(clear_cookies_on_invalid_grant=True)
    r = refresh(client, None)
    assert error_of(r)[1] == "invalid_grant"
    assert any(c.startswith(f"{REFRESH_COOKIE}=") and "Max-Age=0" in c for c in r.headers.get_list("set-cookie"))


def test_refresh_cookie_lives_as_long_as_the_session_and_ends_with_it(clock):
    emu = WorkOSEmulator(WorkOSConfig(session_ttl=3600), clock=clock)
    c = client_for(emu)
    code, verifier = get_code(c)
    r = c.post(AUTH, json={"code": code, "client_id": "client_local", "grant_type": "authorization_code", "code_verifier": verifier})
    assert all("Max-Age=3600" in h for h in r.headers.get_list("set-cookie"))
    clock.advance(3600)
    assert error_of(refresh(c, r.json()["refresh_token"])) == (400, "invalid_grant", "Session has expired.")


def test_logout_ends_session_clears_cookies_and_redirects(client, emu):
    data = sign_in(client)
    sid = emu.key.verify(data["access_token"])["sid"]
    r = client.get("/user_management/sessions/logout", params={"session_id": sid, "return_to": f"{APP}/bye"})
    assert r.status_code == 302 and r.headers["location"] == f"{APP}/bye"
    cleared = r.headers.get_list("set-cookie")
    assert any(c.startswith(f"{REFRESH_COOKIE}=") and "Max-Age=0" in c for c in cleared)
    assert any(c.startswith(f"{SESSION_HINT_COOKIE}=") and "Max-Age=0" in c for c in cleared)
    assert error_of(refresh(client, data["refresh_token"])) == (400, "invalid_grant", "Session has ended.")
    assert client.get("/user_management/sessions/logout").status_code == 400
    bad = client.get("/user_management/sessions/logout", params={"session_id": sid, "return_to": "javascript:x"})
    assert bad.status_code == 400
    plain = client.get("/user_management/sessions/logout", params={"session_id": sid})
    assert plain.status_code == 200


# -- CORS ----------------------------------------------------------------------------


def test_cors_preflight_success_and_error(client):
    r = client.options(AUTH, headers={"access-control-request-method": "POST", "access-control-request-headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == APP
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-headers"] == "content-type"
    ok = sign_in(client)
    assert ok
    err = refresh(client, "nope")
    assert err.status_code == 400 and err.headers["access-control-allow-origin"] == APP
    assert err.headers["access-control-allow-credentials"] == "true"
    no_origin = client.post(AUTH, json={}, headers={"origin": ""})
    assert "access-control-allow-origin" not in no_origin.headers


def test_cors_allowed_origins(clock):
    emu = WorkOSEmulator(WorkOSConfig(allowed_origins=("http://localhost:3000",)), clock=clock)
    c = client_for(emu)
    r = c.options(AUTH, headers={"access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    r = c.options(AUTH, headers={"access-control-request-method": "POST", "origin": "http://localhost:3000"})
    assert r.headers["access-control-allow-origin"] == "http://localhost:3000"


# -- faults (in-process) -------------------------------------------------------------


@pytest.mark.parametrize(
    "status, retry_after, error",
    [(408, 1, "request_timeout"), (429, 2, "too_many_requests"), (500, None, None), (502, None, None), (503, 5, None), (504, None, None)],
)
def test_status_faults_hit_only_matching_refreshes(client, emu, status, retry_after, error):
    data = sign_in(client)
    params = {"status": status} | ({"retry_after": retry_after} if retry_after else {})
    emu.arm("status", match={"path": AUTH, "grant_type": "refresh_token"}, count=2, params=params)
    # A code exchange does not match the fault.
    assert sign_in(client)
    for _ in range(2):
        r = refresh(client, data["refresh_token"])
        assert r.status_code == status
        assert r.headers["access-control-allow-origin"] == APP  # a real error, not a CORS failure
        if retry_after:
            assert r.headers["retry-after"] == str(retry_after)
        if error:
            assert r.json()["error"] == error
        else:
            assert "message" in r.json()
    # The token was never exchanged, so it still works afterwards.
    assert refresh(client, data["refresh_token"]).status_code == 200
    assert emu.faults.list() == []


def test_non_json_and_garbage_faults(client, emu):
    rt = sign_in(client)["refresh_token"]
    emu.arm("non-json", params={"status": 502})
    r = refresh(client, rt)
    assert r.status_code == 502 and r.headers["content-type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        r.json()
    emu.arm("garbage-200")
    r = refresh(client, rt)
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    assert refresh(client, rt).status_code == 200


def test_invalid_grant_and_missing_refresh_token_faults(client, emu):
    rt = sign_in(client)["refresh_token"]
    emu.arm("invalid-grant", params={"message": "Session revoked by test."})
    assert error_of(refresh(client, rt)) == (400, "invalid_grant", "Session revoked by test.")
    emu.arm("missing-refresh-token")
    assert error_of(refresh(client, rt)) == (400, "invalid_request", "Missing refresh token.")
    assert refresh(client, rt).status_code == 200


def test_bad_token_fault_rotates_but_returns_a_non_jwt(client, emu):
    rt = sign_in(client)["refresh_token"]
    emu.arm("bad-token")
    r = refresh(client, rt)
    assert r.status_code == 200 and r.json()["access_token"] == "not-a-jwt"
    assert r.json()["refresh_token"] != rt


def test_no_cors_fault_answers_without_cors_headers(client, emu):
    rt = sign_in(client)["refresh_token"]
    emu.arm("no-cors", match={"grant_type": "refresh_token"})
    r = refresh(client, rt)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    assert "access-control-allow-origin" in refresh(client, r.json()["refresh_token"]).headers


def test_delay_fault(client, emu):
    rt = sign_in(client)["refresh_token"]
    emu.arm("delay", params={"seconds": 0.3})
    t0 = time.monotonic()
    assert refresh(client, rt).status_code == 200
    assert time.monotonic() - t0 >= 0.3


def test_preflight_does_not_use_up_a_fault_unless_it_names_the_method(client, emu):
    emu.arm("status", match={"path": AUTH}, params={"status": 503})
    pre = client.options(AUTH, headers={"access-control-request-method": "POST"})
    assert pre.status_code == 204
    assert client.post(AUTH, json={}).status_code == 503
    emu.arm("no-cors", match={"path": AUTH, "method": "OPTIONS"})
    pre = client.options(AUTH, headers={"access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in pre.headers


def test_window_fault_expires_on_the_clock(client, emu, clock):
    rt = sign_in(client)["refresh_token"]
    emu.arm("status", count=None, window_s=10, params={"status": 503})
    for _ in range(3):
        assert refresh(client, rt).status_code == 503
    clock.advance(10)
    assert refresh(client, rt).status_code == 200


def test_drop_fault_without_a_socket_raises_in_process(client, emu):
    from authtrace.host.emulators.workos import ConnectionDropped

    emu.arm("drop")
    with pytest.raises(ConnectionDropped):
        client.get("/sso/jwks/client_local")


# -- faults that need a real socket ------------------------------------------------------


@pytest.fixture(scope="module")
def live():
    suite = EmulatorSuite(workos_port=0, convex=False, refresh_grace=30)
    suite.start_in_thread()
    yield suite
    suite.stop()


def live_sign_in(http: httpx.Client) -> dict:
    verifier, challenge = pkce()
    r = http.get("/user_management/authorize", params=authorize_params(challenge))
    code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
    r = http.post(AUTH, json={"code": code, "client_id": "client_local", "grant_type": "authorization_code", "code_verifier": verifier})
    return r.json()


def test_live_drop_closes_the_connection_without_a_response(live):
    with httpx.Client(base_url=live.workos_url, timeout=5) as http:
        rt = live_sign_in(http)["refresh_token"]
        live.workos.arm("drop", match={"grant_type": "refresh_token"})
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(AUTH, json={"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": rt})
        # Dropped before processing: the token was not used.
        assert http.post(AUTH, json={"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": rt}).status_code == 200


def test_live_lost_response_rotates_then_grace_replay_recovers_it(live):
    with httpx.Client(base_url=live.workos_url, timeout=5) as http:
        rt = live_sign_in(http)["refresh_token"]
        live.workos.arm("lost-response", match={"grant_type": "refresh_token"})
        body = {"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": rt}
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(AUTH, json=body)
        exchanged = [e for e in live.events.list(type="refresh") if e["refresh_token"] == fingerprint(rt)]
        assert [e["outcome"] for e in exchanged] == ["rotated"]
        retry = http.post(AUTH, json=body)
        assert retry.status_code == 200
        assert fingerprint(retry.json()["refresh_token"]) == exchanged[0]["new_refresh_token"]


def test_live_hang_until_client_timeout_and_bounded_by_max_s(live):
    with httpx.Client(base_url=live.workos_url) as http:
        live.workos.arm("hang", params={"max_s": 20})
        t0 = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            http.get(f"/sso/jwks/{live.workos.config.client_id}", timeout=0.3)
        assert time.monotonic() - t0 < 2
        live.workos.arm("hang", params={"max_s": 0.3})
        t0 = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(f"/sso/jwks/{live.workos.config.client_id}", timeout=5)
        assert 0.3 <= time.monotonic() - t0 < 2
        assert http.get(f"/sso/jwks/{live.workos.config.client_id}", timeout=5).status_code == 200


def test_live_control_api_over_http(live):
    with httpx.Client(base_url=live.workos_url, timeout=5) as http:
        r = http.post("/__authtrace/faults", json={"action": "status", "match": {"grant_type": "refresh_token"}, "params": {"status": 503}})
        assert r.status_code == 201 and r.json()["remaining"] == 1
        assert [f["id"] for f in http.get("/__authtrace/faults").json()["faults"]] == [r.json()["id"]]
        assert http.delete("/__authtrace/faults").json() == {"removed": 1}


# -- control API ---------------------------------------------------------------------


# -- FaultBoard and EventLog on their own ------------------------------------------------


# -- the real, unmodified authkit-js 0.20.3 against the emulator ------------------------

AUTHKIT_JS = """
const { createClient } = require(process.env.AUTHKIT_JS);
const [BASE, CLIENT, PORT] = [process.env.WORKOS_URL, "client_local", Number(process.env.WORKOS_PORT)];

// The few browser globals authkit-js touches, backed by plain objects.
class MemStorage {
  constructor() { this.m = new Map(); }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
  removeItem(k) { this.m.delete(k); }
  clear() { this.m.clear(); }
  key(i) { return [...this.m.keys()][i] ?? null; }
  get length() { return this.m.size; }
}
let href = "http://localhost:5173/";
globalThis.window = globalThis;
globalThis.origin = "http://localhost:5173";
globalThis.location = {
  get href() { return href; }, get search() { return new URL(href).search; },
  get pathname() { return new URL(href).pathname; }, get hostname() { return new URL(href).hostname; },
  toString() { return href; }, assign(u) { href = String(u); },
};
globalThis.history = { replaceState(_s, _t, url) { href = String(url); } };
globalThis.document = { cookie: "", hidden: false };
globalThis.localStorage = new MemStorage();
globalThis.sessionStorage = new MemStorage();
Object.defineProperty(globalThis, "navigator", {
  configurable: true, value: { locks: { request: async (_name, _opts, cb) => cb() } },
});

const opts = { apiHostname: "127.0.0.1", port: PORT, https: false, devMode: true,
               redirectUri: "http://localhost:5173/callback" };
const RT_KEY = `workos:refresh-token:${CLIENT}`;
const arm = (fault) => fetch(`${BASE}/__authtrace/faults`, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
const describe = (e) => ({ name: e.name, ctor: e.constructor.name, message: e.message, status: e.status,
                           error: e.error, isTransient: e.isTransient });
const out = {};

(async () => {
  const c1 = await createClient(CLIENT, opts);
  const url = await c1.getSignInUrl({ state: { returnTo: "/x" } });
  c1.dispose();
  out.authorizeUrl = url;
  const r = await fetch(url, { redirect: "manual" });
  out.authorizeStatus = r.status;
  href = r.headers.get("location");
  let redirected = null;
  const c2 = await createClient(CLIENT, { ...opts, onRedirectCallback: (p) => { redirected = p.state; } });
  out.redirectState = redirected;
  out.user = c2.getUser();
  out.urlAfterCallback = href;
  const t1 = await c2.getAccessToken();
  const rt1 = localStorage.getItem(RT_KEY);
  const t2 = await c2.getAccessToken({ forceRefresh: true });
  const rt2 = localStorage.getItem(RT_KEY);
  out.tokens = { t1, t2, rotated: !!rt1 && !!rt2 && rt1 !== rt2, sameAccess: t1 === t2 };
  out.unforcedIsCached = (await c2.getAccessToken()) === t2;

  await arm({ action: "status", match: { grant_type: "refresh_token" }, params: { status: 503, retry_after: 1 } });
  try { await c2.getAccessToken({ forceRefresh: true }); out.transient = "resolved"; }
  catch (e) { out.transient = describe(e); }
  out.rtAfterTransient = localStorage.getItem(RT_KEY) === rt2;

  await arm({ action: "drop", match: { grant_type: "refresh_token" } });
  try { await c2.getAccessToken({ forceRefresh: true }); out.dropped = "resolved"; }
  catch (e) { out.dropped = describe(e); }

  const t3 = await c2.getAccessToken({ forceRefresh: true });
  out.recovered = typeof t3 === "string" && t3 !== t2;

  await arm({ action: "invalid-grant", match: { grant_type: "refresh_token" } });
  try { await c2.getAccessToken({ forceRefresh: true }); out.terminal = "resolved"; }
  catch (e) { out.terminal = describe(e); }
  out.rtAfterTerminal = localStorage.getItem(RT_KEY);
  try { await c2.getAccessToken(); out.afterTerminal = "resolved"; }
  catch (e) { out.afterTerminal = describe(e); }
  c2.dispose();

  console.log(JSON.stringify(out));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
"""


def test_real_authkit_js_devmode_against_the_emulator(live, tmp_path):
    import shutil
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pkg = root / "node_modules" / "@workos-inc" / "authkit-js"
    node = shutil.which("node")
    if node is None or not (pkg / "dist" / "index.js").exists():
        pytest.skip("node or node_modules/@workos-inc/authkit-js is missing")
    script = tmp_path / "authkit_check.cjs"
    script.write_text(AUTHKIT_JS)
    env = {
        "PATH": "/usr/bin:/bin",
        "AUTHKIT_JS": str(pkg / "dist" / "index.js"),
        "WORKOS_URL": live.workos_url,
        "WORKOS_PORT": str(live.workos.config.port),
    }
    proc = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=30, env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    q = parse_qs(urlsplit(out["authorizeUrl"]).query)
    assert out["authorizeUrl"].startswith(f"{live.workos_url}/user_management/authorize?")
    assert q["code_challenge_method"] == ["S256"] and q["provider"] == ["authkit"]
    assert out["authorizeStatus"] == 302
    assert out["redirectState"] == {"returnTo": "/x"}
    assert out["user"]["id"] == "user_01LOCALTESTUSER0000000000"
    assert "code=" not in out["urlAfterCallback"]
    assert out["tokens"]["rotated"] and not out["tokens"]["sameAccess"]
    assert out["unforcedIsCached"]
    assert out["transient"]["ctor"] == "RefreshError"
    assert out["transient"]["status"] == 503 and out["transient"]["isTransient"] is True
    assert out["rtAfterTransient"] is True  # a transient failure keeps the session
    assert out["dropped"]["ctor"] == "TypeError"  # a network failure, as in a browser
    assert out["recovered"] is True
    assert out["terminal"]["ctor"] == "LoginRequiredError"
    assert out["rtAfterTerminal"] is None  # terminal failure wiped the devMode refresh token
    assert out["afterTerminal"]["message"] == "No access token available"
