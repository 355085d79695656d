"""The debug panel and ``embed.main`` on a detached page (no browser): the dock's DOM,
its controls, badges and the split-brain alarm with the diagnosis engine's cause,
import/export, experiments and replay, the JS API. The JS helpers
(``experiments.js``, ``replay-inject.js``) are small Python stand-ins here; the
real ones are tested in Chromium (tests/browser). Self-contained: also runs inside
Pyodide."""

from __future__ import annotations

import json

import _traces as S

from authtrace.browser._detached import DetachedPage
from authtrace.browser.embed import main
from authtrace.browser.panel import mount
from authtrace.browser.panel.dock import PADDING, ROOT_ID
from authtrace.browser.recorder import Recorder
from authtrace.trace import Trace

AFTER_STORY = S.T0 + 701_000  # the README story ends at 700 s


class Experiments:
    """Stands in for experiments.js: what the panel asked, and a state like its own."""

    def __init__(self):
        self.calls, self.armed = [], []

    def arm(self, mode, n):
        self.calls.append(("arm", mode, n))
        self.armed.append({"mode": mode, "left": n})
        return self.state()

    def hide(self, seconds):
        self.calls.append(("hide", seconds))
        return self.state()

    def dropSockets(self):  # noqa: N802 (the JS name)
        return 2

    def state(self):
        return {"armed": list(self.armed), "hidden": False, "offline": False}


class Injector:
    """Stands in for replay-inject.js."""

    def __init__(self):
        self.installed, self.applied = None, []

    def install(self, injections):
        self.installed = injections
        return len(injections)

    def uninstall(self):
        self.installed = None

    def state(self):
        return {"installed": self.installed is not None, "pending": len(self.installed or []), "applied": list(self.applied)}


def story_records() -> list[str]:
    b, _ = S.readme_story()
    return [json.dumps(e.to_json()) for e in b.trace.events]


def panel_on(page: DetachedPage, **options):
    rec = Recorder(page)
    page.run(rec.start())
    return rec, mount(rec, **options)


def buttons(page: DetachedPage):
    return [n for n in page.node(ROOT_ID).walk() if n.tag == "button"]


def test_the_dock_mounts_collapsed_with_real_controls_and_asks_for_the_helpers():
    page = DetachedPage()
    _, panel = panel_on(page)
    assert page.attribute(ROOT_ID, "data-open") == "false" and page.attribute("authtrace-body", "hidden") == ""
    assert page.attribute("authtrace-toggle", "aria-expanded") == "false" and page.text("authtrace-toggle") == "authtrace ▲"
    assert all(b.attrs.get("type") == "button" for b in buttons(page)) and len(buttons(page)) == 22
    assert [page.attribute(f"authtrace-badge-{k}", "data-state") for k in ("user", "token", "refresh", "convex", "socket")] == [
        "unknown", "none", "unknown", "unknown", "unknown"]
    css = page.stylesheets["authtrace-panel-style"]
    assert ".at-dock" in css and ".at-timeline .at-band" in css
    assert page.scripts == ["experiments.js", "replay-inject.js"]  # not on the page yet: loaded next to boot.js
    assert page.attribute("authtrace-replay-imported", "hidden") == ""  # nothing imported
    again = DetachedPage()
    again.globals.update(__authtraceExperiments=Experiments(), __authtraceReplay=Injector())
    panel_on(again)
    assert again.scripts == []


def test_open_close_escape_and_zoom():
    page = DetachedPage()
    _, panel = panel_on(page)
    page.fire("authtrace-toggle")
    assert page.attribute(ROOT_ID, "data-open") == "true" and page.attribute("authtrace-body", "hidden") is None
    assert page.attribute("authtrace-toggle", "aria-expanded") == "true" and page.bottom == PADDING
    assert page.node("authtrace-timeline").children[0].tag == "svg"  # the swimlanes, drawn when open
    page.fire("authtrace-zoom-15m")
    assert [page.attribute(f"authtrace-zoom-{z}", "aria-pressed") for z in ("1m", "5m", "15m", "all")] == [
        "false", "false", "true", "false"]
    panel.set_zoom("2h")
    assert panel.zoom == "15m"
    assert page.fire(ROOT_ID, "keydown", key="Enter") is False
    assert page.fire(ROOT_ID, "keydown", key="Escape") is True  # handled: it goes no further
    assert page.attribute(ROOT_ID, "data-open") == "false" and page.focused == "authtrace-toggle" and page.bottom is None
    assert page.fire(ROOT_ID, "keydown", key="Escape") is False  # closed already: the page's Escape


def test_badges_and_the_split_brain_alarm_with_its_cause():
    page = DetachedPage(tab="A", wall=AFTER_STORY)
    rec, panel = panel_on(page)
    renders = panel.renders
    page.deliver(story_records())  # this tab's earlier load: hidden, reconnect, refresh failed, Convex signed out
    page.emit("convex", "refresh-change", {"isRefreshing": False})
    page.emit("note", "more", {})
    page.advance(499)  # at most two renders a second, however many events arrive
    assert panel.renders == renders
    page.advance(1)
    assert panel.renders == renders + 1
    assert page.attribute("authtrace-badge-convex", "data-state") == "unauthenticated"
    assert page.attribute("authtrace-badge-convex", "data-tone") == "bad"
    assert page.text("authtrace-badge-user") == "AuthKituser_01TEST"
    assert page.attribute("authtrace-alarm", "hidden") is None and page.attribute("authtrace-toggle", "data-alarm") == "true"
    assert page.attribute("authtrace-alarm", "data-cause") == "transient-refresh-reported-as-signout"  # the engine's newest cause
    assert page.text("authtrace-alarm").startswith("Split brain: AuthKit has user user_01TEST, Convex is not authenticated. Cause:")
    page.emit("convex", "auth-change", {"isAuthenticated": True})
    page.advance(500)
    assert page.attribute("authtrace-alarm", "hidden") == "" and page.attribute("authtrace-alarm", "data-cause") is None
    assert page.attribute("authtrace-toggle", "data-alarm") == "false" and rec.errors == 0
    assert panel.finder.cause is None  # a later split brain asks the engine afresh


def test_experiment_controls():
    page = DetachedPage()
    _, panel = panel_on(page)
    page.fire("authtrace-exp-arm")
    assert page.text("authtrace-exp-status") == "failed: the experiments helper (experiments.js) is not loaded on this page"
    helper = page.globals["__authtraceExperiments"] = Experiments()
    page.enter("authtrace-exp-mode", "refresh-503")
    page.enter("authtrace-exp-count", "3")
    page.fire("authtrace-exp-arm")
    assert helper.calls == [("arm", "refresh-503", 3)] and page.text("authtrace-exp-status") == "armed: refresh-503 ×3"
    page.enter("authtrace-exp-count", "many")
    page.fire("authtrace-exp-arm")  # the form's first mode, once
    assert helper.calls[-1] == ("arm", "refresh-503", 1)
    page.enter("authtrace-exp-mode", "")
    page.fire("authtrace-exp-arm")
    assert page.text("authtrace-exp-status") == "failed: unknown experiment ''"
    page.enter("authtrace-exp-seconds", "0.2")
    page.fire("authtrace-exp-hide")
    assert helper.calls[-1] == ("hide", 1.0)  # at least a second
    page.fire("authtrace-exp-drop")
    assert page.text("authtrace-exp-status").endswith("closed 2 socket(s)")


def test_import_view_read_only_then_back_to_live_and_exports():
    page = DetachedPage(tab="tab-live")
    rec, panel = panel_on(page, open=True)
    page.emit("lifecycle", "boot", {"visibility": "visible"})
    assert panel.import_text("{not json", "broken.json") is False
    assert page.attribute("authtrace-view", "data-state") == "error" and page.attribute("authtrace-view", "hidden") is None
    assert page.text("authtrace-view-text").startswith("could not import broken.json: ")
    b, _ = S.readme_story()
    page.files["authtrace-import"] = ("story.json", b.trace.dumps())  # the user chooses a file
    page.fire("authtrace-import", "change")
    assert page.attribute("authtrace-view", "data-state") == "imported"
    assert page.text("authtrace-view-text") == f"viewing story.json ({len(b.trace.events)} events, 1 tab(s)); read-only "
    assert page.attribute("authtrace-zoom-all", "aria-pressed") == "true"
    assert page.attribute("authtrace-replay-imported", "hidden") is None
    lanes = page.node("authtrace-timeline").children[0]
    tabs = [n.attrs["data-tab"] for n in lanes.walk() if "at-tab" == n.attrs.get("class")]
    assert tabs == ["A"]
    page.fire("authtrace-live")
    assert page.attribute("authtrace-view", "hidden") == "" and panel.imported is None
    lanes = page.node("authtrace-timeline").children[0]
    assert "tab-live (this tab)" in "".join(n.text() for n in lanes.walk() if n.attrs.get("class") == "at-tabname")

    page.fire("authtrace-export-json")
    name, text, mime = page.downloads[-1]
    assert name.startswith("authtrace-tab-live-") and name.endswith(".json") and mime == "application/json"
    assert [e.type for e in Trace.loads(text).events] == ["boot"]
    page.fire("authtrace-export-har")
    assert page.downloads[-1][0].endswith(".har") and json.loads(page.downloads[-1][1])["log"]["version"] == "1.2"
    page.fire("authtrace-clear")
    assert rec.events() == [] and page.persisted == []


def test_replay_controls():
    page = DetachedPage(tab="tab-live")
    rec, panel = panel_on(page)
    assert page.text("authtrace-replay-status") == "replay injector not loaded yet"
    injector = page.globals["__authtraceReplay"] = Injector()
    page.fire("authtrace-replay-live")  # this tab recorded no refresh
    assert page.attribute("authtrace-replay-status", "data-state") == "error"
    assert page.text("authtrace-replay-status").startswith("replay failed: nothing to replay")
    b, _ = S.readme_story()
    assert panel.import_text(b.trace.dumps(), "story.json")
    page.fire("authtrace-replay-imported")
    assert [i["outcome"]["kind"] for i in injector.installed] == ["error"]
    assert page.attribute("authtrace-replay-status", "data-state") == "armed"
    assert page.text("authtrace-replay-status").startswith("armed 1 injection(s) from 2 fault(s) of story.json; applied 0")
    assert "hidden: page states are not injected" in page.attribute("authtrace-replay-status", "title")
    [started] = [e.payload for e in rec.events() if e.type == "replay"]
    assert started["replay"] == "started" and started["injections"] == 1
    page.fire("authtrace-replay-stop")
    assert injector.installed is None and page.attribute("authtrace-replay-status", "data-state") == "stopped"
    assert [e.payload.get("replay") for e in rec.events() if e.type == "replay"] == ["started", "stopped"]


def test_embed_exposes_the_js_api_and_survives_a_broken_panel():
    page = DetachedPage(params={"authtrace_max_events": "5"})
    rec = page.run(main(page, panel=True))
    api, panel_api = page.exposed["authtrace"], page.exposed["authtrace.panel"]
    assert api["ready"] is True and rec.buffer.max_events == 5 and page.announced == ["authtrace:ready"]
    page.emit("network", "offline", {"online": False})
    assert [e["type"] for e in json.loads(api["exportTrace"]())["events"]] == ["offline"]
    assert json.loads(api["stats"]())["events"] == 1
    api["injectFault"]("observe")
    assert rec.fault == "observe"
    api["injectFault"](None)
    assert rec.fault is None
    assert json.loads(api["replay"](None, None)) == {"error": "the replay injector (replay-inject.js) is not loaded on this page"}
    page.globals["__authtraceReplay"] = Injector()
    assert json.loads(api["replay"]("this is not JSON", 1))["error"].startswith("not JSON (")
    assert json.loads(api["replayState"]())["loaded"] is True
    assert panel_api["importText"](S.readme_story()[0].trace.dumps(), None) is True
    assert page.text("authtrace-view-text").startswith("viewing imported trace (")

    broken = DetachedPage()

    def refuse(*_):
        raise RuntimeError("no body here")

    broken.mount = refuse
    rec = broken.run(main(broken, panel=True))
    assert rec.errors == 1 and broken.warnings == ["authtrace: the debug panel failed to mount: RuntimeError: no body here"]
    assert "authtrace.panel" not in broken.exposed and broken.announced == ["authtrace:ready"]


def test_the_dock_writes_only_what_changed():
    page = DetachedPage()
    _, panel = panel_on(page)
    writes = []
    for name in ("set_text", "set_html", "set_attributes"):
        real = getattr(page, name)
        setattr(page, name, lambda element_id, value, real=real, name=name: (writes.append((name, element_id)), real(element_id, value)))
    panel.tick()
    assert writes == []  # the same view again: nothing to write
    page.emit("authkit", "user", {"present": True, "userId": "user_9"})
    panel.render()
    assert sorted(set(writes)) == [("set_attributes", "authtrace-badge-user"), ("set_attributes", ROOT_ID),
                                   ("set_text", "authtrace-badge-user-value")]


def test_a_failing_render_is_counted_and_shown_never_raised():
    page = DetachedPage()
    rec, panel = panel_on(page)

    def broken():
        raise ValueError("events unavailable")

    rec.events = broken
    panel.render()
    assert page.attribute(ROOT_ID, "data-error") == "ValueError: events unavailable" and rec.errors == 1
    page.advance(1000)  # the countdown tick goes on
