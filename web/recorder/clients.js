// authtrace client wrappers: the app's one opt-in line.
//
//   const convex = new ConvexReactClient(url, traceConvexOptions({ ... }));
//   <ConvexProviderWithAuthKit client={convex} useAuth={traceUseAuth(useAuth)}>
//
// They observe the AuthKit token calls and the Convex client's auth state and
// hand what they see to the boot shim (web/recorder/boot.js). Without the
// shim on the page they change nothing: same functions, same results.
import { useEffect } from "react";
import { ConvexReactClient } from "convex/react";

const at = () => globalThis.__authtrace;
const emit = (kind, type, payload) => {
  const shim = at();
  if (!shim || !shim.emit) return;
  try { shim.emit(kind, type, payload); } catch (_) { /* fail open */ }
};
const pageState = () => ({ visibility: document.visibilityState, online: navigator.onLine });

let calls = 0;
const tracedGetters = new WeakMap();

function traceGetAccessToken(getAccessToken) {
  if (typeof getAccessToken !== "function") return getAccessToken;
  let traced = tracedGetters.get(getAccessToken);
  if (traced) return traced;
  traced = async function getAccessTokenTraced(options) {
    const call = ++calls;
    const forceRefresh = !!(options && options.forceRefresh);
    const start = performance.now();
    emit("authkit", "getAccessToken-start", { call, forceRefresh, page: pageState() });
    let token;
    try {
      token = await getAccessToken.apply(this, arguments);
    } catch (err) {
      emit("authkit", "getAccessToken", { call, forceRefresh, outcome: "error", name: err && err.name,
        message: err && err.message !== undefined ? String(err.message) : String(err),
        errorClass: err && err.constructor && err.constructor.name, isTransient: err && err.isTransient,
        status: err && err.status, error: err && err.error,
        durationMs: performance.now() - start, page: pageState() });
      throw err;
    }
    emit("authkit", "getAccessToken", { call, forceRefresh, outcome: token ? "token" : "null", token: token || null,
      durationMs: performance.now() - start, page: pageState() });
    return token;
  };
  tracedGetters.set(getAccessToken, traced);
  return traced;
}

const tracedHooks = new WeakMap();

/** Wrap AuthKit's `useAuth` before passing it to the Convex provider. */
export function traceUseAuth(useAuth) {
  let hook = tracedHooks.get(useAuth);
  if (hook) return hook; // stable identity: the provider memoises on it
  hook = function useAuthTraced() {
    const result = useAuth();
    const userId = result && result.user ? result.user.id : null;
    const loading = !!(result && result.isLoading);
    useEffect(() => {
      emit("authkit", "user", { present: !!userId, userId, isLoading: loading, page: pageState() });
    }, [userId, loading]);
    if (!result || typeof result.getAccessToken !== "function") return result;
    return { ...result, getAccessToken: traceGetAccessToken(result.getAccessToken) };
  };
  tracedHooks.set(useAuth, hook);
  return hook;
}

function render(args) {
  return args.map((a) => {
    if (typeof a === "string") return a;
    if (a instanceof Error) return `${a.name}: ${a.message}`;
    try { return JSON.stringify(a); } catch (_) { return String(a); }
  }).join(" ").slice(0, 2000);
}

function recordingLogger(inner, verbose) {
  const forward = (method, consoleMethod) => (...args) => {
    emit("convex", "log", { level: method, message: render(args) });
    if (inner && typeof inner[method] === "function") return inner[method](...args);
    if (method === "logVerbose" && !verbose) return undefined;
    return console[consoleMethod](...args);
  };
  return {
    log: forward("log", "log"),
    warn: forward("warn", "warn"),
    error: forward("error", "error"),
    logVerbose: forward("logVerbose", "debug"),
  };
}

// What Convex itself asked the adapter for, and got: the adapter's answer is
// what decides between a refresh, a sign-out (null) and a wedge (a throw).
let fetches = 0;
function traceFetchToken(fetchToken) {
  if (typeof fetchToken !== "function") return fetchToken;
  return async function fetchTokenTraced(args) {
    const call = ++fetches;
    const force = !!(args && args.forceRefreshToken);
    const start = performance.now();
    emit("convex", "fetchToken-start", { call, forceRefreshToken: force, page: pageState() });
    // Readable by tools: Convex is waiting for a token (a stopped socket is not wedged then).
    globalThis.__authtraceFetchesInFlight = (globalThis.__authtraceFetchesInFlight || 0) + 1;
    let token;
    try {
      token = await fetchToken(args);
    } catch (err) {
      globalThis.__authtraceFetchesInFlight -= 1;
      emit("convex", "fetchToken", { call, forceRefreshToken: force, outcome: "throw", name: err && err.name,
        message: err && err.message !== undefined ? String(err.message) : String(err),
        durationMs: performance.now() - start, page: pageState() });
      throw err;
    }
    globalThis.__authtraceFetchesInFlight -= 1;
    emit("convex", "fetchToken", { call, forceRefreshToken: force, outcome: token ? "token" : "null",
      token: token || null, durationMs: performance.now() - start, page: pageState() });
    return token;
  };
}

let patched = false;
function watchClient(client) {
  if (client.__authtraceWatched) return;
  client.__authtraceWatched = true;
  let last = "";
  const sample = () => {
    let socket = null, paused = null, auth = null, conn = null;
    try { conn = client.connectionState(); } catch (_) { /* not constructed yet */ }
    try {
      socket = client.sync.webSocketManager.socketState();
      paused = client.sync.webSocketManager.socket.paused ?? null;
    } catch (_) { /* internal API moved */ }
    try { auth = client.sync.authenticationManager.authState.state; } catch (_) { /* internal API moved */ }
    const state = { socket, paused, auth, isWebSocketConnected: conn && conn.isWebSocketConnected,
      hasEverConnected: conn && conn.hasEverConnected, connectionCount: conn && conn.connectionCount,
      connectionRetries: conn && conn.connectionRetries, inflightMutations: conn && conn.inflightMutations };
    const key = JSON.stringify(state);
    if (key !== last) { last = key; emit("convex", "state", state); }
  };
  try { client.subscribeToConnectionState(() => { try { sample(); } catch (_) { /* fail open */ } }); } catch (_) { /* older client */ }
  setInterval(() => { try { sample(); } catch (_) { /* fail open */ } }, 500);
}

function patchSetAuth() {
  if (patched) return;
  patched = true;
  const original = ConvexReactClient.prototype.setAuth;
  ConvexReactClient.prototype.setAuth = function setAuth(fetchToken, onChange, onRefreshChange) {
    try { watchClient(this); emit("convex", "setAuth", {}); } catch (_) { /* fail open */ }
    const changed = onChange && ((isAuthenticated) => {
      emit("convex", "auth-change", { isAuthenticated, page: pageState() });
      return onChange(isAuthenticated);
    });
    const refreshing = onRefreshChange && ((isRefreshing) => {
      emit("convex", "refresh-change", { isRefreshing, page: pageState() });
      return onRefreshChange(isRefreshing);
    });
    return original.call(this, traceFetchToken(fetchToken), changed || onChange, refreshing || onRefreshChange);
  };
}

/** Wrap the options you pass to `new ConvexReactClient(url, options)`. */
export function traceConvexOptions(options = {}) {
  if (!at()) return options;
  patchSetAuth();
  const inner = options.logger && options.logger !== true ? options.logger : null;
  if (options.logger === false) return options; // the app silenced Convex; respect it
  return { ...options, logger: recordingLogger(inner, !!options.verbose) };
}
