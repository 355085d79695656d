"""The panel's Python console on a detached page (no browser): names bound over the live
recording, top-level await on the page's clock, history, redaction and truncation of the
output, fail-open, and the ``note/console`` event each line leaves. Self-contained."""

from __future__ import annotations

import json

import _traces as S
from hypothesis import given, settings
from hypothesis import strategies as st

from authtrace.browser._detached import DetachedPage
from authtrace.browser.console import MAX_OUTPUT, Console, History, select
from authtrace.browser.recorder import Recorder
from authtrace.event import Kind


class Experiments:
    """Stands in for the panel's Experiments (experiments.js is tested in Chromium)."""

    def __init__(self):
        self.calls = []

    def arm(self, mode, n):
        self.calls.append(("arm", mode, n))
        return {"armed": [{"mode": mode, "left": n}]}

    def hide(self, s):
        self.calls.append(("hide", s))
        return {"hidden": True}

    def offline(self, s):
        self.calls.append(("offline", s))
        return {"offline": True}

    def drop_sockets(self):
        self.calls.append(("drop",))
        return 1

    def disarm(self):
        return {}

    def state(self):
        return {}


def console_on(page=None, **kw):
    page = page or DetachedPage(tab="live", wall=S.T0 + 701_000)
    rec = Recorder(page)
    page.run(rec.start())
    b, _ = S.readme_story()
    page.deliver([json.dumps(e.to_json()) for e in b.trace.events])
    return page, rec, Console(rec, **kw)


def notes(rec):
    return [e.payload for e in rec.events() if e.kind is Kind.NOTE and e.type == "console"]


def test_names_bound_over_the_live_trace():
    page, rec, con = console_on()
    n = len(rec.events())
    assert con.run("len(trace.events)").text == str(n)
    assert con.run("count('fetch/response') == len(events(kind='fetch', type='response'))").text == "True"
    assert con.run("sorted(trace.tabs())").text == repr(sorted({e.tab for e in rec.events()}))
    page.emit("convex", "auth-change", {"isAuthenticated": True})  # the live trace: the next line sees it
    assert con.run("count('convex', 'auth-change', tab='live')").text == "1"
    assert con.run("count('note', 'console', last=1)").text == "4"  # one note for each line before
    assert con.run("x = 2\nx * 21").text == "42" and con.run("_").text == "42"
    assert "split-brain" in con.run("[f.id for f in findings()]").text
    assert con.run("table(events('note', 'console', last=60))").text.count("note/console") == 8


def test_select_filters_by_kind_type_tab_and_window():
    _, rec, _ = console_on()
    evs = rec.events()
    mid = evs[len(evs) // 2].wall
    got = select(evs, "fetch", tab=evs[0].tab, since=mid)
    assert got and all(e.kind is Kind.FETCH and e.tab == evs[0].tab and e.wall >= mid for e in got)
    assert len(select(evs, until=mid)) + len([e for e in evs if e.wall > mid]) == len(evs)


def test_experiments_are_awaitable_on_the_page_clock_and_recorded():
    x = Experiments()
    page, rec, con = console_on(experiments=x, on_output=lambda o: finished.append(o))
    finished = []
    out = con.run("await experiments.hide(5)\n'back'")
    assert out.pending and x.calls == [("hide", 5)] and not finished
    page.advance(4_999)
    assert out.pending
    page.advance(1)
    assert not out.pending and out.text == "'back'" and finished == [out]
    assert con.run("experiments.arm('refresh-typeerror', 3)").text == repr({"armed": [{"mode": "refresh-typeerror", "left": 3}]})
    assert con.run("await experiments.drop_sockets()").text == "1"
    assert notes(rec)[0] == {"line": "await experiments.hide(5)\n'back'", "result": "'back'", "ok": True}


def test_an_exception_stays_in_the_console():
    page, rec, con = console_on()
    for line in ("1/0", "raise SystemExit(3)", "def f(:", "await Sleep(10)\nundefined_name", "import sys; sys.exit()",
                 "await Sleep('x')"):
        out = con.run(line)
        page.advance(10)
        assert not out.ok and not out.pending, line
    assert con.run("1/0").text == "ZeroDivisionError: division by zero"
    assert con.run("'still here'").text == "'still here'"
    assert rec.errors == 0 and [n["ok"] for n in notes(rec)] == [False] * 7 + [True]


def test_output_is_redacted_and_truncated():
    _, rec, con = console_on()
    jwt = ".".join(["eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJ1c2VyXzEiLCJleHAiOjk5OTk5OTk5OTl9", "c2lnbmF0dXJlc2lnbmF0dXJlc2ln"])
    out = con.run(f"'Bearer ' + {jwt!r}")
    assert jwt not in out.text and "tok:" in out.text
    assert jwt not in json.dumps(notes(rec)) and jwt not in rec.trace().dumps()
    long = con.run("'x ' * 10000")
    assert len(long.text) == MAX_OUTPUT and long.text.endswith("…")
    assert len(notes(rec)[-1]["result"]) <= 500


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "", "c"]), max_size=12), st.lists(st.booleans(), max_size=20))
def test_history_walks_back_and_forward_like_a_shell(lines, moves):
    h = History()
    for line in lines:
        h.add(line)
    kept = [x for i, x in enumerate(lines) if x and (i == 0 or x != next((y for y in reversed(lines[:i]) if y), None))]
    assert h.lines == kept
    at = len(kept)
    for back in moves:
        got = h.back() if back else h.forward()
        at = max(0, at - 1) if back else min(len(kept), at + 1)
        assert got == (kept[at] if at < len(kept) else "")


def test_the_panel_imports_the_console_only_when_it_is_opened():
    import sys

    from authtrace.browser.panel import mount

    names = ("authtrace.browser.console", "authtrace.browser.panel.console_dock")
    saved = {n: sys.modules.pop(n) for n in names if n in sys.modules}  # this file imported the console itself
    try:
        page = DetachedPage()
        rec = Recorder(page)
        page.run(rec.start())
        mount(rec)
        page.fire("authtrace-toggle")
        assert [n for n in names if n in sys.modules] == [] and page.node("authtrace-console").children == []
        assert page.attribute("authtrace-console", "hidden") == ""
        page.fire("authtrace-console-toggle")
        assert [n for n in names if n in sys.modules] == list(names)
        assert page.attribute("authtrace-console", "hidden") is None
        assert page.attribute("authtrace-console-toggle", "aria-expanded") == "true"
    finally:  # as before: the modules imported here go, so later imports meet one Sleep class
        for n in names:
            sys.modules.pop(n, None)
        sys.modules.update(saved)


def test_the_console_in_the_dock_runs_lines_and_walks_the_history():
    from authtrace.browser.panel import mount

    page = DetachedPage(tab="live")
    rec = Recorder(page)
    page.run(rec.start())
    panel = mount(rec)
    page.fire("authtrace-toggle")
    page.fire("authtrace-console-toggle")
    assert page.focused == "authtrace-console-input"
    for line in ("1 + 1", "1/0", "count('note', 'console')"):
        page.enter("authtrace-console-input", line)
        assert page.fire("authtrace-console-input", "keydown", key="Enter") is True
        assert page.value("authtrace-console-input") == ""
    out = page.text("authtrace-console-out")
    assert ">>> 1 + 1\n2\n>>> 1/0\nZeroDivisionError: division by zero\n>>> count('note', 'console')\n2" == out
    page.fire("authtrace-console-input", "keydown", key="ArrowUp")
    page.fire("authtrace-console-input", "keydown", key="ArrowUp")
    assert page.value("authtrace-console-input") == "1/0"
    page.fire("authtrace-console-input", "keydown", key="ArrowDown")
    page.fire("authtrace-console-input", "keydown", key="ArrowDown")
    assert page.value("authtrace-console-input") == ""
    assert page.fire("authtrace-console-input", "keydown", key="a") is False
    page.fire("authtrace-console-toggle")
    assert page.attribute("authtrace-console", "hidden") == "" and rec.errors == 0
    assert panel.console_run("'again'").text == "'again'"
