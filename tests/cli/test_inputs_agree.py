"""Issue 13: "is this input a trace, a HAR or a plan" has one answer (``authtrace.inputs``),
and every reader gives it: ``authtrace analyze``, the report, the panel's import and the
replay plan builder read the same documents and refuse the same ones, each saying what it got."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.browser.panel import files
from authtrace.browser.panel.replay import plan_of
from authtrace.host.commands.analyze import load_input
from authtrace.host.errors import UsageError
from authtrace.inputs import HAR, PLAN, TRACE, kind_of
from authtrace.replay import PlanError, load_plan
from authtrace.report.inputs import Input, ReportInputError, read
from authtrace.trace import TraceFormatError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
import _har as H  # noqa: E402
import _traces as S  # noqa: E402

HAR_DOC = H.har([H.auth_entry(1, {"grant_type": "refresh_token", "refresh_token": "tok:000000000001"},
                              status=400, answer={"error": "invalid_grant"})])
TRACE_DOC = S.offline_at_refresh()[0].trace.to_json()
PLAN_DOC = load_plan(TRACE_DOC)


def readers(doc, tmp_path: Path) -> dict[str, str]:
    """What each trace reader made of ``doc``: ``"ok"`` or its one-line error."""
    path = tmp_path / "input.json"
    path.write_text(json.dumps(doc))
    out = {}
    for name, call, errors in (("analyze", lambda: load_input(path), UsageError),
                               ("report", lambda: read(Input("input.json", doc)), ReportInputError),
                               ("panel import", lambda: files.load_text(json.dumps(doc)), TraceFormatError)):
        try:
            call()
            out[name] = "ok"
        except errors as exc:
            out[name] = str(exc)
    return out


def planned(doc) -> str:
    """What the replay (CLI's load_plan and the panel's plan_of) made of ``doc``."""
    try:
        a, b = load_plan(doc), plan_of(json.dumps(doc))
    except PlanError as exc:
        return str(exc)
    assert a == b
    return "ok"


@pytest.mark.parametrize("doc, kind", [(TRACE_DOC, TRACE), (HAR_DOC, HAR), (PLAN_DOC, PLAN)])
def test_each_kind_is_read_the_same_by_every_reader(doc, kind, tmp_path):
    assert kind_of(doc) == kind
    said = readers(doc, tmp_path)
    if kind == PLAN:  # a plan is no trace: every trace reader says so, in one line; the replay takes it
        assert all("replay plan" in text and "\n" not in text for text in said.values()), said
        assert planned(doc) == "ok"
    else:
        assert said == {"analyze": "ok", "report": "ok", "panel import": "ok"}
        assert planned(doc) == "ok"
        assert load_plan(doc)["source"]["kind"] == kind


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                          max_size=3), max_leaves=8)
# Objects shaped like the three documents, and like none of them (numbers small: the CLI refuses
# huge ones when it reads the file, before the kind is asked).
documents = json_values | st.fixed_dictionaries(
    {}, optional={"format": st.sampled_from(["authtrace/1", "authtrace/2", "authtrace-replay/1", "authtrace-replay/9",
                                             "other", 1]) | json_values,
                  "log": st.fixed_dictionaries({}, optional={"entries": st.lists(json_values, max_size=2)}) | json_values,
                  "events": st.lists(json_values, max_size=2) | json_values,
                  "meta": json_values})


@settings(max_examples=150, deadline=None)
@given(documents)
def test_every_reader_refuses_what_is_neither_trace_nor_har(tmp_path_factory, doc):
    kind = kind_of(doc)
    said = readers(doc, tmp_path_factory.mktemp("in"))
    if kind is None:
        assert all("neither an authtrace trace" in text for text in said.values()), said
        assert planned(doc).startswith("neither an authtrace trace")
    elif kind == PLAN:
        assert all("replay plan" in text for text in said.values()), said
    else:  # a trace or a HAR, readable or not: the readers agree whether it is
        assert len({text == "ok" for text in said.values()}) == 1, said
    assert all("\n" not in text for text in said.values())
