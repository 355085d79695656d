"""Scenario stories as data: one description, two drivers (pure; imports in the page too).

A :class:`Story` is the list of :class:`Step` s of one story of the scenario catalog
(``authtrace.host.scenarios.catalog``). Two drivers play it:

- headless (``authtrace.host.scenarios.played``): each step is a call on the scenario
  runner's ``Context`` (real freeze, real hidden tab, emulator faults on the wire);
- in the page (``authtrace.browser.panel.stories``): each step is one of the panel's
  page-side experiments (``experiments.js``), or is skipped; :data:`IN_PAGE` says for each
  step how the page plays it and how that differs from the headless run.

Durations are resolved once per run (:func:`resolve`), with the seed's jitter, in step
order, so the two drivers draw the same numbers from the same seed.

Only stories whose every step the page can play or honestly skip are here: the others
need a second tab, cookies, the emulators' rotation or a sleeping machine (issue 19).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

TOKEN_TTL = 15  # the scenario catalog's short access token (reported.TOKEN_TTL; their test compares the calls)


@dataclass(frozen=True)
class Step:
    """One step. ``do`` is one of :data:`IN_PAGE`'s keys; ``seconds`` a duration (``wait``,
    ``workos-down``), varied by the seed when ``jitter``; ``arg`` a message body or a close
    code; ``same_as``: a wait as long as the ``workos-down`` before it."""

    do: str
    seconds: float = 0.0
    jitter: bool = False
    arg: str = ""
    same_as: str = ""


@dataclass(frozen=True)
class Story:
    name: str
    summary: str
    steps: tuple[Step, ...]


class InPage(NamedTuple):
    """How the page plays a step: what it does, whether that is a simulation, and how it
    differs from the headless run."""

    does: str
    simulated: bool
    differs: str


IN_PAGE: dict[str, InPage] = {k: InPage(*v) for k, v in {
    "open-app": ("skipped", False, "the app is this page, already open"),
    "sign-in": ("checked", False, "the story needs AuthKit's user in this tab: sign in first"),
    "message": ("skipped", False, "headless, the lab's message form sends a mutation; your app has its own"),
    "wait": ("waits", False, "real time on the page's clock"),
    "freeze": ("every WorkOS refresh fails with TypeError from here", True,
               "a page cannot freeze itself: its timers (AuthKit's, Convex's) keep running, so their refreshes "
               "fail instead of not happening"),
    "hide": ("document.visibilityState reads hidden until the show step", True,
             "timers are not throttled, the tab is not really in the background"),
    "drop-sockets": ("closes Convex's sync socket from the page", True,
                     "a client-side close (the close code is the browser's), not a server drop"),
    "workos-down": ("WorkOS refreshes fail with TypeError in the page", True,
                    "the request never leaves the page: WorkOS sees nothing"),
    "unfreeze": ("nothing (refreshes keep failing until the fault ends)", True, "the page was never frozen"),
    "show": ("visibilityState reads visible again", True, "the tab was never really hidden"),
    "fault-ended": ("the simulated faults are disarmed", False, "recovery is timed from here, as headless"),
}.items()}


@dataclass(frozen=True)
class Resolved:
    """A step with its duration settled (ms)."""

    step: Step
    ms: float = 0.0


def resolve(story: Story, seed: int = 0, rng: random.Random | None = None) -> list[Resolved]:
    """The steps with their durations, drawn in step order (the scenario runner's jitter:
    ±20 % by the seed, :meth:`Context.jitter`)."""
    rng = rng if rng is not None else random.Random(seed)
    out: list[Resolved] = []
    drawn: dict[str, float] = {}
    for s in story.steps:
        seconds = s.seconds
        if s.same_as:
            seconds = drawn[s.same_as]
        elif s.jitter:
            seconds = max(0.0, seconds * (1 + rng.uniform(-0.2, 0.2)))
        drawn[s.do] = seconds
        out.append(Resolved(s, seconds * 1000))
    return out


def simulated(story: Story) -> list[str]:
    """Which steps the page simulates, and how that differs from the headless run."""
    return [f"{s.do}: {IN_PAGE[s.do].does} ({IN_PAGE[s.do].differs})" for s in story.steps if IN_PAGE[s.do].simulated]


HIDDEN_TAB_RESUME_TYPEERROR = Story(
    "hidden-tab-resume-typeerror",
    "hidden past the token's lifetime, resume while WorkOS is unreachable: TypeError on the forced refresh",
    (Step("open-app"), Step("sign-in"), Step("message", arg="before-hide"), Step("wait", 1),
     Step("freeze"), Step("hide"),
     Step("wait", TOKEN_TTL + 4, jitter=True, arg="past-token"), Step("drop-sockets", arg="1001"),
     Step("workos-down", 3.0, jitter=True), Step("unfreeze"), Step("show"),
     Step("wait", same_as="workos-down"), Step("fault-ended"),
     Step("wait", 8), Step("message", arg="after-resume"), Step("wait", 3)),
)

STORIES: dict[str, Story] = {s.name: s for s in (HIDDEN_TAB_RESUME_TYPEERROR,)}
