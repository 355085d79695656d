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
