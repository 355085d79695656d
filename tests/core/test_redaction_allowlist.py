"""The entropy fallback and its allow-list: unknown tokens go, ids and descriptors stay."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid

import pytest

from authtrace import fingerprint, redact
from authtrace.redaction import ALLOW_FIELDS, Redactor, token_like
from authtrace.redaction.names import ALLOWED, PLAIN, SECRET, Names

from _builders import make_jwt, opaque_token


def random_tokens(n: int, seed: int, nbytes: int = 32) -> list[str]:
    rng = random.Random(seed)
    return [base64.urlsafe_b64encode(rng.randbytes(nbytes)).rstrip(b"=").decode() for _ in range(n)]


def test_random_tokens_are_token_like():
    assert all(token_like(t) for t in random_tokens(3000, seed=1))
    assert all(token_like(hashlib.sha1(str(i).encode()).hexdigest()) for i in range(1000))
    assert all(token_like(str(uuid.UUID(int=random.Random(i).getrandbits(128)))) for i in range(1000))
    # 24 bytes (32 characters) and standard base64: misses are rare (about 1 in 10,000, docs/redaction.md)
    missed = [t for t in random_tokens(3000, seed=2, nbytes=24) if not token_like(t)]
    assert len(missed) <= 3, missed


@pytest.mark.parametrize("text", [
    "waitingForServerConfirmationOfCachedToken", "refresh-token-removed-by-other-tab", "/user_management/authenticate",
    "/api/1.48.0/sync", "HeadlessChrome/156.0.0.0", "net::ERR_INTERNET_DISCONNECTED", "NetworkRecoveryReconnect",
    "user_01LOCALTESTUSER0000000000", "session_01HXYZ5KQ2M3N4P5R6S7T8V9WX", "transient-refresh-reported-as-signout",
    "application/x-www-form-urlencoded", "stale-token-on-reconnect", "AuthKitProvider.getAccessToken",
])
def test_identifiers_paths_and_ids_are_not_token_like(text):
    assert not token_like(text)


def test_unknown_high_entropy_strings_are_fingerprinted_in_plain_fields():
    tok = opaque_token(32)
    out = redact({"x_custom": tok, "note": f"saw {tok} twice", "list": [tok], tok: "as a key"}).value
    assert json.dumps(out).count(fingerprint(tok)) == 4
    assert tok not in json.dumps(out)


@pytest.mark.parametrize("field", ["sub", "sid", "jti", "kid", "request_id", "requestId", "x-request-id",
                                   "session_id", "sessionId", "user_id", "organization_id", "client_id", "tab",
                                   "type", "udf_path", "path", "user_agent", "name", "traceparent"])
def test_allow_listed_fields_keep_their_values(field):
    tok = opaque_token(32)
    assert redact({field: tok}).value == {field: tok}
    assert redact({"headers": [{"name": field, "value": tok}]}).value["headers"][0]["value"] == tok


def test_allow_listed_fields_still_lose_known_secret_shapes():
    at = make_jwt()
    out = redact({"sub": f"Bearer {at}", "path": f"/verify/{at}", "request_id": f"refresh_token={'a' * 8}"}).value
    assert at not in json.dumps(out) and "a" * 8 not in json.dumps(out)


def test_url_paths_stay_and_query_tokens_go():
    tok = opaque_token(32)
    url = f"https://app.example.com/api/1.48.0/sync/{tok}?page=2&state={tok}#section"
    out = redact({"url": url, "m": f"GET {url} failed"}).value
    for value in out.values():
        assert "https://app.example.com/api/1.48.0/sync/" in value and "page=2" in value and "#section" in value
        assert f"state={fingerprint(tok)}" in value


def test_the_user_extends_both_lists():
    tok = opaque_token(32)
    assert redact({"build_hash": tok}).value == {"build_hash": fingerprint(tok)}
    assert redact({"build_hash": tok}, allow_fields=["build_hash"]).value == {"build_hash": tok}
    assert redact({"pin": "1234"}, secret_fields=["pin"]).value == {"pin": fingerprint("1234")}
    assert redact({"pin": "1234"}).value == {"pin": "1234"}
    r = Redactor(allow_fields=["Build-Hash"])  # names are compared normalised
    assert r.value({"buildHash": tok}) == {"buildHash": tok}


def test_name_classes():
    names = Names()
    assert names.classify("refresh_token") == SECRET and names.classify("wos-session") == SECRET
    assert names.classify("Authorization") == SECRET and names.classify("code") == SECRET
    assert names.classify("token_type") == ALLOWED and names.classify("session_id") == ALLOWED
    assert names.classify("refresh_token_sent") == PLAIN and names.classify("credentials") == PLAIN
    assert names.classify("status_code") == PLAIN and names.classify("message") == PLAIN
    assert {"sub", "sid", "jti", "requestid", "path"} <= ALLOW_FIELDS


def test_fingerprints_are_stable_across_events_tabs_and_shapes():
    rt = opaque_token(32)
    places = [{"refresh_token": rt}, {"body": f"grant_type=refresh_token&refresh_token={rt}"},
              {"m": f"token {rt} was rotated"}, {"url": f"https://x.test/cb?refresh_token={rt}"},
              {"body": json.dumps({"refresh_token": rt})}, {"frame": {"type": "Authenticate", "value": rt}}]
    texts = [json.dumps(redact(p).value) for p in places]
    assert all(fingerprint(rt) in t and rt not in t for t in texts)


def test_jwt_claims_are_kept_and_survive_a_second_pass():
    at = make_jwt({"sub": "user_01HXYZ5KQ2M3N4P5R6S7T8V9WX", "sid": "session_01HXYZ5KQ2M3N4P5R6S7T8V9WX"})
    first = redact({"authorization": f"Bearer {at}"})
    claims = first.jwt[fingerprint(at)]
    assert claims["sub"] == "user_01HXYZ5KQ2M3N4P5R6S7T8V9WX" and claims["iss"].startswith("http://127.0.0.1")
    assert set(claims) <= {"iss", "sub", "sid", "jti", "iat", "exp", "org_id", "kid", "alg"}
    again = redact({**first.value, "jwt": first.jwt}).value
    assert again["jwt"] == first.jwt and again["authorization"] == first.value["authorization"]


def test_numbers_booleans_and_nulls_are_never_secrets():
    value = {"code": 1006, "refresh_token": None, "force_refresh_token": True, "status": 500, "exp": 1.8e9}
    assert redact(value).value == value
