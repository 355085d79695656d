"""The page-side injector (web/recorder/replay-inject.js) answers the next refresh
attempts with a plan's recorded outcomes, matched by method, path and grant type."""

import json
from pathlib import Path

from authtrace.host.chromium import new_driver
from authtrace.replay import FORMAT, faults_from_attempts, page_injections, validate_plan

ROOT = Path(__file__).resolve().parents[2]
FETCH = """
const done = arguments[arguments.length - 1];
const call = (grant) => fetch("http://127.0.0.1:9/user_management/authenticate", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({grant_type: grant})})
  .then(async r => ({status: r.status, body: await r.text()}), e => ({error: e.name + ": " + e.message}));
(async () => {
  const out = [];
  out.push(await call("refresh_token"));
  await new Promise(r => setTimeout(r, 1300));
  out.push(await call("refresh_token"));
  out.push(await call("authorization_code"));
  done(JSON.stringify({out, state: globalThis.__authtraceReplay.state()}));
})();
"""


def test_injector_applies_the_recorded_outcomes():
    attempts = [
        {"at_ms": 2000, "grant_type": "refresh_token", "outcome": {"type": "TypeError", "message": "Failed to fetch"}},
        {"at_ms": 2300, "grant_type": "refresh_token", "outcome": {"type": "http", "status": 503}},
        {"at_ms": 9000, "grant_type": "refresh_token", "outcome": {"type": "token"}},
    ]
    plan = validate_plan({"format": FORMAT, "duration_ms": 10_000, "signed_in_ms": 0,
                          "tokens": {"access_token_ttl_s": 15}, "page": [], "server": [], "mutations": [],
                          "attempts": attempts, "faults": faults_from_attempts(attempts, 10_000), "recorded": {}})
    injections = page_injections(plan)
    assert [i["outcome"]["kind"] for i in injections] == ["error", "response"]
    driver = new_driver()
    try:
        driver.set_script_timeout(20)
        driver.get("data:text/html,<title>replay</title>")
        for script in ("boot.js", "replay-inject.js"):  # the injector answers through the boot shim's fetch
            driver.execute_script((ROOT / "web" / "recorder" / script).read_text())
        driver.execute_script(f"return globalThis.__authtraceReplay.install({json.dumps(injections)})")
        result = json.loads(driver.execute_async_script(FETCH))
    finally:
        driver.quit()
    first, second, other = result["out"]
    assert first == {"error": "TypeError: Failed to fetch"}
    assert second["status"] == 503 and json.loads(second["body"]) == {"message": "Service unavailable"}
    # Another grant type goes to the real network (nothing listens on port 9).
    assert "error" in other
    assert [a["kind"] for a in result["state"]["applied"]] == ["error", "response"]
