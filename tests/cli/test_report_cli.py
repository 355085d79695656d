"""``authtrace report FILE... -o OUT``: traces, HARs and several tab exports in, one HTML file out;
bad input is one line and exit 2; an existing OUT is kept without --force, an input never overwritten;
``-o -`` is stdout; the file is written whole (temporary file, then renamed)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from authtrace import Trace
from authtrace.report import Input, combine, render

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _run import completed  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "traces" / "hidden-tab-resume-typeerror.stock.json"
OTHER_TAB = ROOT / "tests" / "fixtures" / "traces" / "missing-refresh-token-other-tab.stock.json"
HAR = ROOT / "tests" / "fixtures" / "har" / "cookie-missing-refresh-token.har"


def cli(*args: str) -> subprocess.CompletedProcess:
    return completed(*args)


def verdict(html: str) -> str:
    return re.search(r'id="rp-verdict"[^>]*>([^<]*)<', html).group(1)


def test_the_seed_failure_as_a_report(tmp_path):
    out = tmp_path / "report.html"
    run = cli("report", str(SEED), "-o", str(out))
    assert run.returncode == 0, run.stderr
    html = out.read_text()
    assert verdict(html) == "split brain for 13.6 s (still so at the end), cause: transient refresh reported as sign-out"
    assert run.stdout.startswith(f"{out}: ") and verdict(html) in run.stdout
    assert html == render(combine([Input(str(SEED), json.loads(SEED.read_text()))]), [SEED.name])
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_several_inputs_and_stdout(tmp_path):
    """Both tabs of a two-tab scenario exported separately, plus a HAR, into one report on stdout."""
    trace = Trace.loads(OTHER_TAB.read_text())
    tabs = trace.tabs()
    assert len(tabs) == 2
    paths = []
    for tab in tabs:  # each tab's export: its own events and every third of the other's (relayed late)
        own = Trace(dict(trace.meta, recorded_by=tab), [e for e in trace.events if e.tab == tab or e.id % 3 == 0])
        path = tmp_path / f"{tab}.json"
        path.write_text(own.dumps())
        paths.append(str(path))
    run = cli("report", *paths, str(HAR), "-o", "-")
    assert run.returncode == 0, run.stderr
    html = run.stdout
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n") and run.stderr == ""
    drawn = set(re.findall(r'<g class="at-tab" data-tab="([^"]+)"', html))
    assert drawn == {*tabs, "har"}
    assert 'data-cause="refresh-token-removed-by-other-tab"' in html  # needs both tabs' events
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob(".*tmp"))


def test_an_existing_file_is_kept_without_force(tmp_path):
    out = tmp_path / "report.html"
    out.write_text("mine")
    run = cli("report", str(SEED), "-o", str(out))
    assert run.returncode == 2 and run.stderr == f"authtrace: {out} exists; pass --force to overwrite it\n"
    assert out.read_text() == "mine"
    run = cli("report", str(SEED), "-o", str(out), "--force")
    assert run.returncode == 0 and out.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": "world"}))
    cut = tmp_path / "cut.json"
    cut.write_text(SEED.read_text()[:5000])
    trace = tmp_path / "trace.json"
    trace.write_text(SEED.read_text())
    cases = [
        (["report", str(bad), "-o", str(tmp_path / "r.html")], f"{bad}: neither an authtrace trace"),
        (["report", str(SEED), str(cut), "-o", str(tmp_path / "r.html")], f"{cut}: "),  # words: jsonfile.read_json
        (["report", str(tmp_path / "nope.json"), "-o", "-"], f"{tmp_path / 'nope.json'}: no such file"),
        (["report", str(trace), "-o", str(trace), "--force"], f"refusing to overwrite the input {trace}"),
        (["report", str(SEED), "-o", str(tmp_path / "no" / "dir" / "r.html")], f"{tmp_path / 'no' / 'dir'}: no such directory"),
        (["report", str(SEED), "-o", str(tmp_path)], f"{tmp_path} is a directory"),
    ]
    for args, message in cases:
        run = cli(*args)
        assert run.returncode == 2, (args, run.stderr)
        assert run.stderr.startswith(f"authtrace: {message}") and run.stderr.count("\n") == 1, run.stderr
        assert run.stdout == ""
    assert trace.read_text() == SEED.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "cut.json", "trace.json"]
