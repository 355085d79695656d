"""The headless driver of a story (:mod:`authtrace.host.scenarios.played`): its calls on the
scenario Context are the hand-written script's, call for call and with the seed's jitter,
and the page draws the same durations from the same seed. CPython only (the scenario
runner is not in the page's wheel); no browser."""

from __future__ import annotations

import random

from authtrace.host.scenarios import reported
from authtrace.host.scenarios.played import play
from authtrace.stories import HIDDEN_TAB_RESUME_TYPEERROR, resolve


class Recording:
    """Stands in for the scenario Context: the calls, in order, with the seed's jitter."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.calls = []

    def jitter(self, seconds, spread=0.2):
        return max(0.0, seconds * (1 + self.rng.uniform(-spread, spread)))

    def __getattr__(self, name):
        return lambda *a, **kw: self.calls.append((name, a, kw))


# hidden_tab_resume_typeerror as reported.py wrote it before it became a Story (issue 19).
def handwritten(ctx):
    ctx.open_lab()
    ctx.sign_in()
    ctx.send_message("before-hide")
    ctx.wait(1)
    ctx.freeze()
    ctx.hide()
    ctx.wait(ctx.jitter(reported.TOKEN_TTL + 4))
    ctx.drop_sync_connections(1001)
    outage = ctx.jitter(3.0)
    ctx.arm("workos", "drop", match={"grant_type": "refresh_token"}, window_s=outage, count=None)
    ctx.unfreeze()
    ctx.show()
    ctx.wait(outage)
    ctx.fault_ended()
    ctx.wait(8)
    ctx.send_message("after-resume")
    ctx.wait(3)


def test_the_headless_driver_makes_the_calls_of_the_handwritten_script():
    for seed in range(5):
        a, b, c = Recording(seed), Recording(seed), Recording(seed)
        handwritten(a)
        play(HIDDEN_TAB_RESUME_TYPEERROR, b)
        reported.hidden_tab_resume_typeerror(c)  # the catalog's entry plays the Story
        assert a.calls == b.calls == c.calls and len(a.calls) == 16


def test_the_page_draws_the_same_durations_from_the_same_seed():
    ctx = Recording(3)
    play(HIDDEN_TAB_RESUME_TYPEERROR, ctx)
    waits = [a[0] for name, a, _ in ctx.calls if name == "wait"]
    steps = resolve(HIDDEN_TAB_RESUME_TYPEERROR, 3)
    assert [r.ms / 1000 for r in steps if r.step.do == "wait"] == waits
