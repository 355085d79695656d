"""What fixes each cause: the mechanism, then where authtrace's bridge does it."""

from __future__ import annotations

from . import finding as F

BRIDGE = "authtrace's ConvexProviderWithAuthKit (authtrace/bridge)"

FIXES: dict[str, str] = {
    F.STALE_TOKEN_ON_RECONNECT: (
        "Convex resends its last stored token on every reconnect and never checks exp. Refresh ahead of expiry when "
        "the tab becomes visible again, resumes or comes back online, and push the fresh token to Convex (setAuth) "
        "before the socket reconnects; when the forced refetch that follows the AuthError comes, honour "
        f"forceRefreshToken and retry transient failures instead of failing. {BRIDGE} does both."
    ),
    F.HIDDEN_TAB_REFRESH_PAUSED: (
        "authkit-js skips its proactive refresh while document.hidden and the browser throttles or freezes timers, "
        "so a tab hidden longer than the token lifetime comes back with an expired token. Listen to "
        "visibilitychange (visible), pageshow, resume and online and refresh right away (getAccessToken with "
        f"forceRefresh when the token is within its leeway), before Convex reconnects; {BRIDGE} refreshes ahead on "
        "these events."
    ),
    F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT: (
        "Never return null to Convex for a transient failure: null is a sign-out Convex never recovers from while "
        "AuthKit keeps its user. Classify errors: network TypeError (any engine's message), AbortError, "
        "RefreshTimeoutError, 408/429/5xx are transient; return the last token if it is still valid, otherwise retry "
        "with a short backoff once the tab is visible and online. Return null only for LoginRequiredError or a "
        f"terminal RefreshError. The stock @convex-dev/workos adapter maps every error to null; {BRIDGE} does not."
    ),
    F.THROW_WEDGE: (
        "Convex awaits the token fetcher without a catch: a rejection stops the socket for good (no reconnect, "
        "and a later setAuth does not restart it). The fetcher must never reject: catch every error, retry transient "
        "ones when visible and online, and resolve with null only for a real sign-out. To get out of the wedge, "
        f"close the client and mount a new ConvexReactClient. {BRIDGE}'s fetcher never throws."
    ),
    F.PAUSE_OVERWRITE_WEDGE: (
        "Calling setAuth again while the socket is still paused 'uninitialized' (the first token fetch in flight or "
        "failed) overwrites the pause, so Connect and the query set are never sent. Call setAuth once per sign-in: "
        "keep the fetchAccessToken function identity stable (no re-created callback, no re-mounted provider while "
        f"the first fetch runs) and never let the first fetch throw. {BRIDGE} keeps a stable fetcher."
    ),
    F.SAME_TOKEN_REAUTH: (
        "Honour forceRefreshToken: when Convex asks for a forced refresh, call getAccessToken({forceRefresh: true}) "
        "and never hand back the token Convex already has. Given the same token, Convex stops scheduling refreshes "
        "(notRefetching) or, after an AuthError, signs out (convex-js#184). The stock adapter ignores the flag; "
        f"{BRIDGE} honours it and waits for a new token."
    ),
    F.REFRESH_TOKEN_REMOVED_BY_OTHER_TAB: (
        "In devMode the refresh token is shared in localStorage: another tab's terminal failure or sign-out "
        "(removeSessionData) deleted it, and this tab's next refresh went out without one. Watch the storage event "
        "for workos:refresh-token:* and treat its removal as a sign-out in every tab (or reload to sign in again) "
        "instead of letting each tab fail separately; find and fix the other tab's terminal failure first. In "
        "production use cookie mode with a first-party custom auth domain."
    ),
    F.REFRESH_COOKIE_MISSING: (
        "In cookie mode the refresh token travels in WorkOS's HttpOnly cookie; the request arrived without it. "
        "Set up a custom Auth API domain on your own site so the cookie is first-party (third-party cookies are "
        "blocked or partitioned by Safari ITP, Firefox TCP and Chrome), check the WorkOS allowed origins/CORS with "
        "credentials, and make sure the cookie was not cleared or expired."
    ),
    F.ROTATION_RACE: (
        "WorkOS refresh tokens are single use: the same refresh token was presented twice and the later exchange "
        "was refused. Make refreshes single-flight across tabs (authkit-js's Web Lock, re-reading the token inside "
        "the lock), never replay a refresh whose response was lost without first re-reading storage, and refresh "
        "ahead on resume so a frozen tab does not retry a stale token."
    ),
    F.REFRESH_LOCK_STARVATION: (
        "A refresh that never answers holds the WORKOS_REFRESH_SESSION Web Lock (the fetch has no timeout), so other "
        "tabs time out acquiring it with RefreshTimeoutError. Treat RefreshTimeoutError as transient (return the "
        "still-valid token, retry later) and never turn it into a sign-out; refresh again after resume/online so the "
        f"hung request is replaced. {BRIDGE} retries it."
    ),
    F.OFFLINE_AT_REFRESH: (
        "The refresh was sent while the browser was offline, so it could only fail. Do not refresh while "
        "navigator.onLine is false: keep the still-valid token, wait for the online event, then refresh; treat the "
        f"TypeError as transient, never as a sign-out. {BRIDGE} waits for the online event (navigator.onLine is only a "
        "hint: at most 30 s) and retries at once when it fires."
    ),
    F.SESSION_ENDED: (
        "This is a genuine end of the session (WorkOS refused the refresh token with invalid_grant): the user must "
        "sign in again. Make the app say so: when getAccessToken fails terminally (LoginRequiredError), clear "
        "AuthKit's user and show the sign-in page instead of leaving a user on screen with a dead Convex session."
    ),
    F.SPLIT_BRAIN: (
        "AuthKit shows a user while Convex is unauthenticated, and nothing in either client repairs it. Fix the cause "
        "named in the other findings; as a safety net, watch for useConvexAuth().isAuthenticated false while "
        "AuthKit has a user and re-bind auth (a new fetchAccessToken identity makes ConvexProviderWithAuth call "
        f"setAuth again; after a stopped socket, remount the client). {BRIDGE} includes this watchdog."
    ),
    F.UNEXPLAINED_AUTH_FAILURE: (
        "authtrace could not name the chain behind this failure from this input. Record the tab with the authtrace "
        "recorder and the client wrappers (traceUseAuth, traceConvexOptions; a Chrome HAR at least keeps the Convex "
        "frames) to see what the app did with it. Whatever the cause: a transient failure must never become a "
        "sign-out (retry once the tab is visible and online), and a terminal one must sign the whole app out "
        f"consistently (AuthKit's user and Convex together) instead of leaving a user on screen; {BRIDGE} does both."
    ),
}
