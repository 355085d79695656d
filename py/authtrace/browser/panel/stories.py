"""The in-page driver of :mod:`authtrace.stories`: a story played on the live tab with the
panel's page-side experiments (imported when a story is first played).

Each step is played as :data:`authtrace.stories.IN_PAGE` says (simulated, checked, waited
or skipped) and recorded as a ``note/story`` event; the tab's state (its badges: AuthKit's
user, Convex authenticated/refreshing, the socket) is sampled every ``sample_ms`` while it
plays. At the end the outcome is worked out in the scenario runner's terms
(:mod:`authtrace.stories.outcome`), with the diagnosis of the recording since the start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...stories import IN_PAGE, STORIES, Resolved, resolve, simulated
from ...stories.outcome import State, outcome, words
from .badges import compute

if TYPE_CHECKING:
    from ..recorder import Recorder
    from .experiments import Experiments

ARMED = 1000  # refreshes failed while a simulated fault lasts (disarmed when it ends)


class StoryPlayer:
    def __init__(self, recorder: Recorder, experiments: Experiments, sample_ms: float = 250.0,
                 on_change: Callable[[], None] | None = None) -> None:
        self.recorder, self.page, self.experiments = recorder, recorder.page, experiments
        self.on_change = on_change  # the story stopped or ended (the panel shows it at once)
        self.sample_ms = sample_ms
        self.name: str | None = None
        self.steps: list[Resolved] = []
        self.at = 0
        self.playing = False
        self.error: str | None = None
        self.result: dict[str, Any] | None = None
        self.states: list[State] = []
        self._t0 = self._wall0 = 0.0
        self._run = 0  # a new play makes the old one's timers do nothing

    # -- what it shows ------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        step = self.steps[self.at].step if self.playing and self.at < len(self.steps) else None
        return {"story": self.name, "playing": self.playing, "step": self.at, "of": len(self.steps),
                "doing": step.do if step else None, "error": self.error, "outcome": self.result,
                "summary": words(self.result) if self.result else None,
                "simulated": simulated(STORIES[self.name]) if self.name else []}

    # -- playing ----------------------------------------------------------------------------
    def play(self, name: str, seed: int = 0) -> dict[str, Any]:
        if name not in STORIES:
            raise ValueError(f"no story {name!r} to play in the page (there are: {', '.join(STORIES)})")
        if self.playing:
            raise RuntimeError(f"{self.name} is still playing")
        self._run += 1
        self.name, self.steps, self.at = name, resolve(STORIES[name], seed), 0
        self.playing, self.error, self.result, self.states = True, None, None, []
        self._t0, self._wall0 = self.page.now()
        self._note({"story": name, "event": "started", "seed": seed, "simulated": simulated(STORIES[name])})
        self._sample(self._run)
        self._next(self._run)
        return self.state()

    def _note(self, payload: dict[str, Any]) -> None:
        self.page.emit("note", "story", payload)

    def _badges(self):
        return compute(self.recorder.events(), self.recorder.tab)

    def _sample(self, run: int) -> None:
        if run != self._run or not self.playing:
            return
        try:
            b = self._badges()
            self.states.append(State(self.page.now()[0] - self._t0, bool(b.user), b.convex_auth, b.convex_refreshing,
                                     b.socket))
        except Exception:  # a sample missed; the page never sees it
            self.recorder.errors += 1
        self.page.later(self.sample_ms, lambda: self._sample(run))

    def _next(self, run: int) -> None:
        if run != self._run or not self.playing:
            return
        if self.at >= len(self.steps):
            self._finish()
            return
        r = self.steps[self.at]
        try:
            wait = self._do(r)
        except Exception as exc:
            self._stop(f"{r.step.do}: {exc}")
            return
        self._note({"story": self.name, "event": "step", "step": self.at + 1, "do": r.step.do,
                    "in_page": IN_PAGE[r.step.do].does, "simulated": IN_PAGE[r.step.do].simulated})
        self.at += 1
        self.page.later(wait, lambda: self._next(run))

    def _do(self, r: Resolved) -> float:
        """Play one step; how long to wait before the next (ms)."""
        do, x = r.step.do, self.experiments
        if do == "sign-in" and not self._badges().user:
            raise RuntimeError("sign in first: the story needs AuthKit's user in this tab")
        if do == "wait":
            return r.ms
        if do == "freeze":
            x.arm("refresh-typeerror", ARMED)
        elif do == "hide":
            rest = self.steps[self.at + 1:]
            until = next((i for i, s in enumerate(rest) if s.step.do == "show"), len(rest))
            x.hide(max(0.1, sum(s.ms for s in rest[:until] if s.step.do == "wait") / 1000))
        elif do == "drop-sockets":
            x.drop_sockets()
        elif do == "workos-down" and not (x.state() or {}).get("armed"):
            x.arm("refresh-typeerror", ARMED)
        elif do == "fault-ended":
            x.disarm()
        return 0.0

    def _stop(self, error: str) -> None:
        self.playing, self.error = False, error
        try:
            self.experiments.disarm()
        except Exception:  # (the helper is gone: nothing armed is left either)
            pass
        self._note({"story": self.name, "event": "stopped", "error": error})
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _finish(self) -> None:
        self._sample(self._run)
        self.playing = False
        try:
            from ...diagnosis import diagnose  # the engine once, at the end

            causes = [f.id for f in diagnose(self.recorder.trace()).findings
                      if f.at >= self._wall0 and getattr(f, "tab", None) in (None, self.recorder.tab)]
        except Exception as exc:
            self.recorder.errors += 1
            causes = [f"(diagnosis failed: {type(exc).__name__})"]
        self.result = outcome(self.states, causes)
        self._note({"story": self.name, "event": "ended", **self.result})
        self._changed()
