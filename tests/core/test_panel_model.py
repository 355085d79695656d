"""The debug panel's pure parts: lane classification, state bands, badges and
the split-brain rule, the swimlanes' SVG, the render throttle. Self-contained:
also runs inside Pyodide."""

from __future__ import annotations

from authtrace.browser.panel.badges import compute, countdown
from authtrace.browser.panel.lanes import AMBER, GREEN, RED, bands, classify
from authtrace.browser.panel.throttle import Throttle
from authtrace.browser.panel.svg import render as svg
from authtrace.browser.panel.swimlanes import layout
from authtrace.event import Event, Kind

T0 = 1_800_000_000_000.0


def ev(i, kind, type_, payload=None, tab="tab-a", at=None):
    return Event(tab, float(i), T0 + (at if at is not None else i * 1000), Kind(kind), type_, payload or {}, id=i)


def test_refresh_outcomes_are_green_amber_red():
    ok = ev(1, "fetch", "response", {"auth": True, "status": 200, "grant_type": "refresh_token"})
    unavailable = ev(2, "fetch", "response", {"auth": True, "status": 503})
    network = ev(3, "fetch", "error", {"auth": True, "message": "Failed to fetch"})
    grant = ev(4, "fetch", "response", {"auth": True, "status": 400, "workos_error": "invalid_grant"})
    assert [classify(e).tone for e in (ok, unavailable, network, grant)] == [GREEN, AMBER, AMBER, RED]
    assert {classify(e).lane for e in (ok, unavailable, network, grant)} == {"authkit"}
    assert classify(ev(5, "websocket", "open", {"sync": True})).lane == "socket"
    assert classify(ev(6, "convex", "auth-change", {"is_authenticated": False})).tone == RED
    assert classify(ev(7, "note", "experiment", {"experiment": "armed"})).lane == "notes"
    assert classify(ev(8, "websocket", "open", {"sync": False})) is None


def test_bands_follow_state_and_a_boot_closes_them():
    events = [ev(1, "visibility", "visibilitychange", {"state": "hidden"}),
              ev(2, "visibility", "visibilitychange", {"state": "visible"}),
              ev(3, "convex", "auth-change", {"is_authenticated": True}),
              ev(4, "lifecycle", "boot", {"visibility": "visible"})]
    got = [(b.lane, b.label, b.start - T0, None if b.end is None else b.end - T0) for b in bands(events, end=T0 + 9000)]
    assert ("page", "hidden", 1000, 2000) in got and ("convex", "authenticated", 3000, 4000) in got


def test_badges_and_split_brain_since_the_last_boot():
    events = [ev(1, "lifecycle", "boot"),
              ev(2, "authkit", "user", {"present": True, "user_id": "user_1"}),
              ev(3, "convex", "auth-change", {"is_authenticated": True}),
              ev(4, "storage", "setItem", {"key": "workos:refresh-token:x"}),
              ev(5, "authkit", "getAccessToken", {"outcome": "token", "token": "tok:a", "jwt": {"tok:a": {"exp": T0 / 1000 + 300}}}),
              ev(6, "convex", "state", {"socket": "ready"})]
    b = compute(events, "tab-a")
    assert (b.user, b.convex_auth, b.refresh_token, b.socket, b.split_brain) == ("user_1", True, "present", "ready", False)
    assert countdown(b.seconds_left(T0 + 60_000)) == "4:00 left"
    lost = compute(events + [ev(7, "convex", "auth-change", {"is_authenticated": False})], "tab-a")
    assert lost.split_brain
    reloaded = compute(events + [ev(7, "convex", "auth-change", {"is_authenticated": False}), ev(8, "lifecycle", "boot")], "tab-a")
    assert not reloaded.split_brain and reloaded.user is None
    assert countdown(-75) == "expired 1:15 ago" and countdown(None) == "–"


def test_svg_has_one_group_of_lanes_per_tab_and_titles():
    events = [ev(1, "lifecycle", "boot"), ev(2, "network", "offline", tab="tab-b"),
              ev(3, "fetch", "error", {"auth": True, "message": "Failed to fetch <x>"})]
    markup = svg(layout(events, zoom="1m", now=T0 + 10_000, width=800, own_tab="tab-a"))
    assert markup.startswith("<svg") and markup.endswith("</svg>")
    assert markup.count('class="at-tab"') == 2 and "tab-a (this tab)" in markup
    assert markup.count('class="at-lane"') == 12
    assert 'data-kind="fetch/error"' in markup and "Failed to fetch &lt;x&gt;" in markup  # escaped into <title>
    assert "no events yet" in svg(layout([], zoom="all", now=T0))
    old = svg(layout([ev(1, "network", "offline", at=-600_000)], zoom="1m", now=T0))
    assert 'class="at-mark' not in old  # outside the window


def test_throttle_renders_at_most_every_interval():
    t = Throttle(500)
    assert t.request(0) == 0.0 and t.request(10) is None  # one render pending at a time
    t.done(0)
    assert t.request(100) == 400.0
    t.done(500)
    assert t.request(2000) == 0.0


def test_a_refresh_answers_tone_is_authtrace_failures_verdict():
    """The lane's colour of a WorkOS answer: amber exactly where ``authtrace.failure`` says retry."""
    from authtrace.browser.panel.lanes import refresh_tone
    from authtrace.failure import is_retryable_status

    for status in (200, 400, 401, 403, 404, 408, 409, 425, 429, 451, 500, 503, 520, 599, 600, 0):
        tone = refresh_tone(Event("A", 1, 1, Kind.FETCH, "response", {"auth": True, "status": status}))
        assert tone == (GREEN if status == 200 else AMBER if status == 0 or is_retryable_status(status) else RED), status
    assert refresh_tone(Event("A", 1, 1, Kind.FETCH, "response",
                              {"auth": True, "status": 200, "workos_error": "invalid_grant"})) == RED
