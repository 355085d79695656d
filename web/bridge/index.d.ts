// Type declarations for the resilient bridge (web/bridge/index.js).
import type { ReactElement, ReactNode } from "react";
import type { AuthTokenFetcher } from "convex/react";

/** One state for UIs. */
export type AuthBridgeState = "authenticated" | "refreshing" | "degraded" | "signed_out" | "misconfigured";
export declare const STATES: readonly AuthBridgeState[];

/** What the bridge emits to `options.onEvent` / `subscribeAuthBridgeEvents` (README, "Events"). */
export type AuthBridgeEventType =
  | "state" | "fetch" | "fetch_result" | "refresh_attempt" | "refreshed" | "refresh_failed" | "retry_scheduled"
  | "served_cached" | "same_token" | "proactive_refresh" | "authkit_hung" | "authkit_recovered"
  | "token_rejected" | "misconfigured" | "signed_out" | "restarted" | "rearm" | "disposed" | "refresh_held"
  | "watchdog" | "reload" | "reload_waiting" | "reload_skipped";
export interface AuthBridgeEvent {
  type: AuthBridgeEventType;
  /** Milliseconds since the epoch (the broker's clock). */
  at: number;
  state: AuthBridgeState;
  [key: string]: unknown;
}

export interface AuthBridgeLogger {
  debug?(message: string, data?: unknown): void;
  info?(message: string, data?: unknown): void;
  warn?(message: string, data?: unknown): void;
  error?(message: string, data?: unknown): void;
}

/** All optional; the defaults need no configuration. Read once, when the provider mounts. Times in ms. */
export interface AuthBridgeOptions {
  /** First wait after a transient failure; doubles per failure. Default 1000. */
  backoffBaseMs?: number;
  /** Longest wait in a visible tab. Default 30000. */
  backoffCeilingMs?: number;
  /** Longest wait in a hidden tab. Default 300000. */
  hiddenBackoffCeilingMs?: number;
  /** Random fraction of each wait: 1 = full jitter ([0, wait]), 0.5 = [wait/2, wait]. Default 0.5. */
  jitter?: number;
  /** A Retry-After hint is honoured up to this long. Default 600000. */
  retryAfterMaxMs?: number;
  /** navigator.onLine false: wait for `online`, at most this long. Default 30000. */
  offlineMaxWaitMs?: number;
  /** A page signal retries at once, but not sooner than this after the last attempt. Default 1000. */
  signalMinGapMs?: number;
  /** An AuthKit call pending this long is reported as hung (event, console.warn). Default 15000. */
  hungAfterMs?: number;
  /** A token counts as expired this long before `exp`. Default 30000... */
  leewayMs?: number;
  /** ...but at most this fraction of its lifetime. Default 0.25. */
  leewayFraction?: number;
  /** authkit-js's refreshBufferInterval, in ms. Default 10000. */
  authkitBufferMs?: number;
  /** At most one refresh ahead of need per this long. Default 5000. */
  cooldownMs?: number;
  /** Once signed out, recheck AuthKit on a page signal at most this often. Default 60000. */
  signedOutRecheckMs?: number;
  /** Fresh tokens Convex may reject in a row before `misconfigured`. Default 3. */
  maxRejectedTokens?: number;
  /** A forced token request this soon (ms) after a fresh forced token counts as a rejection even while Convex still reads authenticated. */
  rejectBurstMs?: number;
  /** Watchdog tick. Default 500. */
  watchdogIntervalMs?: number;
  /** Re-arm Convex auth after it has been unauthenticated (with an AuthKit user) this long. Default 2000. */
  rearmAfterMs?: number;
  /** Restart a socket that has been "stopped" this long with no fetch pending. Default 3000. */
  stoppedSocketMs?: number;
  /** Fresh setAuth when the socket is open but never connected this long after setAuth. Default 1500. */
  neverConnectedMs?: number;
  /** Repeated re-arms back off ×2 up to this. Default 60000. */
  rearmMaxBackoffMs?: number;
  /** On a sign-out, call AuthKit's signOut({navigate:false}). Default true. */
  signOutAuthKit?: boolean;
  /** On a sign-out, reload the page once per page session (never while hidden). Default true. */
  reloadOnSignOut?: boolean;
  /**
   * While the bridge backs off after a transient failure, answer authkit-js's own refresh
   * requests (its 1 s loop, an app's getAccessToken) locally with the failure the network
   * gave instead of sending them to WorkOS. The bridge's own attempts pass. Default true.
   */
  holdAuthKitRefreshes?: boolean;
  logger?: AuthBridgeLogger | null;
  onEvent?: ((event: AuthBridgeEvent) => void) | null;
}
export declare const DEFAULT_OPTIONS: Readonly<Required<AuthBridgeOptions>>;

/** What the bridge needs from authkit-react's `useAuth()` (the stock provider needs the same). */
export interface AuthKitLike {
  isLoading: boolean;
  user: any | null;
  /** `null` (or no token) means signed out, as in the stock provider. */
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string | null>;
  signOut?(options?: { navigate?: boolean; returnTo?: string }): unknown;
}

/** Any Convex client with setAuth/clearAuth, e.g. ConvexReactClient (the stock provider's requirement). */
export interface ConvexClientLike {
  setAuth(fetchToken: AuthTokenFetcher): void;
  clearAuth(): void;
}

export interface ConvexProviderWithAuthKitProps {
  children?: ReactNode;
  client: ConvexClientLike;
  useAuth: () => AuthKitLike;
  options?: AuthBridgeOptions;
}

/** Drop-in replacement for `ConvexProviderWithAuthKit` from `@convex-dev/workos`. */
export declare function ConvexProviderWithAuthKit(props: ConvexProviderWithAuthKitProps): ReactElement;
export default ConvexProviderWithAuthKit;

/** The bridge state; re-renders on change. Outside a bridge, follows the most recently mounted one. */
export declare function useAuthBridgeState(): AuthBridgeState;
/** The bridge state outside React ("signed_out" before any bridge is mounted). */
export declare function getAuthBridgeState(): AuthBridgeState;
/** Subscribe to state changes outside React; returns an unsubscribe function. */
export declare function subscribeAuthBridgeState(listener: (state: AuthBridgeState) => void): () => void;
/** Subscribe to every bridge event; returns an unsubscribe function. */
export declare function subscribeAuthBridgeEvents(listener: (event: AuthBridgeEvent) => void): () => void;
/** Debug snapshot of the active bridge, or null. */
export declare function getAuthBridgeSnapshot(): AuthBridgeSnapshot | null;
/** sessionStorage key set when the bridge reloaded the tab after a sign-out. */
export declare const RELOAD_KEY: string;
/** globalThis key ("__AUTHBRIDGE_OPTIONS__"): page-wide default options under the `options` prop, read at mount. */
export declare const OPTIONS_GLOBAL: string;

export interface AuthBridgeCounters {
  /** getAccessToken calls the bridge made. */
  calls: number;
  /** ...of which with forceRefresh (each a refresh-token rotation unless AuthKit joined one in flight). */
  forcedCalls: number;
  /** Distinct tokens AuthKit handed the bridge. */
  tokensSeen: number;
  servedCached: number;
  sameToken: number;
  hung: number;
  /** Fresh tokens Convex rejected (in total). */
  rejectedTokens: number;
  rearms: number;
  /** authkit-js refresh requests the breaker answered locally while the bridge backed off. */
  heldRequests: number;
}
export interface AuthBridgeSnapshot {
  state: AuthBridgeState;
  phase: "idle" | "calling" | "stuck" | "backoff" | "signed_out" | "misconfigured" | "disposed";
  hasUser: boolean;
  userLoading: boolean;
  terminal: { reason: string } | null;
  pendingConvex: number;
  pendingForced: number;
  inFlight: boolean;
  stuck: boolean;
  attempt: number;
  retryAt: number | null;
  lastError: { reason: string; error: unknown; at: number } | null;
  lastSetAuthAt: number | null;
  expiresAt: number | null;
  tokenValid: boolean;
  convexAuthenticated: boolean | null;
  /** Fresh tokens Convex rejected in a row. */
  rejectedTokens: number;
  counters: AuthBridgeCounters;
}

// -- the policy core (policy.js), for tests and custom integrations ----------------------
export interface Classification { kind: "transient" | "terminal"; reason: string }
export declare function classifyError(err: unknown, opts?: { isLoginRequired?: (e: unknown) => boolean }): Classification;

export interface PageSource {
  isVisible(): boolean;
  isOnline(): boolean;
  /** Events: "online" | "visible" | "pageshow" | "resume" (signals), "hidden" | "offline". */
  subscribe(listener: (event: string) => void): () => void;
}
export interface TokenBrokerDeps {
  getAccessToken?: (options: { forceRefresh: boolean }) => Promise<string | null>;
  clock?: { now(): number };
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(id: unknown): void };
  page?: PageSource;
  random?: () => number;
  isLoginRequired?: (e: unknown) => boolean;
  console?: { warn(message: string): void; error(message: string): void };
  /** Attached from start() to dispose() unless options.holdAuthKitRefreshes is false. */
  breaker?: RefreshBreaker | null;
  options?: AuthBridgeOptions;
}
export interface TokenBroker {
  /** Convex's fetchAccessToken: never rejects; null only once signed out (or unmounted). */
  fetchToken(args?: { forceRefreshToken?: boolean }): Promise<string | null>;
  probe(): Promise<string | null>;
  onPageEvent(name: string): void;
  getState(): AuthBridgeState;
  subscribe(listener: (state: AuthBridgeState) => void): () => void;
  subscribeEvents(listener: (event: AuthBridgeEvent) => void): () => void;
  setGetAccessToken(fn: TokenBrokerDeps["getAccessToken"]): void;
  setUser(user: unknown, loading?: boolean): void;
  setConvexAuthenticated(value: boolean | null): void;
  rearmed(action?: string): void;
  signOut(reason?: string): void;
  report(type: string, data?: Record<string, unknown>): void;
  /** Attach page listeners; returns a release function (disposes one tick after the last release). */
  start(): () => void;
  dispose(): void;
  snapshot(): AuthBridgeSnapshot;
  readonly pendingConvex: number;
  readonly lastSetAuthAt: number | null;
  readonly disposed: boolean;
  readonly options: Required<AuthBridgeOptions>;
}
export declare function createTokenBroker(deps?: TokenBrokerDeps): TokenBroker;

// -- the refresh breaker (breaker.js) -------------------------------------------------------
/** What a refresh request's answer said: ok, a network TypeError, a status authkit-js keeps its session on, other. */
export type RefreshOutcome =
  | { kind: "ok" } | { kind: "other"; status?: number }
  | { kind: "network"; message: string }
  | { kind: "status"; status: number; statusText: string; retryAfter: string | null };
export interface RefreshBreakerView {
  mode(): "calling" | "backoff" | "idle";
  wire(outcome: RefreshOutcome): void;
  held(outcome: RefreshOutcome): void;
}
export interface RefreshBreaker {
  /** Wraps the global's fetch on the first attach; the last detach unwraps it (or leaves it inert). */
  attach(view: RefreshBreakerView): () => void;
  readonly attached: number;
  readonly stats: { held: number; passed: number; errors: number };
  lastOutcome(origin: string): RefreshOutcome | null;
}
/** The one breaker of `target` (default globalThis), created on first use. */
export declare function refreshBreaker(target?: { fetch: typeof fetch }): RefreshBreaker;

export type WatchdogAction = "none" | "rearm" | "restart-socket" | "fresh-setauth";
export interface WatchdogObservation {
  now: number;
  hasUser: boolean;
  signedOut: boolean;
  convexAuthenticated: boolean | null;
  convexFetchPending: boolean;
  socketState?: string | null;
  connected?: boolean | null;
  everConnected?: boolean | null;
  paused?: string | null;
  lastSetAuthAt?: number | null;
}
export declare function createWatchdog(options?: AuthBridgeOptions): {
  observe(obs: WatchdogObservation): WatchdogAction;
  reset(): void;
};
