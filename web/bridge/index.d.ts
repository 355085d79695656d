// Type declarations for the resilient bridge (web/bridge/index.js).
import type { ReactElement, ReactNode } from "react";
import type { ConvexReactClient } from "convex/react";

/** One state for UIs. */
export type AuthBridgeState = "authenticated" | "refreshing" | "degraded" | "signed_out";
export declare const STATES: readonly AuthBridgeState[];

/** What the bridge emits to `options.onEvent` / `subscribeAuthBridgeEvents`. */
export interface AuthBridgeEvent {
  type:
    | "state" | "fetch" | "fetch_result" | "refresh_attempt" | "refreshed" | "refresh_failed"
    | "retry_scheduled" | "waiting" | "served_cached" | "reused_fresh" | "same_token"
    | "proactive_refresh" | "signed_out" | "watchdog";
  /** Milliseconds since the epoch (the broker's clock). */
  at: number;
  state: AuthBridgeState;
  [key: string]: unknown;
}

export interface AuthBridgeLogger {
  debug?(message: string, data?: unknown): void;
  info?(message: string, data?: unknown): void;
  warn?(message: string, data?: unknown): void;
}

/** All optional; the defaults need no configuration. Read once, when the provider mounts. */
export interface AuthBridgeOptions {
  /** Waits between retries of a transient failure, ms; the last one repeats. Default [250, 500, 1000, 2000, 4000, 8000, 15000]. */
  retryDelaysMs?: number[];
  /** Cap on the waits while Convex is blocked on a forced fetch, ms. Default 2000. */
  blockedRetryCapMs?: number;
  /** ± fraction of randomness added to each wait. Default 0.2. */
  jitter?: number;
  /** A token counts as expired this long before `exp`. Default 30000... */
  leewayMs?: number;
  /** ...but at most this fraction of its lifetime. Default 0.25. */
  leewayFraction?: number;
  /** A getAccessToken call that has not settled by then counts as a transient timeout. Default 15000. */
  attemptTimeoutMs?: number;
  /** Minimum time between refreshes the bridge starts itself (page events, watchdog); reuse window for a just-minted token. Default 5000. */
  cooldownMs?: number;
  /** Terminal errors in a row before signing out. Default 2. */
  terminalConfirmations?: number;
  /** Wait before the confirming attempt, ms. Default 1000. */
  terminalConfirmDelayMs?: number;
  /** Watchdog tick, ms. Default 500. */
  watchdogIntervalMs?: number;
  /** Re-arm Convex auth after it has been unauthenticated (with an AuthKit user) this long. Default 2000. */
  rearmAfterMs?: number;
  /** Restart a socket that has been "stopped" this long with no fetch pending. Default 3000. */
  stoppedSocketMs?: number;
  /** Fresh setAuth when the socket is open but never connected this long after setAuth. Default 1500. */
  neverConnectedMs?: number;
  /** On a confirmed sign-out, call AuthKit's signOut({navigate:false}). Default true. */
  signOutAuthKit?: boolean;
  /** On a confirmed sign-out, reload the page once so authkit-react's `user` is cleared. Default true. */
  reloadOnSignOut?: boolean;
  logger?: AuthBridgeLogger | null;
  onEvent?: ((event: AuthBridgeEvent) => void) | null;
}
export declare const DEFAULT_OPTIONS: Readonly<Required<AuthBridgeOptions>>;

/** The subset of authkit-react's `useAuth()` the bridge uses. */
export interface AuthKitLike {
  isLoading: boolean;
  user: unknown | null;
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>;
  signOut?(options?: { navigate?: boolean; returnTo?: string }): unknown;
}

export interface ConvexProviderWithAuthKitProps {
  children?: ReactNode;
  client: ConvexReactClient;
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
export declare function getAuthBridgeSnapshot(): Record<string, unknown> | null;

// -- the policy core (policy.js), for tests and custom integrations ----------------------
export interface Classification { kind: "transient" | "terminal"; reason: string }
export declare function classifyError(err: unknown, opts?: { isLoginRequired?: (e: unknown) => boolean }): Classification;

export interface PageSource {
  isVisible(): boolean;
  isOnline(): boolean;
  /** Events: "visible" | "resume" | "pageshow" | "online". */
  subscribe(listener: (event: string) => void): () => void;
}
export interface TokenBrokerDeps {
  getAccessToken?: (options: { forceRefresh: boolean }) => Promise<string>;
  clock?: { now(): number };
  timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(id: unknown): void };
  page?: PageSource;
  random?: () => number;
  isLoginRequired?: (e: unknown) => boolean;
  options?: AuthBridgeOptions;
}
export interface TokenBroker {
  /** Convex's fetchAccessToken: never rejects; null only once signed out. */
  fetchToken(args?: { forceRefreshToken?: boolean }): Promise<string | null>;
  probe(): Promise<string | null>;
  onPageEvent(name: string): void;
  getState(): AuthBridgeState;
  subscribe(listener: (state: AuthBridgeState) => void): () => void;
  subscribeEvents(listener: (event: AuthBridgeEvent) => void): () => void;
  setGetAccessToken(fn: TokenBrokerDeps["getAccessToken"]): void;
  setUser(hasUser: boolean, loading?: boolean): void;
  setConvexAuthenticated(value: boolean | null): void;
  signOut(reason?: string): void;
  snapshot(): Record<string, unknown>;
  readonly pendingConvex: number;
  readonly lastSetAuthAt: number | null;
  readonly options: Required<AuthBridgeOptions>;
  dispose(): void;
}
export declare function createTokenBroker(deps?: TokenBrokerDeps): TokenBroker;

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
