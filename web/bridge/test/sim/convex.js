// Convex's real auth state machine (AuthenticationManager and LocalSyncState from
// the installed `convex` package, unmodified) wired to a small fake socket and
// server on the test clock, so the bridge sees Convex's real call pattern:
// unforced fetch on setAuth, forced right after the server confirms it, a
// scheduled forced refetch at exp − leeway, a forced fetch after an AuthError,
// and the give-up after MAX_TOKEN_CONFIRMATION_ATTEMPTS rejected fresh tokens.
// Call env.install() first: the manager schedules with the global setTimeout.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeClaims } from "../../tokens.js";

const require = createRequire(import.meta.url);
const sync = join(dirname(require.resolve("convex/package.json")), "dist/esm/browser/sync");
const { AuthenticationManager } = await import(pathToFileURL(join(sync, "authentication_manager.js")).href);
const { LocalSyncState } = await import(pathToFileURL(join(sync, "local_state.js")).href);

/**
 * fakeConvex(env, {accepts(token, now), latencyMs, leewaySeconds, activityMs, reconnectMs})
 * `accepts` is the server's auth config: whether it validates a token (issuer, expiry).
 * The server notices expiry lazily, when a query runs (every activityMs), as Convex does.
 */
export function fakeConvex(env, {
  accepts = (token, now) => { const c = decodeClaims(token); return !!c && c.exp * 1000 > now; },
  latencyMs = 30, leewaySeconds = 10, activityMs = 10_000, reconnectMs = 1_000,
} = {}) {
  const state = new LocalSyncState();
  let socket = "ready"; // ready | paused | stopped | connecting
  let conn = 1;
  let identity = null; // the token the server has confirmed on this connection
  let onChange = () => {};
  const log = { confirmed: [], rejected: [], authChanges: [], errors: [], fetches: [] };

  const logger = {
    log() {}, warn() {}, logVerbose() {},
    error(...args) { log.errors.push({ at: env.now, message: args.join(" ") }); },
  };

  function send(msg) {
    if (socket !== "ready") return; // "message not sent (socket state: …)"
    const c = conn;
    env.timers.setTimeout(() => {
      if (c !== conn || socket !== "ready") return;
      if (msg.tokenType !== "User") { identity = null; return; }
      if (accepts(msg.value, env.now)) {
        identity = msg.value;
        log.confirmed.push({ at: env.now, token: msg.value });
        manager.onTransition({ startVersion: { identity: msg.baseVersion }, endVersion: { identity: msg.baseVersion + 1 } });
      } else {
        log.rejected.push({ at: env.now, token: msg.value });
        manager.onAuthError({ type: "AuthError", error: "Could not validate token", baseVersion: msg.baseVersion, authUpdateAttempted: true });
        serverClose();
      }
    }, latencyMs);
  }
  function serverClose() {
    if (socket !== "ready") return;
    socket = "connecting";
    identity = null;
    conn += 1;
    env.timers.setTimeout(connect, reconnectMs);
  }
  function connect() {
    if (socket !== "connecting") return;
    socket = "ready";
    conn += 1;
    const [, auth] = state.restart();
    if (auth) send(auth);
  }
  // Queries run now and then; an expired identity fails them (AuthError, close).
  let activityTimer = null;
  function activity() {
    activityTimer = env.timers.setTimeout(() => {
      if (socket === "ready" && identity) {
        const c = decodeClaims(identity);
        if (c && c.exp * 1000 <= env.now) {
          manager.onAuthError({ type: "AuthError", error: "Convex token identity expired", baseVersion: state.identityVersion, authUpdateAttempted: false });
          serverClose();
        }
      }
      if (!stopped) activity();
    }, activityMs);
  }
  let stopped = false;

  const manager = new AuthenticationManager(state, {
    authenticate(token) { const m = state.setAuth(token); send(m); return m.baseVersion; },
    stopSocket: async () => { socket = "stopped"; identity = null; conn += 1; },
    tryRestartSocket() { if (socket === "stopped") { socket = "connecting"; connect(); } },
    pauseSocket() { if (socket === "ready") socket = "paused"; state.pause(); },
    resumeSocket() {
      if (socket !== "paused") return;
      socket = "ready";
      const [, auth] = state.resume();
      if (auth) send(auth);
    },
    clearAuth() { send(state.clearAuth()); },
  }, { logger, refreshTokenLeewaySeconds: leewaySeconds, initialAuthTokenReuse: false });
  activity();

  return {
    log,
    get socket() { return socket; },
    get authState() { return manager.authState.state; },
    /** Authenticated right now: the server holds a valid identity on an open socket. */
    get authenticated() { return socket === "ready" && identity !== null && accepts(identity, env.now); },
    /** BaseConvexClient.clearAuth: tell the server "no auth" (the manager keeps its state). */
    clearAuth() { send(state.clearAuth()); },
    /** BaseConvexClient.setAuth → AuthenticationManager.setConfig. */
    setAuth(fetchToken, onAuthChange = () => {}) {
      onChange = onAuthChange;
      const counted = async (args) => { log.fetches.push({ at: env.now, force: args.forceRefreshToken }); return fetchToken(args); };
      void manager.setConfig(counted, (v) => { log.authChanges.push({ at: env.now, value: v }); onChange(v); }, () => {});
    },
    stop() { stopped = true; env.timers.clearTimeout(activityTimer); manager.stop(); },
    /** Break the socket the way the throw-wedge leaves it (for the watchdog). */
    wedge() { socket = "stopped"; identity = null; conn += 1; },
    /** What index.js's watchdog reads (client.sync.webSocketManager, connectionState()). */
    reactClient() {
      const api = this;
      return {
        setAuth: (f, onAuthChange) => api.setAuth(f, onAuthChange),
        clearAuth: () => api.clearAuth(),
        sync: { webSocketManager: {
          socketState: () => (socket === "paused" ? "ready" : socket),
          tryRestart: () => { log.restarts = (log.restarts || 0) + 1; if (socket === "stopped") { socket = "connecting"; connect(); } },
          get socket() { return { paused: socket === "paused" ? "yes" : "no" }; },
        } },
        connectionState: () => ({ isWebSocketConnected: socket === "ready" || socket === "paused", hasEverConnected: true }),
      };
    },
  };
}
