"""The rules: one function per cause id, each small and independently testable.

A rule takes a :class:`~authtrace.diagnosis.timeline.Timeline` and yields its
findings, and ``None`` now and then (at least every :data:`TICK` candidates it
judges): a tick, where a caller that must not block may give the page back
(:func:`~authtrace.diagnosis.engine.judge`). ``Rule.check`` collects the findings.
``needs`` names what the recording must have captured for the rule to judge at
all (see :data:`CAPABILITIES`). When the input lacks it (a HAR has no page
lifecycle, storage or client events), the cause's *inferred* rule judges instead
if there is one (registered with ``inferred=True``: it deduces the missing links
from what the input shows, and its findings say ``inferred`` and what is missing,
see :data:`CAPTURE`); otherwise the cause is reported as not judged instead of
silently finding nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..finding import Finding, Missing
from ..timeline import Timeline

# Candidates (token calls, exchanges...) a rule judges between two ticks; each tab is one too.
TICK = 200

# What a recording may contain, and how to say it is missing.
CAPABILITIES: dict[str, str] = {
    "page": "page visibility, lifecycle and online/offline events",
    "storage": "localStorage writes and cross-tab storage events",
    "locks": "Web Lock state",
    "fetch": "WorkOS authenticate requests and responses",
    "sync": "Convex sync WebSocket frames",
    "authkit-client": "AuthKit client events (getAccessToken calls, the user)",
    "convex-client": "Convex client events (setAuth, auth changes, socket state)",
    "sockets": "when each Convex sync WebSocket opened (without its frames)",
    "net-errors": "why a failed request failed (offline, DNS, aborted)",
}

# How to capture each of them next time (the recorder, the panel, another export).
_RECORDER = "the authtrace recorder (web/recorder/boot.js, exported from the debug panel or globalThis.authtrace.exportTrace())"
CAPTURE: dict[str, str] = {
    "page": f"record the tab with {_RECORDER}: it logs visibilitychange, freeze/resume and online/offline",
    "storage": f"record every tab with {_RECORDER}: it logs localStorage writes and the storage events other tabs cause",
    "locks": f"record with {_RECORDER}: it samples the WORKOS_REFRESH_SESSION Web Lock",
    "fetch": f"record with {_RECORDER}, or export a DevTools HAR with Preserve log on (the WorkOS "
             "/user_management/authenticate requests with their bodies)",
    "sync": f"record with {_RECORDER}, or export the HAR from Chrome, whose HAR keeps WebSocket frames "
            "(Firefox's and Safari's do not)",
    "sockets": f"record with {_RECORDER}, or export a DevTools HAR while the sockets are open",
    "authkit-client": "wrap AuthKit's useAuth with traceUseAuth (web/recorder/clients.js) so the recorder sees each "
                      "getAccessToken call, its error, and the user",
    "convex-client": "create the ConvexReactClient with traceConvexOptions (web/recorder/clients.js) so the recorder "
                     "sees setAuth, isAuthenticated changes and the socket state",
    "net-errors": f"record with {_RECORDER} (it keeps the page's error and navigator.onLine), or export the HAR from "
                  "Chrome or Safari, which keep the network error (Firefox's HAR has only status 0)",
    "other-tabs": "export a HAR from every tab open at the time and analyze them together (authtrace analyze a.har "
                  f"b.har ...), or record with {_RECORDER}, which records all tabs of the origin",
}
OTHER_TABS = "other-tabs"
_WHAT = {**CAPABILITIES, OTHER_TABS: "what the other tabs of the origin did at the time"}


# A user inferred from the tokens getAccessToken returned (no AuthKit user event in the tab).
NO_USER_EVENT = (Missing(
    "AuthKit's user event in this tab (emitted only when the user changes: a recording that starts later, or a "
    "ring buffer that dropped the page load, lacks it)",
    "wrap useAuth with traceUseAuth (web/recorder/clients.js) from page load and export the trace from the debug "
    "panel before the buffer wraps"),)


def missing(*caps: str) -> tuple[Missing, ...]:
    """The :class:`Missing` evidence for capabilities (keys of :data:`CAPTURE`)."""
    return tuple(Missing(_WHAT.get(c, c), CAPTURE.get(c, _RECORDER)) for c in caps)


@dataclass(frozen=True)
class Rule:
    id: str
    needs: frozenset[str]
    # Alternatives: the rule can judge if any one of these sets is captured.
    needs_any: tuple[frozenset[str], ...]
    steps: Callable[[Timeline], Iterable[Finding | None]]
    inferred: bool = False  # judges only where the cause's confirmed rule cannot

    def check(self, tl: Timeline) -> list[Finding]:
        return [f for f in self.steps(tl) if f is not None]


RULES: dict[str, Rule] = {}  # every link of the chain in the input
INFERRED: dict[str, Rule] = {}  # where RULES[cause] cannot judge: links deduced from what the input shows


def rule(cause: str, needs: tuple[str, ...] = (), any_of: tuple[tuple[str, ...], ...] = (),
         inferred: bool = False):
    """Register ``fn`` as the rule for ``cause`` (``inferred``: as its fallback)."""

    def deco(fn: Callable[[Timeline], Iterable[Finding | None]]):
        table = INFERRED if inferred else RULES
        table[cause] = Rule(cause, frozenset(needs), tuple(frozenset(a) for a in any_of), fn, inferred)
        return fn

    return deco


def _load() -> None:
    # Importing the modules registers their rules.
    from . import adapter, inferred, missing_token, reconnect, refresh, split_brain  # noqa: F401


_load()
