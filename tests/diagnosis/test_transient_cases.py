"""One answer to "is this failure transient": the Python classification and the bridge's
``classifyError`` (web/bridge/policy.js, run with node) agree on the shared table."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from authtrace.failure import classify

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "tests" / "fixtures" / "transient-cases.json"
CASES = json.loads(TABLE.read_text())["cases"]

# Builds each Error as the browser would throw it (its constructor's name included) and
# prints classifyError's verdicts, in the table's order.
NODE = r"""
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [policyPath, tablePath] = process.argv.slice(1);
const { classifyError } = await import(pathToFileURL(policyPath).href);
const builtins = { TypeError, SyntaxError, Error };
function make(spec) {
  let err;
  if (spec.class === "DOMException") err = new DOMException(spec.message, spec.name);
  else if (builtins[spec.class]) err = new builtins[spec.class](spec.message);
  else err = new ({ [spec.class]: class extends Error {} })[spec.class](spec.message);
  if (err.name !== spec.name) err.name = spec.name;
  for (const key of ["status", "error", "isTransient"]) if (key in spec) err[key] = spec[key];
  return err;
}
const out = JSON.parse(readFileSync(tablePath, "utf8")).cases.map(({ error }) => {
  const err = make(error);
  return classifyError(err, { isLoginRequired: (e) => e === err && !!error.loginRequired });
});
process.stdout.write(JSON.stringify(out));
"""


def python_verdict(error: dict):
    return classify(error.get("name"), error.get("message"), error.get("class"), error.get("status"),
                    error.get("isTransient"), error.get("error"), login_required=bool(error.get("loginRequired")))


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_python_classification(case):
    v = python_verdict(case["error"])
    assert (v.kind, v.reason) == (case["kind"], case["reason"])


def test_the_table_covers_what_both_must_agree_on():
    kinds = {(c["error"].get("name"), c["kind"]) for c in CASES}
    messages = {c["error"]["message"] for c in CASES}
    assert {"Failed to fetch", "NetworkError when attempting to fetch resource.", "Load failed",
            "Missing refresh token.", "No access token available"} <= messages
    assert {("AbortError", "transient"), ("TimeoutError", "transient"), ("RefreshTimeoutError", "transient"),
            ("RefreshError", "transient"), ("RefreshError", "terminal")} <= kinds
    statuses = {c["error"].get("status") for c in CASES if c["kind"] == "transient"}
    assert {408, 429, 500, 502, 503, 504, 520, 530} <= statuses
    assert any(c["error"].get("error") == "invalid_grant" for c in CASES)
    assert any(c["error"].get("loginRequired") for c in CASES)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_bridge_agrees():
    out = subprocess.run(["node", "--input-type=module", "-e", NODE, str(ROOT / "web" / "bridge" / "policy.js"),
                          str(TABLE)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    assert len(js) == len(CASES)
    disagree = [(c["case"], python_verdict(c["error"]).kind, v) for c, v in zip(CASES, js)
                if v.get("kind") != python_verdict(c["error"]).kind]
    assert not disagree, "classifyError disagrees (case, Python kind, JS verdict): " + json.dumps(disagree, indent=1)
