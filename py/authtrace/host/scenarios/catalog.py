"""The scenario catalog: every story by name, with its emulator settings.

Names are fixed: other tools (the chaos matrix, replay, the tests) refer to them.
The reported failure chains are in reported.py, the fleet stories of issue 11 in
fleet.py; what each must show is in targets.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import fleet, reported
from .context import Context
from .reported import TOKEN_TTL

__all__ = ["REPORTED", "SCENARIOS", "Scenario", "TOKEN_TTL"]


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    script: Callable[[Context], None]
    emulator: dict[str, Any] = field(default_factory=dict)
    cookie_mode: bool = False
    adapter: str | None = None  # the broken variant the stock control runs (the throw and same-token stories)
    minutes: float = 0.7  # about how long one run takes (full profile); the concurrent runner starts long runs first
    minutes_ci: float | None = None  # the same in the shortened CI profile, when it differs

    def expected_minutes(self, profile: str = "full") -> float:
        return self.minutes_ci if (profile == "ci" and self.minutes_ci is not None) else self.minutes


_SHORT = {"access_token_ttl": TOKEN_TTL}

SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("hidden-tab-resume-typeerror", "hidden past the token's lifetime, resume while WorkOS is unreachable: TypeError on the forced refresh",
             reported.hidden_tab_resume_typeerror, _SHORT),
    Scenario("missing-refresh-token-other-tab", "another tab removes the shared devMode refresh token: 400 Missing refresh token.",
             reported.missing_refresh_token_other_tab, _SHORT),
    Scenario("missing-refresh-cookie", "cookie mode, the refresh cookie is not sent: 400 Missing refresh token.",
             reported.missing_refresh_cookie, _SHORT, cookie_mode=True),
    Scenario("rotation-race", "the same single-use refresh token presented twice outside the grace window: invalid_grant",
             reported.rotation_race, {**_SHORT, "refresh_grace": 0}),
    Scenario("transient-5xx", "502/503 on refresh for a while, then healthy",
             reported.transient_5xx, _SHORT),
    Scenario("throw-wedge", "an adapter variant lets the refresh error escape to Convex: the socket stays stopped",
             reported.throw_wedge, _SHORT, adapter="throw"),
    Scenario("same-token-reauth", "a forced refresh hands Convex back the token it already had",
             reported.same_token_reauth, _SHORT, adapter="same-token"),
    Scenario("laptop-sleep", "frozen and offline past the inactivity timeout: the session really ended",
             reported.laptop_sleep, {**_SHORT, "inactivity_timeout": 12}),
    Scenario("refresh-lock-starvation", "a hanging refresh holds the refresh lock; the other tab times out",
             reported.refresh_lock_starvation, _SHORT, minutes=1.1),
    Scenario("offline-at-refresh", "offline exactly when the scheduled refresh is due, then back",
             reported.offline_at_refresh, _SHORT),
    # -- issue 11: the bridge in a fleet ------------------------------------------------------
    Scenario("workos-outage", "WorkOS fails every refresh for 10 minutes (even seeds 5xx, odd seeds dropped connections with navigator.onLine true)",
             fleet.workos_outage, _SHORT, minutes=11.0),
    Scenario("online-lies", "navigator.onLine reads false while the network works again after a flaky moment (simulated in the page)",
             fleet.online_lies, _SHORT, minutes=1.8),
    Scenario("hung-refresh", "WorkOS never answers one refresh; it holds AuthKit's lock until dropped 45 s later",
             fleet.hung_refresh, _SHORT, minutes=1.4),
    Scenario("unmount-during-retry", "the provider unmounts while a retry is pending, then mounts again",
             fleet.unmount_during_retry, _SHORT, minutes=0.9),
    Scenario("convex-rejects-tokens", "Convex's auth config does not match the issuer: every token is rejected after sign-in",
             fleet.convex_rejects_tokens, {"access_token_ttl": fleet.REJECTS_TTL}, minutes=2.4),
    Scenario("multi-tab-resume", "three tabs of one origin resume at once after their tokens expired",
             fleet.multi_tab_resume, _SHORT, minutes=1.8),
    Scenario("healthy-hour", "a healthy visible tab for one hour of 5-minute tokens, scaled to 60 s tokens (12.4 refresh cycles)",
             fleet.healthy_hour, {"access_token_ttl": fleet.HEALTHY_TTL}, minutes=11.0, minutes_ci=5.8),
]}

# The reported failure chains (the first ten): each has a recorded stock trace in
# tests/fixtures/traces that replay is tested on.
REPORTED = tuple(name for name, s in SCENARIOS.items() if s.script.__module__ == reported.__name__)
