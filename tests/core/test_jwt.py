from authtrace import read_claims
from authtrace.jwt import JWT_RE

from _builders import make_jwt


def test_reads_issue_claims_and_header():
    token = make_jwt({"sub": "user_A", "exp": 1_800_000_300, "iat": 1_800_000_000})
    c = read_claims(token)
    assert c.sub == "user_A"
    assert c.kid == "key_test" and c.alg == "RS256"
    assert c.lifetime() == 300
    assert c.expired(1_800_000_299) is False
    assert c.expired(1_800_000_300) is True
    assert c.expired(1_800_000_301, leeway_s=5) is False


def test_keeps_only_non_secret_claims_and_no_signature():
    token = make_jwt({"email": "a@b.c", "custom": "x"})
    out = read_claims(token).to_json()
    assert set(out) <= {"iss", "sub", "sid", "jti", "iat", "exp", "org_id", "kid", "alg"}
    assert token.split(".")[2] not in repr(out)
    assert "email" not in out


def test_not_a_jwt():
    assert read_claims("opaque-refresh-token") is None
    assert read_claims("a.b.c") is None
    assert read_claims(None) is None
    assert read_claims("eyJhbGciOi.eyJzdWIi.sig") is None  # truncated base64 JSON


def test_regex_finds_jwt_inside_text():
    token = make_jwt()
    assert JWT_RE.search(f"Bearer {token}, more").group(0) == token


def test_lifetimes_in_a_payloads_claims():
    """The one reading of token lifetimes the diagnosis's Timeline and the replay plan share."""
    from authtrace.diagnosis import Timeline
    from authtrace.event import Event, Kind
    from authtrace.jwt import lifetimes_in
    from authtrace.replay.plan import build_plan
    from authtrace.trace import Trace

    claims = {"tok:1": {"iat": 100, "exp": 160}, "tok:2": {"iat": 100, "exp": 100}, "tok:3": {"iat": True, "exp": 160},
              "tok:4": {"exp": 160}, "tok:5": "x", "tok:6": {"iat": 0.5, "exp": 90.75}}
    assert lifetimes_in(claims) == [60, 90.25]
    assert lifetimes_in(None) == [] and lifetimes_in([claims]) == []
    t = Trace()
    for i in range(3):
        t.add(Event("A", i * 1000.0, 1.8e12 + i * 1000.0, Kind.AUTHKIT, "getAccessToken",
                    {"outcome": "token", "token": "tok:1", "jwt": {"tok:1": {"iat": 100, "exp": 160}}}))
    t.add(Event("A", 4000.0, 1.8e12 + 4000.0, Kind.NETWORK, "offline", {}))
    t.add(Event("A", 5000.0, 1.8e12 + 5000.0, Kind.NETWORK, "online", {}))
    assert Timeline(t).lifetime_ms == 60_000.0
    assert build_plan(t)["tokens"] == {"access_token_ttl_s": 60.0, "lifetimes_s": [60.0]}
