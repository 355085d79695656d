import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace import Event, Kind, Trace, fingerprint, redact
from authtrace.redaction import FINGERPRINT_RE

from _builders import make_jwt, opaque_token


def dumped(value) -> str:
    return json.dumps(value)


def test_fingerprint_is_stable_short_and_prefixed():
    assert fingerprint("abc") == fingerprint("abc")
    assert fingerprint("abc") != fingerprint("abd")
    assert FINGERPRINT_RE.match(fingerprint("abc"))
    assert fingerprint("abc", "code").startswith("code:")


def test_every_secret_place_named_in_the_issue():
    at, rt, code, verifier = make_jwt(), opaque_token(), opaque_token(), opaque_token(32)
    captured = {
        "headers": {"Authorization": f"Bearer {at}", "Cookie": f"wos-session={rt}; theme=dark",
                    "Set-Cookie": f"workos-refresh={rt}; Path=/; HttpOnly", "Content-Type": "application/json"},
        "json_body": {"grant_type": "refresh_token", "refresh_token": rt, "client_id": "client_local"},
        "body_text": json.dumps({"access_token": at, "refresh_token": rt, "user": {"id": "user_1"}}),
        "form": f"grant_type=authorization_code&code={code}&code_verifier={verifier}&client_id=c",
        "url": f"http://localhost:5173/callback?code={code}&state=xyz",
        "storage": {"key": "workos:refresh-token:client_local", "newValue": rt, "oldValue": None},
        "frame": json.dumps({"type": "Authenticate", "tokenType": "User", "baseVersion": 0, "value": at}),
        "har_headers": [{"name": "authorization", "value": f"Bearer {at}"}],
        "har_cookies": {"cookies": [{"name": "wos-session", "value": rt}]},
    }
    out = redact(captured)
    text = dumped(out.value)
    for secret in (at, rt, code, verifier, at.split(".")[2]):
        assert secret not in text
    # same secret, same fingerprint wherever it was
    assert out.value["json_body"]["refresh_token"] == fingerprint(rt)
    assert json.loads(out.value["body_text"])["refresh_token"] == fingerprint(rt)
    assert out.value["storage"]["newValue"] == fingerprint(rt)
    assert out.value["storage"]["oldValue"] is None
    assert out.value["headers"]["Authorization"] == f"Bearer {fingerprint(at)}"
    assert json.loads(out.value["frame"])["value"] == fingerprint(at)
    assert out.value["url"] == f"http://localhost:5173/callback?code={fingerprint(code, 'code')}&state=xyz"
    # non-secrets stay readable
    assert out.value["json_body"]["grant_type"] == "refresh_token"
    assert "theme=" in out.value["headers"]["Cookie"] and "Path=/; HttpOnly" in out.value["headers"]["Set-Cookie"]
    # JWT claims kept next to the fingerprint
    assert out.jwt[fingerprint(at)]["sub"] == "user_01TEST"
    assert "email" not in out.jwt[fingerprint(at)]


def test_redaction_is_idempotent():
    first = redact({"refresh_token": opaque_token(), "h": {"authorization": "Bearer " + make_jwt()}})
    assert redact(first.value).value == first.value


def test_trace_redaction_puts_claims_in_event_payload():
    at = make_jwt({"sub": "user_Z"})
    t = Trace()
    t.add(Event("tab", 1, 2, Kind.WEBSOCKET, "send", {"message": {"type": "Authenticate", "value": at}}))
    red = t.redacted()
    payload = red.events[0].payload
    assert payload["message"]["value"] == fingerprint(at)
    assert payload["jwt"][fingerprint(at)]["sub"] == "user_Z"
    assert red.meta["redacted"] is True
    assert at not in red.dumps()


TOKEN_CHARS = string.ascii_letters + string.digits + "-_"
opaque = st.text(alphabet=TOKEN_CHARS, min_size=20, max_size=80)
jwts = st.builds(
    lambda sub, sig: make_jwt({"sub": sub}, signature=sig),
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=12),
    st.binary(min_size=32, max_size=64),
)
secrets = st.one_of(opaque, jwts)


def places(secret: str) -> list:
    """A secret in each captured shape the recorder stores."""
    return [
        {"headers": {"Authorization": f"Bearer {secret}"}},
        {"headers": {"cookie": f"a=1; wos-session={secret}"}},
        {"headers": {"set-cookie": f"wos-session={secret}; Path=/; Secure"}},
        {"body": {"refresh_token": secret, "grant_type": "refresh_token"}},
        {"body": json.dumps({"access_token": secret, "refresh_token": secret})},
        {"body": f"grant_type=refresh_token&refresh_token={secret}&client_id=client_local"},
        {"url": f"http://127.0.0.1:5173/callback?state=s&code={secret}"},
        {"url": f"http://127.0.0.1:5173/#access_token={secret}&x=1"},
        {"key": "workos:refresh-token:client_local", "value": secret},
        {"frame": json.dumps({"type": "Authenticate", "baseVersion": 1, "value": secret, "tokenType": "User"})},
        {"frame": {"type": "Authenticate", "baseVersion": 1, "value": secret, "tokenType": "User"}},
    ]


def windows(secret: str, n: int = 12):
    return {secret[i:i + n] for i in range(len(secret) - n + 1)}


@settings(max_examples=60, deadline=None)
@given(secret=secrets)
def test_no_secret_substring_survives(secret):
    for place in places(secret):
        text = dumped(redact(place).value)
        assert secret not in text
        if "." in secret:  # a JWT: nothing of its signature, and not its raw payload segment
            for part in secret.split(".")[1:]:
                assert not (windows(part) & {text[i:i + 12] for i in range(len(text) - 11)}), place
        else:
            survivors = [w for w in windows(secret) if w in text]
            assert not survivors, (place, survivors)
