"""HARs of Chrome, Firefox and Safari; several at once; confidence; never silent over a failure (issue 16).

The stories of ``_har_scenarios`` rendered in each exporter's shape (``_har_browsers``),
with JWTs minted here: what each export lets the diagnosis confirm, what it infers and
says so, and what it lacks. Pure: runs in CPython and in Pyodide.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtrace import Event, Kind, Trace
from authtrace.diagnosis import diagnose, har_to_trace, merge

from _builders import make_jwt
from _har import AUTH_URL, SYNC_URL, iso
from _har_scenarios import NETWORK_CHANGED, STORIES, T0_MS, Story, build
from _random_traces import event as random_event
from _random_traces import trace_of

BROWSERS = ("chrome", "firefox", "safari")


def mint(n: int, iat: int, exp: int) -> str:
    """A JWT made now (the same one for the same n, so the same story gives the same trace)."""
    return make_jwt({"iat": iat, "exp": exp, "jti": f"jti_{n}"}, signature=bytes(64))


def traces(name: str, browser: str) -> dict[str, Trace]:
    return {tab: har_to_trace(doc) for tab, doc in build(STORIES[name](mint), browser).items()}


def one(name: str, browser: str) -> Trace:
    [trace] = traces(name, browser).values()
    return trace


def at(trace: Trace, ids: list[int]) -> list[str]:
    """Evidence as ``kind/type@seconds after T0``: readable, and independent of numbering."""
    by_id = {e.id: e for e in trace.events}
    return [f"{by_id[i].kind.value}/{by_id[i].type}@{(by_id[i].wall - T0_MS) / 1000:g}" for i in ids]


def summary(d) -> list[tuple[str, str]]:
    return [(f.id, f.confidence) for f in d.findings]


# -- what each exporter's HAR contains ------------------------------------------------------------
def test_each_exporter_is_recognised_and_says_what_it_lacks():
    for browser, captured in (("chrome", ["fetch", "sync", "sockets", "net-errors"]),
                              ("firefox", ["fetch", "sockets"]), ("safari", ["fetch", "sockets", "net-errors"])):
        trace = one("seed-chain", browser)
        assert trace.meta["captured"] == captured, browser
        assert trace.meta["har"]["exporter"] == browser
        [info] = trace.meta["inputs"]
        lacks = " | ".join(info["lacks"])
        assert ("WebSocket messages" in lacks) is (browser != "chrome")
        assert ("status 0 and no error text" in lacks) is (browser == "firefox")
        assert ("only finished resources" in lacks) is (browser == "safari")
        assert "visibility" in lacks and "getAccessToken" in lacks


def test_a_failed_request_is_the_error_each_engine_throws():
    seen = {}
    for browser in BROWSERS:
        trace = one("seed-chain", browser)
        [err] = [e for e in trace.events if e.kind is Kind.FETCH and e.type == "error"]
        seen[browser] = (err.payload["name"], err.payload["message"], err.payload.get("net_error"),
                         err.payload["online"])
    assert seen == {"chrome": ("TypeError", "Failed to fetch", NETWORK_CHANGED["chrome"], None),
                    "firefox": ("TypeError", "NetworkError when attempting to fetch resource.", None, None),
                    "safari": ("TypeError", "Load failed", NETWORK_CHANGED["safari"], None)}


def test_safari_offline_and_cancelled_texts():
    shape_doc = build(STORIES["seed-chain"](mint), "safari")["tab"]
    failed = next(e for e in shape_doc["log"]["entries"] if e["response"]["status"] == 0)
    for text, name, online in (("The Internet connection appears to be offline.", "TypeError", False),
                               ("cancelled", "AbortError", None)):
        failed["response"]["_error"] = text
        [err] = [e for e in har_to_trace(shape_doc).events if e.kind is Kind.FETCH and e.type == "error"]
        assert (err.payload["name"], err.payload["online"], err.payload["net_error"]) == (name, online, text)


def test_sockets_without_frames_are_kept_and_marked():
    for browser, sockets in (("chrome", 4), ("firefox", 4), ("safari", 3)):  # Safari leaves the open one out
        trace = one("seed-chain", browser)
        created = [e for e in trace.events if e.kind is Kind.WEBSOCKET and e.type == "create"]
        assert len(created) == sockets, browser
        assert all(e.payload.get("frames") is (None if browser == "chrome" else False) for e in created)
        assert any(e.type == "Connect" for e in trace.events) is (browser == "chrome")
        navigations = [e for e in trace.events if e.type == "navigation"]
        assert [(e.wall - T0_MS) / 1000 for e in navigations] == [0, 3600]


# -- the seed's chain -----------------------------------------------------------------------------
def test_seed_chain_in_chrome_confirms_the_reconnect_and_infers_the_rest():
    trace = one("seed-chain", "chrome")
    d = diagnose(trace)
    assert summary(d) == [("hidden-tab-refresh-paused", "inferred"), ("stale-token-on-reconnect", "confirmed"),
                          ("split-brain", "inferred"), ("transient-refresh-reported-as-signout", "inferred")]
    hidden, stale, split, transient = d.findings
    assert at(trace, hidden.evidence) == ["fetch/request@0.2", "fetch/response@0.32", "convex/Authenticate@1200.06"]
    assert "20 min" in hidden.explanation and "cannot show visibility" in hidden.explanation
    assert [m.what for m in hidden.missing_evidence] == ["page visibility, lifecycle and online/offline events"]
    assert at(trace, stale.evidence) == ["convex/Connect@1200.05", "convex/Authenticate@1200.06",
                                         "convex/AuthError@1200.2"]
    assert stale.missing_evidence == ()
    assert at(trace, transient.evidence) == ["fetch/request@1200.3", "fetch/error@1200.34", "convex/Connect@1200.55",
                                             "fetch/response@1202.12"]
    assert "reconnected without sending a token" in transient.explanation
    assert {m.what.split(" (")[0] for m in transient.missing_evidence} == {"AuthKit client events",
                                                                           "Convex client events"}
    # Split brain from the AuthError (no recovery) to the reload, while WorkOS kept granting.
    [sb] = d.split_brain
    assert sb.inferred and (sb.start - T0_MS, sb.end - T0_MS) == (1_200_200, 3_600_000)
    assert split.at == sb.start and "granted 9 new token(s)" in split.explanation
    assert "the page reloaded" in split.explanation
    assert at(trace, split.evidence) == ["fetch/response@0.32", "convex/AuthError@1200.2",
                                         "fetch/response@3522.12", "lifecycle/navigation@3600"]
    assert [n.id for n in d.not_judged] == ["throw-wedge", "pause-overwrite-wedge", "same-token-reauth",
                                            "refresh-lock-starvation"]


@pytest.mark.parametrize("browser", ["firefox", "safari"])
def test_seed_chain_without_frames_is_inferred_from_requests_and_sockets(browser):
    trace = one("seed-chain", browser)
    d = diagnose(trace)
    assert summary(d) == [("hidden-tab-refresh-paused", "inferred"), ("stale-token-on-reconnect", "inferred"),
                          ("transient-refresh-reported-as-signout", "inferred"), ("split-brain", "inferred")]
    hidden, stale, transient, split = d.findings
    failed = "fetch/error@1200.3" if browser == "firefox" else "fetch/error@1200.34"  # Firefox: no timings, time 0
    assert at(trace, hidden.evidence) == ["fetch/request@0.2", "fetch/response@0.32", "websocket/create@1200"]
    assert at(trace, stale.evidence) == ["fetch/response@0.32", "websocket/create@1200", "fetch/request@1200.3",
                                         failed]
    assert "no WebSocket frames" in stale.explanation
    assert [m.what for m in stale.missing_evidence] == ["Convex sync WebSocket frames"]
    assert at(trace, transient.evidence) == ["fetch/request@1200.3", failed, "websocket/create@1200.5",
                                             "fetch/response@1202.12"]
    [sb] = d.split_brain
    assert (sb.start - T0_MS, sb.end - T0_MS) == (1_200_500, 3_600_000) and split.at == sb.start


# -- "Missing refresh token." is always a finding ---------------------------------------------------
@pytest.mark.parametrize("browser", BROWSERS)
def test_missing_refresh_token_in_devmode(browser):
    trace = one("devmode-missing-refresh-token", browser)
    d = diagnose(trace)
    assert summary(d) == [("refresh-token-removed-by-other-tab", "inferred")]
    [f] = d.findings
    assert at(trace, f.evidence) == ["fetch/request@870", "fetch/response@870.12"]
    assert "devMode" in f.explanation and "another tab's sign-out or terminal refresh failure" in f.explanation
    assert "signOut" in f.explanation and "LoginRequiredError" in f.explanation  # the alternatives, and what it means
    assert [m.what for m in f.missing_evidence] == ["localStorage writes and cross-tab storage events",
                                                    "what the other tabs of the origin did at the time"]


@pytest.mark.parametrize("browser", BROWSERS)
def test_missing_refresh_token_in_cookie_mode(browser):
    trace = one("cookie-missing-refresh-token", browser)
    d = diagnose(trace)
    # Cookie mode is shown (an earlier refresh without a body token worked), not deduced: confirmed.
    assert summary(d) == [("refresh-cookie-missing", "confirmed")]
    assert at(trace, d.findings[0].evidence) == ["fetch/request@580", "fetch/response@580.12"]
    assert "had worked before" in d.findings[0].explanation and "terminal" in d.findings[0].explanation


def test_cookie_mode_deduced_from_a_single_refresh_is_inferred():
    doc = build(STORIES["cookie-missing-refresh-token"](mint), "chrome")["tab"]
    doc["log"]["entries"] = [e for e in doc["log"]["entries"] if e["startedDateTime"].endswith("09:09:40.000Z")]
    d = diagnose(har_to_trace(doc))
    assert summary(d) == [("refresh-cookie-missing", "inferred")]
    assert "devMode" in d.findings[0].explanation and "credentials" in d.findings[0].missing_evidence[0].what


# -- several tabs: a rotation race, and the other tab's removal ---------------------------------------
@pytest.mark.parametrize("browser", BROWSERS)
def test_rotation_race_across_two_tab_hars(browser):
    tabs = traces("rotation-race", browser)
    merged = merge(list(tabs.items()))
    assert merged.tabs() == ["a", "b"] and [e.id for e in merged.events] == list(range(1, len(merged.events) + 1))
    d = diagnose(merged)
    assert [(f.id, f.confidence, f.tab) for f in d.findings] == [
        ("rotation-race", "confirmed", "b"), ("refresh-token-removed-by-other-tab", "inferred", "a")]
    race, removed = d.findings
    assert at(merged, race.evidence) == ["fetch/request@350", "fetch/request@350.05", "fetch/response@350.15",
                                         "fetch/response@350.18"]
    assert "first by tab a" in race.explanation
    # Tab b's refusal is named as the likely remover of tab a's token, and is evidence.
    assert at(merged, removed.evidence) == ["fetch/request@350.05", "fetch/response@350.18", "fetch/request@640",
                                            "fetch/response@640.12"]
    assert "likely remover is tab b" in removed.explanation
    assert [m.what for m in removed.missing_evidence] == ["localStorage writes and cross-tab storage events"]
    # Each tab alone shows less, and says so.
    alone_a, alone_b = diagnose(tabs["a"]), diagnose(tabs["b"])
    assert summary(alone_b) == [("rotation-race", "confirmed")] and "not in this trace" in alone_b.findings[0].explanation
    assert summary(alone_a) == [("refresh-token-removed-by-other-tab", "inferred")]
    assert "not in this input" in alone_a.findings[0].explanation


def test_a_trace_and_a_har_merged_each_judged_by_what_it_captured():
    from _traces import readme_story

    b, _ = readme_story()
    merged = merge([("recorded", b.trace), ("firefox", one("seed-chain", "firefox"))])
    d = diagnose(merged)
    assert merged.meta["source"] == "mixed" and merged.meta["tabs"]["firefox"]["captured"] == ["fetch", "sockets"]
    by_tab = {}
    for f in d.findings:
        by_tab.setdefault(f.tab, []).append((f.id, f.confidence))
    assert by_tab["recorded"] == [(f.id, "confirmed") for f in diagnose(b.trace).findings]
    assert by_tab["firefox"] == summary(diagnose(one("seed-chain", "firefox")))
    assert [i.name for i in d.inputs] == ["recorded", "firefox"] and d.inputs[1].browser == "firefox"
    reasons = {n.id: n.reason for n in d.not_judged}
    assert reasons["throw-wedge"].startswith("tab firefox: needs")  # the trace's tab judged it


@pytest.mark.parametrize("browser", BROWSERS)
def test_a_healthy_hour_has_no_findings_at_all(browser):
    d = diagnose(one("healthy-hour", browser))
    assert d.findings == [] and d.split_brain == []


@pytest.mark.parametrize("browser", BROWSERS)
def test_an_unexplained_terminal_error_is_still_a_finding(browser):
    trace = one("unexplained-terminal-error", browser)
    d = diagnose(trace)
    assert summary(d) == [("unexplained-auth-failure", "confirmed")]
    [f] = d.findings
    assert at(trace, f.evidence) == ["fetch/request@580", "fetch/response@580.12"]
    assert "400 invalid_request" in f.explanation and "terminal" in f.explanation
    whats = [m.what.split(" (")[0] for m in f.missing_evidence]
    assert ("Convex sync WebSocket frames" in whats) is (browser != "chrome")
    assert "AuthKit client events" in whats


# -- never silent over a failure ----------------------------------------------------------------------
def _failure(e: Event) -> bool:
    p = e.payload
    if e.kind is Kind.CONVEX and e.type in ("AuthError", "FatalError"):
        return True
    if e.kind is not Kind.FETCH or p.get("auth") is not True:
        return False
    status = p.get("status")
    return e.type == "error" or (e.type == "response" and (
        p.get("ok") is False or (type(status) is int and not 200 <= status < 300)))


# The robust test explores these random traces already (150 examples): fewer here, as it runs in Pyodide too.
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(random_event, max_size=40))
def test_random_traces_with_a_failure_always_have_a_finding(events):
    trace = trace_of(events)
    if any(_failure(e) for e in trace.events):
        assert diagnose(trace).findings


_STATUS = st.sampled_from([0, 200, 400, 401, 403, 408, 429, 500, 503])
_ANSWER = st.sampled_from([{}, {"error": "invalid_grant", "error_description": "Session has ended."},
                           {"error": "invalid_request", "error_description": "Missing refresh token."},
                           {"error": "invalid_grant", "error_description": "Refresh token already exchanged."},
                           {"error": "server_error"}, "not json"])
_FRAME = st.sampled_from([{"type": "Connect", "connectionCount": 1, "lastCloseReason": None},
                          {"type": "Authenticate", "tokenType": "None", "baseVersion": 0},
                          {"type": "AuthError", "error": "Token expired", "baseVersion": 0, "authUpdateAttempted": True},
                          {"type": "FatalError", "error": "boom"},
                          {"type": "Transition", "startVersion": {"identity": 0}, "endVersion": {"identity": 1}}])
_ENTRY = st.one_of(
    st.tuples(st.just("auth"), st.floats(0, 4000), _STATUS, _ANSWER, st.booleans(), st.sampled_from(
        [None, "net::ERR_FAILED", "net::ERR_INTERNET_DISCONNECTED", "cancelled", "The network connection was lost."])),
    st.tuples(st.just("ws"), st.floats(0, 4000), st.lists(st.tuples(st.floats(0, 30), _FRAME), max_size=4)))
_CREATOR = st.sampled_from([{"name": "WebInspector", "version": "537.36"}, {"name": "Firefox", "version": "140.0"},
                            {"name": "WebKit Web Inspector", "version": "1"}, {"name": "Charles", "version": "4"}])


def _har_entry(spec) -> dict:
    if spec[0] == "ws":
        _, t, frames = spec
        return {"startedDateTime": iso(T0_MS + t * 1000), "time": 1, "_resourceType": "websocket",
                "request": {"method": "GET", "url": SYNC_URL}, "response": {"status": 101},
                "_webSocketMessages": [{"type": "receive" if f["type"] in ("AuthError", "FatalError", "Transition")
                                        else "send", "time": (T0_MS + (t + dt) * 1000) / 1000, "opcode": 1,
                                        "data": json.dumps(f)} for dt, f in frames]}
    _, t, status, answer, with_token, error = spec
    body = {"grant_type": "refresh_token", **({"refresh_token": "FAKE-rt"} if with_token else {})}
    response = {"status": status, "content": {"text": answer if isinstance(answer, str) else json.dumps(answer)}}
    if status == 0 and error:
        response["_error"] = error
    return {"startedDateTime": iso(T0_MS + t * 1000), "time": 100,
            "request": {"method": "POST", "url": AUTH_URL, "postData": {"text": json.dumps(body)}},
            "response": response}


def _har_failure(spec) -> bool:
    if spec[0] == "ws":
        return any(f["type"] in ("AuthError", "FatalError") for _, f in spec[2])
    return not 200 <= spec[2] < 300


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_ENTRY, max_size=12), _CREATOR)
def test_random_hars_with_a_failed_refresh_or_an_auth_error_always_have_a_finding(specs, creator):
    doc = {"log": {"version": "1.2", "creator": creator, "entries": [_har_entry(s) for s in specs]}}
    d = diagnose(har_to_trace(doc))
    if any(_har_failure(s) for s in specs):
        assert d.findings, [(n.id, n.reason) for n in d.not_judged]
    for f in d.findings:
        assert f.confidence in ("confirmed", "inferred")
        assert not f.inferred or f.missing_evidence


# -- what the inferences need --------------------------------------------------------------------------
def test_a_visible_tab_whose_refreshes_failed_is_not_a_hidden_tab():
    # The same reconnect with an expired token, but the tab kept trying to refresh (offline):
    # no request gap, so nothing suggests it was hidden.
    story = STORIES["seed-chain"](mint)
    offline = {"chrome": "net::ERR_INTERNET_DISCONNECTED", "safari": "The Internet connection appears to be offline."}
    for t in range(290, 1200, 100):
        story.refresh("tab", t, "FAKE-refresh-token-1", failed=offline, took=3.0)
    for browser in BROWSERS:
        ids = [f.id for f in diagnose(har_to_trace(build(story, browser)["tab"])).findings]
        assert "hidden-tab-refresh-paused" not in ids and "stale-token-on-reconnect" in ids, browser


@pytest.mark.parametrize("browser", ["firefox", "safari"])
def test_a_first_socket_is_not_a_reconnect_with_an_old_token(browser):
    # The page's first socket opens long after the first grant: Convex asks for a token before
    # its first connection, so nothing says it resent an expired one.
    story = Story(mint)
    story.page("tab", 0)
    story.refresh("tab", 0.2, "FAKE-refresh-token-0", grant=1, new_rt="FAKE-refresh-token-1")
    story.socket("tab", 400.0, [], closed_at=500.0)
    story.socket("tab", 900.0, [], closed_at=901.0)
    d = diagnose(har_to_trace(build(story, browser)["tab"]))
    stale = [f for f in d.findings if f.id == "stale-token-on-reconnect"]
    assert [(s.at - T0_MS) / 1000 for s in stale] == [900.0]  # the second one is a reconnect


@pytest.mark.parametrize("browser", BROWSERS)
def test_live_diagnosis_of_a_har_fed_in_pieces_is_the_same(browser):
    from authtrace.diagnosis import LiveDiagnosis

    trace = one("seed-chain", browser)
    live = LiveDiagnosis(trace.meta, fold_chunk=7)
    for i in range(0, len(trace.events), 5):
        live.feed(trace.events[i:i + 5])
        live.run()
    assert live.diagnosis.to_json() == diagnose(trace).to_json()


def test_after_workos_ends_the_session_an_old_token_resent_is_no_session():
    # WorkOS refuses the refresh token (the session ended); the socket then reconnects with the
    # old token and is rejected: Convex is unauthenticated, but so is AuthKit: no split brain.
    from _har_scenarios import auth_error, authenticate, connect, transition

    story = Story(mint)
    story.page("tab", 0)
    story.refresh("tab", 0.2, "FAKE-refresh-token-0", grant=1, new_rt="FAKE-refresh-token-1")
    story.refresh("tab", 250.0, "FAKE-refresh-token-1", refused=(400, "invalid_grant", "Session has ended."))
    story.socket("tab", 0.5, [connect(0.55, 0, "InitialConnect"), authenticate(0.56, story.at(1), 0),
                              transition(0.7, (0, 1), (0, 1))], closed_at=400.0)
    story.socket("tab", 401.0, [connect(401.05, 1, "closed with code 1006"), authenticate(401.06, story.at(1), 0),
                                auth_error(401.2, "Token expired", True, 0)], closed_at=401.3)
    story.socket("tab", 401.5, [connect(401.55, 2, None), transition(600.0, (0, 0), (1, 2))],  # no token sent
                 closed_at=700.0)
    d = diagnose(har_to_trace(build(story, "chrome")["tab"]))
    assert [f.id for f in d.findings] == ["session-ended", "stale-token-on-reconnect"] and d.split_brain == []


# -- consumers that name one cause ------------------------------------------------------------------------
def test_the_panel_and_the_report_name_the_chain_not_a_later_unexplained_failure():
    import _traces as S
    from authtrace.browser.panel.cause import cause_of
    from authtrace.report.verdict import verdict

    b, _ = S.readme_story()
    last = b.trace.events[-1].wall / 1000 - S.T0 / 1000
    rid, _ = b.refresh_request("A", last + 5, "rt9")
    b.refresh_failed("A", last + 5.1, rid, last + 5)  # a later failure nothing explains
    d = diagnose(b.trace)
    assert d.findings[-1].id == "unexplained-auth-failure"
    cause = cause_of(d, "A")  # what the panel's CauseFinder shows from its live diagnosis
    assert cause is not None and cause.id == "transient-refresh-reported-as-signout"
    assert verdict(d, b.trace.events[-1].wall).causes == ("transient-refresh-reported-as-signout",)
