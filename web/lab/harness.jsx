// What the lab exposes to the scenario driver beyond the app itself (all on globalThis):
//   __labProvider  {unmount(), mount(), generation}: unmount the Convex provider (AuthKit
//                  stays) and mount a fresh one, like a route change or HMR would.
//   __labAuthkitCalls {total, afterUnmount}: getAccessToken calls the adapter made, and how
//                  many of them went through a provider that had already unmounted.
//   __labBridge    {state(), snapshot(), events}: the resilient bridge's own view, read
//                  through its public exports (the driver never trusts it for the targets).
//   __labConvexLog {error}: console.error lines that came from the Convex client's logger,
//                  so the driver can tell the bridge's console errors from Convex's.
import { useEffect, useMemo, useState } from "react";
import { getAuthBridgeSnapshot, getAuthBridgeState, subscribeAuthBridgeEvents } from "../bridge/index.js";

// -- the resilient bridge, read-only ------------------------------------------------------
const bridgeEvents = {};
subscribeAuthBridgeEvents((event) => {
  const type = (event && event.type) || "?";
  bridgeEvents[type] = (bridgeEvents[type] || 0) + 1;
});
globalThis.__labBridge = {
  state: () => { try { return getAuthBridgeState(); } catch { return null; } },
  snapshot: () => { try { return getAuthBridgeSnapshot(); } catch { return null; } },
  events: bridgeEvents,
};

// -- the Convex client's logger: same output, but its errors are counted ------------------------
const convexLog = (globalThis.__labConvexLog = { error: 0 });
export function labConvexLogger(verbose) {
  return {
    log: (...args) => console.log(...args),
    warn: (...args) => console.warn(...args),
    error: (...args) => {
      convexLog.error += 1;
      globalThis.__labConvexLogging = true; // the harness's console counter reads this flag
      try { console.error(...args); } finally { globalThis.__labConvexLogging = false; }
    },
    logVerbose: (...args) => { if (verbose) console.debug(...args); },
  };
}

// -- AuthKit calls per provider generation -----------------------------------------------------
const calls = (globalThis.__labAuthkitCalls = { total: 0, afterUnmount: 0 });
const unmounted = new Set();

/** `useAuth` for one provider generation: the same hook, with getAccessToken counted. */
function useAuthFor(useAuth, generation) {
  const wrappers = new WeakMap(); // stable identity per AuthKit getter (adapters memoise on it)
  return function useAuthOfGeneration() {
    const auth = useAuth();
    if (!auth || typeof auth.getAccessToken !== "function") return auth;
    let counted = wrappers.get(auth.getAccessToken);
    if (!counted) {
      const real = auth.getAccessToken;
      counted = function getAccessTokenCounted(...args) {
        calls.total += 1;
        if (unmounted.has(generation)) calls.afterUnmount += 1;
        return real.apply(this, args);
      };
      wrappers.set(real, counted);
    }
    return { ...auth, getAccessToken: counted };
  };
}

/** The Convex provider, unmountable from the driver; `children` render inside it. */
export function ProviderSlot({ Provider, client, useAuth, wrap, children, whileUnmounted }) {
  const [generation, setGeneration] = useState(1);
  const [mounted, setMounted] = useState(true);
  const useAuthGen = useMemo(() => wrap(useAuthFor(useAuth, generation)), [useAuth, wrap, generation]);
  useEffect(() => {
    globalThis.__labProvider = {
      generation,
      mounted,
      unmount: () => setMounted(false),
      mount: () => { setGeneration((g) => g + 1); setMounted(true); },
    };
  }, [generation, mounted]);
  // Runs when this generation's provider goes away (unmount, or a remount replacing it).
  useEffect(() => (mounted ? () => { unmounted.add(generation); } : undefined), [generation, mounted]);
  if (!mounted) return whileUnmounted;
  return <Provider key={generation} client={client} useAuth={useAuthGen}>{children}</Provider>;
}

/** While the provider is unmounted: AuthKit's user is still known, Convex is not there. */
export function Unmounted({ useAuth }) {
  const { user } = useAuth();
  useEffect(() => {
    globalThis.__labState = { authkitUser: !!user, convexAuthenticated: null, convexLoading: null, mounted: false,
      whoami: null, messages: null };
  });
  return <p id="unmounted">The Convex provider is unmounted.</p>;
}
