// The thin driver around the policy (machine.js): it owns the clock, the one timer,
// the page's events, the AuthKit calls and the promises Convex awaits, and feeds
// everything that happens to transition() as an event. No decisions are made here.
import { isHeldAnswer } from "./breaker.js";
import { classifyError, describe, retryAfterMs } from "./classify.js";
import { breakerMode, initialState, isValid, nextDeadline, publicState, transition } from "./machine.js";
import { DEFAULT_OPTIONS } from "./options.js";

const realClock = { now: () => Date.now() };
const realTimers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id) };
const alwaysActivePage = { isVisible: () => true, isOnline: () => true, subscribe: () => () => {} };
const noSession = () => Promise.reject(Object.assign(new Error("No access token available"), { name: "Error" }));
const safe = (fn) => { try { return fn(); } catch { return undefined; } };

/**
 * createTokenBroker({getAccessToken, clock, timers, page, random, isLoginRequired, console, breaker, options})
 *
 * - getAccessToken({forceRefresh}) → Promise<string | null>  (AuthKit's; swap with setGetAccessToken)
 * - clock {now()}; timers {setTimeout, clearTimeout}; random() in [0, 1)
 * - page {isVisible(), isOnline(), subscribe(listener(name)) → unsubscribe}; names:
 *   "online", "visible", "pageshow", "resume" (signals), "hidden", "offline"
 * - breaker: a refresh breaker (breaker.js refreshBreaker()) to attach to while started,
 *   unless options.holdAuthKitRefreshes is false
 *
 * Nothing is attached until start(): creating a broker has no side effects, so React
 * StrictMode's double-invoked initialisers leak nothing. start() returns a release
 * function; the broker disposes itself once every start() has been released and a
 * timer tick has passed (StrictMode's unmount-then-mount reuses it).
 */
export function createTokenBroker(deps = {}) {
  const opts = { ...DEFAULT_OPTIONS, ...(deps.options || {}) };
  const clock = deps.clock || realClock;
  const timers = deps.timers || realTimers;
  const page = deps.page || alwaysActivePage;
  const random = deps.random || Math.random;
  const out = deps.console || globalThis.console;
  const logger = opts.logger || null;
  let getAccessToken = deps.getAccessToken || noSession;

  let state = initialState(opts, clock.now());
  const resolvers = new Map();
  const listeners = new Set();
  const eventListeners = new Set();
  let ids = 0;
  let timer = null;
  let timerAt = null;
  let queue = null; // events that arrive while a transition's effects run
  let lastNotified = publicState(state);
  let holds = 0;
  let detachPage = null;
  let disposeTimer = null;
  let detachBreaker = null;
  let wire = null; // {id, outcome}: the last refresh answer the breaker saw during call `id`
  let held = { count: 0, period: null }; // requests the breaker held; the backoff period last reported

  const pageView = () => ({ visible: safe(() => page.isVisible()) !== false, online: safe(() => page.isOnline()) !== false });

  function dispatch(event) {
    if (queue) { queue.push(event); return; }
    queue = [event];
    try {
      while (queue.length) {
        const e = queue.shift();
        const r = transition(state, { ...e, now: clock.now(), page: pageView(), random: random() });
        state = r.state;
        for (const fx of r.effects) perform(fx);
      }
    } finally { queue = null; }
    arm();
    notify();
  }

  function perform(fx) {
    switch (fx.type) {
      case "call": {
        const id = fx.id;
        const seen = () => (wire && wire.id === id ? wire.outcome : null);
        Promise.resolve()
          .then(() => getAccessToken({ forceRefresh: fx.force }))
          .then((token) => dispatch({ type: "settled", id, ok: true, token, wire: seen() }),
            (err) => dispatch({ type: "settled", id, ok: false, ...classifyError(err, { isLoginRequired: deps.isLoginRequired }),
              retryAfterMs: retryAfterMs(err, clock.now()) ?? (seen() && seen().retryAfterMs), held: isHeldAnswer(err), error: describe(err) }));
        return;
      }
      case "resolve":
        for (const id of fx.ids) { const r = resolvers.get(id); resolvers.delete(id); if (r) r(fx.value); }
        return;
      case "emit": emit(fx.event); return;
      case "warn": case "error":
        safe(() => (logger && logger[fx.type] ? logger[fx.type](fx.message) : out[fx.type](fx.message)));
        return;
      default:
    }
  }

  function emit(data) {
    const event = { at: clock.now(), state: publicState(state), ...data };
    if (logger) safe(() => logger.debug && logger.debug(`[authbridge] ${event.type}`, event));
    if (opts.onEvent) safe(() => opts.onEvent(event));
    for (const fn of [...eventListeners]) safe(() => fn(event));
  }

  function notify() {
    const s = publicState(state);
    if (s === lastNotified) return;
    const from = lastNotified;
    lastNotified = s;
    emit({ type: "state", from, to: s });
    for (const fn of [...listeners]) safe(() => fn(s));
  }

  function arm() {
    const at = state.phase === "disposed" ? null : nextDeadline(state);
    if (at === timerAt) return;
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    timerAt = at;
    if (at === null) return;
    timer = timers.setTimeout(() => { timer = null; timerAt = null; dispatch({ type: "tick" }); }, Math.max(0, at - clock.now()));
  }

  // What the refresh breaker asks and tells (breaker.js).
  const breakerView = {
    mode: () => (state.phase === "disposed" ? "idle" : breakerMode(state, clock.now())),
    wire(o) {
      if (!state.call) return;
      const ms = o.retryAfter ? retryAfterMs({ retryAfter: o.retryAfter }, clock.now()) : null;
      wire = { id: state.call.id, outcome: { ...o, retryAfterMs: ms } };
    },
    held(o) {
      if (breakerView.mode() !== "backoff") return; // another bridge's backoff held it
      held.count += 1;
      const period = `${state.attempt}@${state.retryAt}`;
      if (held.period === period) return;
      held.period = period; // one event per backoff period
      emit({ type: "refresh_held", attempt: state.attempt, kind: o.kind, status: o.status ?? null, retryAt: state.retryAt });
    },
  };

  function ask(type, force) {
    return new Promise((resolve) => {
      const id = ++ids;
      resolvers.set(id, resolve);
      dispatch({ type, id, force });
    });
  }

  function dispose() {
    if (state.phase === "disposed") return;
    if (disposeTimer !== null) { timers.clearTimeout(disposeTimer); disposeTimer = null; }
    dispatch({ type: "dispose" });
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    timerAt = null;
    if (detachPage) safe(detachPage);
    detachPage = null;
    if (detachBreaker) safe(detachBreaker);
    detachBreaker = null;
    listeners.clear();
    eventListeners.clear();
    for (const r of resolvers.values()) r(null);
    resolvers.clear();
  }

  return {
    /** Convex's fetchAccessToken: never rejects; null only once signed out (or unmounted). */
    fetchToken: (args) => ask("fetch", !!(args && args.forceRefreshToken)),
    /** A token if one can be had (the watchdog asks before re-arming); does not count as Convex's. */
    probe: () => ask("probe", false),
    onPageEvent: (name) => dispatch({ type: "page", name }),
    /** AuthKit's view: its `user` (or just whether there is one) and `isLoading`. */
    setUser(user, loading = false) {
      const identity = user && typeof user === "object" ? user : user ? true : null;
      if (state.user.present === !!user && state.user.loading === !!loading && state.user.identity === identity) return;
      dispatch({ type: "user", present: !!user, loading: !!loading, identity });
    },
    /** Convex's view (from useConvexAuth): true / false / null (loading). */
    setConvexAuthenticated(v) { if (state.convex !== (v ?? null)) dispatch({ type: "convex", authenticated: v ?? null }); },
    /** The React layer is about to make Convex run setAuth again (its auth is cleared first). */
    rearmed: (action = "rearm") => dispatch({ type: "rearm", action }),
    /** Sign out from the outside (e.g. the app's own sign-out). */
    signOut: (reason = "requested") => dispatch({ type: "sign_out", reason }),
    /** Emit an event from the layer above (watchdog actions, reloads). */
    report: (type, data = {}) => emit({ type, ...data }),
    setGetAccessToken(fn) { if (typeof fn === "function") getAccessToken = fn; },
    getState: () => publicState(state),
    subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    subscribeEvents(fn) { eventListeners.add(fn); return () => eventListeners.delete(fn); },
    /** Attach page listeners (once); returns a release function. */
    start() {
      if (state.phase === "disposed") return () => {};
      holds += 1;
      if (disposeTimer !== null) { timers.clearTimeout(disposeTimer); disposeTimer = null; }
      if (!detachPage) detachPage = safe(() => page.subscribe((name) => dispatch({ type: "page", name }))) || (() => {});
      if (!detachBreaker && deps.breaker && opts.holdAuthKitRefreshes) detachBreaker = safe(() => deps.breaker.attach(breakerView)) || null;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds -= 1;
        if (holds === 0 && disposeTimer === null) disposeTimer = timers.setTimeout(() => { disposeTimer = null; if (holds === 0) dispose(); }, 0);
      };
    },
    dispose,
    snapshot() {
      const s = state;
      return {
        state: publicState(s), phase: s.phase, hasUser: s.user.present, userLoading: s.user.loading,
        terminal: s.end && { reason: s.end.reason },
        pendingConvex: s.waiters.filter((w) => w.kind === "fetch").length,
        pendingForced: s.waiters.filter((w) => w.kind === "fetch" && w.force).length,
        inFlight: !!s.call, stuck: s.phase === "stuck", attempt: s.attempt, retryAt: s.retryAt,
        lastError: s.lastError, lastSetAuthAt: s.lastSetAuthAt, expiresAt: s.token ? s.token.expiresAt : null,
        tokenValid: isValid(s.token, clock.now(), opts), convexAuthenticated: s.convex, rejectedTokens: s.rejected,
        counters: { ...s.stats, heldRequests: held.count },
      };
    },
    get pendingConvex() { return state.waiters.filter((w) => w.kind === "fetch").length; },
    get lastSetAuthAt() { return state.lastSetAuthAt; },
    get disposed() { return state.phase === "disposed"; },
    options: opts,
  };
}
