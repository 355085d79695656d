"""The WorkOS session store as plain function calls: codes, rotation, grace, session limits.

No HTTP and no sleeping: a fake clock drives every lifetime. The routes that
put HTTP around the store are tested in ``test_workos_emulator.py``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from authtrace import workos_errors
from authtrace.host.emulators.eventlog import EventLog
from authtrace.host.emulators.keys import SigningKey
from authtrace.host.emulators.workos_config import WorkOSConfig
from authtrace.host.emulators.workos_sessions import SessionStore, Tokens
from authtrace.redaction import fingerprint
from authtrace.workos_errors import WorkOSError

from ._workos import REDIRECT, FakeClock, authorize_params, pkce

KEY = SigningKey.generate()


def store_with(clock: FakeClock, **settings) -> SessionStore:
    return SessionStore(WorkOSConfig(**settings), clock=clock, key=KEY, events=EventLog(clock=clock))


@pytest.fixture
def store(clock) -> SessionStore:
    return store_with(clock)


def code_for(store: SessionStore, **extra: str) -> tuple[str, str]:
    verifier, challenge = pkce()
    url = store.authorize(authorize_params(challenge, **extra))
    assert isinstance(url, str) and url.startswith(REDIRECT), url
    return parse_qs(urlsplit(url).query)["code"][0], verifier


def signed_in(store: SessionStore, **extra: str) -> Tokens:
    tokens = store.exchange_code(*code_for(store, **extra))
    assert isinstance(tokens, Tokens), tokens
    return tokens


def rotate(store: SessionStore, rt: str, **kw) -> Tokens:
    tokens = store.exchange_refresh(rt, "body", **kw)
    assert isinstance(tokens, Tokens), tokens
    return tokens


# -- authorize and codes -------------------------------------------------------------------


def test_authorize_redirects_with_code_and_state_verbatim(store):
    state = json.dumps({"returnTo": "/a b?c=1&d=é"})
    _, challenge = pkce()
    loc = urlsplit(store.authorize(authorize_params(challenge, state=state)))
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == REDIRECT
    q = parse_qs(loc.query)
    assert q["state"] == [state] and len(q["code"][0]) >= 20


@pytest.mark.parametrize("change, error", [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
])
def test_authorize_protocol_errors_redirect_back_with_error_and_state(store, change, error):
    _, challenge = pkce()
    q = parse_qs(urlsplit(store.authorize({**authorize_params(challenge, state="s1"), **change})).query)
    assert q["error"] == [error] and q["state"] == ["s1"] and "code" not in q


def test_authorize_refuses_bad_client_and_redirect_uri_without_redirecting(store, clock):
    _, challenge = pkce()
    assert store.authorize(authorize_params(challenge, client_id="client_other")).error == "invalid_client"
    assert store.authorize(authorize_params(challenge, redirect_uri="javascript:alert(1)")).error == "invalid_request"
    allow_list = store_with(clock, redirect_uris=("http://localhost:5173/ok",))
    assert isinstance(allow_list.authorize(authorize_params(challenge)), WorkOSError)
    assert isinstance(allow_list.authorize(authorize_params(challenge, redirect_uri="http://localhost:5173/ok")), str)


def test_code_is_single_use_burnt_by_a_wrong_verifier_and_expires(store, clock):
    code, verifier = code_for(store)
    assert isinstance(store.exchange_code(code, verifier), Tokens)
    assert store.exchange_code(code, verifier).error == "invalid_grant"
    code, verifier = code_for(store)
    wrong = verifier[:-1] + ("B" if verifier.endswith("A") else "A")  # always differs from the real one
    assert store.exchange_code(code, wrong).error == "invalid_grant"
    assert store.exchange_code(code, verifier).error == "invalid_grant"  # the failed attempt burnt it
    code, _ = code_for(store)
    assert store.exchange_code(code, None).description.startswith("Missing code_verifier")
    code, verifier = code_for(store)
    clock.advance(601)
    assert store.exchange_code(code, verifier).error == "invalid_grant"
    assert store.exchange_code(None, verifier) == workos_errors.invalid_request("Missing code.")


# -- refresh rotation and grace ----------------------------------------------------------------


def test_refresh_rotates_and_grace_window_replays_the_same_pair(store, clock):
    rt0 = signed_in(store).refresh_token
    first = rotate(store, rt0)
    assert first.refresh_token != rt0
    clock.advance(29)
    assert store.exchange_refresh(rt0, "body") == first  # byte-identical pair, access token included
    clock.advance(2)  # 31 s after the exchange: past the 30 s grace window
    assert store.exchange_refresh(rt0, "body") is workos_errors.ALREADY_EXCHANGED
    nxt = rotate(store, first.refresh_token)
    assert nxt.refresh_token not in (rt0, first.refresh_token)
    outcomes = [(e["outcome"], e["refresh_token"]) for e in store.events.list(type="refresh")]
    assert outcomes == [("rotated", fingerprint(rt0)), ("replayed", fingerprint(rt0)), ("reused", fingerprint(rt0)),
                        ("rotated", fingerprint(first.refresh_token))]


def test_refresh_grace_zero_set_at_run_time(store, clock):
    store.set_config(refresh_grace=0)
    rt0 = signed_in(store).refresh_token
    rotate(store, rt0)
    clock.advance(0.001)
    assert store.exchange_refresh(rt0, "body").error == "invalid_grant"


@pytest.mark.parametrize("token", [None, ""])
def test_missing_refresh_token(store, token):
    assert store.exchange_refresh(token, "cookie") is workos_errors.MISSING_REFRESH_TOKEN
    assert workos_errors.MISSING_REFRESH_TOKEN.body() == {"error": "invalid_request", "error_description": "Missing refresh token."}


def test_refresh_refuses_wrong_types_and_unknown_tokens(store):
    assert store.exchange_refresh(42, "body").error == "invalid_request"
    assert store.exchange_refresh("x", "body", org=5).error == "invalid_request"
    assert store.exchange_refresh("nope", "body") is workos_errors.INVALID_REFRESH_TOKEN


def test_organization_is_kept_and_switched_on_refresh(store):
    tokens = signed_in(store, organization_id="org_01TEST")
    assert tokens.body["organization_id"] == "org_01TEST" and KEY.verify(tokens.access_token)["org_id"] == "org_01TEST"
    kept = rotate(store, tokens.refresh_token)
    assert KEY.verify(kept.access_token)["org_id"] == "org_01TEST"
    switched = rotate(store, kept.refresh_token, org="org_02OTHER")
    assert switched.body["organization_id"] == "org_02OTHER"


def test_access_token_claims(store, clock):
    tokens = signed_in(store)
    c = KEY.verify(tokens.access_token)
    assert c["iss"] == "http://127.0.0.1:8787/user_management/client_local" and c["sub"] == tokens.body["user"]["id"]
    assert c["sid"] == tokens.session_id and c["jti"].startswith("token_")
    assert c["iat"] == int(clock.t) and c["exp"] - c["iat"] == 300 and "aud" not in c
    fractional = store_with(clock, access_token_ttl=1.5).sign_in()
    c = KEY.verify(fractional.access_token)
    assert c["exp"] - c["iat"] == pytest.approx(1.5)


def test_login_hint_signs_in_another_user_with_a_stable_id(store):
    a, b = signed_in(store), signed_in(store, login_hint="other@example.com")
    assert b.body["user"]["email"] == "other@example.com" and b.body["user"]["id"] != a.body["user"]["id"]
    assert signed_in(store, login_hint="other@example.com").body["user"]["id"] == b.body["user"]["id"]


# -- session limits, logout, revocation ------------------------------------------------------------


def test_session_max_length(clock):
    store = store_with(clock, session_ttl=3600)
    rt = signed_in(store).refresh_token
    for _ in range(5):
        clock.advance(700)
        rt = rotate(store, rt).refresh_token
    clock.advance(100)  # 3600 s after sign-in
    assert store.exchange_refresh(rt, "body") is workos_errors.SESSION_EXPIRED
    assert store.sessions()[0]["end_reason"] == "max-length"


def test_inactivity_timeout_resets_on_refresh(clock):
    store = store_with(clock, inactivity_timeout=600)
    rt = signed_in(store).refresh_token
    clock.advance(599)
    rt = rotate(store, rt).refresh_token
    clock.advance(599)  # 1198 s after sign-in but only 599 s idle
    rt = rotate(store, rt).refresh_token
    clock.advance(600)
    assert store.exchange_refresh(rt, "body") is workos_errors.SESSION_EXPIRED
    assert store.sessions()[0]["end_reason"] == "inactivity"


def test_session_ttl_set_at_run_time_applies_to_existing_sessions(store, clock):
    rt = signed_in(store).refresh_token
    clock.advance(10)
    store.set_config(session_ttl=5)
    assert store.exchange_refresh(rt, "body").error == "invalid_grant"


def test_logout_revoke_session_and_revoke_token(store):
    a, b, c = signed_in(store), signed_in(store), signed_in(store)
    assert store.logout(a.session_id, None) and not store.logout("session_nope", None)
    assert store.exchange_refresh(a.refresh_token, "body") is workos_errors.SESSION_ENDED
    assert store.revoke_refresh_token(fp=fingerprint(b.refresh_token)) == 1
    assert store.exchange_refresh(b.refresh_token, "body") is workos_errors.REFRESH_TOKEN_REVOKED
    assert store.revoke_session(c.session_id, "admin") and not store.revoke_session("session_nope")
    assert store.exchange_refresh(c.refresh_token, "body") is workos_errors.SESSION_ENDED
    assert {s["end_reason"] for s in store.sessions()} == {"logout", None, "admin"}
    assert all(s["refresh_token"].startswith("tok:") for s in store.sessions())


@pytest.mark.parametrize("bad", [
    {"session_ttl": float("inf")}, {"access_token_ttl": float("nan")}, {"refresh_grace": -1},
    {"inactivity_timeout": 10**12}, {"access_token_ttl": 0}, {"code_ttl": "600"}, {"organization_id": "\ud800"},
    {"organization_id": ""}, {"clear_cookies_on_invalid_grant": 1}, {"client_id": "other"},
])
def test_bad_settings_change_nothing(store, clock, bad):
    before = store.config
    with pytest.raises(ValueError):
        store.set_config(**{"access_token_ttl": 7, **bad})
    assert store.config is before and store.config.access_token_ttl == 300
    assert KEY.verify(store.sign_in().access_token)["exp"] - int(clock.t) == 300
