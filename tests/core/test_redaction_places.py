"""Every place the redactor claims to find a secret (authtrace.redaction's docstrings), one row each.

The secrets here are short and plain ("hunter22"): the entropy fallback never catches them, so
each row passes only because the rule for that place works. Each row checks the secret is gone
and that its fingerprint (with the right prefix) took its place.
"""

import base64
import json

import pytest

from authtrace.redaction import Redactor, fingerprint, redact

S = "hunter22"  # a secret nothing but its place gives away
TOK, CODE, COOKIE = fingerprint(S), fingerprint(S, "code"), fingerprint(S, "cookie")
RT_KEY = "workos:refresh-token:client_01HZX"


def red(value, **kw):
    return redact(value, **kw).value


# (name, input, expected output)
STRUCTURE = [
    ("secret-named field", {"refresh_token": S}, {"refresh_token": TOK}),
    ("camelCase secret name", {"refreshToken": S}, {"refreshToken": TOK}),
    ("code field", {"code": S}, {"code": CODE}),
    ("code verifier", {"code_verifier": S}, {"code_verifier": CODE}),
    ("password", {"password": S}, {"password": TOK}),
    ("secret name holding a list", {"client_secret": [S, 5]}, {"client_secret": [TOK, 5]}),
    ("secret name holding an object", {"session": {"a": {"b": S}}}, {"session": {"a": {"b": TOK}}}),
    ("secret name holding a number", {"access_token": 12}, {"access_token": 12}),
    ("authorization header keeps its scheme", {"Authorization": f"Bearer {S}"}, {"Authorization": f"Bearer {TOK}"}),
    ("authorization without scheme", {"authorization": S}, {"authorization": TOK}),
    ("cookie header, each value", {"cookie": f"a={S}; b={S}"}, {"cookie": f"a={COOKIE}; b={COOKIE}"}),
    ("set-cookie keeps attributes", {"set-cookie": f"wos={S}; Path=/; HttpOnly"},
     {"set-cookie": f"wos={COOKIE}; Path=/; HttpOnly"}),
    ("{name, value} pair named like a secret", {"name": "refresh_token", "value": S},
     {"name": "refresh_token", "value": TOK}),
    ("{name, value} header pair", {"name": "Authorization", "value": f"Bearer {S}"},
     {"name": "Authorization", "value": f"Bearer {TOK}"}),
    ("{name, value} pair of a plain name stays", {"name": "theme", "value": S}, {"name": "theme", "value": S}),
    ("cookie object", {"name": "theme", "value": S, "domain": "x", "path": "/"},
     {"name": "theme", "value": COOKIE, "domain": "x", "path": "/"}),
    ("cookies list of pairs", {"cookies": [{"name": "theme", "value": S}]}, {"cookies": [{"name": "theme", "value": COOKIE}]}),
    ("[name, value] pair", ["refresh_token", S], ["refresh_token", TOK]),
    ("[name, value] plain pair stays", ["theme", S], ["theme", S]),
    ("Convex Authenticate frame", {"type": "Authenticate", "value": S}, {"type": "Authenticate", "value": TOK}),
    ("another frame's value stays", {"type": "Connect", "value": S}, {"type": "Connect", "value": S}),
    ("storage entry", {"key": RT_KEY, "value": S}, {"key": RT_KEY, "value": TOK}),
    ("storage event", {"key": RT_KEY, "oldValue": S, "newValue": S}, {"key": RT_KEY, "oldValue": TOK, "newValue": TOK}),
    ("storage event (snake case)", {"key": RT_KEY, "old_value": S, "new_value": None},
     {"key": RT_KEY, "old_value": TOK, "new_value": None}),
    ("other storage keys stay", {"key": "theme", "value": S, "newValue": S}, {"key": "theme", "value": S, "newValue": S}),
    ("storage key as a member name", {RT_KEY: S}, {RT_KEY: TOK}),
    ("storage key as a member name holding an object", {RT_KEY: {"a": S}}, {RT_KEY: {"a": TOK}}),
    ("storage key as a member name, beside a text", {RT_KEY: S, "text": "x"}, {RT_KEY: TOK, "text": "x"}),
    # the storage key with any client id, even one that ends like a descriptor ("…id", "…state")
    ("{name, value} pair named like the storage key", {"name": RT_KEY, "value": S}, {"name": RT_KEY, "value": TOK}),
    ("{name, value} pair, client id ending in id", {"name": "workos:refresh-token:my-app-id", "value": S},
     {"name": "workos:refresh-token:my-app-id", "value": TOK}),
    ("[name, value] pair, client id ending in state", ["workos:refresh-token:app_state", S],
     ["workos:refresh-token:app_state", TOK]),
    ("storage entry, client id ending in id", {"key": "workos:refresh-token:my-app-id", "value": S},
     {"key": "workos:refresh-token:my-app-id", "value": TOK}),
    ("descriptor of a secret stays", {"token_type": "User", "refresh_token_sent": True, "session_id": "s1"},
     {"token_type": "User", "refresh_token_sent": True, "session_id": "s1"}),
]


@pytest.mark.parametrize("name, value, expected", STRUCTURE, ids=[r[0] for r in STRUCTURE])
def test_structure(name, value, expected):
    assert red(value) == expected


TEXT = [
    ("JSON object in text", json.dumps({"refresh_token": S}), json.dumps({"refresh_token": TOK}, separators=(",", ":"))),
    ("JSON after a BOM and blanks", '\ufeff \n{"refresh_token": "hunter22"}', '\ufeff \n{"refresh_token":"' + TOK + '"}'),
    ("JSON array of objects", '[{"refresh_token": "hunter22"}]', '[{"refresh_token":"' + TOK + '"}]'),
    ("JSON array of [name, value] pairs", '[["refresh_token", "hunter22"]]', '[["refresh_token","' + TOK + '"]]'),
    ("NDJSON", '{"code": "hunter22"}\n{"code": "hunter22"}', '{"code":"' + CODE + '"}\n{"code":"' + CODE + '"}'),
    ("truncated JSON", '{"refresh_token": "hunter22", "x": [1,', '{"refresh_token": "' + TOK + '", "x": [1,'),
    ("JSON that needs no change is kept byte for byte", '{"a":  1}', '{"a":  1}'),
    ("key=value", "grant_type=refresh_token&refresh_token=hunter22", f"grant_type=refresh_token&refresh_token={TOK}"),
    ("key: value", "password: hunter22", f"password: {TOK}"),
    ("quoted key and value", 'x {"refresh_token":"hunter22"', 'x {"refresh_token":"' + TOK + '"'),
    ("escaped quotes", r'{\"refresh_token\":\"hunter22\"}', r'{\"refresh_token\":\"' + TOK + r'\"}'),
    ("URL-encoded =", "refresh_token%3Dhunter22", f"refresh_token%3D{TOK}"),
    ("Authorization: Token X", "Authorization: Token hunter22", f"Authorization: Token {TOK}"),
    ("Bearer anywhere", "sent Bearer hunter22 to", f"sent Bearer {TOK} to"),
    ("Basic with a no-break space", "Basic\u00a0hunter22", f"Basic\u00a0{TOK}"),
    ("bearer in prose stays", "the bearer token expired", "the bearer token expired"),
    ("code 'X' in a description", "Invalid code 'hunter22'.", f"Invalid code '{CODE}'."),
    ('token "X"', 'bad token "hunter22"', f'bad token "{TOK}"'),
    ("a status code stays", "status code: 500", "status code: 500"),
    ("an error name as code stays", "code=invalid_grant", "code=invalid_grant"),
    ("storage key then value", f"{RT_KEY}=hunter22", f"{RT_KEY}={TOK}"),
    ("value of an Authenticate frame in a log", 'Authenticate value: "hunter22"', f'Authenticate value: "{TOK}"'),
    ("secret object after a key", 'refresh_token={"a": "hunter22", "b": ["hunter22"]}',
     'refresh_token={"a": "' + TOK + '", "b": ["' + TOK + '"]}'),
    ("URL query", "https://x/cb?code=hunter22&state=s", f"https://x/cb?code={CODE}&state=s"),
]


@pytest.mark.parametrize("name, text, expected", TEXT, ids=[r[0] for r in TEXT])
def test_text(name, text, expected):
    assert red(text) == expected


def test_multipart_part_named_like_a_secret():
    body = ('--b\r\nContent-Disposition: form-data; name="refresh_token"\r\n\r\nhunter22\r\n'
            '--b\r\nContent-Disposition: form-data; name="theme"\r\n\r\nhunter22\r\n--b--')
    assert red(body) == body.replace("hunter22", TOK, 1)
    lf = 'Content-Disposition: form-data; name="code"\n\nhunter22\n--b--'
    assert red(lf) == lf.replace("hunter22", CODE)


def test_jws_and_jwe_in_text_keep_their_claims():
    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    jws = ".".join([b64({"alg": "RS256", "kid": "k1"}), b64({"sub": "user_1", "exp": 5}), "c2ln"])
    jwe = ".".join([b64({"alg": "dir", "enc": "A256GCM"}), "", "aXY", "Y2lwaGVy", "dGFn"])
    r = redact(f"a {jws} b {jwe}.rest c")
    assert r.value == f"a {fingerprint(jws)} b {fingerprint(jwe)}.rest c"
    assert r.jwt[fingerprint(jws)] == {"sub": "user_1", "exp": 5, "kid": "k1", "alg": "RS256"}
    glued = redact(f"tab-{jws}").value
    assert glued == f"tab-{fingerprint(jws)}"


def test_base64_body_is_decoded_redacted_and_encoded_again():
    text = base64.b64encode(b'{"refresh_token": "hunter22"}').decode()
    out = red({"encoding": "base64", "text": text})
    assert base64.b64decode(out["text"]).decode() == '{"refresh_token":"' + TOK + '"}'
    plain = base64.b64encode(b"nothing here").decode()
    assert red({"encoding": "base64", "text": plain}) == {"encoding": "base64", "text": plain}
    # another encoding is text like any other: random-looking, so the entropy fallback takes it
    assert red({"encoding": "gzip", "text": text}) == {"encoding": "gzip", "text": fingerprint(text)}


def test_allow_and_secret_fields_of_a_redactor():
    long = "Zq3xV9pL2mN8bR4tY7wK1cH6"  # random-looking: the entropy fallback takes it
    assert red({"note": long}) == {"note": fingerprint(long)}
    assert red({"note": long}, allow_fields=["note"]) == {"note": long}
    assert red({"request_id": long}) == {"request_id": long}  # *_id is allow-listed
    assert red({"request_id": f"Bearer {S}"}) == {"request_id": f"Bearer {TOK}"}  # known shapes still go
    assert red({"motto": S}, secret_fields=["Motto"]) == {"motto": TOK}


def test_keys_tab_and_type_of_an_event_are_redacted_too():
    from authtrace import Event, Kind

    long = "Zq3xV9pL2mN8bR4tY7wK1cH6"
    e = Redactor().event(Event(f"Bearer {S}", 0, 0, Kind.NOTE, f"Bearer {S}", {f"k={S}": 1, "x": {long: 2}}))
    assert e.tab == f"Bearer {TOK}" and e.type == f"Bearer {TOK}"
    assert e.payload == {f"k={S}": 1, "x": {fingerprint(long): 2}}


def test_fingerprints_are_never_fingerprinted_again():
    for value in ({"refresh_token": TOK}, {"code": CODE}, f"Bearer {TOK}", {"cookie": f"a={COOKIE}"},
                  f"x {CODE} y", f"the code {CODE}.", f"{TOK} and {COOKIE}", f"code={CODE}"):
        assert red(value) == value
        assert red(red(value)) == value
