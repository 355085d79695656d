"""``authtrace analyze``: traces and Chrome HAR exports in, findings out; bad input is exit 2, one line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import _traces as S  # noqa: E402
from _builders import make_jwt  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _run import completed  # noqa: E402

HAR_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "har"
HAR_T0_S = int(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc).timestamp())
# When each fixture's access tokens were minted (seconds after HAR_T0_S).
MINTED = {"reconnect-offline": {1: 0, 2: 618}, "healthy": {1: 0, 2: 290}, "cookie-missing-refresh-token": {}}


def cli(*args: str) -> subprocess.CompletedProcess:
    return completed(*args)


def har_file(tmp_path: Path, name: str) -> tuple[Path, list[str]]:
    """The fixture with its placeholders replaced by JWTs minted now."""
    text = (HAR_DIR / f"{name}.har").read_text()
    tokens = []
    for n, offset in MINTED[name].items():
        jwt = make_jwt({"iat": HAR_T0_S + offset, "exp": HAR_T0_S + offset + 300})
        text = text.replace(f"@@ACCESS_TOKEN_{n}@@", jwt)
        tokens.append(jwt)
    assert "@@" not in text
    out = tmp_path / f"{name}.har"
    out.write_text(text)
    return out, tokens


def trace_file(tmp_path: Path, builder) -> Path:
    out = tmp_path / "trace.json"
    out.write_text(builder.trace.dumps())
    return out


def analyze_json(path: Path) -> dict:
    out = cli("analyze", str(path), "--json")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    return json.loads(out.stdout)


def test_trace_json_output(tmp_path):
    b, ids = S.readme_story()
    doc = analyze_json(trace_file(tmp_path, b))
    assert set(doc) == {"source", "findings", "split_brain", "not_judged", "inputs"}
    assert doc["source"] == "trace" and doc["not_judged"] == []
    assert [f["id"] for f in doc["findings"]] == ["hidden-tab-refresh-paused", "stale-token-on-reconnect",
                                                  "split-brain", "transient-refresh-reported-as-signout"]
    for f in doc["findings"]:
        assert set(f) == {"id", "at", "evidence", "explanation", "fix", "confidence", "missing_evidence"}
        assert f["confidence"] == "confirmed" and f["missing_evidence"] == []
    stale = doc["findings"][1]
    assert stale["evidence"] == sorted([ids["connect"].id, ids["authenticate"].id, ids["auth_error"].id])
    assert stale["at"] == ids["authenticate"].wall
    assert doc["split_brain"] == [{"start": ids["auth_error"].wall, "end": None}]


def test_trace_human_output(tmp_path):
    b, _ = S.throw_wedge()
    out = cli("analyze", str(trace_file(tmp_path, b)))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Timeline" in text and "Convex socket stopped" in text and "+5:05.3" in text
    assert "throw-wedge" in text and "split-brain" in text and "Fix:" in text
    assert "Split brain" in text and "open" in text


def test_healthy_trace_has_no_findings(tmp_path):
    doc = analyze_json(trace_file(tmp_path, S.healthy_refresh_cycle()))
    assert doc["findings"] == [] and doc["split_brain"] == []
    out = cli("analyze", str(trace_file(tmp_path, S.healthy_refresh_cycle())))
    assert out.returncode == 0 and "No findings" in out.stdout


def test_har_reconnect_offline(tmp_path):
    path, tokens = har_file(tmp_path, "reconnect-offline")
    doc = analyze_json(path)
    assert doc["source"] == "har"
    assert [(f["id"], f["confidence"]) for f in doc["findings"]] == [
        ("hidden-tab-refresh-paused", "inferred"), ("stale-token-on-reconnect", "confirmed"),
        ("offline-at-refresh", "confirmed")]
    _, stale, offline = doc["findings"]
    assert "closed with code 1006" in stale["explanation"] and "5 min 12 s after it expired" in stale["explanation"]
    assert "net::ERR_INTERNET_DISCONNECTED" in offline["explanation"]
    assert {n["id"] for n in doc["not_judged"]} == {"throw-wedge", "pause-overwrite-wedge", "same-token-reauth",
                                                   "refresh-lock-starvation"}
    assert doc["split_brain"] == []
    text = json.dumps(doc)
    assert not any(t in text for t in tokens) and "FAKE-refresh-token" not in text


def test_har_human_output_says_what_it_cannot_judge(tmp_path):
    path, tokens = har_file(tmp_path, "reconnect-offline")
    out = cli("analyze", str(path))
    assert out.returncode == 0, out.stderr
    assert "HAR export" in out.stdout and "Not judged" in out.stdout and "hidden-tab-refresh-paused" in out.stdout
    assert "EXPIRED" in out.stdout
    assert not any(t in out.stdout for t in tokens)


def test_har_cookie_missing(tmp_path):
    path, _ = har_file(tmp_path, "cookie-missing-refresh-token")
    doc = analyze_json(path)
    assert [f["id"] for f in doc["findings"]] == ["refresh-cookie-missing"]
    assert "workos-has-session" in doc["findings"][0]["explanation"]


def test_har_healthy(tmp_path):
    path, _ = har_file(tmp_path, "healthy")
    assert analyze_json(path)["findings"] == []


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is not json", "invalid JSON"),
        (b'{"format": "authtrace/1", "events": [', "truncated"),
        (b"", "empty"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"hello": "world"}', "neither an authtrace trace"),
        (b"[1, 2, 3]", "neither an authtrace trace"),
        (b'{"format": "authtrace/9", "events": []}', "unsupported trace version"),
        (b'{"format": "authtrace/1", "events": [{"tab": 1}]}', "bad trace"),
        (b'{"log": {"version": "1.2"}}', "log.entries"),
        (b'{"log": {"entries": [{"request": {"url": "x"}', "truncated"),
    ],
)
def test_bad_input_is_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "input.json"
    path.write_bytes(content)
    out = cli("analyze", str(path))
    assert out.returncode == 2, out
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("authtrace: ") and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_missing_file_and_directory(tmp_path):
    for target, message in ((tmp_path / "nope.json", "no such file"), (tmp_path, "is a directory")):
        out = cli("analyze", str(target), "--json")
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
