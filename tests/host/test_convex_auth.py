"""The Convex emulator's JWT checks: trusted customJwt providers and the real backend's rules.

Keys are made here with joserfc and tokens are built at test time.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from joserfc import jws, jwt
from joserfc.jwk import RSAKey

from authtrace.host.emulators.convex_auth import AuthRejected, CustomJwtProvider, JwtVerifier
from authtrace.host.emulators.suite import EmulatorSuite

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"}, private=True)
JWKS = {"keys": [KEY.as_dict(private=False)]}
NOW = 1_800_000_000
WORKOS = "https://api.workos.com/"
CLIENT = "client_01TEST"
# The two providers WorkOS's Convex template puts in convex/auth.config.ts.
TEMPLATE = [
    {"type": "customJwt", "issuer": WORKOS, "algorithm": "RS256", "jwks": JWKS, "applicationID": CLIENT},
    {"type": "customJwt", "issuer": f"{WORKOS}user_management/{CLIENT}", "algorithm": "RS256", "jwks": JWKS},
]


def token(**claims) -> str:
    body = {"iss": f"{WORKOS}user_management/{CLIENT}", "sub": "user_01", "iat": NOW, "exp": NOW + 300, **claims}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, {k: v for k, v in body.items() if v is not None}, KEY)


def verify(tok: str, providers=TEMPLATE, now: float = NOW):
    return asyncio.run(JwtVerifier(providers, clock=lambda: now).verify(tok))


def reason(tok: str, providers=TEMPLATE, now: float = NOW) -> str:
    with pytest.raises(AuthRejected) as exc:
        verify(tok, providers, now)
    return exc.value.reason


def test_authkit_tokens_match_the_template_providers():
    identity, claims = verify(token())
    assert identity.token_identifier == f"{WORKOS}user_management/{CLIENT}|user_01"


@pytest.mark.parametrize("iss", [f"{WORKOS}user_management/{CLIENT}/", f"api.workos.com/user_management/{CLIENT}"])
def test_issuer_matches_ignoring_a_trailing_slash_and_a_missing_scheme(iss):
    assert verify(token(iss=iss))[1]["iss"] == iss


def test_application_id_is_required_in_aud_only_when_the_provider_sets_it():
    assert reason(token(iss=WORKOS)) == "bad-issuer"  # no aud: the applicationID provider does not match
    assert reason(token(iss=WORKOS, aud="client_other")) == "bad-issuer"
    assert verify(token(iss=WORKOS, aud=CLIENT))[1]["aud"] == CLIENT
    assert verify(token(iss=WORKOS, aud=["x", CLIENT]))[1]["iss"] == WORKOS
    assert verify(token(aud="anything"))[1]["aud"] == "anything"  # the second provider ignores aud


@pytest.mark.parametrize("claims, now, ok", [
    ({"exp": NOW - 4}, NOW, True), ({"exp": NOW - 6}, NOW, False),
    ({"nbf": NOW + 4}, NOW, True), ({"nbf": NOW + 6}, NOW, False),
    ({"iat": NOW + 4}, NOW, True), ({"iat": NOW + 6}, NOW, False),
])
def test_temporal_claims_have_a_five_second_epsilon(claims, now, ok):
    tok = token(**claims)
    if ok:
        verify(tok, now=now)
    else:
        assert reason(tok, now=now) in ("expired", "invalid-claim")


@pytest.mark.parametrize("missing", ["sub", "exp", "iss"])
def test_sub_iss_and_exp_are_required(missing):
    assert reason(token(**{missing: None})) == "missing-claim"


def test_claims_that_are_not_plain_json_are_refused():
    payload = json.dumps({"iss": TEMPLATE[1]["issuer"], "sub": "u", "exp": NOW + 9, "name": "\ud800"}).encode()
    assert b"\\ud800" in payload  # escaped, as JSON allows
    assert reason(jws.serialize_compact({"alg": "RS256", "kid": "k1"}, payload, KEY)) == "invalid-claim"
    assert reason(token(exp=10**400)) in ("invalid-claim", "expired")  # not a finite NumericDate


def test_other_algorithm_kid_or_signer_is_refused():
    other = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    forged = jwt.encode({"alg": "RS256", "kid": "k1"}, {"iss": TEMPLATE[1]["issuer"], "sub": "x", "exp": NOW + 9}, other)
    assert reason(forged) == "bad-signature"
    assert reason(jwt.encode({"alg": "RS256", "kid": "k2"}, {"iss": TEMPLATE[1]["issuer"], "sub": "x", "exp": NOW + 9}, KEY)) == "bad-kid"
    es = [{**TEMPLATE[1], "algorithm": "ES256"}]
    assert reason(token(), es) == "bad-algorithm"
    assert reason("a" * 20_000) == "malformed"


@pytest.mark.parametrize("cfg", [
    {"type": "oidc", "domain": "https://x", "applicationID": "y"},
    {"issuer": "https://x"},
    {"issuer": "", "jwks": JWKS},
    {"issuer": "https://x", "jwks": JWKS, "algorithm": "HS256"},
    {"issuer": "https://x", "jwks": JWKS, "applicationID": 5},
    "https://x",
])
def test_provider_config_is_checked(cfg):
    with pytest.raises(ValueError):
        CustomJwtProvider.from_config(cfg)
    with pytest.raises(ValueError):
        EmulatorSuite(workos_port=0, convex_port=0, auth_providers=[cfg])


def test_suite_trusts_the_configured_providers_instead_of_the_workos_emulator():
    suite = EmulatorSuite(workos_port=0, convex_port=0, auth_providers=TEMPLATE).start_in_thread()
    try:
        suite.call(suite.convex.verifier.verify(token(exp=int(suite.clock()) + 60, iat=int(suite.clock()))))
        with pytest.raises(AuthRejected):
            suite.call(suite.convex.verifier.verify(suite.workos.sign_in()["access_token"]))
    finally:
        suite.stop()
    both = EmulatorSuite(workos_port=0, convex_port=0,
                         auth_providers=lambda workos: [workos.trusted_issuer(), *TEMPLATE]).start_in_thread()
    try:
        assert both.call(both.convex.verifier.verify(both.workos.sign_in()["access_token"]))[1]["iss"] == both.issuer
        assert both.workos.trusted_issuer()["type"] == "customJwt"
    finally:
        both.stop()


def test_a_bad_provider_from_a_callable_fails_start_and_frees_the_ports():
    suite = EmulatorSuite(workos_port=0, convex_port=0, auth_providers=lambda workos: [{"type": "oidc"}])
    with pytest.raises(ValueError):
        suite.start_in_thread()
    assert suite.workos is not None and suite.convex is None
    with socket.create_server(("127.0.0.1", suite.workos.config.port)):
        pass  # the WorkOS port was released
