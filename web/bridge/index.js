// Resilient drop-in for `ConvexProviderWithAuthKit` from `@convex-dev/workos`.
// Plain ESM, no JSX: usable without a build step. The policy lives in policy.js
// (machine.js and broker.js); this file wires it to React, the page and Convex.
import React, { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { ConvexProviderWithAuth, useConvexAuth } from "convex/react";
import { LoginRequiredError } from "@workos-inc/authkit-react";
import { classifyError, createTokenBroker, createWatchdog, DEFAULT_OPTIONS, refreshBreaker, STATES } from "./policy.js";

export { classifyError, createTokenBroker, createWatchdog, DEFAULT_OPTIONS, refreshBreaker, STATES };

const h = React.createElement;
const BridgeContext = createContext(null);
/** sessionStorage key: set when the bridge reloaded this tab after a sign-out. */
export const RELOAD_KEY = "authbridge:reloaded";
/** globalThis key: page-wide default options (under the `options` prop), read at mount. */
export const OPTIONS_GLOBAL = "__AUTHBRIDGE_OPTIONS__";
const isTerminal = (s) => s === "signed_out" || s === "misconfigured";

// -- outside React: the most recently mounted bridge ----------------------------------
const hub = { broker: null, listeners: new Set(), eventListeners: new Set() };
function setActive(broker) {
  hub.broker = broker;
  for (const fn of [...hub.listeners]) { try { fn(broker ? broker.getState() : "signed_out"); } catch { /* ignore */ } }
}
/** The current bridge state, outside React ("signed_out" before any bridge mounts). */
export function getAuthBridgeState() { return hub.broker ? hub.broker.getState() : "signed_out"; }
/** Subscribe to state changes outside React; returns an unsubscribe function. */
export function subscribeAuthBridgeState(listener) { hub.listeners.add(listener); return () => hub.listeners.delete(listener); }
/** Subscribe to the bridge's events (refresh attempts, failures, re-arms, sign-out…). */
export function subscribeAuthBridgeEvents(listener) { hub.eventListeners.add(listener); return () => hub.eventListeners.delete(listener); }
/** Debug view of the active bridge: state, phase, last error, counters (AuthKit calls, rotations…). */
export function getAuthBridgeSnapshot() { return hub.broker ? hub.broker.snapshot() : null; }

/** `authenticated | refreshing | degraded | signed_out | misconfigured`, re-rendering on change. */
export function useAuthBridgeState() {
  const broker = useContext(BridgeContext);
  const subscribe = useCallback((fn) => (broker ? broker.subscribe(fn) : subscribeAuthBridgeState(fn)), [broker]);
  const get = useCallback(() => (broker ? broker.getState() : getAuthBridgeState()), [broker]);
  return useSyncExternalStore(subscribe, get, () => "refreshing");
}

// -- the page: visibility, online, lifecycle events ---------------------------------------
function browserPage() {
  const hasDoc = typeof document !== "undefined";
  const hasWin = typeof window !== "undefined";
  return {
    isVisible: () => !hasDoc || document.visibilityState !== "hidden",
    isOnline: () => typeof navigator === "undefined" || navigator.onLine !== false,
    subscribe(listener) {
      const on = [
        [hasDoc && document, "visibilitychange", () => listener(document.visibilityState === "hidden" ? "hidden" : "visible")],
        [hasDoc && document, "resume", () => listener("resume")],
        [hasWin && window, "pageshow", () => listener("pageshow")],
        [hasWin && window, "online", () => listener("online")],
        [hasWin && window, "offline", () => listener("offline")],
      ].filter(([target]) => target);
      for (const [target, name, fn] of on) target.addEventListener(name, fn);
      return () => { for (const [target, name, fn] of on) target.removeEventListener(name, fn); };
    },
  };
}

const isLoginRequired = (e) => {
  try { return typeof LoginRequiredError === "function" && e instanceof LoginRequiredError; } catch { return false; }
};

// -- Convex client internals, all guarded ----------------------------------------------------
function socketView(client) {
  const out = { socketState: null, connected: null, everConnected: null, paused: null };
  try { out.socketState = client.sync.webSocketManager.socketState(); } catch { /* private API moved */ }
  try { out.paused = client.sync.webSocketManager.socket.paused ?? null; } catch { /* ignore */ }
  try {
    const cs = client.connectionState();
    out.connected = cs.isWebSocketConnected;
    out.everConnected = cs.hasEverConnected;
  } catch { /* ignore */ }
  return out;
}

/** Reload once per page session (sessionStorage), never while hidden: wait for visible. */
function reloadOnce(broker) {
  const isHidden = () => typeof document !== "undefined" && document.visibilityState === "hidden";
  let detach = null;
  const attempt = () => {
    if (broker.disposed || broker.getState() !== "signed_out") return; // signed in again meanwhile
    if (isHidden()) {
      if (detach) return;
      broker.report("reload_waiting", { reason: "hidden" });
      const onVisible = () => { if (!isHidden()) { detach(); detach = null; attempt(); } };
      document.addEventListener("visibilitychange", onVisible);
      detach = () => document.removeEventListener("visibilitychange", onVisible);
      return;
    }
    let already;
    try {
      already = sessionStorage.getItem(RELOAD_KEY) !== null;
      if (!already) sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
    } catch { already = null; }
    if (already !== false) {
      broker.report("reload_skipped", { reason: already ? "already reloaded in this page session" : "no sessionStorage" });
      return;
    }
    broker.report("reload", {});
    location.reload();
  };
  return { attempt, cancel: () => { if (detach) detach(); detach = null; } };
}

/** Page-wide defaults under the `options` prop (test harnesses, ops): globalThis.__AUTHBRIDGE_OPTIONS__. */
function pageDefaults() {
  try {
    const o = globalThis[OPTIONS_GLOBAL];
    return o && typeof o === "object" ? { ...o } : {};
  } catch { return {}; }
}

/**
 * Drop-in replacement for `ConvexProviderWithAuthKit` (`@convex-dev/workos`).
 * Props: `client` (ConvexReactClient or any client with setAuth/clearAuth), `useAuth`
 * (authkit-react's), `children`, optional `options` (read once, on mount; see README).
 */
export function ConvexProviderWithAuthKit({ children, client, useAuth, options }) {
  // No side effects here: StrictMode calls this initialiser twice and drops one broker
  // (refreshBreaker only finds or creates the page's breaker; fetch is wrapped in start()).
  const [broker] = useState(() => {
    const o = { ...pageDefaults(), ...options };
    return createTokenBroker({
      page: browserPage(),
      isLoginRequired,
      // Attached (fetch wrapped) from start() to dispose(), unless holdAuthKitRefreshes is false.
      breaker: typeof globalThis.fetch === "function" ? refreshBreaker(globalThis) : null,
      options: {
        ...o,
        onEvent: (event) => {
          for (const fn of [...hub.eventListeners]) { try { fn(event); } catch { /* ignore */ } }
          if (typeof o.onEvent === "function") { try { o.onEvent(event); } catch { /* ignore */ } }
        },
      },
    });
  });
  // The "identity" of fetchAccessToken: bumping the epoch makes ConvexProviderWithAuth
  // re-run setAuth (the documented way to push a new auth context).
  const [arm, setArm] = useState({ epoch: 0, nullFirst: false });
  const armRef = useRef(arm);
  armRef.current = arm;
  const signOutRef = useRef(null);

  // Lifecycle: start() attaches the page listeners; the release disposes the broker
  // one tick after a real unmount (StrictMode's unmount-then-mount keeps it).
  useEffect(() => {
    const release = broker.start();
    setActive(broker);
    const off = broker.subscribe((s) => { if (hub.broker === broker) for (const fn of [...hub.listeners]) { try { fn(s); } catch { /* ignore */ } } });
    return () => { off(); release(); if (hub.broker === broker) setActive(null); };
  }, [broker]);

  // Sign-out: make AuthKit agree (authkit-react never clears `user` itself): end its
  // session without navigating, then reload once so AuthKitProvider starts without a user.
  useEffect(() => {
    const reloader = reloadOnce(broker);
    const off = broker.subscribeEvents((event) => {
      if (event.type !== "signed_out") return;
      const o = broker.options;
      const finish = () => { if (o.reloadOnSignOut && typeof location !== "undefined") reloader.attempt(); };
      const signOut = signOutRef.current;
      if (o.signOutAuthKit && typeof signOut === "function") {
        // Rejects with NoSessionError when AuthKit already wiped its session: fine.
        Promise.resolve().then(() => signOut({ navigate: false })).catch(() => {}).finally(finish);
      } else finish();
    });
    return () => { off(); reloader.cancel(); };
  }, [broker]);

  const useAuthFromBridge = useMemo(() => function useAuthFromBridge() {
    const auth = useAuth();
    const { isLoading, user, getAccessToken } = auth;
    signOutRef.current = auth.signOut;
    broker.setGetAccessToken(getAccessToken);
    useEffect(() => { broker.setUser(user ?? null, !!isLoading); }, [user, isLoading]);
    const state = useSyncExternalStore(broker.subscribe, broker.getState, broker.getState);

    const { epoch, nullFirst } = armRef.current;
    const fetchAccessToken = useCallback(((served) => async (args) => {
      // A "fresh setAuth" (watchdog, wedged socket): the first unforced call returns
      // null so Convex goes initialRefetch → forced fetch → tryRestartSocket.
      if (nullFirst && !served.done && !(args && args.forceRefreshToken)) { served.done = true; return null; }
      return broker.fetchToken(args);
    })({ done: false }), [epoch, nullFirst]);

    const isAuthenticated = !!user && !isTerminal(state);
    return useMemo(() => ({ isLoading: !!isLoading, isAuthenticated, fetchAccessToken }),
      [isLoading, isAuthenticated, fetchAccessToken]);
  }, [useAuth, broker]);

  // The watchdog.
  useEffect(() => {
    const o = broker.options;
    const dog = createWatchdog(o);
    let busy = false;
    const id = setInterval(() => {
      if (busy || broker.disposed) return;
      const snap = broker.snapshot();
      const action = dog.observe({
        now: Date.now(), hasUser: snap.hasUser && !snap.userLoading, signedOut: isTerminal(snap.state),
        convexAuthenticated: snap.convexAuthenticated, convexFetchPending: broker.pendingConvex > 0,
        lastSetAuthAt: broker.lastSetAuthAt, ...socketView(client),
      });
      if (action === "none") return;
      broker.report("watchdog", { action });
      if (action === "restart-socket") {
        try { client.sync.webSocketManager.tryRestart(); } catch { /* private API moved */ }
        return;
      }
      // rearm / fresh-setauth: only when a token can be obtained.
      busy = true;
      broker.probe().then((tok) => {
        if (tok && !isTerminal(broker.getState()) && !broker.disposed) {
          broker.rearmed(action);
          setArm((a) => ({ epoch: a.epoch + 1, nullFirst: action === "fresh-setauth" }));
        }
      }).catch(() => {}).finally(() => { busy = false; });
    }, Math.max(100, o.watchdogIntervalMs));
    return () => clearInterval(id);
  }, [broker, client]);

  return h(BridgeContext.Provider, { value: broker },
    h(ConvexProviderWithAuth, { client, useAuth: useAuthFromBridge },
      h(ConvexAuthReporter, { broker }),
      children));
}

// Inside ConvexProviderWithAuth: tells the broker what Convex thinks.
function ConvexAuthReporter({ broker }) {
  const { isLoading, isAuthenticated } = useConvexAuth();
  useEffect(() => { broker.setConvexAuthenticated(isLoading ? null : isAuthenticated); }, [broker, isLoading, isAuthenticated]);
  return null;
}

export default ConvexProviderWithAuthKit;
