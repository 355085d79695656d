"""What the CLI prints is redacted and cannot drive the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from authtrace import Event, Kind, Trace, fingerprint
from authtrace.host.terminal import json_safe, one_line, safe

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from _run import run  # noqa: E402
import _har as H  # noqa: E402
import _traces as S  # noqa: E402
from _builders import make_jwt  # noqa: E402

HOSTILE = "boom \x1b[2J\x1b[H\x1b]0;owned title\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \x9b31m \u202eevil \x07\x08 end"


def test_terminal_safe_text():
    assert safe(HOSTILE) == "boom  link  evil  end"
    assert safe("ok\ttab\nline") == "ok\ttab\nline"
    assert safe("a\ud800b") == "a\ufffdb"
    assert one_line("two\nlines\r\n") == "two lines"
    text = json_safe(json.dumps({"m": HOSTILE + "\ud800"}, ensure_ascii=False))
    assert json.loads(text) == {"m": HOSTILE + "\ud800"}  # the same data, escaped
    assert all(c not in text for c in "\x1b\x9b\u202e\ud800")


def test_analyze_strips_control_sequences_from_a_har_frame(tmp_path):
    frames = [(1, "send", {"type": "Connect", "connectionCount": 0, "lastCloseReason": HOSTILE}),
              (2, "receive", {"type": "FatalError", "error": HOSTILE})]
    src = tmp_path / "hostile.har"
    src.write_text(json.dumps(H.har([H.ws_entry(0, frames)])))
    human = run("analyze", str(src))
    assert human.code == 0 and "boom" in human.out
    assert not any(c in human.out for c in "\x1b\x07\x08\x9b\u202e"), repr(human.out)
    machine = run("analyze", str(src), "--json")
    assert machine.code == 0 and "\x1b" not in machine.out and "\x9b" not in machine.out
    json.loads(machine.out)


def test_analyze_strips_control_sequences_from_a_trace_and_its_name(tmp_path):
    b, _ = S.throw_wedge()
    trace = b.trace
    trace.add(Event("tab\x1b[2J", 1e9, trace.events[-1].wall + 1, Kind.CONVEX, "FatalError",
                    {"socket": 1, "error": HOSTILE}))
    src = tmp_path / "name\x1b]0;x\x07.json"
    src.write_text(trace.dumps())
    out = run("analyze", str(src))
    assert out.code == 0 and not any(c in out.out + out.err for c in "\x1b\x07\x9b")


def test_analyze_redacts_an_authtrace_trace_before_printing(tmp_path):
    at = make_jwt({"sub": "user_RAW"})
    b, _ = S.throw_wedge()
    trace = b.trace
    trace.add(Event("tab-1", 2e9, trace.events[-1].wall + 1, Kind.CONVEX, "Authenticate",
                    {"socket": 1, "direction": "send", "token": at}))
    trace.add(Event("tab-1", 2e9 + 1, trace.events[-1].wall + 2, Kind.AUTHKIT, "getAccessToken",
                    {"outcome": "token", "token": at, "message": f"raw {at}"}))
    src = tmp_path / "raw.json"
    src.write_text(trace.dumps())
    for argv in (["analyze", str(src)], ["analyze", str(src), "--json"]):
        result = run(*argv)
        assert result.code == 0
        assert at not in result.out and at.split(".")[2] not in result.out
    assert fingerprint(at) in run("analyze", str(src)).out


def test_findings_are_unchanged_by_redacting_first(tmp_path):
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "traces"
    from authtrace.diagnosis import diagnose

    for path in sorted(fixtures.glob("*.json")):
        trace = Trace.loads(path.read_text())
        before = diagnose(trace).to_json()
        result = run("analyze", str(path), "--json")
        assert result.code == 0
        after = json.loads(result.out)
        assert after["findings"] == before["findings"], path.name
        assert after["split_brain"] == before["split_brain"] and after["not_judged"] == before["not_judged"]
