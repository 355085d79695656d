"""The split-brain alarm's cause finder on a detached page (virtual clock): it feeds the live
diagnosis only the events that are new, runs it in slices that give the page back between
steps, and names what ``diagnose()`` of the same events names. Also the slicing itself.
Self-contained: also runs inside Pyodide."""

from __future__ import annotations

import json

import _traces as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtrace import Trace
from authtrace.browser._detached import DetachedPage
from authtrace.browser.panel.cause import CauseFinder, cause_of
from authtrace.browser.panel.throttle import Slices
from authtrace.browser.recorder import Recorder
from authtrace.diagnosis import diagnose

NOW = S.T0 + 701_000  # the README story ends at 700 s
OTHERS = [S.transient_refresh_reported_as_signout, S.rotation_race, S.refresh_token_removed_by_other_tab,
          S.stale_token_on_reconnect, S.offline_at_refresh]


def records(events) -> list[str]:
    return [json.dumps(e.to_json()) for e in events]


def history(copies: int = 2) -> list:
    """Other tabs' stories, one after the other before the README story (tabs named per copy)."""
    out, at = [], S.T0 - 10_000
    for k in range(copies):
        for scenario in OTHERS:
            b = scenario()
            evs = (b[0] if isinstance(b, tuple) else b).trace.events
            shift = at - evs[-1].wall
            out += [e.__class__(f"{e.tab}{k}{scenario.__name__[:6]}", e.mono, e.wall + shift, e.kind, e.type,
                                e.payload, e.id) for e in evs]
            at -= evs[-1].wall - evs[0].wall + 60_000
    return sorted(out, key=lambda e: e.wall)


def story() -> list:
    b, _ = S.readme_story()
    return b.trace.events


def finder_on(**options):
    page = DetachedPage(tab="A", wall=NOW)
    rec = Recorder(page)
    page.run(rec.start())
    return page, rec, CauseFinder(rec, **options)


def numbered(rec: Recorder, until: float) -> list:
    """The recorder's events as the finder numbers them when it starts: in time order, from 1."""
    return [e.with_id(i) for i, e in enumerate(rec.events(), 1) if e.wall <= until]


def outcome(d):
    return d.to_json(), [f.tab for f in d.findings]


def test_the_first_run_goes_in_slices_and_names_what_diagnose_names():
    page, rec, finder = finder_on(budget_ms=0, fold_chunk=50)
    page.deliver(records(history() + story()))
    assert len(rec.buffer) > 400
    assert finder.live is None  # nothing derived before the alarm asks
    assert finder.update(page.now()[1], "A") is None  # started, not run: the caller's task ends at once
    assert finder.stats()["running"] and finder.live is None  # even making it goes in slices

    folded = []  # what had been folded each time the page had its turn

    def page_task():
        folded.append(len(finder.live.timeline.events) if finder.live else 0)
        if finder.stats()["running"]:
            page.soon(page_task)

    page.soon(page_task)
    page.advance(0)
    assert not finder.stats()["running"]
    steps = len(folded)
    assert steps > len(rec.buffer) // 50 + 13  # every fold and every rule's tick had a slice of its own
    assert all(0 <= b - a <= 50 for a, b in zip(folded, folded[1:]))  # at most one fold between two page tasks
    assert folded[-1] == len(rec.buffer) and finder.slices.slices == steps

    expected = diagnose(Trace(finder.live.meta, numbered(rec, NOW)))
    assert outcome(finder.live.diagnosis) == outcome(expected)
    assert finder.cause == cause_of(expected, "A") == cause_of(diagnose(rec.trace()), "A")
    assert finder.cause.id == "transient-refresh-reported-as-signout"


def test_later_runs_fold_only_the_new_events_and_wait_for_the_interval():
    page, rec, finder = finder_on(min_interval_ms=4000, settle_ms=1000)
    page.deliver(records(history(1) + story()))
    finder.update(page.now()[1], "A")
    page.advance(0)
    timeline, first = finder.live.timeline, len(finder.live.timeline.events)
    assert first == len(rec.buffer) and finder.runs == 1

    page.advance(500)
    page.emit("note", "a", {})
    page.emit("convex", "auth-change", {"isAuthenticated": False})
    assert finder.update(page.now()[1], "A") == finder.cause and finder.runs == 1  # not due yet
    page.advance(3600)
    page.emit("note", "b", {})  # younger than settle_ms at the next run: held back
    finder.update(page.now()[1], "A")
    page.advance(0)
    assert finder.runs == 2 and finder.live.timeline is timeline and finder.live.refolds == 0
    assert len(timeline.events) == first + 2 and finder.stats()["held"] == 1
    assert finder.fed == first + 2
    page.advance(4000)
    finder.update(page.now()[1], "A")
    page.advance(0)
    assert finder.runs == 3 and len(timeline.events) == first + 3 and finder.stats()["held"] == 0
    assert outcome(finder.live.diagnosis) == outcome(diagnose(Trace(finder.live.meta, list(timeline.events))))
    page.advance(4000)
    finder.update(page.now()[1], "A")  # nothing new: no run, the same cause
    assert finder.runs == 3 and finder.cause.id == "transient-refresh-reported-as-signout"


def test_reset_clear_and_overflow():
    page, rec, finder = finder_on(keep=300)
    page.deliver(records(history(1) + story()))
    finder.update(page.now()[1], "A")
    finder.reset()  # the alarm went off while the run was under way: it names nothing
    page.advance(0)
    assert finder.cause is None and finder.runs == 1
    assert finder.update(page.now()[1], "A").id == "transient-refresh-reported-as-signout"  # nothing new: at once
    assert finder.runs == 1

    page.run(rec.clear())
    page.advance(4000)
    finder.update(page.now()[1], "A")
    page.advance(0)
    assert finder.restarts == 1 and finder.fed == 0 and finder.cause is None

    page.deliver(records(history(2)))  # more than keep since it started over
    assert finder.live is None
    page.advance(4000)
    finder.update(page.now()[1], "A")
    page.advance(0)
    assert finder.restarts == 2 and finder.fed == len(rec.buffer)


def test_a_failing_run_leaves_the_alarm_without_a_cause_and_starts_over():
    page, rec, finder = finder_on()
    page.deliver(records(story()))
    finder.update(page.now()[1], "A")
    page.advance(0)
    assert finder.cause.id == "transient-refresh-reported-as-signout"
    page.emit("note", "x", {})
    page.advance(4000)
    finder.live.timeline = None  # a bug in the engine, as far as the finder can tell
    finder.update(page.now()[1], "A")
    page.advance(0)
    assert finder.error and finder.cause.id == "transient-refresh-reported-as-signout" and finder.live is None
    page.advance(4000)
    finder.update(page.now()[1], "A")
    page.advance(0)
    assert finder.error is None and finder.restarts == 1 and finder.fed == len(rec.buffer)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_whatever_the_arrivals_the_result_is_diagnose_of_the_events_fed(data):
    """Batches of events arrive late and out of order, runs start at any moment: once all has
    settled, the diagnosis is ``diagnose()`` of the events in the order the finder numbered them."""
    page, rec, finder = finder_on(min_interval_ms=data.draw(st.sampled_from([0, 1000])), settle_ms=1000,
                                  fold_chunk=data.draw(st.integers(5, 80)), budget_ms=0)
    events = history(1) + story()
    events = [e.__class__(e.tab, e.mono, NOW - 60_000 + i * 50, e.kind, e.type, e.payload, e.id)
              for i, e in enumerate(events)]  # the last minute: arrivals and runs interleave
    order = data.draw(st.permutations(range(len(events))))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(events)), max_size=6)))
    for lo, hi in zip([0, *cuts], [*cuts, len(events)]):
        page.deliver(records(events[i] for i in order[lo:hi]))
        finder.update(page.now()[1], "A")
        page.advance(data.draw(st.sampled_from([0, 300, 1500])))
    page.advance(4000)  # a run under way ended in the advance that followed it: this one takes the rest
    finder.update(page.now()[1], "A")
    page.advance(0)
    live = finder.live
    assert live.pending == 0 and finder.stats()["held"] == 0 and len(live.timeline.events) == len(rec.buffer)
    assert outcome(live.diagnosis) == outcome(diagnose(Trace(live.meta, list(live.timeline.events))))
    assert finder.cause == cause_of(diagnose(rec.trace()), "A")


class FakeClock:
    """A page clock that moves only when a step says so; soon() queues."""

    def __init__(self):
        self.t, self.queue = 0.0, []

    def now(self):
        return self.t, self.t

    def soon(self, fn):
        self.queue.append(fn)


def test_slices_take_steps_until_the_budget_is_spent():
    clock = FakeClock()

    def work():
        for i, ms in enumerate([3, 3, 3, 3, 3, 3, 5, 3, 3, 3]):
            clock.t += ms
            yield i
        return "done"

    out = []
    slices = Slices(clock, budget_ms=10)
    slices.run(work(), out.append, out.append)
    assert out == [] and len(clock.queue) == 1  # nothing runs before the page's next task
    ran = []
    while clock.queue:
        before = clock.t
        clock.queue.pop(0)()
        ran.append(clock.t - before)
    assert ran == [12, 11, 9] and out == ["done"]  # 4 steps (12 ms >= 10), 3 (11 ms), then the last 3
    assert slices.slices == 3 and slices.longest_ms == 12 and slices.busy_ms == 32
    assert slices.longest_steps == [0, 1, 2, 3]  # the first of the longest

    def broken():
        yield
        raise ValueError("boom")

    slices.run(broken(), out.append, out.append)
    while clock.queue:
        clock.queue.pop(0)()
    assert isinstance(out[-1], ValueError)
