"""The recorder's capture on hostile input: it never raises, and nothing it keeps is secret.

Capture is where HAR frames and page observations become events (the recorder
in the page, ``analyze`` on a HAR); a malformed frame must be skipped or kept
as it is, never crash the conversion, and every field it copies passes the
redactor.
"""

from __future__ import annotations

import json
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.capture import Capture
from authtrace.diagnosis import har_to_trace

from _builders import make_jwt, opaque_token
import _har as H

EXAMPLES = 15 if sys.platform == "emscripten" else 120
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**60, 2**60) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
SYNC_TYPES = ["Connect", "Authenticate", "AuthError", "Transition", "Mutation", "MutationResponse", "Action",
              "ActionResponse", "FatalError", "Event", "Ping"]
FIELDS = ["startVersion", "endVersion", "modifications", "value", "sessionId", "requestId", "udfPath", "result",
          "success", "error", "lastCloseReason", "connectionCount", "tokenType", "baseVersion", "eventType"]


@st.composite
def frames(draw):
    frame = {"type": draw(st.sampled_from(SYNC_TYPES) | json_values)}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=6, unique=True)):
        frame[name] = draw(json_values)
    return frame


def socket_capture() -> Capture:
    cap = Capture("t1")
    cap.observe({"kind": "websocket", "type": "create", "mono": 0, "wall": 0,
                 "payload": {"socket": 1, "sync": True, "url": "wss://x.test/api/1.48.0/sync"}})
    return cap


def test_a_transition_whose_end_version_is_a_list():
    cap = socket_capture()
    for end in ([1, 2], "v2", 7, None):
        frame = {"type": "Transition", "startVersion": {"identity": 0}, "endVersion": end, "modifications": 3}
        events = cap.observe({"kind": "websocket", "type": "receive", "mono": 1, "wall": 1,
                              "payload": {"socket": 1, "data": json.dumps(frame)}})
        assert all(e.type == "Transition" for e in events)


@SETTINGS
@given(frame=frames(), direction=st.sampled_from(["send", "receive"]))
def test_any_sync_frame_is_captured_or_skipped_never_raises(frame, direction):
    cap = socket_capture()
    data = json.dumps(frame)
    events = cap.observe({"kind": "websocket", "type": direction, "mono": 1, "wall": 1,
                          "payload": {"socket": 1, "data": data}})
    for e in events:
        json.dumps(e.to_json())


@SETTINGS
@given(payload=st.dictionaries(st.sampled_from(["url", "request", "status", "body", "message", "name", "page",
                                               "durationMs", "auth", "token", "key", "value", "userAgent"]),
                               json_values, max_size=8),
       kind_type=st.sampled_from([("fetch", "request"), ("fetch", "response"), ("fetch", "error"),
                                  ("lifecycle", "boot"), ("storage", "setItem"), ("authkit", "getAccessToken"),
                                  ("convex", "fetchToken"), ("convex", "log"), ("note", "custom")]))
def test_any_observation_payload_never_raises(payload, kind_type):
    kind, type_ = kind_type
    for e in Capture("t1").observe({"kind": kind, "type": type_, "mono": 1, "wall": 2, "payload": payload}):
        json.dumps(e.to_json())


def test_every_field_copied_from_a_frame_passes_the_redactor():
    at, rt = make_jwt(), opaque_token(32)
    frames_ = [(1, "send", {"type": "Connect", "sessionId": f"Bearer {at}", "connectionCount": 0,
                            "lastCloseReason": rt}),
               (2, "send", {"type": "Mutation", "requestId": 1, "udfPath": f"messages:send?token={rt}"}),
               (3, "receive", {"type": "Event", "eventType": at}),
               (4, "receive", {"type": "MutationResponse", "requestId": 1, "success": False, "result": rt})]
    text = har_to_trace(H.har([H.ws_entry(0, frames_)])).dumps()
    assert at not in text and rt not in text and at.split(".")[2] not in text
