// Resilient drop-in for `ConvexProviderWithAuthKit` from `@convex-dev/workos`.
// Plain ESM, no JSX: usable without a build step. The policy lives in policy.js;
// this file wires it to React, the browser page and the Convex client.
import React, { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { ConvexProviderWithAuth, useConvexAuth } from "convex/react";
import { LoginRequiredError } from "@workos-inc/authkit-react";
import { classifyError, createTokenBroker, createWatchdog, DEFAULT_OPTIONS, STATES } from "./policy.js";

export { classifyError, createTokenBroker, createWatchdog, DEFAULT_OPTIONS, STATES };

const h = React.createElement;
const BridgeContext = createContext(null);
const RELOAD_KEY = "authbridge:reloaded-at";

// -- outside React: the most recently mounted bridge ----------------------------------
const hub = { broker: null, listeners: new Set(), eventListeners: new Set() };
function setActive(broker) {
  hub.broker = broker;
  for (const fn of hub.listeners) { try { fn(broker ? broker.getState() : "signed_out"); } catch { /* ignore */ } }
}
/** The current bridge state, outside React ("signed_out" before any bridge mounts). */
export function getAuthBridgeState() { return hub.broker ? hub.broker.getState() : "signed_out"; }
/** Subscribe to state changes outside React; returns an unsubscribe function. */
export function subscribeAuthBridgeState(listener) { hub.listeners.add(listener); return () => hub.listeners.delete(listener); }
/** Subscribe to the bridge's events (refresh attempts, failures, re-arms, sign-out…). */
export function subscribeAuthBridgeEvents(listener) { hub.eventListeners.add(listener); return () => hub.eventListeners.delete(listener); }
/** Debug view of the active bridge (state, last error, token validity, pending fetches). */
export function getAuthBridgeSnapshot() { return hub.broker ? hub.broker.snapshot() : null; }

/** `authenticated | refreshing | degraded | signed_out`, re-rendering on change. */
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
      const onVis = () => { if (document.visibilityState === "visible") listener("visible"); };
      const onResume = () => listener("resume");
      const onShow = () => listener("pageshow");
      const onOnline = () => listener("online");
      if (hasDoc) { document.addEventListener("visibilitychange", onVis); document.addEventListener("resume", onResume); }
      if (hasWin) { window.addEventListener("pageshow", onShow); window.addEventListener("online", onOnline); }
      return () => {
        if (hasDoc) { document.removeEventListener("visibilitychange", onVis); document.removeEventListener("resume", onResume); }
        if (hasWin) { window.removeEventListener("pageshow", onShow); window.removeEventListener("online", onOnline); }
      };
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

/**
 * Drop-in replacement for `ConvexProviderWithAuthKit` (`@convex-dev/workos`).
 * Props: `client` (ConvexReactClient), `useAuth` (authkit-react's), `children`,
 * optional `options` (read once, on mount; see DEFAULT_OPTIONS / README).
 */
export function ConvexProviderWithAuthKit({ children, client, useAuth, options }) {
  const [broker] = useState(() => createTokenBroker({
    // Page events are attached in an effect below (StrictMode-safe); only the probes here.
    page: { ...browserPage(), subscribe: () => () => {} },
    isLoginRequired,
    options: {
      ...options,
      onEvent: (event) => {
        for (const fn of hub.eventListeners) { try { fn(event); } catch { /* ignore */ } }
        if (options && options.onEvent) { try { options.onEvent(event); } catch { /* ignore */ } }
      },
    },
  }));
  // The "identity" of fetchAccessToken: bumping the epoch makes ConvexProviderWithAuth
  // re-run setAuth (the documented way to push a new auth context).
  const [arm, setArm] = useState({ epoch: 0, nullFirst: false });
  const armRef = useRef(arm);
  armRef.current = arm;
  const signOutRef = useRef(null);

  useEffect(() => {
    setActive(broker);
    const off = broker.subscribe((s) => { if (hub.broker === broker) for (const fn of hub.listeners) { try { fn(s); } catch { /* ignore */ } } });
    const detach = browserPage().subscribe((name) => broker.onPageEvent(name));
    return () => { off(); detach(); if (hub.broker === broker) setActive(null); };
  }, [broker]);

  // Rule 4: once signed out, make AuthKit agree (authkit-react never clears `user` itself):
  // wipe AuthKit's session (signOut without navigating), then reload once so the
  // AuthKitProvider starts without a user.
  useEffect(() => broker.subscribeEvents((event) => {
    if (event.type !== "signed_out") return;
    const o = broker.options;
    const finish = () => {
      if (!o.reloadOnSignOut || typeof location === "undefined") return;
      try {
        const last = Number(sessionStorage.getItem(RELOAD_KEY) || 0);
        if (Date.now() - last < 30_000) return; // at most one reload per 30 s
        sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
      } catch { /* no sessionStorage: reload anyway */ }
      location.reload();
    };
    const signOut = signOutRef.current;
    if (o.signOutAuthKit && typeof signOut === "function") {
      // Rejects with NoSessionError when AuthKit already wiped its session: fine.
      Promise.resolve().then(() => signOut({ navigate: false })).catch(() => {}).finally(finish);
    } else finish();
  }), [broker]);

  const useAuthFromBridge = useMemo(() => function useAuthFromBridge() {
    const auth = useAuth();
    const { isLoading, user, getAccessToken } = auth;
    signOutRef.current = auth.signOut;
    broker.setGetAccessToken(getAccessToken);
    broker.setUser(!!user, !!isLoading, { silent: true }); // no listener calls during render
    useEffect(() => { broker.setUser(!!user, !!isLoading); }, [user, isLoading]);
    const state = useSyncExternalStore(broker.subscribe, broker.getState, broker.getState);

    const { epoch, nullFirst } = armRef.current;
    const fetchAccessToken = useCallback(((served) => async (args) => {
      // A "fresh setAuth" (watchdog, wedged socket): the first unforced call returns
      // null so Convex goes initialRefetch → forced fetch → tryRestartSocket.
      if (nullFirst && !served.done && !(args && args.forceRefreshToken)) { served.done = true; return null; }
      return broker.fetchToken(args);
    })({ done: false }), [epoch, nullFirst]);

    const isAuthenticated = !!user && state !== "signed_out";
    return useMemo(() => ({ isLoading: !!isLoading, isAuthenticated, fetchAccessToken }),
      [isLoading, isAuthenticated, fetchAccessToken]);
  }, [useAuth, broker]);

  // Rule 6: the watchdog.
  useEffect(() => {
    const o = broker.options;
    const dog = createWatchdog(o);
    let busy = false;
    const id = setInterval(() => {
      if (busy) return;
      const snap = broker.snapshot();
      const action = dog.observe({
        now: Date.now(), hasUser: snap.hasUser && !snap.userLoading, signedOut: snap.state === "signed_out",
        convexAuthenticated: snap.convexAuthenticated, convexFetchPending: broker.pendingConvex > 0,
        lastSetAuthAt: broker.lastSetAuthAt, ...socketView(client),
      });
      if (action === "none") return;
      try { o.onEvent && o.onEvent({ type: "watchdog", action, at: Date.now(), state: broker.getState() }); } catch { /* ignore */ }
      if (action === "restart-socket") {
        try { client.sync.webSocketManager.tryRestart(); } catch { /* private API moved */ }
        return;
      }
      // rearm / fresh-setauth: only when a token can be obtained.
      busy = true;
      broker.probe().then((tok) => {
        if (tok && broker.getState() !== "signed_out") {
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
