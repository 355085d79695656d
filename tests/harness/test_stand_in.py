"""The WorkOS emulator standing in for https://api.workos.com: the issuer that host uses,
an HTTPS endpoint with a certificate made here, the JWKS fetched locally, and the app's own
auth.config.ts deciding which tokens Convex accepts, as a deployment does."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import ssl
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from authtrace.host.emulators.auth_config import AuthConfigError, providers_of, trusted_providers
from authtrace.host.emulators.convex_auth import AuthRejected, JwtVerifier
from authtrace.host.emulators.stand_in import LocalCertificate, routed_fetch
from authtrace.host.emulators.suite import EmulatorSuite

from .conftest import FUNCTIONS, needs_node

TEMPLATE = {"providers": [
    {"type": "customJwt", "issuer": "https://api.workos.com/", "algorithm": "RS256", "applicationID": "client_local",
     "jwks": "https://api.workos.com/sso/jwks/client_local"},
    {"type": "customJwt", "issuer": "https://api.workos.com/user_management/client_local", "algorithm": "RS256",
     "jwks": "https://api.workos.com/sso/jwks/client_local"},
]}


@pytest.fixture(scope="module")
def stand_in():
    s = EmulatorSuite(workos_port=0, convex_port=0, stand_in=True, jwks="url").start_in_thread()
    yield s
    s.stop()


def https(suite, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
    """A request to https://api.workos.com as a browser routed to the stand-in makes it (SNI, the name checked)."""
    ctx = ssl.create_default_context(cadata=suite.certificate.cert_pem.decode())
    conn = http.client.HTTPSConnection("api.workos.com", context=ctx, timeout=10)
    conn.sock = ctx.wrap_socket(socket.create_connection((suite.host, suite.tls_port), timeout=10),
                                server_hostname="api.workos.com")
    payload = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, payload, {"Content-Type": "application/json", "Origin": "http://localhost:5173"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), json.loads(data) if data else {}


def test_tokens_carry_the_issuer_of_the_host_it_stands_in_for(stand_in):
    assert stand_in.issuer == "https://api.workos.com/user_management/client_local"
    assert stand_in.jwks_url == "https://api.workos.com/sso/jwks/client_local"
    tokens = stand_in.workos.sign_in()
    claims = stand_in.workos.key.verify(tokens["access_token"])
    assert claims["iss"] == stand_in.issuer and "aud" not in claims
    # The Convex emulator fetched the JWKS at that URL, from the emulator itself.
    identity, _ = stand_in.call(stand_in.convex.verifier.verify(tokens["access_token"]))
    assert identity.token_identifier == f"{stand_in.issuer}|{claims['sub']}"
    assert stand_in.convex.verifier.jwks_fetches >= 1


def test_the_https_endpoint_answers_as_api_workos_com_with_cors(stand_in):
    status, headers, keys = https(stand_in, "GET", "/sso/jwks/client_local")
    assert status == 200 and keys == stand_in.workos.key.jwks()
    status, headers, body = https(stand_in, "POST", "/user_management/authenticate",
                                  {"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": "nope"})
    assert status == 400 and body["error"] == "invalid_grant"
    assert headers["access-control-allow-origin"] == "http://localhost:5173"
    assert headers["access-control-allow-credentials"] == "true"
    # The control API stays on the plain port, for loopback clients.
    assert https(stand_in, "GET", "/__authtrace/faults")[0] == 404


def test_a_fault_acts_on_the_https_endpoint_too(stand_in):
    stand_in.workos.arm("status", match={"path": "/sso/jwks/*"}, params={"status": 503})
    assert https(stand_in, "GET", "/sso/jwks/client_local")[0] == 503
    assert https(stand_in, "GET", "/sso/jwks/client_local")[0] == 200


def test_the_certificate_is_for_the_host_and_its_pin_is_its_public_key():
    cert = LocalCertificate.generate()
    from cryptography import x509

    parsed = x509.load_pem_x509_certificate(cert.cert_pem)
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert names == ["api.workos.com"]
    assert cert.spki_sha256 != LocalCertificate.generate().spki_sha256  # a new key each time
    assert len(__import__("base64").b64decode(cert.spki_sha256)) == 32


def test_urls_under_the_public_host_are_fetched_from_the_local_one():
    seen = []

    async def fetch(url):
        seen.append(url)
        return b"{}"

    routed = routed_fetch("https://api.workos.com", "http://127.0.0.1:9", fetch)
    asyncio.run(routed("https://api.workos.com/sso/jwks/c?x=1"))
    asyncio.run(routed("https://example.com/jwks"))
    asyncio.run(routed("https://api.workos.com.evil.example/jwks"))
    assert seen == ["http://127.0.0.1:9/sso/jwks/c?x=1", "https://example.com/jwks",
                    "https://api.workos.com.evil.example/jwks"]


# -- the app's auth.config.ts ------------------------------------------------------------------------

@needs_node
@pytest.mark.parametrize(("client_id", "accepted"), [("client_local", True), ("client_other", False)])
def test_the_apps_auth_config_decides_as_a_deployment_would(client_id, accepted):
    suite = EmulatorSuite(workos_port=0, convex_port=0, convex_functions=FUNCTIONS, stand_in=True,
                          convex_env={"WORKOS_CLIENT_ID": client_id}).start_in_thread(timeout=120)
    try:
        token = suite.workos.sign_in()["access_token"]
        if accepted:
            identity, claims = suite.call(suite.convex.verifier.verify(token))
            assert claims["iss"] == "https://api.workos.com/user_management/client_local"
        else:
            with pytest.raises(AuthRejected) as rejected:
                suite.call(suite.convex.verifier.verify(token))
            assert rejected.value.reason == "bad-issuer"
            assert "No auth provider found matching the given token" in rejected.value.message
    finally:
        suite.stop()


@needs_node
def test_without_the_stand_in_an_unmodified_template_config_rejects_the_local_issuer():
    suite = EmulatorSuite(workos_port=0, convex_port=0, convex_functions=FUNCTIONS).start_in_thread(timeout=120)
    try:
        with pytest.raises(AuthRejected, match="issuer 'http://127.0.0.1"):
            suite.call(suite.convex.verifier.verify(suite.workos.sign_in()["access_token"]))
    finally:
        suite.stop()


KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"}, private=True)


def _token(**claims) -> str:
    now = int(time.time())
    return jwt.encode({"alg": "RS256", "kid": "k1"}, {"sub": "u1", "iat": now, "exp": now + 60, **claims}, KEY)


def test_an_applicationid_provider_needs_the_audience_and_an_oidc_one_its_discovery():
    docs = {"https://login.example.com/.well-known/openid-configuration":
            json.dumps({"issuer": "https://login.example.com", "jwks_uri": "https://login.example.com/keys"}).encode(),
            "https://login.example.com/keys": json.dumps({"keys": [KEY.as_dict(private=False)]}).encode()}

    async def fetch(url):
        return docs[url]

    config = {"providers": [{"domain": "https://login.example.com", "applicationID": "app_1"}]}
    providers = asyncio.run(trusted_providers(config, fetch))
    assert providers == [{"type": "customJwt", "issuer": "https://login.example.com", "algorithm": "RS256",
                          "applicationID": "app_1", "jwks": "https://login.example.com/keys"}]
    verifier = JwtVerifier(providers, time.time, fetch=fetch)
    asyncio.run(verifier.verify(_token(iss="https://login.example.com", aud="app_1")))
    asyncio.run(verifier.verify(_token(iss="https://login.example.com", aud=["other", "app_1"])))
    for bad in (_token(iss="https://login.example.com"), _token(iss="https://login.example.com", aud="other")):
        with pytest.raises(AuthRejected, match="No auth provider found"):
            asyncio.run(verifier.verify(bad))


@pytest.mark.parametrize(("config", "message"), [
    ({}, "must be an object with a `providers` list"),
    ({"providers": ["x"]}, "provider 1: must be an object"),
    ({"providers": [{"type": "saml"}]}, "provider 1: neither a customJwt entry nor an OIDC"),
    ({"providers": [{"domain": "https://login.example.com"}]}, "needs an applicationID"),
    ({"providers": [{"type": "customJwt", "issuer": "https://x", "jwks": "https://x/k", "algorithm": "HS256"}]},
     "provider 1: a customJwt provider's algorithm"),
])
def test_an_auth_config_a_push_would_refuse_is_refused(config, message):
    with pytest.raises(AuthConfigError, match=message):
        providers_of(config)


def test_the_template_config_is_read_as_it_is():
    assert providers_of(TEMPLATE) == TEMPLATE["providers"]


def test_a_browser_routed_to_the_stand_in_talks_to_https_api_workos_com(stand_in):
    """Chromium with the suite's flags: the page's fetch to the real host reaches the emulator, CORS and all."""
    from authtrace.host.chromium import new_driver

    driver = new_driver(stand_in.browser_flags)
    try:
        driver.get(f"{stand_in.workos_url}/sso/jwks/client_local")  # any http page of another origin
        driver.set_script_timeout(20)
        got = driver.execute_async_script("""
            const done = arguments[0];
            fetch('https://api.workos.com/sso/jwks/client_local', {credentials: 'include'})
              .then(r => r.json().then(j => done({status: r.status, kid: j.keys[0].kid})), e => done(String(e)));""")
    finally:
        driver.quit()
    assert got == {"status": 200, "kid": stand_in.workos.key.kid}
