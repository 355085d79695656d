"""Every leak issue 12 lists, pinned: the secret is gone and what is not secret stays readable.

Most secrets here are deliberately low-entropy ("correct-horse-battery"): the
structure must find them, not the entropy fallback. Tokens are made at test
time (tests/core/_builders.py).
"""

from __future__ import annotations

import base64
import json

import pytest

from authtrace import Event, Kind, Trace, fingerprint, redact
from authtrace.capture import Capture
from authtrace.diagnosis import har_to_trace
from authtrace.redaction import Redactor

from _builders import b64url, make_jwt, opaque_token
import _har as H

WORDY = "correct-horse-battery"  # not token-like: only a secret because of where it is


def slices(secret: str, n: int = 16) -> set[str]:
    return {secret[i:i + n] for i in range(max(1, len(secret) - n + 1))}


def assert_gone(value, *secrets: str) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    for secret in secrets:
        left = [s for s in slices(secret) if s in text]
        assert not left, f"{secret!r} survives in {text[:300]}"
    return text


def red(value):
    return redact(value).value


# -- secret-named keys, lists, pairs, storage keys, cookie objects -----------------------------
@pytest.mark.parametrize("key", ["refresh_token", "x-api-key", "Authorization", "password", "wos-session",
                                 "code_verifier", "client_secret", "accessToken"])
def test_secret_named_key_with_a_list_value(key):
    out = red({key: [WORDY, {"nested": WORDY}, [WORDY]]})
    assert_gone(out, WORDY)
    assert isinstance(out[key], list) and len(out[key]) == 3


def test_headers_as_a_list_of_pairs():
    at = make_jwt()
    out = red({"headers": [["Authorization", f"Bearer {at}"], ["Cookie", f"wos-session={WORDY}; theme=dark"],
                           ["Content-Type", "application/json"], ["x-api-key", WORDY]]})
    assert_gone(out, at, WORDY)
    assert out["headers"][0] == ["Authorization", f"Bearer {fingerprint(at)}"]
    assert out["headers"][2] == ["Content-Type", "application/json"]
    assert "theme=" in out["headers"][1][1]


def test_object_keyed_by_the_refresh_token_storage_key():
    out = red({"localStorage": {"workos:refresh-token:client_01HXYZ": WORDY, "theme": "dark"}})
    assert_gone(out, WORDY)
    assert out["localStorage"] == {"workos:refresh-token:client_01HXYZ": fingerprint(WORDY), "theme": "dark"}


def test_cookie_objects_outside_a_cookies_key():
    page_cookies = [{"name": "wos-refresh-token", "value": WORDY, "domain": "app.test", "path": "/",
                     "expires": -1, "httpOnly": True, "secure": True, "session": True, "sameSite": "Lax"},
                    {"name": "theme", "value": "dark-mode-enabled-x", "domain": "app.test", "path": "/"}]
    out = red({"result": page_cookies, "one": {"name": "wos-refresh-token", "value": WORDY}})
    assert_gone(out, WORDY, "dark-mode-enabled-x")  # a cookie object's value is a secret whatever its name
    assert out["result"][0]["name"] == "wos-refresh-token" and out["result"][0]["domain"] == "app.test"
    assert out["one"] == {"name": "wos-refresh-token", "value": fingerprint(WORDY)}


def test_document_cookie_string():
    doc_cookie = f"theme=dark; wos-session={WORDY}; workos-has-session=1"
    for value in ({"cookie": doc_cookie}, {"documentCookie": doc_cookie}, {"note": f"document.cookie = {doc_cookie}"}):
        out = red(value)
        assert_gone(out, WORDY)
        assert "theme=" in json.dumps(out)


def test_several_cookies_in_one_set_cookie_joined_by_newlines():
    second, third = opaque_token(), WORDY + "-3"
    header = f"wos-session={WORDY}; Path=/; HttpOnly\nwos-refresh={second}; Max-Age=60\nother={third}; Secure"
    out = red({"set-cookie": header})
    assert_gone(out, WORDY, second, third)
    lines = out["set-cookie"].split("\n")
    assert [ln.split("=")[0] for ln in lines] == ["wos-session", "wos-refresh", "other"]
    assert "Path=/; HttpOnly" in lines[0] and "Max-Age=60" in lines[1]


# -- HAR bodies ------------------------------------------------------------------------------------
def test_har_base64_body_is_decoded_redacted_and_encoded_again():
    rt, at = WORDY, make_jwt()
    body = json.dumps({"access_token": at, "refresh_token": rt, "user": {"id": "user_01HXYZ"}})
    content = {"size": len(body), "mimeType": "application/json", "encoding": "base64",
               "text": base64.b64encode(body.encode()).decode()}
    out = red({"response": {"content": content}})
    text = base64.b64decode(out["response"]["content"]["text"]).decode()
    assert_gone(text, rt, at)
    assert json.loads(text) == {"access_token": fingerprint(at), "refresh_token": fingerprint(rt),
                                "user": {"id": "user_01HXYZ"}}
    binary = {"encoding": "base64", "text": base64.b64encode(b"\x89PNG\x00 Bearer " + at.encode() + b"\xff").decode()}
    assert_gone(base64.b64decode(red(binary)["text"]).decode("latin-1"), at)
    plain = {"encoding": "base64", "text": base64.b64encode(b"hello world").decode()}
    assert red(plain) == plain  # nothing secret: the body is kept byte for byte


# -- JWT shapes ------------------------------------------------------------------------------------
def test_jwt_as_an_object_key():
    at = make_jwt({"sub": "user_KEY"})
    r = redact({"seen": {at: True}})
    assert_gone(r.value, at)
    assert r.value == {"seen": {fingerprint(at): True}}
    assert r.jwt[fingerprint(at)]["sub"] == "user_KEY"


def test_jwt_with_a_standard_base64_signature():
    sig = base64.b64encode(bytes(range(250, 256)) + b"\xfb\xff" * 40).decode()  # has + and / (and =)
    assert "+" in sig and "/" in sig
    head = make_jwt().rsplit(".", 1)[0]
    token = f"{head}.{sig}"
    for value in ({"note": f"token {token} sent"}, {"authorization": f"Bearer {token}"}, {"m": token}):
        out = red(value)
        assert_gone(out, token, sig)
    assert red({"m": f"x {token} y"}) == {"m": f"x {fingerprint(token)} y"}


def test_jwt_header_with_whitespace():
    header = b64url(b'{ "alg": "RS256", "kid": "k1" }')
    assert header.startswith("eyAi")
    token = ".".join([header, b64url(b'{\n "sub": "user_WS", "exp": 1800000300\n}'), b64url(b"s" * 40)])
    r = redact({"frame": f'Authenticate {token}'})
    assert_gone(r.value, token)
    assert r.jwt[fingerprint(token)] == {"sub": "user_WS", "exp": 1800000300, "kid": "k1", "alg": "RS256"}


def test_five_part_jwe():
    header = b64url(json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "enc1"}).encode())
    jwe = ".".join([header, b64url(b"k" * 40), b64url(b"iv" * 6), b64url(b"ciphertext" * 8), b64url(b"t" * 16)])
    r = redact({"sealed": f"value={jwe}", "other": jwe})
    assert_gone(r.value, jwe, *jwe.split(".")[1:])
    assert r.value["other"] == fingerprint(jwe)
    assert r.jwt[fingerprint(jwe)] == {"kid": "enc1", "alg": "RSA-OAEP-256"}


# -- free text -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "refresh_token: {s}",
    'refresh_token="{s}"',
    "refresh_token = '{s}' and more",
    "{{\"refresh_token\": \"{s}\", \"grant_type\": \"refresh_token\"",  # truncated JSON
    '{{\\"refresh_token\\":\\"{s}\\"}}',  # escaped JSON inside text
    'x-api-key: ["{s}"]',
    "Authorization: Token {s}",
    "authorization: Bearer {s}",
    "Bearer\u00a0{s}",
    "Bearer\t{s}",
    "GET /callback?state%3Dabc%26code%3D{s}9 HTTP/1.1",
    "code%253D{s}9",
    "password={s}&user=ada",
])
def test_free_text_shapes(text):
    out = red({"message": text.format(s=WORDY + "9")})
    assert_gone(out, WORDY + "9")


def test_multipart_body():
    body = ("--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nrefresh_token\r\n"
            f"--XyZ\r\nContent-Disposition: form-data; name=\"refresh_token\"\r\n\r\n{WORDY}\r\n--XyZ--\r\n")
    out = red({"postData": {"mimeType": "multipart/form-data; boundary=XyZ", "text": body}})
    text = assert_gone(out, WORDY)
    assert 'name=\\"grant_type\\"\\r\\n\\r\\nrefresh_token' in text  # the other part stays


def test_ndjson_and_frames_back_to_back():
    lines = "\n".join(json.dumps(x) for x in ({"type": "Authenticate", "value": WORDY}, {"refresh_token": WORDY},
                                              {"type": "Transition", "n": 1}))
    out = red({"body": lines + "\n", "frames": json.dumps({"refresh_token": WORDY}) + json.dumps({"a": 1})})
    assert_gone(out, WORDY)
    assert out["body"].count("\n") == 3 and '"Transition"' in out["body"]


def test_bom_before_a_frame():
    frame = "\ufeff" + json.dumps({"type": "Authenticate", "tokenType": "User", "value": WORDY})
    out = red({"data": frame})
    assert_gone(out, WORDY)
    assert out["data"].startswith("\ufeff{")


def test_workos_error_description_that_echoes_the_code():
    code = "01HXYZ5KQ2M3N4P5R6S7T8V9WX"
    desc = f"The code '{code}' has expired or is invalid."
    out = red({"error": "invalid_grant", "error_description": desc, "msg": f"The code \u2018{WORDY}9\u2019 is bad"})
    assert_gone(out, code, WORDY + "9")
    assert out["error_description"] == f"The code '{fingerprint(code, 'code')}' has expired or is invalid."


# -- events: tab, type, keys -------------------------------------------------------------------------
def test_event_type_tab_and_keys_pass_the_redactor():
    at = make_jwt()
    t = Trace()
    t.add(Event(f"tab-{at}", 1, 2, Kind.NOTE, f"note {at}", {at: 1, "m": "hello"}))
    text = assert_gone(t.redacted().dumps(), at)
    ev = t.redacted().events[0]
    assert ev.tab == f"tab-{fingerprint(at)}" and ev.type == f"note {fingerprint(at)}"
    assert fingerprint(at) in ev.payload["jwt"] and "hello" in text


def test_capture_of_an_unknown_observation_redacts_its_type():
    at = make_jwt()
    events = Capture("t1").observe({"kind": "note", "type": f"custom {at}", "mono": 1, "wall": 2,
                                    "payload": {"detail": {"token": WORDY}}})
    assert_gone([e.to_json() for e in events], at, WORDY)


def test_capture_redacts_fields_its_handlers_copy_as_they_are():
    at = make_jwt()
    cap = Capture("t1")
    cap.observe({"kind": "websocket", "type": "create", "mono": 0, "wall": 0,
                 "payload": {"socket": 1, "sync": True, "url": "wss://x/api/1/sync"}})
    out = cap.observe({"kind": "websocket", "type": "send", "mono": 1, "wall": 1,
                       "payload": {"socket": 1, "data": json.dumps({"type": "Mutation", "requestId": 1,
                                                                    "udfPath": f"messages:send {at}"})}})
    out += cap.observe({"kind": "storage", "type": "removeItem", "mono": 2, "wall": 2,
                        "payload": {"area": "local", "key": f"cache:{at}", "existed": True}})
    assert_gone([e.to_json() for e in out], at)
    assert out[1].payload["key"] == f"cache:{fingerprint(at)}"


def test_har_frames_with_secrets_in_unexpected_fields():
    at, rt = make_jwt(), opaque_token(32)
    frames = [(1, "send", {"type": "Connect", "sessionId": "6f1c1a4e-0000-4f00-9c3e-000000000001",
                           "lastCloseReason": f"closed: refresh_token={WORDY}", "connectionCount": 0}),
              (2, "send", {"type": "Authenticate", "tokenType": "User", "baseVersion": 0, "value": at}),
              (3, "receive", {"type": "FatalError", "error": f"bad token {rt}"})]
    trace = har_to_trace(H.har([H.ws_entry(0, frames)]))
    text = assert_gone(trace.dumps(), at, rt, WORDY)
    assert "6f1c1a4e-0000-4f00-9c3e-000000000001" in text  # a Convex session id is an id


def test_redactor_state_is_not_shared_between_redactors():
    at = make_jwt()
    assert Redactor().jwt == {}
    r = Redactor()
    r.value({"a": at})
    assert list(r.jwt) == [fingerprint(at)] and Redactor().jwt == {}
