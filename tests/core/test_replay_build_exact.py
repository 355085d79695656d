"""Replay plans from small hand-made traces, exactly (``authtrace.replay.build``): who replays each
socket close, when the session was signed in, the attempts' outcomes and the token lifetimes; and
the replay's outcome comparison (``outcome``) and page-side injections (``inject``)."""

from __future__ import annotations

import json

import pytest

from authtrace.replay import FORMAT, PlanError, build_plan, compare, page_injections
from authtrace.replay.inject import outcome_of
from authtrace import workos_errors

from _replay_events import AUTH, TAB, Events


class Rec(Events):
    def failed_refresh(self, at, **error):
        self.req += 1
        self.ev(at, "fetch", "request", request=self.req, method="POST", url=AUTH, auth=True,
                grant_type="refresh_token", refresh_token_sent=True, online=True)
        self.ev(at + 0.01, "fetch", "error", request=self.req, auth=True, grant_type="refresh_token",
                duration_ms=10, **error)

    def close(self, at, code=1006, was_clean=False, online=True):
        self.ev(at, "websocket", "close", socket=1, sync=True, code=code, reason="", was_clean=was_clean, online=online)

    def plan(self, end=20):
        self.ev(end, "note", "end")
        return build_plan({"format": "authtrace/1", "meta": {"recorded_by": TAB}, "events": self.events})


def closes(*make) -> list[tuple[float, str]]:
    r = Rec()
    r.ev(0, "lifecycle", "boot", visibility="visible", online=True)
    for m in make:
        m(r)
    plan = r.plan()
    return [(s["at_ms"], s["replayed_by"]) for s in plan["server"] if s["type"] == "socket-close"]


def test_who_replays_a_socket_close():
    assert closes(lambda r: r.close(5, online=False)) == [(5000, "the offline interval")]
    assert closes(lambda r: r.close(5, code=1000, was_clean=True)) == [(5000, "the client")]
    assert closes(lambda r: r.close(5, code=1005, was_clean=True)) == [(5000, "the client")]
    assert closes(lambda r: r.close(5, code=1001, was_clean=True)) == [(5000, "injected")]
    assert closes(lambda r: r.close(5, code=1000, was_clean=False)) == [(5000, "injected")]


def test_a_close_right_before_a_boot_is_the_navigation():
    def at(boot_after: float):
        return closes(lambda r: r.close(5), lambda r: r.ev(5 + boot_after, "lifecycle", "boot", visibility="visible",
                                                            online=True))[0][1]

    assert at(0) == "the page's navigation"
    assert at(1.5) == "the page's navigation"
    assert at(1.501) == "injected"


def test_only_a_lifecycle_resume_marks_a_close_as_while_frozen():
    def server(kind):
        r = Rec()
        r.ev(0, "lifecycle", "boot", visibility="visible", online=True)
        r.ev(5, kind, "resume", visibility="visible")
        r.close(5.1)
        return [s for s in r.plan()["server"] if s["type"] == "socket-close"]

    assert server("lifecycle") == [{"at_ms": 5100.0, "type": "socket-close", "code": 1006, "replayed_by": "injected",
                                    "while_frozen": True}]
    assert server("note") == [{"at_ms": 5100.0, "type": "socket-close", "code": 1006, "replayed_by": "injected"}]


def test_an_auth_error_without_text_and_the_signed_in_moment():
    r = Rec()
    r.ev(0, "lifecycle", "boot", visibility="visible", online=True)
    r.ev(1, "convex", "ConnectionState", is_authenticated=True)  # not the auth change
    r.ev(2, "convex", "auth-change", is_authenticated=True)
    r.ev(6, "convex", "AuthError")
    plan = r.plan()
    assert plan["signed_in_ms"] == 2000.0
    assert plan["server"] == [{"at_ms": 6000.0, "type": "auth-error", "error": "", "replayed_by": "injected"}]
    # no token seen: the default lifetime, written as the other lifetimes are
    assert json.dumps(plan["tokens"]) == '{"access_token_ttl_s": 300.0, "lifetimes_s": [300.0]}'
    assert plan["format"] == FORMAT and plan["duration_ms"] == 20_000.0


def test_a_network_error_keeps_the_browsers_words():
    r = Rec()
    r.ev(0, "lifecycle", "boot", visibility="visible", online=True)
    r.failed_refresh(3, name="TypeError", message="NetworkError when attempting to fetch resource.")
    r.failed_refresh(8, name="TypeError")
    plan = r.plan()
    assert [a["outcome"] for a in plan["attempts"]] == [
        {"type": "TypeError", "message": "NetworkError when attempting to fetch resource."},
        {"type": "TypeError", "message": "Failed to fetch"}]


def test_a_broken_har_is_named():
    with pytest.raises(PlanError) as exc:
        build_plan({"log": {"entries": 3}})
    assert str(exc.value) == 'not a usable HAR export: bad HAR: "log.entries" must be a list'


# -- outcome ---------------------------------------------------------------------------------------------
def test_compare_exactly():
    rec = {"split_brain_open_at_end": True, "wedged": True, "causes": ["a", "b", "c"]}
    assert compare(rec, {"split_brain_open": False, "wedged": True, "causes": ["c", "a", "d"]}) == {
        "recorded_failure": ["split-brain-open", "wedged"],
        "recurred": True,
        "failure_in_replay": ["wedged"],
        "causes_reproduced": ["a", "c"],
        "causes_missing": ["b"],
        "causes_new": ["d"],
    }
    assert compare({"wedged": True}, {})["recurred"] is False


# -- inject ------------------------------------------------------------------------------------------------
def test_outcomes_a_fetch_wrapper_makes():
    assert outcome_of({"action": "status", "params": {"status": 500}}) == \
        {"kind": "response", "status": 500, "body": workos_errors.status_body(500)}
    assert outcome_of({"action": "status"})["status"] == 503
    assert outcome_of({"action": "non-json", "params": {"status": 504}}) == \
        {"kind": "text", "status": 504, "text": workos_errors.gateway_page(504)}
    assert outcome_of({"action": "non-json"}) == {"kind": "text", "status": 502, "text": workos_errors.gateway_page(502)}
    assert outcome_of({"action": "garbage-200"}) == {"kind": "text", "status": 200, "text": workos_errors.TRUNCATED_JSON}
    assert outcome_of({"action": "bad-token"}) is None


def test_injections_skip_what_a_fetch_wrapper_cannot_make():
    plan = {"format": FORMAT, "duration_ms": 10_000, "signed_in_ms": 0, "tokens": {"access_token_ttl_s": 15},
            "faults": [{"id": "f1", "target": "workos", "action": "bad-token", "start_ms": 1000, "end_ms": 2000},
                       {"id": "f2", "target": "workos", "action": "garbage-200", "start_ms": 3000, "end_ms": 4000}]}
    out, skipped = page_injections(plan, with_skipped=True)
    assert skipped == [{"fault": "f1", "reason": "bad-token cannot be made by a fetch wrapper"}]
    assert [(i["fault"], i["at_ms"], i["until_ms"], i["outcome"]["kind"]) for i in out] == [("f2", 2000.0, 3000.0, "text")]
