"""Property tests: random secrets in random positions and shapes of traces and HARs never survive.

Two kinds of secrets (docs/redaction.md states the guarantee for both):

- *random tokens* (base64url, standard base64 with ``+/=``, hex, JWTs) may be
  anywhere: values, keys, lists, nested and JSON-encoded values, base64
  bodies, cookies, headers, URLs, free text;
- *any* string of token characters (``aaaa…`` included) where the structure
  says it is secret: a secret-named field or header, a cookie, ``Bearer``,
  ``refresh_token=…`` in text, storage and ``Authenticate`` values, multipart.

The outputs checked are those of the redactor, of a trace's redaction, of the
HAR conversion ``analyze`` uses, of the diagnosis ``analyze --json`` prints and
of the HAR export; no 16-character slice of a secret may be in any of them.
The same file runs inside Pyodide (fewer examples there, see EXAMPLES); the
CLI's own outputs are checked the same way in tests/cli/test_cli_properties.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import string
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace import Event, Kind, Trace, redact
from authtrace.diagnosis import diagnose, har_to_trace
from authtrace.har_export import to_har

from _builders import b64url, make_jwt
import _har as H

EXAMPLES = 15 if sys.platform == "emscripten" else 150
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)


def _hash(data: bytes, n: int) -> bytes:
    return hashlib.sha512(data).digest()[:n]


# -- secrets -----------------------------------------------------------------------------------
seeds = st.binary(min_size=1, max_size=16)
random_tokens = st.one_of(
    seeds.map(lambda b: b64url(_hash(b, 32))),
    seeds.map(lambda b: base64.b64encode(_hash(b, 33)).decode()),
    seeds.map(lambda b: base64.b64encode(_hash(b, 32)).decode()),  # ends with "="
    seeds.map(lambda b: _hash(b, 20).hex()),
    st.tuples(seeds, st.text(string.ascii_letters, min_size=1, max_size=8)).map(
        lambda t: make_jwt({"sub": t[1], "jti": t[0].hex()}, signature=_hash(t[0], 64))),
)
# Text that is in the outputs anyway (field names, words): a "secret" sharing 16 characters with it
# would be a false alarm, not a leak.
_KNOWN_HAR = H.har([H.auth_entry(0, {"grant_type": "refresh_token", "refresh_token": "x"}, answer={"error": "x"}),
                    H.ws_entry(0, [(1, "send", {"type": "Connect", "connectionCount": 0})]), H.page_entry(0)])
_KNOWN_TRACE = har_to_trace(_KNOWN_HAR)
KNOWN = "".join([json.dumps(_KNOWN_HAR), _KNOWN_TRACE.dumps(), json.dumps(diagnose(_KNOWN_TRACE).to_json()),
                 json.dumps(to_har(_KNOWN_TRACE))])


def _novel(secret: str) -> bool:
    return not any(secret[i:i + 16] in KNOWN for i in range(len(secret) - 15))


any_tokens = st.text(string.ascii_letters + string.digits + "-_", min_size=16, max_size=40).filter(_novel)

WORDS = ["failed", "token", "sent", "retry", "the", "value", "at", "GET", "error:", "(", ")", "'", '"', ",", ";",
         "\n", "=>", "for", "tab", "…", "é", "\u00a0"]
SEPARATORS = [" ", "\n", " (", ") ", "'", '"', ": ", ", ", "\t", "=\""]
words = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join)


@st.composite
def free_text(draw, secret):
    return draw(words) + draw(st.sampled_from(SEPARATORS)) + secret + draw(st.sampled_from(SEPARATORS)) + draw(words)


# -- places --------------------------------------------------------------------------------------
PLAIN_KEYS = ["data", "detail", "x_custom", "body", "message", "payload", "result", "info"]
SECRET_KEYS = ["refresh_token", "access_token", "x-api-key", "password", "client_secret", "wos-session",
               "sessionToken", "code_verifier"]


@st.composite
def random_place(draw, secret):
    """A random token somewhere in a JSON-like value."""
    kind = draw(st.integers(0, 13))
    key = draw(st.sampled_from(PLAIN_KEYS))
    if kind == 0:
        return {key: secret}
    if kind == 1:
        return {secret: draw(st.sampled_from([1, "x", None]))}
    if kind == 2:
        return {key: [draw(st.integers()), secret]}
    if kind == 3:
        return {key: draw(free_text(secret))}
    if kind == 4:
        return {"url": f"https://app.example.test/cb?state=s&{key}={secret}#x"}
    if kind == 5:
        return {"url": f"https://app.example.test/#{secret}"}
    if kind == 6:
        return {"headers": [{"name": "x-trace", "value": draw(free_text(secret))}]}
    if kind == 7:
        return {"cookie": f"theme=dark; other={secret}"}
    if kind == 8:
        return {key: json.dumps(draw(random_place(secret)))}
    if kind == 9:
        inner = json.dumps(draw(random_place(secret))).encode()
        return {"content": {"mimeType": "application/json", "encoding": "base64",
                            "text": base64.b64encode(inner).decode()}}
    if kind == 10:
        return {key: {"nested": [draw(random_place(secret))]}}
    if kind == 11:
        return {key: [[key, draw(free_text(secret))]]}
    if kind == 12:
        return {key: "\n".join(json.dumps(x) for x in (draw(random_place(secret)), {"n": 1}))}
    return {key: f"Bearer {secret}"}


@st.composite
def marked_place(draw, secret):
    """Any token-character string, where the structure says it is secret."""
    kind = draw(st.integers(0, 12))
    skey = draw(st.sampled_from(SECRET_KEYS))
    if kind == 0:
        return {skey: secret}
    if kind == 1:
        return {skey: [secret, {"x": secret}]}
    if kind == 2:
        return {"headers": [{"name": "Authorization", "value": f"Bearer {secret}"}]}
    if kind == 3:
        return {"headers": [["Cookie", f"a=1; b={secret}"]]}
    if kind == 4:
        return {"set-cookie": f"a=1; Path=/\nwos-session={secret}; HttpOnly"}
    if kind == 5:
        return {"cookies": [{"name": "anything", "value": secret, "path": "/"}]}
    if kind == 6:
        return {"key": "workos:refresh-token:client_1", "newValue": secret}
    if kind == 7:
        return {"frame": json.dumps({"type": "Authenticate", "tokenType": "User", "value": secret})}
    if kind == 8:
        sep = draw(st.sampled_from([": ", "=", '": "', "\\\":\\\"", "%3D"]))
        return {"message": draw(words) + f" {skey}{sep}{secret} " + draw(words)}
    if kind == 9:
        return {"message": f"Authorization: Bearer\u00a0{secret}"}
    if kind == 10:
        return {"body": f'--b\r\nContent-Disposition: form-data; name="{skey}"\r\n\r\n{secret}\r\n--b--'}
    if kind == 11:
        return {"workos:refresh-token:client_1": secret}
    return {"data": json.dumps(draw(marked_place(secret)))[: draw(st.integers(10, 400))] + "…"}  # truncated


def survivors(text: str, secrets: list[str]) -> list[str]:
    return [s[i:i + 16] for s in secrets for i in range(len(s) - 15) if s[i:i + 16] in text]


def outputs_of_trace(trace: Trace) -> list[str]:
    red = trace.redacted()
    return [red.dumps(), json.dumps(diagnose(red).to_json()), json.dumps(to_har(red))]


# -- values ----------------------------------------------------------------------------------------
@SETTINGS
@given(data=st.data(), secret=random_tokens)
def test_random_tokens_anywhere_in_a_value(data, secret):
    value = data.draw(random_place(secret))
    r = redact(value)
    text = json.dumps(r.value) + json.dumps(r.jwt)
    assert not survivors(text, [secret]), (value, r.value)
    assert redact(r.value).value == r.value  # idempotent


@SETTINGS
@given(data=st.data(), secret=any_tokens)
def test_any_token_where_the_structure_says_secret(data, secret):
    value = data.draw(marked_place(secret))
    text = json.dumps(redact(value).value)
    assert secret not in text and not survivors(text, [secret]), (value, text)


# -- traces ------------------------------------------------------------------------------------------
KINDS = [k for k in Kind]


@st.composite
def traces(draw):
    secrets, events = [], []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            s = draw(random_tokens)
            payload = draw(random_place(s))
        else:
            s = draw(any_tokens)
            payload = draw(marked_place(s))
        secrets.append(s)
        tab, type_ = "tab-1", draw(st.sampled_from(["request", "note", "Authenticate", "setItem"]))
        if draw(st.booleans()):  # a marked secret in the tab or type
            s2 = draw(random_tokens)
            secrets.append(s2)
            if draw(st.booleans()):
                tab = f"tab refresh_token={s2}"
            else:
                type_ = f"custom Bearer {s2}"
        events.append(Event(tab, float(i), 1.8e12 + i, draw(st.sampled_from(KINDS)), type_, payload))
    trace = Trace({"origin": "http://127.0.0.1:5173"})
    trace.extend(events)
    return trace, secrets


@SETTINGS
@given(sample=traces())
def test_traces_redacted_diagnosed_and_exported(sample):
    trace, secrets = sample
    for text in outputs_of_trace(trace):
        assert not survivors(text, secrets), text[:500]


# -- HARs ----------------------------------------------------------------------------------------------
@st.composite
def hars(draw):
    secrets = [draw(random_tokens) for _ in range(3)]
    marked = draw(any_tokens)
    at = make_jwt({"iat": 1_800_000_000, "exp": 1_800_000_300})
    s1, s2, s3 = secrets
    frames = [(1, "send", {"type": "Connect", "sessionId": "6f1c1a4e-0000-4f00-9c3e-000000000001",
                           "connectionCount": 0, "lastCloseReason": draw(free_text(s1))}),
              (2, "send", {"type": "Authenticate", "tokenType": "User", "baseVersion": 0, "value": marked}),
              (3, "receive", {"type": "AuthError", "error": draw(free_text(s2)), "baseVersion": 0}),
              (4, "receive", {"type": "Transition", "startVersion": {"identity": 0},
                              "endVersion": draw(st.sampled_from([{"identity": 1}, [1], s3])),
                              "modifications": [{"type": "QueryUpdated", "value": draw(random_place(s3))}]})]
    body = draw(st.sampled_from([{"grant_type": "refresh_token", "refresh_token": marked},
                                 {"grant_type": "authorization_code", "code": marked, "code_verifier": s1}]))
    answer = {"access_token": at, "refresh_token": s2, "user": {"id": "user_01HXYZ"}}
    auth = H.auth_entry(3, body, answer=answer)
    auth["request"]["headers"].append({"name": draw(st.sampled_from(["Authorization", "Cookie", "x-api-key"])),
                                       "value": f"Bearer {marked}"})
    auth["request"]["cookies"] = [{"name": "wos-session", "value": marked, "httpOnly": True}]
    if draw(st.booleans()):
        content = auth["response"]["content"]
        content["text"], content["encoding"] = base64.b64encode(content["text"].encode()).decode(), "base64"
    page = H.page_entry(0, url=f"https://app.example.test/callback?code={marked}&state={s3}")
    page["response"]["content"]["text"] = draw(free_text(s1))
    return H.har([page, H.ws_entry(0.5, frames), auth]), secrets + [marked, at]


@SETTINGS
@given(sample=hars())
def test_hars_redacted_converted_diagnosed(sample):
    har, secrets = sample
    red = redact(har)
    assert not survivors(json.dumps(red.value) + json.dumps(red.jwt), secrets)
    trace = har_to_trace(har)
    for text in [trace.dumps(), json.dumps(diagnose(trace).to_json()), json.dumps(to_har(trace))]:
        assert not survivors(text, secrets), text[:500]
