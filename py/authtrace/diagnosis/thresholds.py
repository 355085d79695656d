"""Every number the rules judge by, in one place, named.

They are starting points derived from the reference behaviour of authkit-js
0.20 and convex 1.48 (timer cadences, lock timeouts, leeways); the lab's
recorded scenarios are meant to tune them. All times are milliseconds.
"""

from .. import split_brain

# Access tokens: WorkOS mints 5-minute tokens; the trace's own JWT claims win.
DEFAULT_ACCESS_TOKEN_LIFETIME_MS = 300_000

# stale-token-on-reconnect: an expired Authenticate this soon after a Connect
# on the same socket was sent as part of that (re)connect.
STALE_AUTH_AFTER_CONNECT_MS = 2_000
# ...and the server's AuthError, if any, arrives within this.
AUTH_ERROR_AFTER_AUTHENTICATE_MS = 5_000
# Convex counts as having recovered when it is authenticated again within this.
RECOVERY_WINDOW_MS = 10_000

# hidden-tab-refresh-paused: how long after the tab became visible again an
# expired-token signal still belongs to that hidden period.
EXPIRED_AFTER_HIDDEN_MS = 60_000

# transient-refresh-reported-as-signout / same-token-reauth: how soon Convex
# reacts to what the token fetcher returned.
CONVEX_REACTION_MS = 5_000

# throw-wedge: a stopped (or never-started) Convex socket this long after the
# failed token fetch, with no reconnect, is wedged.
WEDGE_STOPPED_MS = 10_000
# The socket-state sampler runs every 500 ms: allow for it.
STATE_SAMPLE_SLACK_MS = 1_000
# A trace that ends sooner than WEDGE_STOPPED_MS after the failure still shows the wedge when
# the rejection was seen and the socket is stopped, with no reconnect, for at least this long.
# 0: in convex 1.48 a rejection inside tryToReauthenticate always leaves the socket stopped
# (tryRestartSocket runs only after a successful fetch), so stopped + rejection is enough.
# The lab's throw-wedge trace ends 92 ms after the failure.
WEDGE_SHORT_TRACE_MIN_MS = 0
# An unhandled rejection this soon after the failed fetch is that fetch's.
REJECTION_AFTER_ERROR_MS = 2_000

# pause-overwrite-wedge: connected but never connected this long after the
# token fetch that followed setAuth settled.
PAUSE_WEDGE_MS = 1_000
# Without recorded token calls, give the fetch this long after setAuth.
PAUSE_WEDGE_FALLBACK_MS = 5_000

# refresh-lock-starvation: authkit-js acquires WORKOS_REFRESH_SESSION with a
# 10 s AbortSignal; a refresh holding it this long starves the other tabs.
LOCK_ACQUIRE_TIMEOUT_MS = 10_000
HUNG_REFRESH_MS = 10_000
LOCK_SLACK_MS = 2_000

# offline-at-refresh: a token call whose span covers the failed fetch (plus
# this) is the call that failed because of it.
CALL_SLACK_MS = 500

# session-ended: how long after the terminal answer AuthKit's user going away
# counts as the sign-out that followed it; and the quiet period worth naming.
SIGNOUT_AFTER_TERMINAL_MS = 60_000
LONG_QUIET_MS = 10 * 60_000

# split-brain: shorter closed intervals are render races, not a split brain.
SPLIT_BRAIN_MIN_MS = split_brain.MIN_MS
# An AuthError with no recovery this long after it leaves Convex unauthenticated.
AUTH_ERROR_RECOVERY_MS = 15_000

# stale-token-on-reconnect and hidden-tab-refresh-paused describe mechanisms that a resilient
# adapter survives (Convex re-authenticates within RECOVERY_WINDOW_MS). True: report them anyway,
# saying that Convex recovered; False: only when Convex did not recover.
REPORT_RECOVERED_CAUSES = True
