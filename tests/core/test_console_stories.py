"""The stories a page can play on itself (:mod:`authtrace.stories`): what each step says of
the page, the in-page driver on a detached page (experiments stand-in), and the outcome
words. Self-contained: also runs inside Pyodide (the headless driver's test, CPython only,
is tests/browser/test_console_headless.py)."""

from __future__ import annotations

import _traces as S

from authtrace.browser._detached import DetachedPage
from authtrace.browser.panel import mount
from authtrace.browser.recorder import Recorder
from authtrace.event import Kind
from authtrace.stories import HIDDEN_TAB_RESUME_TYPEERROR, IN_PAGE, STORIES, resolve, simulated
from authtrace.stories.outcome import State, outcome, words


def test_every_step_says_how_the_page_plays_it():
    for story in STORIES.values():
        assert all(s.do in IN_PAGE for s in story.steps)
    said = simulated(HIDDEN_TAB_RESUME_TYPEERROR)
    assert [s.split(":")[0] for s in said] == ["freeze", "hide", "drop-sockets", "workos-down", "unfreeze", "show"]
    assert any("timers" in s and "not throttled" in s for s in said)

class App:
    """Stands in for experiments.js and a stock-adapter app: a dropped socket while refreshes
    fail leaves Convex unauthenticated (AuthKit keeps its user); disarm lets it sign in again
    only when ``recovers``."""

    def __init__(self, page, recovers=False):
        self.page, self.recovers, self.calls, self.armed = page, recovers, [], []

    def arm(self, mode, n):
        self.calls.append(("arm", mode, n))
        self.armed = [{"mode": mode, "left": n}]
        return self.state()

    def hide(self, s):
        self.calls.append(("hide", round(s, 3)))
        return self.state()

    def dropSockets(self):  # noqa: N802 (the JS name)
        self.calls.append(("drop",))
        if self.armed:
            self.page.emit("convex", "auth-change", {"isAuthenticated": False})
        return 1

    def disarm(self):
        self.calls.append(("disarm",))
        self.armed = []
        if self.recovers:
            self.page.emit("convex", "auth-change", {"isAuthenticated": True})
        return self.state()

    def state(self):
        return {"armed": list(self.armed), "hidden": False, "offline": False}

class Injector:
    """Stands in for replay-inject.js."""

    installed = None

    def install(self, injections):
        self.installed = injections
        return len(injections)

    def uninstall(self):
        self.installed = None

    def state(self):
        return {"installed": self.installed is not None, "pending": len(self.installed or []), "applied": []}


def signed_in_panel(recovers=False):
    page = DetachedPage(tab="live")
    app = App(page, recovers)
    page.globals.update(__authtraceExperiments=app)
    rec = Recorder(page)
    page.run(rec.start())
    panel = mount(rec)
    page.emit("authkit", "user", {"present": True, "userId": "user_01", "isLoading": False})
    page.emit("convex", "auth-change", {"isAuthenticated": True})
    return page, app, rec, panel

def test_the_page_plays_the_story_with_its_experiments_to_a_split_brain():
    page, app, rec, panel = signed_in_panel()
    assert page.value("authtrace-story") == "hidden-tab-resume-typeerror"
    page.fire("authtrace-toggle")
    page.fire("authtrace-story-play")
    assert page.attribute("authtrace-story-status", "data-state") == "playing"
    assert "freeze: every WorkOS refresh fails" in page.attribute("authtrace-story-status", "title")
    waits = [r.ms for r in resolve(HIDDEN_TAB_RESUME_TYPEERROR, 0) if r.step.do == "wait"]
    page.advance(sum(waits) + 1000)
    assert app.calls == [("arm", "refresh-typeerror", 1000), ("hide", round(waits[1] / 1000, 3)), ("drop",), ("disarm",)]
    st = panel.player.state()
    assert not st["playing"] and st["error"] is None
    o = st["outcome"]
    assert o["split_brain_open"] and not o["convex_authenticated_at_end"] and o["authkit_user_at_end"]
    assert abs(o["split_brain_ms"] - (sum(waits) - 1000 - waits[1])) < 600  # from the drop to the end
    text = page.text("authtrace-story-status")
    assert text.startswith("hidden-tab-resume-typeerror in this tab: split brain ") and "still open" in text
    notes = [e.payload for e in rec.events() if e.kind is Kind.NOTE and e.type == "story"]
    assert [n["event"] for n in notes] == ["started"] + ["step"] * 16 + ["ended"]
    assert [n["do"] for n in notes if n["event"] == "step" and n["simulated"]] == ["freeze", "hide", "drop-sockets", "workos-down", "unfreeze", "show"]
    assert notes[-1]["split_brain_open"] is True and rec.errors == 0

def test_a_recovering_app_ends_without_split_brain_and_an_unsigned_tab_is_refused():
    page, app, rec, panel = signed_in_panel(recovers=True)
    state = panel.play_story("hidden-tab-resume-typeerror", seed=2)
    assert state["playing"]
    assert panel.play_story("hidden-tab-resume-typeerror")["error"].endswith("is still playing")
    page.advance(60_000)
    o = panel.player.state()["outcome"]
    assert o["convex_authenticated_at_end"] and not o["split_brain_open"] and 0 < o["split_brain_ms"] < 30_000
    page2 = DetachedPage(tab="other")
    page2.globals.update(__authtraceExperiments=App(page2))
    rec2 = Recorder(page2)
    page2.run(rec2.start())
    p2 = mount(rec2)
    p2.play_story("hidden-tab-resume-typeerror")
    page2.advance(10)
    assert "sign in first" in p2.player.state()["error"]
    assert page2.attribute("authtrace-story-status", "data-state") == "error"
    assert p2.play_story("nope")["error"].startswith("no story 'nope'")

def test_the_console_plays_a_story_and_replays_the_recording():
    page, app, rec, panel = signed_in_panel()
    assert panel.console_run("list(stories())").text == "['hidden-tab-resume-typeerror']"
    out = panel.console_run("o = await play('hidden-tab-resume-typeerror', 1)\no['outcome']['split_brain_open']")
    assert out.pending
    page.advance(60_000)
    assert not out.pending and out.text == "True"
    assert "no story 'nope'" in panel.console_run("play('nope')").text
    replayed = panel.console_run("replay()")  # no replay injector on this page: said in the console
    assert not replayed.ok and "replay" in replayed.text and rec.errors == 0
    page.globals["__authtraceReplay"] = Injector()
    panel.console_dock.console.namespace["recorded"] = S.readme_story()[0].trace  # a recorded failure chain
    summary = panel.console_run("r = replay(recorded, 2); r['faults'], r['injections'], r['speed']").text
    assert summary == f"(2, {len(page.globals['__authtraceReplay'].installed)}, 2.0)" and rec.errors == 0


def test_outcome_words_and_wedge():
    states = [State(0, True, True, socket="ready"), State(1000, True, False, socket="stopped"),
              State(12_000, True, False, socket="stopped")]
    o = outcome(states, ["x", "x", "y"])
    assert o == {"split_brain_ms": 11000.0, "split_brain_open": True, "split_brain_longest_ms": 11000.0, "wedged": True,
                 "convex_authenticated_at_end": False, "authkit_user_at_end": True, "diagnosis": ["x", "y"]}
    assert words(o) == ("split brain 11.0 s (longest 11.0 s, still open) · wedged: yes · Convex authenticated: no"
                        " · AuthKit user: yes · diagnosis: x, y")
    assert outcome([State(0, True, None), State(5000, True, False)], [])["split_brain_ms"] == 0  # never authenticated
    waiting = [State(0, True, True, socket="stopped", convex_refreshing=True), State(20_000, True, True, True, "stopped")]
    assert outcome(waiting, [])["wedged"] is False  # fetching a token: waiting, not wedged


def test_a_story_whose_experiments_fail_stops_and_says_why():
    page, app, rec, panel = signed_in_panel()

    def broken(*_):
        raise RuntimeError("the experiments helper (experiments.js) is not loaded on this page")

    app.arm = app.disarm = broken
    panel.play_story("hidden-tab-resume-typeerror")
    page.advance(2_000)
    st = panel.player.state()
    assert not st["playing"] and st["error"].startswith("freeze: the experiments helper") and rec.errors == 0
    assert page.attribute("authtrace-story-status", "data-state") == "error"
