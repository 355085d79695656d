"""Firefox's own words for a failed fetch, taken from Firefox itself (a refused
connection), are transient for the bridge's classifyError (web/bridge/classify.js,
run in the same Firefox page) and for the diagnosis (authtrace.failure). The
shared table (tests/fixtures/transient-cases.json) holds the documented texts of
every engine, Safari's included; this checks that Firefox still says what it lists."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from authtrace.failure import classify

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "fixtures" / "transient-cases.json").read_text())["cases"]


def refused_port() -> int:
    with socket.socket() as s:  # bound, never listening: the connection is refused
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_firefox_network_error_is_transient_for_bridge_and_diagnosis(page, pyodide_url):
    page.goto(pyodide_url + "/package.json")
    source = (ROOT / "web" / "bridge" / "classify.js").read_text()
    port = refused_port()
    got = page.evaluate(f"""(async () => {{
        const url = URL.createObjectURL(new Blob([{json.dumps(source)}], {{type: "text/javascript"}}));
        const {{ classifyError }} = await import(url);
        try {{ await fetch("http://127.0.0.1:{port}/user_management/authenticate", {{method: "POST"}}); }}
        catch (e) {{ return {{name: e.name, message: e.message, cls: e.constructor.name, verdict: classifyError(e)}}; }}
        return null;
    }})()""")
    assert got is not None, "the fetch to a refused port did not fail"
    assert (got["name"], got["cls"]) == ("TypeError", "TypeError")
    assert got["verdict"] == {"kind": "transient", "reason": "network"}, got
    py = classify(got["name"], got["message"], got["cls"])
    assert (py.kind, py.reason) == ("transient", "network"), (got, py)
    # The shared table lists this very text as Firefox's.
    firefox = [c["error"]["message"] for c in CASES if c["case"].startswith("Firefox")]
    assert got["message"] in firefox, (got["message"], firefox)


def test_the_shared_table_has_every_engine_s_network_text():
    messages = {c["error"]["message"]: c["kind"] for c in CASES}
    for text in ("Failed to fetch",  # Chromium
                 "NetworkError when attempting to fetch resource.",  # Firefox
                 "Load failed",  # Safari 17+
                 "The network connection was lost."):  # Safari 16 and older
        assert messages.get(text) == "transient", text
