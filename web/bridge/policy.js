// The resilient bridge's policy core: a token broker between Convex's
// `fetchAccessToken({forceRefreshToken})` and AuthKit's `getAccessToken({forceRefresh})`,
// plus the watchdog's decisions. No React, no DOM: the clock, timers, page state
// (visible / online and its events), randomness and getAccessToken are injected,
// so everything here runs under a fake clock in `node --test`.
//
// Rules (see README.md for the reasoning and sources):
//  1. forceRefreshToken → forceRefresh; never the token Convex already holds on a forced request.
//  2. Never throw to Convex; never null for a transient failure.
//  3. Transient → cached token while valid; else wait for visible+online, retry on a
//     jittered ladder; one refresh in flight; cooldown against storms.
//  4. Terminal, confirmed by a second attempt → signed_out, null to Convex, `signed_out` event.
//  5. Page events (visible, resume, pageshow, online) → refresh ahead of need.
//  6. Watchdog: re-arm Convex auth / restart a wedged socket (decisions here, actions in index.js).
//  7. One state: authenticated | refreshing | degraded | signed_out.

export const STATES = Object.freeze(["authenticated", "refreshing", "degraded", "signed_out"]);

export const DEFAULT_OPTIONS = Object.freeze({
  // Waits between retries of a transient failure (ms); the last rung repeats.
  retryDelaysMs: [250, 500, 1000, 2000, 4000, 8000, 15000],
  // While Convex is blocked on a forced fetch (its socket stopped or its refetch
  // pending, nothing to serve), waits are capped here so it reconnects within about
  // this long of AuthKit recovering. Background retries use the full ladder.
  blockedRetryCapMs: 2_000,
  // ± fraction of randomness on each wait, so tabs do not retry in lockstep.
  jitter: 0.2,
  // A token is treated as expired this long before its expiry...
  leewayMs: 30_000,
  // ...but never more than this fraction of its lifetime (short-lived tokens).
  leewayFraction: 0.25,
  // One getAccessToken attempt that has not settled after this long counts as a
  // transient timeout (AuthKit's fetch has no timeout of its own).
  attemptTimeoutMs: 15_000,
  // Minimum time between two refreshes the bridge starts on its own (page events,
  // watchdog), and the window in which a forced request reuses the token the bridge
  // has just minted instead of minting another.
  cooldownMs: 5_000,
  // Terminal errors in a row (attempts) before signing out; the wait between them.
  terminalConfirmations: 2,
  terminalConfirmDelayMs: 1_000,
  // Watchdog thresholds (ms).
  watchdogIntervalMs: 500,
  rearmAfterMs: 2_000,
  stoppedSocketMs: 3_000,
  neverConnectedMs: 1_500,
  // On a confirmed sign-out: call AuthKit's signOut({navigate:false}) and reload the
  // page once so authkit-react's `user` is cleared too (see README, rule 4).
  signOutAuthKit: true,
  reloadOnSignOut: true,
  // logger: {debug, info, warn} (default: silent); onEvent: (event) => void.
  logger: null,
  onEvent: null,
});

// ---------------------------------------------------------------------------------
// Classification

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const isRetryableStatus = (s) => RETRYABLE_STATUS.has(s) || (s >= 520 && s <= 530) || (s >= 500 && s < 600);

const NETWORK_MESSAGE = new RegExp([
  "failed to fetch", // Chromium (and Sentry's "Failed to fetch (host)")
  "networkerror when attempting to fetch", // Firefox
  "load failed", // Safari 17+
  "network request failed", // polyfills
  "fetch failed", "terminated", // undici / Node
  "network connection (was )?lost", "internet connection appears to be offline", // Safari ≤16, Workers
  "error sending request", "network ?error", "err_network", "err_internet_disconnected",
].join("|"), "i");

const TERMINAL_MESSAGE = /no access token available|invalid_grant|missing refresh token|refresh token (has been|already) (revoked|exchanged|used)|session (has )?(expired|ended)/i;

/**
 * classifyError(err, {isLoginRequired}) → {kind: "transient"|"terminal", reason}
 * Unknown errors are transient: a wrong "transient" costs a retry, a wrong
 * "terminal" costs the user's session.
 */
export function classifyError(err, { isLoginRequired } = {}) {
  if (err == null || typeof err !== "object") return { kind: "transient", reason: "unknown" };
  const name = String(err.name || "");
  const message = String(err.message || "");
  const ctor = (err.constructor && err.constructor.name) || "";
  let login = false;
  try { login = !!(isLoginRequired && isLoginRequired(err)); } catch { /* ignore */ }
  // LoginRequiredError keeps name "Error"; match the class, its constructor name or its message.
  if (login || ctor === "LoginRequiredError" || message === "No access token available") {
    return { kind: "terminal", reason: "login_required" };
  }
  if (name === "RefreshTimeoutError" || ctor === "RefreshTimeoutError") return { kind: "transient", reason: "refresh_timeout" };
  if (name === "AbortError" || name === "TimeoutError") return { kind: "transient", reason: "timeout" };
  if (name === "RefreshError" || ctor === "RefreshError" || typeof err.isTransient === "boolean") {
    if (err.isTransient) return { kind: "transient", reason: `refresh_error_${err.status ?? "transient"}` };
    if (typeof err.status === "number" && isRetryableStatus(err.status)) return { kind: "transient", reason: `http_${err.status}` };
    return { kind: "terminal", reason: err.error || (typeof err.status === "number" ? `http_${err.status}` : "refresh_error") };
  }
  if (typeof err.status === "number") {
    if (isRetryableStatus(err.status)) return { kind: "transient", reason: `http_${err.status}` };
    if (err.status === 400 || err.status === 401) {
      if (TERMINAL_MESSAGE.test(`${err.error || ""} ${message}`)) return { kind: "terminal", reason: err.error || `http_${err.status}` };
    }
  }
  if (name === "TypeError" || ctor === "TypeError") {
    return { kind: "transient", reason: NETWORK_MESSAGE.test(message) ? "network" : "type_error" };
  }
  if (name === "SyntaxError" || ctor === "SyntaxError") return { kind: "transient", reason: "bad_body" };
  if (NETWORK_MESSAGE.test(message)) return { kind: "transient", reason: "network" };
  if (TERMINAL_MESSAGE.test(message) && !/timeout|timed out/i.test(message)) return { kind: "terminal", reason: "message" };
  return { kind: "transient", reason: "unknown" };
}

// ---------------------------------------------------------------------------------
// Tokens

function b64urlDecode(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  if (typeof atob === "function") {
    const bin = atob(b64);
    try {
      return decodeURIComponent(Array.from(bin, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    } catch { return bin; }
  }
  return Buffer.from(b64, "base64").toString("utf8");
}

/** The JWT's payload claims, or null. Never throws. */
export function decodeClaims(token) {
  try {
    const part = String(token).split(".")[1];
    if (!part) return null;
    const claims = JSON.parse(b64urlDecode(part));
    return claims && typeof claims === "object" ? claims : null;
  } catch { return null; }
}

/**
 * When a token stops being usable, in ms on the injected clock: the earlier of
 * its `exp` and (receipt + lifetime) — the latter is what authkit-js itself uses,
 * and it survives a client clock that runs behind. null if it has no `exp`.
 */
export function tokenExpiry(token, receivedAt) {
  const c = decodeClaims(token);
  if (!c || typeof c.exp !== "number") return null;
  let at = c.exp * 1000;
  if (typeof c.iat === "number" && c.exp > c.iat && typeof receivedAt === "number") {
    at = Math.min(at, receivedAt + (c.exp - c.iat) * 1000);
  }
  return { expiresAt: at, lifetimeMs: typeof c.iat === "number" ? (c.exp - c.iat) * 1000 : null };
}

// ---------------------------------------------------------------------------------
// The broker

const realClock = { now: () => Date.now() };
const realTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
const alwaysActivePage = { isVisible: () => true, isOnline: () => true, subscribe: () => () => {} };

/**
 * createTokenBroker({getAccessToken, clock, timers, page, random, isLoginRequired, options})
 *
 * - getAccessToken({forceRefresh}) → Promise<string>   (AuthKit's; may be swapped with setGetAccessToken)
 * - clock {now()}; timers {setTimeout, clearTimeout}; random() in [0,1)
 * - page {isVisible(), isOnline(), subscribe(listener(eventName)) → unsubscribe}; events:
 *   "visible", "resume", "pageshow", "online" (others are ignored)
 */
export function createTokenBroker(deps = {}) {
  const opts = { ...DEFAULT_OPTIONS, ...(deps.options || {}) };
  const clock = deps.clock || realClock;
  const timers = deps.timers || realTimers;
  const page = deps.page || alwaysActivePage;
  const random = deps.random || Math.random;
  const isLoginRequired = deps.isLoginRequired;
  let getAccessToken = deps.getAccessToken || (() => Promise.reject(new Error("No access token available")));
  const logger = opts.logger || null;

  // token state
  let current = null; // {token, receivedAt, expiresAt, lifetimeMs, forced}
  let lastGiven = null; // the token string Convex was last handed
  let lastRefreshAt = -Infinity; // last successful refresh the bridge performed
  let lastProactiveAt = -Infinity;
  let flight = null; // the single in-flight acquisition
  let pendingConvex = 0;
  let pendingForced = 0; // Convex fetches with forceRefreshToken in progress
  let lastSetAuthAt = null;
  // public state
  // AuthKit's view is unknown until the React layer reports it: treat as loading.
  let hasUser = false;
  let userLoading = true;
  let terminal = null; // {reason, error} once signed out
  let base = "refreshing"; // authenticated | refreshing | degraded
  let convexAuthenticated = null; // as reported by the React layer
  let lastError = null;
  let disposed = false;
  const listeners = new Set();
  const eventListeners = new Set();
  const wakers = new Set(); // resolve functions of sleeps/waits to wake on page events

  function log(level, msg, data) {
    try { logger && logger[level] && logger[level](`[authbridge] ${msg}`, data ?? ""); } catch { /* ignore */ }
  }
  function emit(type, data = {}) {
    const event = { type, at: clock.now(), state: getState(), ...data };
    log(type === "refresh_failed" || type === "signed_out" ? "warn" : "debug", type, data);
    try { opts.onEvent && opts.onEvent(event); } catch { /* ignore */ }
    for (const fn of eventListeners) { try { fn(event); } catch { /* ignore */ } }
  }

  function getState() {
    if (terminal || (!hasUser && !userLoading)) return "signed_out";
    if (userLoading) return "refreshing";
    if (base === "authenticated" && convexAuthenticated === false) return "refreshing";
    return base;
  }
  let lastNotified = null;
  function notify() {
    const s = getState();
    if (s === lastNotified) return;
    const prev = lastNotified;
    lastNotified = s;
    emit("state", { from: prev, to: s });
    for (const fn of listeners) { try { fn(s); } catch { /* ignore */ } }
  }
  function setBase(s) { base = s; notify(); }

  // -- time helpers ------------------------------------------------------------
  function leewayFor(entry) {
    const frac = entry.lifetimeMs ? entry.lifetimeMs * opts.leewayFraction : Infinity;
    return Math.min(opts.leewayMs, frac);
  }
  function isValid(entry, now = clock.now()) {
    if (!entry) return false;
    if (entry.expiresAt == null) return true; // no exp claim: cannot tell, trust it
    return now < entry.expiresAt - leewayFor(entry);
  }
  function sleep(ms, { wakeOnPage = false } = {}) {
    return new Promise((resolve) => {
      let id = null;
      const done = () => { if (id !== null) timers.clearTimeout(id); wakers.delete(waker); resolve(); };
      const waker = wakeOnPage ? done : null;
      if (waker) wakers.add(waker);
      id = timers.setTimeout(done, Math.max(0, ms));
    });
  }
  function pageActive() {
    try { return page.isVisible() !== false && page.isOnline() !== false; } catch { return true; }
  }
  async function waitActive() {
    while (!pageActive() && !disposed && !terminal) {
      emit("waiting", { visible: safe(() => page.isVisible()), online: safe(() => page.isOnline()) });
      await new Promise((resolve) => { const w = () => { wakers.delete(w); resolve(); }; wakers.add(w); });
    }
  }
  const safe = (fn) => { try { return fn(); } catch { return undefined; } };
  function withTimeout(promise, ms) {
    return new Promise((resolve, reject) => {
      const id = timers.setTimeout(() => {
        const e = new Error(`getAccessToken did not settle within ${ms} ms`);
        e.name = "TimeoutError";
        reject(e);
      }, ms);
      promise.then((v) => { timers.clearTimeout(id); resolve(v); }, (e) => { timers.clearTimeout(id); reject(e); });
    });
  }
  function delayFor(attempt) {
    const ladder = opts.retryDelaysMs && opts.retryDelaysMs.length ? opts.retryDelaysMs : [1000];
    let d = ladder[Math.min(attempt, ladder.length - 1)];
    if (pendingForced > 0 && opts.blockedRetryCapMs > 0) d = Math.min(d, opts.blockedRetryCapMs);
    const j = opts.jitter ? d * opts.jitter * (2 * random() - 1) : 0;
    return Math.max(0, Math.round(d + j));
  }

  function record(token, forced) {
    const now = clock.now();
    const exp = tokenExpiry(token, now);
    const changed = !current || current.token !== token;
    current = { token, receivedAt: now, expiresAt: exp ? exp.expiresAt : null, lifetimeMs: exp ? exp.lifetimeMs : null, forced };
    if (forced && changed) lastRefreshAt = now;
    lastError = null;
    return changed;
  }

  function signOut(reason, error) {
    if (terminal) return;
    terminal = { reason, error };
    current = null;
    notify();
    emit("signed_out", { reason, error: describe(error) });
  }

  // -- the single flight ---------------------------------------------------------
  // Runs attempts until a token or a confirmed terminal failure. Resolves to a
  // token string or null (signed out / disposed); never rejects.
  function startFlight(force) {
    const f = { force, promise: null, transientSeen: false, onTransient: new Set() };
    f.promise = (async () => {
      let attempt = 0;
      let terminalCount = 0;
      // Routine rotations while a usable token exists stay "authenticated".
      if (base !== "degraded" && !isValid(current)) setBase("refreshing");
      for (;;) {
        if (disposed || terminal) return null;
        if (attempt > 0) await waitActive();
        if (disposed || terminal) return null;
        let token = null;
        let error = null;
        const forceNow = f.force;
        emit("refresh_attempt", { attempt, force: forceNow });
        try {
          token = await withTimeout(Promise.resolve().then(() => getAccessToken({ forceRefresh: forceNow })), opts.attemptTimeoutMs);
        } catch (e) { error = e; }
        if (disposed || terminal) return null;
        if (!error && typeof token === "string" && token) {
          const changed = record(token, forceNow);
          setBase("authenticated");
          emit("refreshed", { attempt, force: forceNow, changed });
          return token;
        }
        if (!error) error = new Error("getAccessToken returned no token");
        const c = classifyError(error, { isLoginRequired });
        lastError = { ...c, error: describe(error), at: clock.now() };
        emit("refresh_failed", { attempt, force: forceNow, kind: c.kind, reason: c.reason, error: describe(error) });
        if (c.kind === "terminal") {
          terminalCount += 1;
          if (terminalCount >= Math.max(1, opts.terminalConfirmations)) {
            signOut(c.reason, error);
            return null;
          }
          f.force = true; // the confirmation asks AuthKit for a real refresh
          attempt += 1;
          await sleep(opts.terminalConfirmDelayMs);
          continue;
        }
        terminalCount = 0;
        f.transientSeen = true;
        for (const fn of f.onTransient) { try { fn(); } catch { /* ignore */ } }
        setBase("degraded");
        const d = delayFor(attempt);
        attempt += 1;
        emit("retry_scheduled", { attempt, delayMs: d });
        await new Promise((resolve) => {
          const wake = () => { timers.clearTimeout(f.timer); wakers.delete(wake); f.shorten = null; resolve(); };
          wakers.add(wake);
          f.sleepUntil = clock.now() + d;
          f.timer = timers.setTimeout(wake, d);
          // A forced Convex fetch joining mid-sleep: cut the wait to the blocked cap.
          f.shorten = (maxMs) => {
            if (f.sleepUntil - clock.now() <= maxMs) return;
            timers.clearTimeout(f.timer);
            f.sleepUntil = clock.now() + maxMs;
            f.timer = timers.setTimeout(wake, maxMs);
          };
        });
      }
    })().catch((e) => { log("warn", "flight crashed", e); return null; })
      .finally(() => { if (flight === f) flight = null; });
    return f;
  }
  function join(force) {
    if (flight) {
      if (force) {
        flight.force = true; // later attempts of the shared flight go forced
        if (flight.shorten && opts.blockedRetryCapMs > 0) flight.shorten(opts.blockedRetryCapMs);
      }
      return flight;
    }
    flight = startFlight(force);
    return flight;
  }

  /** Resolve with the flight's token, or with the cached token on its first transient failure if still valid. */
  function tokenOrCached(f, allowCached) {
    if (!allowCached) return f.promise;
    return new Promise((resolve) => {
      let settled = false;
      const fin = (v) => { if (!settled) { settled = true; f.onTransient.delete(onT); resolve(v); } };
      const onT = () => { if (isValid(current)) { emit("served_cached", {}); fin(current.token); } };
      f.onTransient.add(onT);
      if (f.transientSeen) onT();
      f.promise.then(fin);
    });
  }

  // -- what Convex calls -----------------------------------------------------------
  async function obtain(force) {
    if (terminal) return null;
    if (!force) {
      lastSetAuthAt = clock.now();
      // Unforced: AuthKit's own view first (it refreshes if inside its buffer);
      // on a transient failure the cached token is served while still valid.
      const f = join(false);
      return tokenOrCached(f, true);
    }
    const avoid = lastGiven;
    // The bridge minted a token moments ago that Convex does not have yet: use it.
    if (current && current.token !== avoid && current.forced && isValid(current)
      && clock.now() - lastRefreshAt <= opts.cooldownMs) {
      emit("reused_fresh", {});
      return current.token;
    }
    let same = 0;
    for (;;) {
      const f = join(true);
      const tok = await tokenOrCached(f, false);
      if (tok === null || terminal) return null;
      if (tok !== avoid || avoid === null) return tok;
      // Same token on a forced request: AuthKit piggy-backed an older refresh or
      // handed back its cache. Convex would treat it as a failure; mint again.
      same += 1;
      emit("same_token", { count: same });
      setBase("degraded");
      await sleep(delayFor(same - 1), { wakeOnPage: true });
    }
  }

  /** Convex's fetchAccessToken. Never rejects; null only once signed out. */
  async function fetchToken(args) {
    const force = !!(args && args.forceRefreshToken);
    pendingConvex += 1;
    if (force) pendingForced += 1;
    emit("fetch", { force });
    try {
      const tok = await obtain(force);
      if (tok) lastGiven = tok;
      emit("fetch_result", { force, result: tok ? "token" : "null" });
      return tok;
    } catch (e) {
      // Unreachable by construction (obtain never rejects); still never let it reach Convex.
      log("warn", "fetchToken internal error", e);
      if (terminal) return null;
      return current ? current.token : new Promise(() => {}); // hang rather than sign out
    } finally {
      pendingConvex -= 1;
      if (force) pendingForced -= 1;
    }
  }

  /** A token for the watchdog's "can a token be obtained?" check (does not touch lastGiven). */
  async function probe() {
    if (terminal) return null;
    if (isValid(current)) return current.token;
    return tokenOrCached(join(false), true);
  }

  /** Refresh ahead of need (page became visible/online, resumed, restored). */
  function onPageEvent(name) {
    for (const w of [...wakers]) w();
    if (disposed || terminal || !hasUser || userLoading) return;
    if (!["visible", "resume", "pageshow", "online"].includes(name)) return;
    const now = clock.now();
    if (flight) return; // the in-flight refresh was just woken up
    if (current && isValid(current)) return; // nothing to do
    if (now - lastProactiveAt < opts.cooldownMs || now - lastRefreshAt < opts.cooldownMs) return;
    lastProactiveAt = now;
    emit("proactive_refresh", { trigger: name });
    join(true);
  }
  const unsubscribePage = safe(() => page.subscribe((name) => onPageEvent(name))) || (() => {});

  return {
    fetchToken,
    probe,
    onPageEvent,
    getState,
    subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    subscribeEvents(fn) { eventListeners.add(fn); return () => eventListeners.delete(fn); },
    setGetAccessToken(fn) { if (typeof fn === "function") getAccessToken = fn; },
    /** AuthKit's view: is there a user, is it still loading. */
    setUser(user, loading = false, { silent = false } = {}) {
      const had = hasUser;
      hasUser = !!user;
      userLoading = !!loading;
      if (!had && hasUser && terminal) { terminal = null; base = "refreshing"; current = null; lastGiven = null; }
      if (!silent) notify(); // silent: a render-phase sync, the effect notifies
    },
    /** Convex's view (from useConvexAuth): true / false / null (loading). */
    setConvexAuthenticated(v) { convexAuthenticated = v; notify(); },
    /** Sign out from the outside (e.g. the user's own sign-out). */
    signOut(reason = "requested") { signOut(reason, null); },
    snapshot() {
      return {
        state: getState(), base, hasUser, userLoading, terminal: terminal && { reason: terminal.reason, error: describe(terminal.error) },
        pendingConvex, inFlight: !!flight, lastError, lastSetAuthAt,
        expiresAt: current ? current.expiresAt : null, tokenValid: isValid(current), convexAuthenticated,
      };
    },
    get pendingConvex() { return pendingConvex; },
    get lastSetAuthAt() { return lastSetAuthAt; },
    options: opts,
    dispose() {
      disposed = true;
      safe(unsubscribePage);
      for (const w of [...wakers]) w();
      listeners.clear();
    },
  };
}

function describe(e) {
  if (!e) return null;
  if (typeof e !== "object") return String(e);
  const out = { name: e.name, message: e.message };
  if (e.constructor && e.constructor.name && e.constructor.name !== e.name) out.class = e.constructor.name;
  if (e.status !== undefined) out.status = e.status;
  if (e.error !== undefined) out.error = e.error;
  if (e.isTransient !== undefined) out.isTransient = e.isTransient;
  return out;
}

// ---------------------------------------------------------------------------------
// Watchdog decisions

/**
 * createWatchdog(options) → {observe(obs) → action}
 * obs: {now, hasUser, signedOut, convexAuthenticated (true|false|null), convexFetchPending,
 *       socketState ("ready"|"connecting"|"stopped"|... or null), connected, everConnected,
 *       paused ("no"|"yes"|"uninitialized"|null), lastSetAuthAt}
 * action: "none" | "rearm" | "restart-socket" | "fresh-setauth"
 * Each action is taken at most once per cooldownMs (re-arms back off: ×2 per consecutive
 * re-arm, up to 60 s); conditions must hold for their threshold.
 */
export function createWatchdog(options = {}) {
  const o = { ...DEFAULT_OPTIONS, ...options };
  let unauthSince = null;
  let stoppedSince = null;
  let neverSince = null;
  let rearms = 0; // consecutive re-arms without Convex becoming authenticated: backoff
  const lastAction = { rearm: -Infinity, "restart-socket": -Infinity, "fresh-setauth": -Infinity };
  const cooldown = (a) => a === "rearm" && rearms > 0
    ? Math.min(60_000, Math.max(o.cooldownMs, 1) * 2 ** (rearms - 1)) : Math.max(o.cooldownMs, 1);
  const cooled = (a, now) => now - lastAction[a] >= cooldown(a);
  function take(a, now) {
    lastAction[a] = now;
    if (a === "rearm") rearms += 1;
    unauthSince = stoppedSince = neverSince = null;
    return a;
  }
  return {
    observe(obs) {
      const now = obs.now;
      if (obs.convexAuthenticated === true) rearms = 0;
      if (!obs.hasUser || obs.signedOut || obs.convexFetchPending) {
        // Nothing to recover, or Convex is legitimately waiting on the bridge.
        unauthSince = stoppedSince = neverSince = null;
        return "none";
      }
      stoppedSince = obs.socketState === "stopped" ? (stoppedSince ?? now) : null;
      const neverConnected = obs.connected === true && obs.everConnected === false && obs.paused !== "no";
      neverSince = neverConnected ? (neverSince ?? now) : null;
      unauthSince = obs.convexAuthenticated === false ? (unauthSince ?? now) : null;
      if (stoppedSince !== null && now - stoppedSince >= o.stoppedSocketMs && cooled("restart-socket", now)) {
        return take("restart-socket", now);
      }
      const neverFrom = neverSince === null ? null : Math.max(neverSince, obs.lastSetAuthAt ?? -Infinity);
      if (neverFrom !== null && now - neverFrom >= o.neverConnectedMs && cooled("fresh-setauth", now)) {
        return take("fresh-setauth", now);
      }
      if (unauthSince !== null && now - unauthSince >= o.rearmAfterMs && cooled("rearm", now)) {
        return take("rearm", now);
      }
      return "none";
    },
    reset() { unauthSince = stoppedSince = neverSince = null; rearms = 0; },
  };
}
