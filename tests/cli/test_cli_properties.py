"""Property tests of the CLI's outputs (CPython: the CLI does not run in the page).

- ``trace redact`` streams the file, yet gives exactly what redacting the
  parsed document gives, whatever the shape and however small the window;
- random secrets placed anywhere in traces and HARs (the strategies of
  tests/core/test_redaction_properties.py) never reach ``trace redact``'s
  output, ``analyze --json`` or the human ``analyze``.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtrace import Trace
from authtrace.host.jsonstream import Source, read
from authtrace.host.redactfile import Restart, redact_stream
from authtrace.redaction import Redactor

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from _run import run  # noqa: E402
import test_redaction_properties as P  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

keys = st.sampled_from(["value", "text", "type", "name", "key", "encoding", "refresh_token", "headers", "cookies",
                        "entries", "log", "workos:refresh-token:c", "x", "Authenticate", "data"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from(["Authenticate", "base64", "workos:refresh-token:c", "wos-session", "aGk=",
                                     P.make_jwt(), "Bearer x", "theme"]),
                    st.text(max_size=12))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6),
                         max_leaves=30)


def reference(doc):
    r = Redactor()
    out = r.value(doc)
    if isinstance(out, dict) and r.jwt:
        out["_authtrace_jwt"] = r.jwt
    return out


def streamed(text: str, window: int, trace: bool = False):
    out = io.StringIO()
    redact_stream(io.BytesIO(text.encode("utf-8", "surrogatepass")), out, Redactor(), trace=trace, window=window)
    return json.loads(out.getvalue())


@SETTINGS
@given(doc=documents.filter(lambda d: not (isinstance(d, dict) and "format" in d)),
       window=st.sampled_from([1, 7, 64, 1 << 20]), indent=st.sampled_from([None, 1]))
def test_streamed_redaction_equals_redacting_the_parsed_document(doc, window, indent):
    text = json.dumps(doc, indent=indent)
    assert streamed(text, window) == reference(doc)


@SETTINGS
@given(doc=documents, window=st.sampled_from([1, 5, 1 << 20]))
def test_the_window_reader_parses_like_json_loads(doc, window):
    text = json.dumps(doc, indent=2)
    assert read(io.BytesIO(text.encode()), depth=5) == json.loads(text)
    src = Source(io.BytesIO(text.encode()), window)
    assert src.value() == json.loads(text)


def test_a_root_with_format_starts_over_as_a_trace():
    text = Trace({"origin": "x"}).dumps()
    with pytest.raises(Restart):
        streamed(text, 64)
    assert streamed(text, 64, trace=True) == Trace.loads(text).redacted().to_json()


@SETTINGS
@given(sample=P.traces(), window=st.sampled_from([16, 1 << 20]))
def test_streamed_trace_equals_the_trace_redacted_in_memory(sample, window):
    trace, _ = sample
    text = trace.dumps()
    assert streamed(text, window, trace=True) == Trace.loads(text).redacted().to_json()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli-props")


def outputs(workdir: Path, doc: dict, name: str) -> list[str]:
    src = workdir / name
    src.write_text(json.dumps(doc))
    out = workdir / f"{name}.out"
    results = [run("trace", "redact", str(src), "-o", str(out), "--force"), run("analyze", str(src), "--json"),
               run("analyze", str(src))]
    for r in results:
        assert r.code == 0, r
    return [out.read_text(encoding="utf-8")] + [r.out + r.err for r in results]


@SETTINGS
@given(sample=P.traces())
def test_no_secret_in_any_cli_output_of_a_trace(workdir, sample):
    trace, secrets = sample
    for text in outputs(workdir, trace.to_json(), "trace.json"):
        assert not P.survivors(text, secrets), text[:400]


@SETTINGS
@given(sample=P.hars())
def test_no_secret_in_any_cli_output_of_a_har(workdir, sample):
    har, secrets = sample
    for text in outputs(workdir, har, "session.har"):
        assert not P.survivors(text, secrets), text[:400]
