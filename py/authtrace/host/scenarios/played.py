"""The headless driver of :mod:`authtrace.stories`: a story's steps as calls on the
scenario runner's :class:`~.context.Context` (the in-page driver is
``authtrace.browser.panel.stories``). Durations are drawn with ``ctx.jitter`` as each
step comes, in the order the hand-written scripts drew them."""

from __future__ import annotations

from ...stories import Story
from .context import Context


def play(story: Story, ctx: Context) -> None:
    drawn: dict[str, float] = {}
    for s in story.steps:
        seconds = drawn[s.same_as] if s.same_as else (ctx.jitter(s.seconds) if s.jitter else s.seconds)
        drawn[s.do] = seconds
        if s.do == "open-app":
            ctx.open_lab()
        elif s.do == "sign-in":
            ctx.sign_in()
        elif s.do == "message":
            ctx.send_message(s.arg)
        elif s.do == "wait":
            ctx.wait(seconds)
        elif s.do == "freeze":
            ctx.freeze()
        elif s.do == "unfreeze":
            ctx.unfreeze()
        elif s.do == "hide":
            ctx.hide()
        elif s.do == "show":
            ctx.show()
        elif s.do == "drop-sockets":
            ctx.drop_sync_connections(int(s.arg or 1001))
        elif s.do == "workos-down":
            ctx.arm("workos", "drop", match={"grant_type": "refresh_token"}, window_s=seconds, count=None)
        elif s.do == "fault-ended":
            ctx.fault_ended()
        else:
            raise ValueError(f"story {story.name}: no headless step {s.do!r}")
