"""The rules: one function per cause id, each small and independently testable.

A rule takes a :class:`~authtrace.diagnosis.timeline.Timeline` and returns its
findings. ``needs`` names what the recording must have captured for the rule
to judge at all (see :data:`CAPABILITIES`); when the input lacks it (a HAR has
no page lifecycle, storage or client events) the rule is reported as not
judged instead of silently finding nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..finding import Finding
from ..timeline import Timeline

# What a recording may contain, and how to say it is missing.
CAPABILITIES: dict[str, str] = {
    "page": "page visibility, lifecycle and online/offline events",
    "storage": "localStorage writes and cross-tab storage events",
    "locks": "Web Lock state",
    "fetch": "WorkOS authenticate requests and responses",
    "sync": "Convex sync WebSocket frames",
    "authkit-client": "AuthKit client events (getAccessToken calls, the user)",
    "convex-client": "Convex client events (setAuth, auth changes, socket state)",
}


@dataclass(frozen=True)
class Rule:
    id: str
    needs: frozenset[str]
    # Alternatives: the rule can judge if any one of these sets is captured.
    needs_any: tuple[frozenset[str], ...]
    check: Callable[[Timeline], list[Finding]]


RULES: dict[str, Rule] = {}


def rule(cause: str, needs: tuple[str, ...] = (), any_of: tuple[tuple[str, ...], ...] = ()):
    """Register ``fn`` as the rule for ``cause``."""

    def deco(fn: Callable[[Timeline], list[Finding]]):
        RULES[cause] = Rule(cause, frozenset(needs), tuple(frozenset(a) for a in any_of), fn)
        return fn

    return deco


def _load() -> None:
    # Importing the modules registers their rules.
    from . import adapter, reconnect, refresh, split_brain  # noqa: F401


_load()
