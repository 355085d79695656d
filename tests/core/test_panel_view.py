"""The panel's view model (pure): what the dock shows for given badges, the alarm's
text, the status lines, and the swimlanes' geometry that the SVG renderer (and a
report file) draws. Self-contained: also runs inside Pyodide."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.browser.panel import swimlanes, view
from authtrace.browser.panel.badges import Badges
from authtrace.browser.panel.cause import Cause
from authtrace.browser.panel.lanes import LANES
from authtrace.browser.panel.svg import render
from authtrace.event import Event, Kind

T0 = 1_800_000_000_000.0


def ev(i, kind, type_, payload=None, tab="tab-a", at=None):
    return Event(tab, float(i), T0 + (at if at is not None else i * 1000), Kind(kind), type_, payload or {}, id=i)


def shown(badges: Badges, now: float = T0) -> dict[str, tuple[str, str, str]]:
    return {b.key: (b.text, b.tone, b.state) for b in view.badges(badges, now)}


def test_badges_before_anything_is_known():
    assert shown(Badges()) == {"user": ("–", "muted", "unknown"), "token": ("–", "muted", "none"),
                               "refresh": ("–", "muted", "unknown"), "convex": ("–", "muted", "unknown"),
                               "socket": ("–", "muted", "unknown")}
    assert [b.label for b in view.badges(Badges(), T0)] == ["AuthKit", "access token", "refresh token", "Convex", "socket"]


def test_badge_tones_follow_the_state():
    signed_in = Badges(user="user_1", user_known=True, token_exp=T0 / 1000 + 300, refresh_token="present",
                       convex_auth=True, socket="ready")
    assert shown(signed_in) == {"user": ("user_1", "ok", "user"), "token": ("5:00 left", "ok", "valid"),
                                "refresh": ("in storage", "ok", "present"), "convex": ("authenticated", "ok", "authenticated"),
                                "socket": ("ready", "ok", "ready")}
    assert shown(signed_in, T0 + 250_000)["token"] == ("0:50 left", "warn", "valid")  # the last minute
    assert shown(signed_in, T0 + 301_000)["token"] == ("expired 0:01 ago", "bad", "expired")
    split = Badges(user="user_1", user_known=True, convex_auth=False, convex_refreshing=True, refresh_token="removed",
                   socket="connecting", paused="yes")
    assert shown(split)["convex"] == ("not authenticated · refreshing", "bad", "unauthenticated")
    assert shown(split)["refresh"] == ("removed", "bad", "removed")
    assert shown(split)["socket"] == ("connecting (paused)", "warn", "connecting")
    signed_out = Badges(user=None, user_known=True, convex_auth=False, refresh_token="cookie", socket="disconnected")
    assert shown(signed_out)["convex"][1] == "warn"  # nobody signed in: not a split brain
    assert shown(signed_out)["user"] == ("signed out", "muted", "none")
    assert shown(signed_out)["refresh"] == ("cookie (httpOnly)", "ok", "cookie")
    assert shown(signed_out)["socket"][1] == "bad"
    assert shown(Badges(user_known=True, user_loading=True))["user"] == ("loading…", "warn", "loading")
    assert shown(Badges(convex_refreshing=True))["convex"] == ("refreshing…", "muted", "unknown")


def test_the_alarm_names_the_user_and_the_cause_escaped():
    off = view.alarm(Badges(user="user_1", convex_auth=True), None)
    assert not off.on and off.html() == ""
    b = Badges(user="<user_1>", convex_auth=False)
    assert view.alarm(b, None).html() == ("<b>Split brain:</b> AuthKit has user <code>&lt;user_1&gt;</code>, "
                                          "Convex is not authenticated. No cause named yet.")
    cause = Cause("transient-refresh-as-signout", "the refresh failed & <null> came back", "retry")
    text = view.alarm(b, cause).html()
    assert text.endswith(" <b>Cause:</b> <code>transient-refresh-as-signout</code> — the refresh failed &amp; "
                         "&lt;null&gt; came back <b>Fix:</b> retry")
    assert not view.alarm(Badges(user="u", convex_auth=False, convex_refreshing=True), cause).on  # Convex is refreshing


def test_status_lines():
    assert view.experiment_line(None) == "nothing armed"
    state = {"armed": [{"mode": "refresh-503", "left": 2}], "hidden": True, "offline": False}
    assert view.experiment_line(state, {"x": 1}) == "armed: refresh-503 ×2 · hidden"
    assert view.experiment_line({"armed": []}, 3) == "closed 3 socket(s)"
    assert view.replay_line({"error": "bad plan"}) == view.Line("replay failed: bad plan", "error")
    assert view.replay_line({"loaded": False}).text == "replay injector not loaded yet"
    assert view.replay_line({"loaded": True, "summary": None}) == view.Line("")
    summary = {"injections": 2, "faults": 1, "ends_ms": 9000.0, "skipped": [], "source": {}}
    line = view.replay_line({"loaded": True, "installed": True, "applied": [], "summary": summary, "elapsed_ms": 4000.0})
    assert line == view.Line("armed 2 injection(s) from 1 fault(s); applied 0; windows end in 5 s", "armed", "")
    stopped = view.replay_line({"loaded": True, "installed": False, "applied": [{"kind": "error"}], "summary": summary})
    assert stopped == view.Line("stopped; applied 1 (error ×1)", "stopped", "")


def test_dock_view_toggle_text():
    v = view.DockView(open=True, zoom="5m", badges=(), alarm=view.Alarm(False), notice=None, experiment="",
                      replay=view.Line(""), can_replay_imported=False)
    assert v.toggle == "authtrace ▼"


def test_swimlanes_geometry():
    events = [ev(1, "lifecycle", "boot", tab="tab-b"), ev(2, "visibility", "visibilitychange", {"state": "hidden"}),
              ev(3, "visibility", "visibilitychange", {"state": "visible"}),
              ev(4, "fetch", "error", {"auth": True, "message": "Failed to fetch"})]
    lanes = swimlanes.layout(events, zoom="1m", now=T0 + 10_000, width=800, own_tab="tab-a")
    assert lanes.end - lanes.start == 60_000 and lanes.plot_width == 800 - swimlanes.LABEL_W - 8
    assert [(t.tab, t.own) for t in lanes.tabs] == [("tab-a", True), ("tab-b", False)]  # this tab first
    a, b = lanes.tabs
    assert [lane.lane for lane in a.lanes] == [lane for lane, _ in LANES]
    assert b.y == a.y + swimlanes.HEADER_H + swimlanes.LANE_H * len(LANES)
    assert lanes.height == b.y + swimlanes.HEADER_H + swimlanes.LANE_H * len(LANES) + 4
    per_ms = lanes.plot_width / 60_000

    def centre(box):
        return box.x + box.width / 2

    [hidden] = a.bands
    assert (hidden.lane, hidden.tone, hidden.title) == ("page", "muted", "hidden from 08:00:02 to 08:00:03")
    assert abs(hidden.width - 1000 * per_ms) < 1e-6
    marks = {m.event_id: m for m in a.marks}
    assert abs(centre(marks[3]) - centre(marks[2]) - 1000 * per_ms) < 1e-6
    assert abs(centre(marks[4]) - (swimlanes.LABEL_W + lanes.plot_width - 6000 * per_ms)) < 1e-6
    authkit = next(lane for lane in a.lanes if lane.lane == "authkit")
    assert authkit.y < marks[4].y and marks[4].y + marks[4].height < authkit.y + swimlanes.LANE_H
    assert (marks[4].tone, marks[4].kind, marks[4].tab) == ("warn", "fetch/error", "tab-a")
    assert marks[4].title.startswith("authenticate: Failed to fetch\n#4 fetch/error at 08:00:04 UTC (tab tab-a)")
    assert [t.label for t in lanes.ticks][:2] == ["07:59:20", "07:59:30"]  # a tick every 10 s at this width


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["network/offline", "network/online", "websocket/open", "note/experiment",
                                           "convex/auth-change"]), st.integers(-120_000, 5_000)), max_size=30),
       st.sampled_from(list(swimlanes.ZOOMS)), st.integers(200, 2000))
def test_marks_stay_in_the_plot_and_on_their_lane_in_time_order(items, zoom, width):
    events = [ev(i + 1, *what.split("/"), {"sync": True, "is_authenticated": i % 2 == 0}, at=at)
              for i, (what, at) in enumerate(items)]
    lanes = swimlanes.layout(events, zoom=zoom, now=T0, width=width)
    left, right = swimlanes.LABEL_W, swimlanes.LABEL_W + lanes.plot_width
    for group in lanes.tabs:
        rows = {lane.lane: lane.y for lane in group.lanes}
        xs = []
        for m in group.marks:
            assert left - 2 <= m.x <= right - 2 and rows[m.lane] <= m.y < rows[m.lane] + swimlanes.LANE_H
            xs.append(m.x)
        assert xs == sorted(xs)
        for band in group.bands:
            assert left <= band.x and band.x + band.width <= right + 1
    assert render(lanes).count('class="at-mark') == sum(len(g.marks) for g in lanes.tabs)


def test_too_many_marks_are_counted_not_drawn():
    old = swimlanes.MAX_MARKS
    swimlanes.MAX_MARKS = 3
    try:
        lanes = swimlanes.layout([ev(i, "network", "offline") for i in range(1, 6)], zoom="all", now=T0 + 9000)
    finally:
        swimlanes.MAX_MARKS = old
    assert [m.event_id for m in lanes.tabs[0].marks] == [3, 4, 5] and lanes.left_out == 2
    assert "2 older events in this window not drawn" in render(lanes)
