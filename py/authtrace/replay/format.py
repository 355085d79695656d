"""The replay plan's format (pure): its name, the errors that refuse a plan, and the times
the builder and the validator share. What a plan holds: :mod:`authtrace.replay.plan`."""

from __future__ import annotations

FORMAT = "authtrace-replay/1"
AUTH_PATH = "/user_management/authenticate"
HANG_MS = 10_000.0  # a refresh that took this long before failing was hanging
LEAD_MS = 1_000.0  # a fault is armed at most this long before its first recorded attempt
TAIL_MS = 2_000.0  # a transient fault at the end of the recording lasts this long after its last attempt
PAGE_STATES = ("hidden", "frozen", "offline")
OUTCOMES = ("token", "http", "TypeError", "hang", "error")


class PlanError(ValueError):
    """A plan (or the trace it would come from) that cannot be replayed; the message says why."""


class NothingToReplay(PlanError):
    """The input has no refresh attempt, fault, page-state change or server event to replay."""



def r(x: float) -> float:
    """A time in a plan: ms, to a tenth."""
    return round(float(x), 1)
