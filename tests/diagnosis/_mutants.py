"""Odd traces made deterministically from the real ones: merged, thinned, jittered, duplicated, edited.

Each seed gives one trace: one to three of the scenario fixtures and the core tests'
scenario traces laid over each other with offsets, some events dropped or repeated,
some moved in time (ties and reorderings included), some payload values replaced by
other values the rules look at. The engine's findings on them are recorded once
(``record_golden.py``); the golden test checks they stay the same.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from typing import Any

from authtrace import Event, Kind, Trace

from ._golden import FIXTURES, load_fixture

SEEDS = range(300)

VALUES: dict[str, list[Any]] = {
    "online": [True, False, None],
    "visibility": ["visible", "hidden"],
    "state": ["visible", "hidden"],
    "is_authenticated": [True, False],
    "outcome": ["token", "error", "null"],
    "name": ["TypeError", "AbortError", "RefreshTimeoutError", "Error", ""],
    "message": ["Failed to fetch", "Load failed", "No access token available", "Timed out waiting to refresh the session."],
    "status": [200, 400, 429, 502, 0],
    "ok": [True, False],
    "socket": ["stopped", "ready", "connecting", 1, 2],
    "workos_error": ["invalid_grant", "invalid_request", None],
    "token_type": ["User", "None"],
    "expired_when_sent": [True, False],
    "seconds_left": [-120.0, 0, 30.5],
    "has_ever_connected": [True, False],
    "is_websocket_connected": [True, False],
    "paused": ["no", "yes", "uninitialized"],
    "force_refresh": [True, False],
    "present": [True, False],
    "is_transient": [True, False, None],
    "identity_changed": [True, False],
}


@lru_cache(maxsize=1)
def bases() -> tuple[str, ...]:
    """The base traces as JSON text (parsed again for each mutant)."""
    import _traces as S

    out = [load_fixture(str(p.relative_to(FIXTURES))).dumps() for p in sorted((FIXTURES / "traces").glob("*.json"))]
    for name in ("healthy_refresh_cycle", "healthy_short_hidden", "healthy_transient_recovered",
                 "healthy_long_hidden_refreshed_on_return", "healthy_sign_out", "stale_token_on_reconnect",
                 "hidden_tab_refresh_paused", "transient_refresh_reported_as_signout", "throw_wedge",
                 "pause_overwrite_wedge", "same_token_reauth", "refresh_token_removed_by_other_tab",
                 "refresh_cookie_missing", "rotation_race", "refresh_lock_starvation", "offline_at_refresh",
                 "session_ended", "readme_story"):
        b = getattr(S, name)()
        out.append((b[0] if isinstance(b, tuple) else b).trace.dumps())
    return tuple(out)


def mutant(seed: int) -> Trace:
    rnd = random.Random(seed)
    events: list[Event] = []
    start = None
    for n in range(rnd.choice((1, 1, 2, 3))):
        base = json.loads(rnd.choice(bases()))
        evs = [Event.from_json(e) for e in base["events"]]
        if start is None:
            start = evs[0].wall if evs else 0.0
        shift = (start - evs[0].wall if evs else 0.0) + rnd.choice((0.0, 1.0, 30_000.0, rnd.uniform(0, 600_000)))
        rename = rnd.random() < 0.5
        for e in evs:
            tab = f"{e.tab}{n}" if rename else e.tab
            events.append(Event(tab, e.mono, e.wall + shift, e.kind, e.type, e.payload))
    out: list[Event] = []
    for e in events:
        r = rnd.random()
        if r < 0.08:
            continue  # dropped (a ring buffer, a lost message)
        if r < 0.12:
            e = Event(e.tab, e.mono, e.wall + rnd.choice((0.0, 1.0, -1.0, rnd.uniform(-3_000, 3_000))), e.kind,
                      e.type, e.payload)
        if r > 0.93 and e.payload:
            key = rnd.choice(sorted(e.payload))
            if key in VALUES:
                e = e.with_payload({**e.payload, key: rnd.choice(VALUES[key])})
        out.append(e)
        if r > 0.98:
            out.append(e)  # repeated
    if rnd.random() < 0.2 and out:
        tie = rnd.choice(out).wall
        out = [Event(e.tab, e.mono, tie, e.kind, e.type, e.payload) if rnd.random() < 0.05 else e for e in out]
    if rnd.random() < 0.2:
        out.append(Event("Z", 0.0, (start or 0.0) + 100.0, Kind.LIFECYCLE, "boot", {"visibility": "hidden"}))
    trace = Trace({"origin": "mutant", "seed": seed})
    keep_ids = rnd.random() < 0.3  # duplicated and unordered ids happen in merged recordings
    for i, e in enumerate(out, 1):
        trace.events.append(Event(e.tab, e.mono, e.wall, e.kind, e.type, e.payload, i if not keep_ids else e.id))
    return trace
