"""Any input gives exit 0, or exit 2 with one line, never a traceback; nothing is lost or overwritten.

Each item of issue 12's CLI section, for every command that reads a file
(``analyze``, ``analyze --json``, ``trace redact``, ``replay --plan-only``).
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from authtrace import Trace

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from _run import run, run_process  # noqa: E402
import _har as H  # noqa: E402


def event(**over) -> dict:
    return {"id": 1, "tab": "t1", "mono": 1.0, "wall": 1.8e12, "kind": "note", "type": "x", "payload": {}, **over}


def trace_text(*events: dict) -> str:
    return json.dumps({"format": "authtrace/1", "meta": {}, "events": list(events)})


def transition_har(end_version) -> str:
    frame = {"type": "Transition", "startVersion": {"identity": 0}, "endVersion": end_version, "modifications": []}
    return json.dumps(H.har([H.ws_entry(0, [(1, "receive", frame)])]))


BAD_INPUTS = {
    "nested-600-payload": trace_text(event(payload={"a": json.loads("[" * 600 + "]" * 600)})),
    "nested-600-document": "[" * 600 + "]" * 600,
    "nested-100k": "[" * 100_000,
    "5000-digit-integer": trace_text(event()).replace('"mono": 1.0', '"mono": ' + "9" * 5000),
    "1e400": trace_text(event()).replace('"wall": 1800000000000.0', '"wall": 1e400'),
    "NaN": trace_text(event()).replace('"mono": 1.0', '"mono": NaN'),
    "Infinity": trace_text(event()).replace('"mono": 1.0', '"mono": -Infinity'),
    "overflowing-wall": trace_text(event(wall=1e300)),
    "overflowing-mono": trace_text(event(mono=-1e300)),
    "overflowing-har-time": json.dumps(H.har([{**H.auth_entry(0, {"grant_type": "refresh_token"}), "time": 1e300}])),
    "overflowing-frame-time": json.dumps(H.har([H.ws_entry(0, [(1e300, "send", {"type": "Connect"})])])),
    "endVersion-list": transition_har([1, 2]),
    "endVersion-string": transition_har("v2"),
    "lone-surrogate": trace_text(event(tab="t\ud800", type="\udfff", payload={"m": "x\ud800y"})),
    "kind-list": trace_text(event(kind=["note"])),
    "bom": "\ufeff" + trace_text(event()),
    "truncated": trace_text(event())[:-7],
    "empty": "",
    "not-utf8": b"\xff\xfe\x00{",
    "har-entries-object": json.dumps({"log": {"entries": {"a": 1}}}),
    "har-garbage-entries": json.dumps({"log": {"entries": [1, None, "x", {"request": []}, {"response": 5}]}}),
}


def write(path: Path, content) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def assert_ok_or_one_line(result) -> None:
    assert "Traceback" not in result.err
    assert result.code in (0, 2), result
    if result.code == 2:
        result.one_line_error()


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_every_command_gives_exit_0_or_one_line_exit_2(tmp_path, name):
    src = write(tmp_path / "in.json", BAD_INPUTS[name])
    for argv in (["analyze", str(src)], ["analyze", str(src), "--json"],
                 ["trace", "redact", str(src), "-o", str(tmp_path / "out.json")],
                 ["replay", str(src), "--plan-only", "--json"]):
        result = run(*argv)
        assert_ok_or_one_line(result)
        if argv[0] == "trace":
            out = tmp_path / "out.json"
            if result.code == 0:
                json.loads(out.read_text(encoding="utf-8"))  # valid JSON, surrogates escaped
                out.unlink()
            else:
                assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]  # no temporary file left behind


def test_a_lone_surrogate_is_kept_escaped_and_leaves_no_tmp(tmp_path):
    src = write(tmp_path / "in.json", BAD_INPUTS["lone-surrogate"])
    assert run("trace", "redact", str(src), "-o", str(tmp_path / "out.json")).code == 0
    text = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert "\\ud800" in text and "\\udfff" in text
    assert Trace.loads(text).events[0].tab == "t\ud800"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "out.json"]
    assert run("analyze", str(src)).code == 0


@pytest.mark.parametrize("name, message", [
    ("5000-digit-integer", "5000 digits"), ("1e400", "out of range"), ("NaN", "NaN is not a JSON number"),
    ("overflowing-wall", '"wall" out of range'), ("overflowing-har-time", "out of range"),
    ("nested-100k", "nested too deeply"), ("kind-list", "unknown kind"), ("truncated", "truncated"),
    ("not-utf8", "not UTF-8"), ("empty", "empty"),
])
def test_the_message_says_what_is_wrong(tmp_path, name, message):
    src = write(tmp_path / "in.json", BAD_INPUTS[name])
    line = run("analyze", str(src), "--json").one_line_error()
    assert message in line and str(src) in line


def test_a_transition_whose_end_version_is_a_list_is_analysed(tmp_path):
    src = write(tmp_path / "in.har", BAD_INPUTS["endVersion-list"])
    result = run("analyze", str(src), "--json")
    assert result.code == 0 and json.loads(result.out)["source"] == "har"


# -- OUT ---------------------------------------------------------------------------------------------
@pytest.fixture
def good(tmp_path) -> Path:
    return write(tmp_path / "good.json", trace_text(event()))


@pytest.mark.parametrize("force", [False, True])
def test_out_that_is_a_directory_device_or_fifo_is_refused(tmp_path, good, force):
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    for out in (tmp_path / "dir", Path("/dev/null"), tmp_path / "fifo"):
        line = run("trace", "redact", str(good), "-o", str(out), *(["--force"] if force else [])).one_line_error()
        assert "not a regular file" in line
    assert (tmp_path / "dir").is_dir() and stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert list((tmp_path / "dir").iterdir()) == []


def test_out_below_a_file_or_in_a_read_only_place(tmp_path, good):
    (tmp_path / "file").write_text("keep")
    line = run("trace", "redact", str(good), "-o", str(tmp_path / "file" / "x.json")).one_line_error()
    assert "cannot write" in line
    assert (tmp_path / "file").read_text() == "keep"
    assert "cannot write" in run("trace", "redact", str(good), "-o", "/sys/x.json").one_line_error()
    assert not Path("/sys/x.json").exists()


def test_the_input_named_like_the_temporary_file_is_kept(tmp_path):
    src = write(tmp_path / "x.json.tmp", trace_text(event()))
    before = src.read_text()
    assert run("trace", "redact", str(src), "-o", str(tmp_path / "x.json")).code == 0
    assert src.read_text() == before
    assert Trace.loads((tmp_path / "x.json").read_text()).meta["redacted"] is True


def test_an_unrelated_out_tmp_is_never_touched(tmp_path, good):
    unrelated = tmp_path / "out.json.tmp"
    unrelated.write_text("someone else's")
    out = tmp_path / "out.json"
    assert run("trace", "redact", str(good), "-o", str(out)).code == 0
    out.write_text("old")
    assert "exists" in run("trace", "redact", str(good), "-o", str(out)).one_line_error()
    assert out.read_text() == "old"
    assert run("trace", "redact", str(good), "-o", str(out), "--force").code == 0
    assert unrelated.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.json", "out.json", "out.json.tmp"]


def test_a_failed_run_leaves_out_as_it_was(tmp_path):
    out = tmp_path / "out.json"
    out.write_text("previous result")
    src = write(tmp_path / "bad.json", trace_text(event(), event(kind="bogus")))
    assert "unknown kind" in run("trace", "redact", str(src), "-o", str(out), "--force").one_line_error()
    assert out.read_text() == "previous result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "out.json"]


def test_out_through_a_symlink_replaces_the_file_it_points_to(tmp_path, good):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert run("trace", "redact", str(good), "-o", str(link), "--force").code == 0
    assert link.is_symlink() and Trace.loads(target.read_text()).meta["redacted"] is True
    assert "refusing to overwrite the input" in run("trace", "redact", str(target), "-o", str(link),
                                                    "--force").one_line_error()


def test_dash_writes_to_standard_output(good):
    result = run("trace", "redact", str(good), "-o", "-")
    assert result.code == 0 and Trace.loads(result.out).meta["redacted"] is True
    assert "standard output" in result.err


def test_output_keeps_the_mode_of_the_file_it_replaces(tmp_path, good):
    out = tmp_path / "out.json"
    out.write_text("x")
    out.chmod(0o640)
    assert run("trace", "redact", str(good), "-o", str(out), "--force").code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


# -- arguments ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, message", [
    ([], "the following arguments are required"),
    (["trace", "redact"], "the following arguments are required: IN, -o/--output"),
    (["analyze"], "the following arguments are required: FILE"),
    (["analyze", "x.json", "--bogus"], "unrecognized arguments: --bogus"),
    (["replay", "x.json", "--speed", "fast"], "invalid float value"),
    (["nosuch"], "invalid choice"),
    # Refused while parsing, before the lab builds or serves anything (400 days is the emulators' limit).
    (["lab", "--access-token-ttl", "40000000"], "--access-token-ttl must be > 0 and <= 34560000 seconds"),
    (["lab", "--access-token-ttl", "0"], "--access-token-ttl must be > 0"),
    (["lab", "--access-token-ttl", "nan"], "--access-token-ttl must be > 0"),
])
def test_argument_errors_are_one_line(argv, message):
    result = run(*(argv or ["trace"]))
    assert message in result.one_line_error()
    assert "usage:" not in result.err


def test_no_traceback_from_the_real_entry_point(tmp_path):
    src = write(tmp_path / "in.json", BAD_INPUTS["5000-digit-integer"])
    for argv in (["analyze", str(src)], ["trace", "redact", str(src), "-o", str(tmp_path / "o.json")],
                 ["trace", "redact"], ["analyze", str(tmp_path)]):
        run_process(*argv).one_line_error()
