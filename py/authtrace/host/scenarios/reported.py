"""The reported failure chains, as scripts against the real clients in Chromium.

Every story runs with shortened emulator lifetimes (seconds, not minutes), so
each takes well under a minute. Times are varied by the seed. The catalog
(catalog.py) names them and sets their emulators.
"""

from __future__ import annotations

from ...stories import HIDDEN_TAB_RESUME_TYPEERROR
from .context import Context
from .played import play

# A short access token: authkit-js refreshes 10 s before expiry, Convex
# refetches 10 s before expiry (its default leeway), so 20 s gives both a
# 10 s rhythm.
TOKEN_TTL = 15
RECOVERY_WAIT_S = 36  # after a silent return: longer than the bridge's backoff ceiling (30 s) + 2 s


def resume_into_workos_outage(ctx: Context) -> None:
    """The frozen lab tab stays out past its token's lifetime while its Convex socket
    drops; it comes back to the front while WorkOS is unreachable for a moment (every
    refresh fetch fails with TypeError), and the fault ends when WorkOS is back."""
    ctx.wait(ctx.jitter(TOKEN_TTL + 4))
    ctx.drop_sync_connections(1001)
    outage = ctx.jitter(3.0)
    ctx.arm("workos", "drop", match={"grant_type": "refresh_token"}, window_s=outage, count=None)
    ctx.unfreeze()
    ctx.show()
    ctx.wait(outage)
    ctx.fault_ended()


def hidden_tab_resume_typeerror(ctx: Context) -> None:
    """Hidden (and frozen, as a long-hidden tab's timers are) past the access token's
    lifetime; meanwhile the Convex socket drops. Back to visible while the network to
    WorkOS is still down for a moment: the socket reconnects with the expired token,
    the server answers AuthError, Convex forces a refresh, and the refresh fetch throws
    TypeError. One description (authtrace.stories), played here and in the page."""
    play(HIDDEN_TAB_RESUME_TYPEERROR, ctx)


def missing_refresh_token_other_tab(ctx: Context) -> None:
    """A second tab signs out, which removes the shared devMode refresh token from
    localStorage; the first tab's next refresh is sent without one and WorkOS answers
    400 `Missing refresh token.`."""
    ctx.open_lab()
    ctx.sign_in()
    main = ctx.main
    other = ctx.second_tab()
    ctx.wait(2)
    ctx.sign_out(other)
    ctx.mark("other tab signed out")
    ctx.wait(0.5)
    ctx.driver.close()
    ctx.switch(main)
    ctx.fault_ended()
    ctx.wait(ctx.jitter(TOKEN_TTL))
    ctx.send_message("after-other-tab")
    ctx.wait(3)


def missing_refresh_cookie(ctx: Context) -> None:
    """Cookie mode: the browser stops sending the HttpOnly refresh cookie (third-party
    cookie blocked, or cleared); the next refresh gets `Missing refresh token.`."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(1)
    ctx.cdp.tab(ctx.main, "Network.enable")
    cookies = ctx.cdp.tab(ctx.main, "Network.getAllCookies").get("cookies", [])
    for c in cookies:
        if c.get("httpOnly"):
            ctx.cdp.tab(ctx.main, "Network.deleteCookies", {"name": c["name"], "domain": c["domain"], "path": c.get("path", "/")})
    ctx.mark(f"refresh cookie removed ({sum(1 for c in cookies if c.get('httpOnly'))})")
    ctx.fault_ended()
    ctx.wait(ctx.jitter(TOKEN_TTL))
    ctx.send_message("after-cookie-loss")
    ctx.wait(3)


def rotation_race(ctx: Context) -> None:
    """Two tabs, one single-use refresh token: tab A's refresh is processed (the
    token rotates) but its response is lost; the old token is presented again outside
    the grace window and WorkOS answers invalid_grant."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.second_tab()
    ctx.switch(ctx.main)
    ctx.arm("workos", "lost-response", match={"grant_type": "refresh_token"}, count=1)
    ctx.force_refresh(ctx.main)
    ctx.wait(1.5)
    ctx.force_refresh(ctx.main)
    ctx.fault_ended()
    ctx.wait(ctx.jitter(TOKEN_TTL))
    ctx.send_message("after-race")
    ctx.wait(3)


def transient_5xx(ctx: Context) -> None:
    """WorkOS answers 502/503 to refreshes for a while (the token expires meanwhile),
    then is healthy again."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(2)
    outage = ctx.jitter(TOKEN_TTL + 4)
    ctx.arm("workos", "status", match={"grant_type": "refresh_token"}, window_s=outage, count=None,
            params={"status": ctx.rng.choice([502, 503])})
    # The user acts while WorkOS is failing and the token has expired: Convex
    # learns of the expiry from the server and must refresh now.
    ctx.wait(outage - 2)
    ctx.send_message("during-5xx")
    ctx.wait(2)
    ctx.fault_ended()
    # Nothing tells the page WorkOS is back: the bridge's next backoff attempt finds out.
    ctx.wait(RECOVERY_WAIT_S - 3)
    ctx.send_message("after-5xx")
    ctx.wait(3)


def throw_wedge(ctx: Context) -> None:
    """An adapter that lets the refresh error escape to Convex: on the AuthError path
    Convex stops the socket before fetching, the fetch throws, and nothing restarts it."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(1)
    ctx.freeze()
    resume_into_workos_outage(ctx)
    ctx.wait(14)


def same_token_reauth(ctx: Context) -> None:
    """A forced refresh hands Convex back the token it already had: Convex stops
    scheduling refreshes, and after expiry the reauthentication treats the same token
    as a failure."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.fault_ended()
    ctx.wait(ctx.jitter(TOKEN_TTL + 3))
    ctx.send_message("after-expiry")
    ctx.wait(6)


def laptop_sleep(ctx: Context) -> None:
    """Frozen and offline for longer than the session's inactivity timeout: the session
    genuinely ended. The right outcome is a consistent sign-out, not split brain."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(1)
    ctx.freeze()
    ctx.offline()
    ctx.hide()
    ctx.wait(ctx.jitter(18))
    ctx.unfreeze()
    ctx.online()
    ctx.show()
    ctx.fault_ended()
    ctx.wait(10)


def refresh_lock_starvation(ctx: Context) -> None:
    """A second tab's refresh hangs while holding the cross-tab refresh lock; this
    tab's refreshes wait for the lock and time out after 10 s, while its token
    expires and the user acts."""
    ctx.open_lab()
    ctx.sign_in()
    other = ctx.second_tab()
    ctx.switch(ctx.main)
    hang = 40
    ctx.arm("workos", "hang", match={"grant_type": "refresh_token"}, count=1, params={"max_s": hang})
    ctx.force_refresh(other)
    ctx.mark("other tab's refresh hangs holding the lock")
    ctx.wait(ctx.jitter(TOKEN_TTL + 3, 0.1))
    ctx.send_message("while-starved")
    ctx.wait(hang - TOKEN_TTL - 1)
    ctx.fault_ended()
    ctx.wait(6)
    ctx.send_message("after-lock")
    ctx.wait(3)


def offline_at_refresh(ctx: Context) -> None:
    """Offline exactly when the scheduled refresh is due, and still offline when the
    token expires and the user acts; then back online."""
    ctx.open_lab()
    ctx.sign_in()
    ctx.wait(ctx.jitter(TOKEN_TTL - 11, 0.1))  # AuthKit refreshes 10 s before expiry
    ctx.offline()
    ctx.wait(ctx.jitter(12, 0.1))  # past expiry
    ctx.send_message("while-offline")
    ctx.wait(2)
    ctx.online()
    ctx.fault_ended()
    ctx.wait(8)
    ctx.send_message("after-offline")
    ctx.wait(3)
