"""Counts from the recorder's trace and the emulators' log (pure, no browser)."""

from hypothesis import given
from hypothesis import strategies as st

from authtrace.host.scenarios import counts


def ev(tab, wall, kind, type_, **payload):
    return {"tab": tab, "wall": wall, "kind": kind, "type": type_, "payload": payload}


def refresh(tab, wall):
    return ev(tab, wall, "fetch", "request", grant_type="refresh_token")


def call(tab, wall, n, end=None, outcome="token"):
    out = [ev(tab, wall, "authkit", "getAccessToken-start", call=n)]
    if end is not None:
        out.append(ev(tab, end, "authkit", "getAccessToken", call=n, outcome=outcome))
    return out


def test_refresh_requests_per_tab_in_a_window():
    events = [refresh("a", 1000), refresh("a", 2000), refresh("b", 2500), refresh("a", 9000),
              ev("a", 3000, "fetch", "request", grant_type="authorization_code")]
    assert counts.refresh_requests(events) == {"a": 3, "b": 1}
    assert counts.refresh_requests(events, (1500, 5000)) == {"a": 1, "b": 1}


def test_requests_right_after_an_adapter_call_are_the_adapters_the_rest_authkits_timer():
    events = [
        *call("a", 1000, 1, 1010), refresh("a", 1004),  # the adapter's call sent this one
        refresh("a", 2000), refresh("a", 3000),  # AuthKit's 1 s timer, no call before them
        *call("a", 3500, 2, 3510), refresh("a", 3506), refresh("a", 3600),  # one call, one request
        *call("b", 5000, 1, 5001),  # a call served from AuthKit's memory: no request
        refresh("b", 5900),  # 900 ms later: the timer's
    ]
    assert counts.adapter_refresh_requests(events) == {"a": 2, "b": 0}
    assert counts.refresh_requests(events) == {"a": 5, "b": 1}
    assert counts.authkit_calls(events) == {"a": 2, "b": 1}


def test_outstanding_calls_count_the_ones_that_never_settled():
    events = [*call("a", 0, 1, 100), *call("a", 200, 2), *call("a", 300, 3, 400), *call("b", 250, 1, 260)]
    assert counts.max_outstanding_calls(events, (None, None), end_wall=1000) == 2
    assert counts.max_outstanding_calls(events, (0, 150), end_wall=1000) == 1


def test_longest_token_wait_is_convex_waiting_for_its_adapter():
    events = [ev("a", 0, "convex", "fetchToken-start", call=1), ev("a", 50, "convex", "fetchToken", call=1),
              ev("a", 100, "convex", "fetchToken-start", call=2), ev("a", 4100, "convex", "fetchToken", call=2),
              ev("b", 5000, "convex", "fetchToken-start", call=1)]
    assert counts.longest_token_wait_ms(events, end_wall=6000) == 4000  # b's never answered: 1000 ms so far
    assert counts.longest_token_wait_ms(events, end_wall=12000) == 7000


def srv(t, type_="refresh", **fields):
    return {"source": "workos", "type": type_, "t": t, **fields}


def test_rotations_and_reuse_come_from_workos_log():
    log = [srv(1, outcome="rotated"), srv(2, outcome="rotated"), srv(3, outcome="replayed"), srv(3.5, outcome="replayed"),
           srv(4, outcome="reused"), srv(5, outcome="unknown"), srv(6, "request", outcome="rotated"),
           srv(7, outcome="missing")]
    assert counts.rotations(log) == 2
    assert counts.rotations(log, (1500, None)) == 1
    assert counts.reused_refresh_tokens(log) == 1
    assert counts.replayed_refresh_tokens(log) == 2
    assert counts.invalid_grants(log) == 2


@given(st.lists(st.tuples(st.sampled_from("ab"), st.integers(0, 10_000), st.booleans()), max_size=40))
def test_attributed_requests_never_exceed_calls_or_requests(items):
    events = []
    for n, (tab, wall, is_call) in enumerate(items):
        events += call(tab, wall, n, wall + 5) if is_call else [refresh(tab, wall)]
    attributed = counts.adapter_refresh_requests(events)
    for tab, n in attributed.items():
        assert n <= counts.refresh_requests(events).get(tab, 0)
        assert n <= counts.authkit_calls(events).get(tab, 0)
