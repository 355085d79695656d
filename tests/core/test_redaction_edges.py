"""The redactor and the JWT reader at their edges: the exact output near each length bound,
each separator and each special case its code names (a mutation run showed these unpinned)."""

import base64
import json

from authtrace.jwt import lifetimes_in, read_claims
from authtrace.redaction import Redactor, fingerprint
from authtrace.redaction.tokens import MIN_TOKEN, token_like

from _builders import b64url, make_jwt


def seg(obj) -> str:
    return b64url(json.dumps(obj).encode())


# -- jwt ------------------------------------------------------------------------------------
def test_a_deeply_nested_payload_is_not_read_whatever_its_brackets():
    # 300 nested objects: under CPython's recursion limit, but over the 256 a Pyodide stack takes
    deep = {"sub": "user_1"}
    for _ in range(300):
        deep = {"a": deep}
    assert read_claims(f"{seg({'alg': 'RS256'})}.{seg(deep)}.sig") is None
    shallow = {"a": {"a": {"sub": "user_1"}}}
    assert read_claims(f"{seg({'alg': 'RS256'})}.{seg(shallow)}.sig") is not None


def test_a_segment_that_is_json_but_not_an_object_is_no_token():
    assert read_claims(f"{seg({'alg': 'RS256'})}.{seg([1, 2])}.sig") is None
    assert read_claims(f"{seg([1])}.{seg({'sub': 'u'})}.sig") is None
    assert read_claims(f"{seg({'alg': 'RS256'})}.{seg('text')}.sig") is None


def test_a_valid_header_with_an_unreadable_payload_is_no_token():
    assert read_claims(f"{seg({'alg': 'RS256'})}.!!!.sig") is None
    assert read_claims(f"!!!.{seg({'sub': 'u'})}.sig") is None
    claims = read_claims(make_jwt({"sub": "user_X"}))
    assert claims is not None and claims.sub == "user_X" and claims.alg == "RS256"


def test_lifetimes_keep_every_positive_one_even_under_a_second():
    assert lifetimes_in({"a": {"iat": 100, "exp": 100.5}, "b": {"iat": 0, "exp": 300}}) == [0.5, 300]
    assert lifetimes_in({"a": {"iat": 100, "exp": 100}, "b": {"iat": 100, "exp": 99}}) == []
    assert lifetimes_in({"a": {"iat": True, "exp": 300}, "b": {"iat": "0", "exp": 300}}) == []
    assert lifetimes_in([{"iat": 0, "exp": 1}]) == []


# -- tokens ---------------------------------------------------------------------------------
def test_token_like_at_its_length_bounds():
    random20 = "x7Qk2Zp9Lm4Rt8Vn3Bw6"
    assert len(random20) == MIN_TOKEN and token_like(random20)
    assert not token_like(random20[:-1])
    # twelve letters and digits are enough to judge...
    assert token_like("x7Qk2Zp9Lm4R--------")
    # ...eleven are not, however random they are
    assert not token_like("x7Qk2Zp9Lm4---------")
    assert not token_like("----------------abc-")


def test_a_run_exactly_four_fifths_words_is_not_a_token():
    run = "1.48.0-Zq9-ERR-Token"  # 15 letters and digits, 12 of them words and numbers
    assert not token_like(run)
    assert token_like("1.48.0-Zq9-xQ7-Token")  # 9 of 15


# -- walk -----------------------------------------------------------------------------------
def test_secret_fingerprints_every_string_of_a_list_or_object():
    r = Redactor()
    assert r.secret(["plain words here", "abc"]) == [fingerprint("plain words here"), fingerprint("abc")]
    assert r.secret({"k": "v", "n": 3}) == {"k": fingerprint("v"), "n": 3}
    assert r.secret(None) is None and r.secret(7) == 7


def test_url_encoded_secrets_share_the_raw_fingerprint_but_cookies_stay_as_sent():
    r = Redactor()
    assert r.secret("a%3Db") == fingerprint("a=b")
    # a cookie value is opaque: its percent signs are part of it
    assert r.secret("a%3Db", "cookie") == fingerprint("a%3Db", "cookie") != fingerprint("a=b", "cookie")


# -- urls -----------------------------------------------------------------------------------
def test_userinfo_ends_at_the_last_at_sign():
    r = Redactor()
    assert r.string("http://alice@evil:pw@host.example/x") == f"http://alice@evil:{fingerprint('pw')}@host.example/x"
    assert r.string("https://u:hunter2@db.example:5432/app") == f"https://u:{fingerprint('hunter2')}@db.example:5432/app"


def test_a_run_of_free_text_is_judged_from_twenty_characters():
    r = Redactor()
    run20, run19 = "x7Qk2Zp9Lm4Rt8Vn3Bw6", "x7Qk2Zp9Lm4Rt8Vn3Bw"
    assert r.string(f"see {run20}. here") == f"see {fingerprint(run20)}. here"
    assert r.string(f"see /{run19}/ here") == f"see /{run19}/ here"
    # the path of a URL is allowed (docs/redaction.md); its query is not
    assert r.string(f"https://h.example/files/{run20}/x") == f"https://h.example/files/{run20}/x"
    assert r.string(f"https://h.example/f?x={run20}") == f"https://h.example/f?x={fingerprint(run20)}"


# -- text -----------------------------------------------------------------------------------
def test_a_code_is_six_characters_or_more_and_not_a_word_or_a_number():
    r = Redactor()
    assert r.string('code: "abc123"') == f'code: "{fingerprint("abc123", "code")}"'
    assert r.string('code: "ab123"') == 'code: "ab123"'
    assert r.string('code: "expired"') == 'code: "expired"'
    assert r.string('code: "404404"') == 'code: "404404"'
    assert r.string('"code":"abc123"') == f'"code":"{fingerprint("abc123", "code")}"'
    assert r.string('"code":"invalid_grant"') == '"code":"invalid_grant"'
    assert r.string('"CODE":"invalid_grant"') == '"CODE":"invalid_grant"'
    assert r.string('"token":"invalid_grant"') == f'"token":"{fingerprint("invalid_grant")}"'


def test_a_set_cookie_without_a_name_is_all_secret():
    r = Redactor()
    assert r.set_cookie(" wos-session ; Path=/") == f"{fingerprint('wos-session', 'cookie')}; Path=/"
    assert r.set_cookie("theme=dark; Path=/") == f"theme={fingerprint('dark', 'cookie')}; Path=/"


def test_cookie_headers_in_text_are_judged_pair_by_pair():
    r = Redactor()
    assert r.string("set-cookie: theme=dark") == "set-cookie: theme=dark"
    assert r.string("Cookie: theme=dark") == "Cookie: theme=dark"
    assert r.string("Set-Cookie: wos-session=abc; Path=/") == f"Set-Cookie: wos-session={fingerprint('abc')}; Path=/"


def test_a_fingerprint_earlier_in_the_text_does_not_hide_a_later_secret():
    r = Redactor()
    fp = fingerprint("old")
    assert r.string(f"{fp} refresh_token=plainvalue") == f"{fp} refresh_token={fingerprint('plainvalue')}"


def test_secret_containers_cut_off_anywhere():
    r = Redactor()
    assert r.string('refresh_token: ["abc", {"k": "v"}]') == (
        f'refresh_token: ["{fingerprint("abc")}", {{"k": "{fingerprint("v")}"}}]')
    assert r.string('refresh_token: ["abc') == f'refresh_token: ["{fingerprint("abc")}'
    assert r.string('refresh_token: ["a\\"') == f'refresh_token: ["{fingerprint(chr(97) + chr(34))}'
    assert r.string('refresh_token: ["') == 'refresh_token: ["'
    assert r.string('refresh_token: ["", "x"]') == f'refresh_token: ["", "{fingerprint("x")}"]'


def test_a_token_glued_to_more_dotted_text_keeps_the_rest():
    r = Redactor()
    token = make_jwt()
    assert r.string(f"x {token}.extra more") == f"x {fingerprint(token)}.extra more"


def test_base64_bodies_are_decoded_redacted_and_encoded_again():
    r = Redactor()
    token = make_jwt()
    body = base64.b64encode(json.dumps({"access_token": token}).encode()).decode()
    out = base64.b64decode(r.base64_text(body)).decode()
    assert json.loads(out) == {"access_token": fingerprint(token)}
    plain = base64.b64encode(b'{"ok": true}').decode()
    assert r.base64_text(plain) == plain


def test_a_credential_after_a_scheme_is_url_decoded_once():
    r = Redactor()
    assert r.string("Authorization: Bearer abc%20def") == f"Authorization: Bearer {fingerprint('abc def')}"
    # "%2541" is "%41" encoded: decoded once, like the same value in any other place
    assert r.string("Bearer abc%2541xyz") == f"Bearer {fingerprint('abc%41xyz')}"
    assert r.string("Bearer abc%2541xyz") == f"Bearer {r.secret('abc%2541xyz')}"


def test_a_quoted_value_after_a_secret_word_in_prose():
    r = Redactor()
    assert r.string('the code "expired" came') == 'the code "expired" came'
    assert r.string('the CODE "expired" came') == 'the CODE "expired" came'
    assert r.string('the code "abc123" came') == f'the code "{fingerprint("abc123", "code")}" came'
    assert r.string('a token "expired" came') == f'a token "{fingerprint("expired")}" came'


def test_fields_allowed_by_the_user_or_named_as_ids_keep_random_values():
    run = "x7Qk2Zp9Lm4Rt8Vn3Bw6"
    allowing = Redactor(allow_fields=["build_hash"])
    for _ in range(2):  # the second time from the memo
        assert allowing.value({"build_hash": run}) == {"build_hash": run}
    assert Redactor().value({"build_hash": run}) == {"build_hash": fingerprint(run)}
    assert Redactor().value({"session_ids": [run], "sessionIds": [run]}) == {"session_ids": [run], "sessionIds": [run]}


def test_json_depth_is_counted_not_just_the_brackets():
    from authtrace.redaction.text import MAX_JSON_DEPTH as L, shallow_json

    assert shallow_json("[" * L + "]" * L)
    assert not shallow_json("[" * (L + 1) + "]" * (L + 1))
    assert shallow_json("[" + "[]," * (L + 1) + "[]]")  # many brackets, two levels
    assert shallow_json('["' + "[" * (L + 1) + '"]')  # brackets inside a string do not nest


def test_a_secret_container_ends_at_its_own_bracket_whatever_bare_words_it_holds():
    r = Redactor()
    assert r.string('refresh_token: [X] then "plain"') == 'refresh_token: [X] then "plain"'
    assert r.string('refresh_token: {XX} then "plain"') == 'refresh_token: {XX} then "plain"'
