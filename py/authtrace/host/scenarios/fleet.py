"""Stories about running the bridge in a whole fleet of tabs (issue 11): a long
WorkOS outage, a lying ``navigator.onLine``, a refresh that never answers, an
unmount while a retry is pending, a backend that rejects every token, three tabs
resuming at once, and a healthy tab over an hour of tokens.

``healthy-hour`` is shorter in the CI profile (``ctx.profile``); ``ctx.params`` records
what each run chose, and the targets (targets.py) read their bounds from there.
"""

from __future__ import annotations

from .context import Context
from .reported import RECOVERY_WAIT_S, TOKEN_TTL

REFRESH = {"grant_type": "refresh_token"}
AUTHKIT_BUFFER_S = 10  # authkit-js refreshes this long before expiry (refreshBufferInterval default)

# The outage is 10 minutes in both profiles: the bridge's retry budget is in absolute
# time (a 30 s backoff ceiling), so a shorter outage cannot be scaled honestly.
OUTAGE_S = 600
ACTIVITY_EVERY_S = 120  # the user keeps working during long stories

LIE_S = 75  # the network works again after TOKEN_TTL; the lie outlasts that by more than ceiling + 2 s
HANG_S = 45  # the hung refresh is dropped by WorkOS after this long

# One hour of 300 s tokens is 3600 / (300 - 10) = 12.41 AuthKit refresh cycles; with
# 60 s tokens the same 12.41 cycles take 620 s (CI: half of it, 6.2 cycles).
HEALTHY_TTL = 60
HEALTHY_CYCLES = {"full": 3600 / (300 - AUTHKIT_BUFFER_S), "ci": 3600 / (300 - AUTHKIT_BUFFER_S) / 2}

REJECTS_TTL = 300  # AuthKit's own timer does not rotate during the story: every rotation is the adapter's
REJECTS_OBSERVE_S = 120


def _keep_working(ctx: Context, until_ms: float, prefix: str, first_s: float) -> None:
    """Send a message ``first_s`` from now and then every ``ACTIVITY_EVERY_S`` until ``until_ms``."""
    at = ctx.now_ms() + first_s * 1000
    n = 0
    while at < until_ms - 1000:
        ctx.wait_until(at)
        ctx.send_message(f"{prefix}-{n}")
        n += 1
        at += ctx.jitter(ACTIVITY_EVERY_S, 0.1) * 1000
    ctx.wait_until(until_ms)


def workos_outage(ctx: Context) -> None:
    """WorkOS fails every refresh for 10 minutes while the tab stays visible and the user
    keeps working. Even seeds: 502/503 answers, and WorkOS comes back silently. Odd
    seeds: dropped connections (TypeError) with navigator.onLine true, and WorkOS comes
    back together with the network blipping off and on (an `online` event)."""
    network = ctx.seed % 2 == 1
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(2)
    outage = OUTAGE_S
    if network:
        fault = ctx.arm("workos", "drop", match=REFRESH, window_s=outage + 5, count=None)
    else:
        fault = ctx.arm("workos", "status", match=REFRESH, window_s=outage + 5, count=None,
                        params={"status": ctx.rng.choice([502, 503])})
    ctx.fault_started()
    ctx.params.update(variant="network" if network else "5xx", outage_s=outage)
    _keep_working(ctx, ctx.fault_start_ms + outage * 1000, "during-outage", ctx.jitter(TOKEN_TTL + 3, 0.1))
    ctx.count_end_ms = ctx.now_ms()  # refresh requests are counted during the outage
    ctx.disarm(fault)
    if network:
        ctx.offline()
        ctx.wait(1)
        ctx.online()
    ctx.fault_ended()
    ctx.wait(RECOVERY_WAIT_S)
    ctx.send_message("after-outage")
    ctx.wait(3)


def online_lies(ctx: Context) -> None:
    """A flaky moment: navigator.onLine turns false (an `offline` event) and WorkOS
    requests fail for one token lifetime; then the network works again but
    navigator.onLine keeps reading false, for longer than the backoff ceiling. The token
    expires and the user acts meanwhile. The lie ends with an `online` event. Simulated
    in the page (page.HARNESS); the failures are dropped connections (TypeError)."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(1)
    ctx.online_lie(True)
    ctx.arm("workos", "drop", match=REFRESH, window_s=TOKEN_TTL, count=None)
    ctx.fault_started()
    ctx.params.update(lie_s=LIE_S, failing_s=TOKEN_TTL)
    ctx.wait(ctx.jitter(TOKEN_TTL + 3, 0.1))
    ctx.send_message("during-lie")
    ctx.wait_until(ctx.fault_start_ms + LIE_S * 1000)
    ctx.online_lie(False)
    ctx.fault_ended()
    ctx.wait(8)
    ctx.send_message("after-lie")
    ctx.wait(3)


def hung_refresh(ctx: Context) -> None:
    """WorkOS never answers one refresh (AuthKit's timer sends it 10 s before expiry; it
    holds the refresh lock and every later getAccessToken joins it) until WorkOS drops
    the connection 45 s later. The token expires meanwhile and the user acts."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(1)
    fault = ctx.arm("workos", "hang", match=REFRESH, count=1, params={"max_s": HANG_S})
    fired = ctx.server_event(TOKEN_TTL + 10, source="faults", type="fired", id=fault.id)
    ctx.fault_started(at_ms=ctx.ms_of_wall(fired["t"]))
    ctx.params.update(hang_s=HANG_S)
    ctx.wait_until(ctx.fault_start_ms + (AUTHKIT_BUFFER_S + 3) * 1000)  # the token has expired
    ctx.send_message("during-hang")
    ended = ctx.server_event(HANG_S + 15, source="workos", type="request", fault_id=fault.id)
    ctx.fault_ended(at_ms=ctx.ms_of_wall(ended["t"]))
    ctx.wait(8)
    ctx.send_message("after-hang")
    ctx.wait(3)


def unmount_during_retry(ctx: Context) -> None:
    """Refreshes fail (dropped connections) and the token expires; the user acts, so
    Convex needs a token and the adapter is retrying. The provider unmounts (a route
    change) while that retry is pending, stays away for 10 s, and mounts again after
    WorkOS is back."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(1)
    fault = ctx.arm("workos", "drop", match=REFRESH, window_s=60, count=None)
    ctx.fault_started()
    ctx.wait(ctx.jitter(TOKEN_TTL + 2, 0.1))
    ctx.send_message("before-unmount")
    ctx.wait(3)
    ctx.unmount_provider()
    ctx.wait(10)
    ctx.disarm(fault)
    ctx.mount_provider()
    ctx.fault_ended()
    ctx.wait(8)
    ctx.send_message("after-remount")
    ctx.wait(3)


def convex_rejects_tokens(ctx: Context) -> None:
    """A bad auth.config.ts is deployed after sign-in: the backend restarts (clients
    reconnect) and rejects every token with the real backend's message. Nothing ends
    the fault; the adapter must stop rotating tokens and say so once."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(2)
    message = (f"No auth provider found matching the given token (issuer {ctx.stack.issuer!r}). "
               "Check your auth.config.ts.")
    ctx.arm("convex", "auth-error", match={"type": "Authenticate"}, window_s=REJECTS_OBSERVE_S + 30, count=None,
            params={"message": message, "authUpdateAttempted": True})
    ctx.fault_started()
    ctx.params.update(observe_s=REJECTS_OBSERVE_S)
    ctx.drop_sync_connections(1012)  # 1012: service restart
    ctx.wait(REJECTS_OBSERVE_S)


def multi_tab_resume(ctx: Context) -> None:
    """Three visible tabs of one origin (one window each) are minimised and frozen past
    their tokens' lifetime while their sockets drop; all three come back at once and
    refresh through the one shared refresh token (WorkOS's 30 s reuse grace applies)."""
    ctx.open_lab()
    ctx.sign_in()
    tabs = [ctx.main, ctx.lab_window(), ctx.lab_window()]
    for h in tabs[1:]:
        ctx.switch(h)
        ctx.wait_for(lambda h=h: ctx.state(h).get("convexAuthenticated"), 30, "a second window did not authenticate Convex")
    ctx.switch(ctx.main)
    ctx.wait(1)
    ctx.minimize(tabs)
    # Freeze between refreshes: a tab frozen with its refresh in flight keeps AuthKit's
    # cross-tab lock for good (every tab then waits; a different story).
    quiet = "globalThis.__labHarness.refreshing === 0 && !globalThis.__authtraceFetchesInFlight"
    ctx.wait_for(lambda: all(ctx.page(h, quiet) for h in tabs), 10, "the tabs never stopped fetching tokens")
    for h in tabs:
        ctx.freeze(h)
    ctx.fault_started()
    ctx.drop_sync_connections(1001)
    ctx.wait(ctx.jitter(TOKEN_TTL + 5))
    for h in tabs:
        ctx.unfreeze(h)
    ctx.restore(tabs)
    ctx.fault_ended()
    ctx.params.update(tabs=len(tabs))
    ctx.wait(10)
    for i, h in enumerate(tabs):
        ctx.send_message(f"after-resume-{i}", h)
    ctx.wait(3)


def healthy_hour(ctx: Context) -> None:
    """A healthy visible tab for one hour of 5-minute tokens, scaled: 60 s tokens for the
    same number of AuthKit refresh cycles (12.41; CI: 6.2). The user sends a message
    every two minutes. The measure is refresh-token rotations (WorkOS's log)."""
    ctx.open_lab()
    ctx.sign_in()
    cycles = HEALTHY_CYCLES["ci" if ctx.profile == "ci" else "full"]
    duration = round(cycles * (HEALTHY_TTL - AUTHKIT_BUFFER_S))
    ctx.params.update(token_ttl_s=HEALTHY_TTL, duration_s=duration, cycles=round(cycles, 2),
                      max_rotations=int(duration // (HEALTHY_TTL - AUTHKIT_BUFFER_S)) + 1)
    _keep_working(ctx, ctx.now_ms() + duration * 1000, "healthy", ACTIVITY_EVERY_S / 2)
