"""The resilient bridge as a drop-in in the lab (no other code change: ?adapter=resilient),
against the same stories that break the stock adapter. The full matrix over every
scenario and seeds is `authtrace chaos`; these are its representative cases."""

from __future__ import annotations

import pytest

from authtrace.host.scenarios.runner import run


@pytest.mark.parametrize("name", ["hidden-tab-resume-typeerror", "transient-5xx", "offline-at-refresh"])
def test_bridge_keeps_convex_authenticated_through_transient_failures(name, tmp_path):
    r = run(name, "resilient", seed=0, trace_out=tmp_path / f"{name}.json")
    assert r["adapter"] == "resilient" and r["trace_secrets_found"] == 0
    assert r["split_brain_open"] is False and r["split_brain_ms"] <= 1000
    assert r["authkit_user_at_end"] is True and r["convex_authenticated_at_end"] is True
    assert r["wedged"] is False
    assert r["lost_mutations"] == 0 and r["duplicated_mutations"] == 0
    assert r["recovered_ms"] is not None and r["recovered_ms"] <= 1000


def test_bridge_signs_out_consistently_when_the_session_really_ended(tmp_path):
    r = run("laptop-sleep", "resilient", seed=0, trace_out=tmp_path / "laptop-sleep.json")
    assert r["split_brain_open"] is False and r["split_brain_ms"] <= 1000
    assert r["authkit_user_at_end"] is False and r["convex_authenticated_at_end"] is False
