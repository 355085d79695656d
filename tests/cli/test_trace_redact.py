"""``authtrace trace redact`` and the CLI's promises: clear messages, exit 2, nothing overwritten."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from authtrace import Event, Kind, Trace, fingerprint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from _builders import make_jwt, opaque_token  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _run import completed  # noqa: E402


def cli(*args: str) -> subprocess.CompletedProcess:
    return completed(*args)


def test_version():
    from authtrace import __version__

    out = cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"authtrace {__version__}"


def test_redacts_a_trace(tmp_path):
    at, rt = make_jwt({"sub": "user_CLI"}), opaque_token()
    t = Trace({"origin": "http://127.0.0.1:5173"})
    t.add(Event("tab", 1, 2, Kind.STORAGE, "setItem", {"key": "workos:refresh-token:client_local", "value": rt}))
    t.add(Event("tab", 3, 4, Kind.FETCH, "request", {"headers": {"authorization": f"Bearer {at}"}}))
    src, dst = tmp_path / "in.json", tmp_path / "out" / "red.json"
    src.write_text(t.dumps())
    out = cli("trace", "redact", str(src), "-o", str(dst))
    assert out.returncode == 0, out.stderr
    text = dst.read_text()
    assert rt not in text and at not in text
    red = Trace.loads(text)
    assert red.events[0].payload["value"] == fingerprint(rt)
    assert red.events[1].payload["jwt"][fingerprint(at)]["sub"] == "user_CLI"
    assert src.read_text() == t.dumps()  # the input is untouched


def test_redacts_any_json_of_captured_events_such_as_a_har(tmp_path):
    at, code = make_jwt(), opaque_token()
    har = {"log": {"version": "1.2", "entries": [{
        "request": {"url": f"http://127.0.0.1:5173/callback?code={code}",
                    "headers": [{"name": "Authorization", "value": f"Bearer {at}"}],
                    "queryString": [{"name": "code", "value": code}]},
        "response": {"status": 200, "headers": [], "content": {"text": json.dumps({"access_token": at})}},
    }]}}
    src, dst = tmp_path / "session.har", tmp_path / "session.redacted.har"
    src.write_text(json.dumps(har))
    out = cli("trace", "redact", str(src), "-o", str(dst))
    assert out.returncode == 0, out.stderr
    text = dst.read_text()
    assert at not in text and code not in text
    doc = json.loads(text)
    assert doc["log"]["entries"][0]["request"]["queryString"][0]["value"] == fingerprint(code, "code")
    assert fingerprint(at) in doc["_authtrace_jwt"]


def test_refuses_to_overwrite_the_input(tmp_path):
    src = tmp_path / "t.json"
    src.write_text(Trace().dumps())
    before = src.read_text()
    out = cli("trace", "redact", str(src), "-o", str(src))
    assert out.returncode == 2
    assert "refusing to overwrite the input" in out.stderr
    assert "Traceback" not in out.stderr
    assert src.read_text() == before


def test_refuses_to_overwrite_an_existing_output_without_force(tmp_path):
    src, dst = tmp_path / "t.json", tmp_path / "o.json"
    src.write_text(Trace().dumps())
    dst.write_text("keep me")
    out = cli("trace", "redact", str(src), "-o", str(dst))
    assert out.returncode == 2 and "exists" in out.stderr
    assert dst.read_text() == "keep me"
    assert cli("trace", "redact", str(src), "-o", str(dst), "--force").returncode == 0
    assert Trace.loads(dst.read_text()).meta["redacted"] is True


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not json", "invalid JSON"),
        (b'{"format": "authtrace/1", "events": [', "truncated"),
        (b'{"format": "authtrace/9", "events": []}', "unsupported trace version"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path, content, message):
    src = tmp_path / "bad.json"
    src.write_bytes(content)
    out = cli("trace", "redact", str(src), "-o", str(tmp_path / "o.json"))
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "o.json").exists()


def test_missing_input(tmp_path):
    out = cli("trace", "redact", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o.json"))
    assert out.returncode == 2 and "no such file" in out.stderr
