// The bridge's knobs. Every timing is an option, so tests and chaos scenarios can
// scale them; the defaults need no configuration. README.md, "Options", explains each.

/** The public states (useAuthBridgeState / getAuthBridgeState). */
export const STATES = Object.freeze(["authenticated", "refreshing", "degraded", "signed_out", "misconfigured"]);

export const DEFAULT_OPTIONS = Object.freeze({
  // Retries after a transient failure, while someone waits for a token: exponential
  // from backoffBaseMs (doubling per failure) up to a ceiling, with jitter. The
  // ceiling bounds both the load on WorkOS during an outage and the time to recover
  // after it when no page signal arrives.
  backoffBaseMs: 1_000,
  backoffCeilingMs: 30_000, // visible tab
  hiddenBackoffCeilingMs: 300_000, // hidden tab
  // Fraction of each wait that is random: 1 is "full jitter" (uniform in [0, wait]),
  // 0.5 draws from [wait/2, wait]. See README, target 1, for the trade-off.
  jitter: 0.5,
  // A Retry-After hint is honoured up to this long (and no signal cuts it short).
  retryAfterMaxMs: 600_000,
  // navigator.onLine === false is a hint, not a gate: the next retry waits for an
  // `online` event, but never longer than this.
  offlineMaxWaitMs: 30_000,
  // A page signal (online, visible, pageshow, resume) retries at once, but never
  // sooner than this after the previous attempt started.
  signalMinGapMs: 1_000,
  // An AuthKit call still pending after this long is reported as hung (event and
  // console.warn). It is never duplicated: authkit-js would join it anyway.
  hungAfterMs: 15_000,
  // A token counts as expired min(leewayMs, leewayFraction × lifetime) before it expires.
  leewayMs: 30_000,
  leewayFraction: 0.25,
  // authkit-js's refreshBufferInterval (10 s by default): inside it, an unforced
  // getAccessToken refreshes by itself, so the bridge need not force.
  authkitBufferMs: 10_000,
  // At most one refresh ahead of need (page signal, expired token, nobody waiting) per this long.
  cooldownMs: 5_000,
  // Once signed out, a page signal checks at most this often whether AuthKit has a
  // session again (the user signed in again, e.g. in another tab).
  signedOutRecheckMs: 60_000,
  // This many fresh tokens rejected by Convex in a row → `misconfigured`.
  maxRejectedTokens: 3,
  // A forced ask this soon after a fresh forced token is a rejection even while React
  // still reports Convex authenticated (below any token's refetch leeway).
  rejectBurstMs: 1_000,
  // Watchdog (index.js): tick and thresholds.
  watchdogIntervalMs: 500,
  rearmAfterMs: 2_000,
  stoppedSocketMs: 3_000,
  neverConnectedMs: 1_500,
  rearmMaxBackoffMs: 60_000,
  // On a sign-out (not on `misconfigured`): end AuthKit's session too, and reload
  // the page once per page session (never while hidden) so authkit-react's `user` clears.
  signOutAuthKit: true,
  reloadOnSignOut: true,
  // While the bridge backs off after a transient failure, answer authkit-js's own
  // refresh requests (its 1 s loop, or an app's getAccessToken) locally with the same
  // failure instead of sending them to WorkOS (breaker.js). The bridge's own attempts pass.
  holdAuthKitRefreshes: true,
  // logger: {debug, info, warn, error}; onEvent: (event) => void.
  logger: null,
  onEvent: null,
});
