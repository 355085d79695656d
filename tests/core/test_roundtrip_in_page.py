"""The walking-skeleton check: build a trace with secrets, redact it, round-trip it.

This file runs on CPython and, unchanged, inside Pyodide in headless Chromium
(``pytest --run-in-pyodide``); ``test_runs_where_expected`` proves which.
"""

import json
import os
import sys

from authtrace import Event, Kind, Trace, fingerprint

from _builders import make_jwt, opaque_token


def test_runs_where_expected():
    expected = os.environ.get("AUTHTRACE_EXPECT_PLATFORM")
    if expected:  # set by the host run; inside Pyodide the platform speaks for itself
        assert sys.platform == expected
    assert sys.platform in ("emscripten", "linux", "darwin", "win32")


def test_trace_with_secrets_redacts_and_round_trips():
    at, rt = make_jwt({"sub": "user_RT"}), opaque_token()
    t = Trace({"origin": "http://127.0.0.1:5173", "platform": sys.platform})
    t.add(Event("tab-1", 10.0, 1_800_000_000_010.0, Kind.FETCH, "request",
                {"url": "http://127.0.0.1:8787/user_management/authenticate",
                 "body": json.dumps({"grant_type": "refresh_token", "refresh_token": rt})}))
    t.add(Event("tab-1", 20.0, 1_800_000_000_020.0, Kind.FETCH, "response",
                {"status": 200, "body": {"access_token": at, "refresh_token": rt}}))
    t.add(Event("tab-1", 30.0, 1_800_000_000_030.0, Kind.WEBSOCKET, "send",
                {"message": {"type": "Authenticate", "value": at, "baseVersion": 0}}))
    text = t.redacted().dumps()
    assert at not in text and rt not in text
    back = Trace.loads(text)
    assert [e.type for e in back.events] == ["request", "response", "send"]
    assert back.events[1].payload["body"]["refresh_token"] == fingerprint(rt)
    assert json.loads(back.events[0].payload["body"])["refresh_token"] == fingerprint(rt)
    assert back.events[2].payload["jwt"][fingerprint(at)]["sub"] == "user_RT"
    assert Trace.loads(back.dumps()).to_json() == back.to_json()
