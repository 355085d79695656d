"""The emulators' event log: secrets as fingerprints, bounded in count and size, always JSON."""

from __future__ import annotations

import base64
import json
import secrets

from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.host.emulators.eventlog import EVENT_BUDGET, MAX_STRING, EventLog
from authtrace.redaction import fingerprint

from ._workos import FakeClock


def signed_jwt_shape() -> str:
    # Built at test time: header.payload.signature, as a real access token looks.
    part = lambda obj: base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'RS256'})}.{part({'sub': 'x'})}.{secrets.token_urlsafe(64)}"


def test_event_log_scrubs_secrets_and_pages_by_seq():
    clock = FakeClock()
    log = EventLog(clock=clock, max_events=3)
    token = signed_jwt_shape()
    e = log.add("x", "y", refresh_token="secret-rt", note=f"Bearer {token}", nested={"code": "abc"}, ok="plain")
    assert e["refresh_token"] == fingerprint("secret-rt") and token.split(".")[2] not in json.dumps(e)
    assert e["nested"]["code"] == fingerprint("abc", "code") and e["ok"] == "plain" and e["t"] == clock.t
    for i in range(4):
        log.add("x", "z", i=i)
    assert [ev["i"] for ev in log.list()] == [1, 2, 3]  # bounded
    assert [ev["i"] for ev in log.list(since=log.last_seq - 1)] == [3]
    assert log.counters == {"x.y": 1, "x.z": 4} and log.dropped == 2


def test_numbers_under_secret_names_stay_numbers():
    e = EventLog().add("convex", "close", code=1005, token=None, nested={"code": 1011, "ok": True})
    assert e["code"] == 1005 and "token" in e and e["nested"] == {"code": 1011, "ok": True}


def test_fields_named_like_the_events_own_keys_do_not_crash():
    """Issue 12: a Convex fault at message phase logged ``type=…`` and EventLog.add() raised."""
    log = EventLog()
    e = log.add("convex", "fault", type="Mutation", seq=-1, source="evil", t="x")
    assert (e["type"], e["source"], e["type_"], e["seq_"], e["source_"]) == ("fault", "convex", "Mutation", -1, "evil")
    assert e["seq"] == 1


def test_long_strings_are_cut_marked_and_never_keep_a_token_prefix():
    log = EventLog()
    secret = secrets.token_urlsafe(3000)
    e = log.add("workos", "authenticate-error", description=f"The code '{secret}' has expired or is invalid.",
                udfPath="A" * 300_000, frames=["B" * 10_000] * 100)
    dump = json.dumps(e)
    assert e["truncated"] is True and "…[+" in e["description"]
    assert secret[:16] not in dump  # the cut backs off over the token, not just past it
    assert len(dump) < EVENT_BUDGET + 2048
    assert len(e["frames"]) <= 32


def test_bounded_in_bytes_with_evictions_counted():
    log = EventLog(max_events=10_000, max_bytes=64 * 1024)
    for i in range(200):
        log.add("convex", "client_event", eventType="x " * 50_000, i=i)
    assert log.size_bytes <= 64 * 1024
    assert len(json.dumps(log.list())) <= 64 * 1024 + 1024
    assert log.dropped > 0 and log.list()[-1]["i"] == 199 and log.last_seq == 200


def test_lone_surrogates_and_non_finite_numbers_still_encode():
    e = EventLog().add("convex", "hello", session_id="\ud800abc", x=float("nan"), y=float("inf"), z=10**2000)
    text = json.dumps(e, allow_nan=False).encode("utf-8")
    assert b"abc" in text and e["truncated"] is True and e["x"] == "nan"


values = st.recursive(
    # Long strings from short ones: lengths past the cut without the entropy of random 600-character text.
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.text(max_size=12).map(lambda s: s * 60),
    lambda inner: st.lists(inner, max_size=40) | st.dictionaries(st.text(max_size=80), inner, max_size=40),
    max_leaves=40,
)


@settings(max_examples=40, deadline=None)
@given(fields=st.dictionaries(st.text(max_size=20).filter(str.isidentifier), values, max_size=8))
def test_any_fields_give_a_bounded_event_that_encodes(fields):
    log = EventLog()
    e = log.add("x", "y", **fields)
    text = json.dumps(e, allow_nan=False, ensure_ascii=False).encode("utf-8")
    assert len(text) < 4 * (EVENT_BUDGET + 64 * 32 + 2048)
    for v in e.values():
        if isinstance(v, str):
            assert len(v) <= MAX_STRING + 40
