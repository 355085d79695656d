"""``authtrace analyze --json`` on the committed browser-shaped HAR fixtures (issue 16).

``tests/fixtures/har/<browser>/`` holds each story of ``tests/core/_har_scenarios.py``
exported in Chrome's, Firefox's and Safari's shape, written by
``tests/fixtures/har/write_fixtures.py`` with access-token placeholders that are
minted here. For each, the command names the right ids with the right confidence
and the evidence the core tests pin (``tests/core/test_diagnosis_har_browsers.py``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from authtrace.diagnosis import diagnose, har_to_trace, merge

from ._golden import FIXTURES, har_text

sys.path.insert(0, str(FIXTURES / "har"))
from write_fixtures import BROWSERS, fixtures  # noqa: E402

HAR = FIXTURES / "har"
SEED = {"chrome": [("hidden-tab-refresh-paused", "inferred"), ("stale-token-on-reconnect", "confirmed"),
                   ("split-brain", "inferred"), ("transient-refresh-reported-as-signout", "inferred")],
        "firefox": [("hidden-tab-refresh-paused", "inferred"), ("stale-token-on-reconnect", "inferred"),
                    ("transient-refresh-reported-as-signout", "inferred"), ("split-brain", "inferred")]}
SEED["safari"] = SEED["firefox"]
EXPECTED = {
    "seed-chain": SEED,
    "devmode-missing-refresh-token": [("refresh-token-removed-by-other-tab", "inferred")],
    "cookie-missing-refresh-token": [("refresh-cookie-missing", "confirmed")],
    "rotation-race": [("rotation-race", "confirmed"), ("refresh-token-removed-by-other-tab", "inferred")],
    "healthy-hour": [],
    "unexplained-terminal-error": [("unexplained-auth-failure", "confirmed")],
}
CASES = [(story, browser) for story in EXPECTED for browser in BROWSERS]


def files(story: str, browser: str) -> list[Path]:
    return sorted((HAR / browser).glob(f"{story}*.har"))


def minted(tmp_path: Path, paths: list[Path]) -> list[Path]:
    """The fixtures with JWTs minted in; several (a tab each) named after their tab: a.har, b.har."""
    out = []
    for path in paths:
        target = tmp_path / f"{path.stem.rsplit('-', 1)[-1] if len(paths) > 1 else path.stem}.har"
        target.write_text(har_text(path, signature=None))  # JWTs with random signatures, as a browser's would be
        out.append(target)
    return out


def analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "authtrace", "analyze", *args], capture_output=True, text=True)


def test_the_committed_fixtures_are_what_the_writer_writes():
    written = fixtures()
    on_disk = {str(p.relative_to(HAR)): p.read_text() for b in BROWSERS for p in (HAR / b).glob("*.har")}
    assert on_disk == written


def test_no_fixture_holds_a_signed_jwt():
    jwt = re.compile(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")
    for path in HAR.rglob("*.har"):
        assert not jwt.search(path.read_text()), path


@pytest.mark.parametrize("story, browser", CASES)
def test_analyze_json_names_the_ids_with_their_confidence(tmp_path, story, browser):
    paths = minted(tmp_path, files(story, browser))
    out = analyze(*map(str, paths), "--json")
    assert out.returncode == 0 and out.stderr == "", out.stderr
    doc = json.loads(out.stdout)
    expected = EXPECTED[story]
    expected = expected[browser] if isinstance(expected, dict) else expected
    assert [(f["id"], f["confidence"]) for f in doc["findings"]] == expected
    for f in doc["findings"]:
        assert f["evidence"] and (f["confidence"] == "confirmed" or f["missing_evidence"])
        assert all(m["what"] and m["capture"] for m in f["missing_evidence"])
    assert [i["browser"] for i in doc["inputs"]] == [browser] * len(paths)
    assert all(i["lacks"] for i in doc["inputs"])
    # The same evidence as the diagnosis in process (which the core tests pin event by event).
    traces = [(p.stem, har_to_trace(json.loads(p.read_text()))) for p in paths]
    d = diagnose(traces[0][1] if len(traces) == 1 else merge(traces))
    assert [f["evidence"] for f in doc["findings"]] == [f.evidence for f in d.findings]
    assert doc["split_brain"] == [s.to_json() for s in d.split_brain]
    for p in paths:  # nothing secret gets out
        for token in re.findall(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", p.read_text()):
            assert token not in out.stdout


def test_rotation_race_tab_by_tab_then_together(tmp_path):
    a, b = minted(tmp_path, files("rotation-race", "chrome"))
    ids = {}
    for name, args in (("a", [a]), ("b", [b]), ("both", [a, b])):
        out = analyze(*map(str, args), "--json")
        ids[name] = [(f["id"], f["confidence"]) for f in json.loads(out.stdout)["findings"]]
    assert ids == {"a": [("refresh-token-removed-by-other-tab", "inferred")], "b": [("rotation-race", "confirmed")],
                   "both": [("rotation-race", "confirmed"), ("refresh-token-removed-by-other-tab", "inferred")]}


def test_human_output_marks_inferred_findings_and_what_the_export_lacks(tmp_path):
    [path] = minted(tmp_path, files("seed-chain", "firefox"))
    out = analyze(str(path))
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())  # as read, whatever the terminal's width
    assert text.count("[INFERRED]") == 4 and "[confirmed]" not in text
    assert "Deduced, not seen: page visibility" in text and "To capture it:" in text
    assert "What this Firefox HAR lacks:" in text and "Firefox's HAR export writes no WebSocket messages" in text
    assert "Convex socket opened (the HAR has no frames)" in text


def test_human_output_of_several_files(tmp_path):
    a, b = minted(tmp_path, files("rotation-race", "safari"))
    out = analyze(str(a), str(b))
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "2 HAR exports, merged, 2 tab(s)" in text
    assert "Timeline, tab a" in text and "Timeline, tab b" in text
    assert "rotation-race [confirmed]" in text and "refresh-token-removed-by-other-tab [INFERRED]" in text


def test_a_bad_file_among_several_is_exit_2_with_one_line(tmp_path):
    [good] = minted(tmp_path, files("healthy-hour", "chrome"))
    bad = tmp_path / "bad.har"
    bad.write_text('{"log": {"version": "1.2"}}')
    out = analyze(str(good), str(bad))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "bad.har" in out.stderr and "log.entries" in out.stderr
