// The bridge's policy as a pure state machine:
//
//   transition(state, event) → {state, effects}
//
// No clock, timers, randomness or I/O here. Each event brings `now` (ms), `page`
// ({visible, online}) and `random` (in [0, 1)); effects go out as data for the driver
// (broker.js): start an AuthKit call, resolve waiting callers, emit an event, log.
// The driver sets one timer, for nextDeadline(state), and sends `tick` when it fires.
//
// TABLE below is the whole policy at a glance: for each phase, which handler an
// event runs. README.md renders it; test/machine.test.js checks it row by row.
// (About 430 lines: the table and every handler it names stay in one file, so the
// policy reads top to bottom.)
import { decodeClaims, tokenExpiry } from "./tokens.js";

export const PHASES = Object.freeze(["idle", "calling", "stuck", "backoff", "signed_out", "misconfigured", "disposed"]);
export const EVENTS = Object.freeze(["fetch", "probe", "settled", "tick", "page", "user", "convex", "rearm", "sign_out", "dispose"]);
/** Page events that say "it may work now". */
export const SIGNALS = Object.freeze(["online", "visible", "pageshow", "resume"]);

const LIVE = { fetch: "demand", probe: "demand", user: "user", convex: "convex", rearm: "rearm", sign_out: "signOut", dispose: "dispose" };
const TERMINAL = { fetch: "refuse", probe: "refuse", user: "newUser", convex: "noteConvex", dispose: "dispose" };

export const TABLE = Object.freeze({
  // nothing outstanding; a signal with an expired token refreshes ahead of need
  idle: { ...LIVE, page: "refreshAhead" },
  // one AuthKit call outstanding; callers join it
  calling: { ...LIVE, settled: "settle", tick: "watchCall" },
  // that call is past hungAfterMs: reported once; a valid token is still served
  stuck: { ...LIVE, settled: "settle" },
  // a transient failure; someone still waits; retry at the deadline or on a signal
  backoff: { ...LIVE, tick: "retryDue", page: "retryNow" },
  // AuthKit's session ended: callers get null; a new user (or a recheck) restarts
  signed_out: { ...TERMINAL, page: "recheck", settled: "rechecked" },
  // Convex rejected fresh tokens maxRejectedTokens times: stop, say why once
  misconfigured: { ...TERMINAL },
  // unmounted: nothing happens any more
  disposed: { fetch: "refuse", probe: "refuse" },
});

export function initialState(options, now = 0) {
  return {
    phase: "idle",
    opts: options,
    now,
    user: { present: false, loading: true, identity: null }, // unknown until the React layer reports
    convex: null, // Convex's view (useConvexAuth): true | false | null (loading)
    token: null, // newest token AuthKit gave: {value, expiresAt, lifetimeMs, at}
    held: null, // the token Convex holds: {value, expiresAt, lifetimeMs, at, viaForced, counted}
    waiters: [], // callers waiting for a token: {id, kind: "fetch"|"probe", force, avoid}
    call: null, // the one outstanding AuthKit call: {id, force, at, trigger}
    forceNext: 0, // AuthKit handed back the token Convex holds: 1 force unless AuthKit would refresh anyway, 2 force
    attempt: 0, // transient failures in a row
    retryAt: null,
    notBefore: 0, // Retry-After: no attempt before this
    lastAttemptAt: -Infinity,
    lastProactiveAt: -Infinity,
    lastRecheckAt: -Infinity,
    lastSetAuthAt: null,
    lastError: null,
    rejected: 0, // fresh tokens Convex rejected in a row
    end: null, // once terminal: {reason, identity, ...}
    seq: 0,
    stats: { calls: 0, forcedCalls: 0, tokensSeen: 0, servedCached: 0, sameToken: 0, hung: 0, rejectedTokens: 0, rearms: 0 },
  };
}

// -- time and tokens ------------------------------------------------------------------
function leewayFor(t, o) {
  return Math.min(o.leewayMs, t.lifetimeMs ? t.lifetimeMs * o.leewayFraction : Infinity);
}
/** Usable: not within the leeway of its expiry (a token without `exp` is trusted). */
export function isValid(t, now, o) {
  if (!t) return false;
  return t.expiresAt == null || now < t.expiresAt - leewayFor(t, o);
}
function inAuthKitBuffer(t, now, o) {
  return !t || (t.expiresAt != null && now >= t.expiresAt - o.authkitBufferMs);
}

/** The wait before retry number `attempt` (1-based): exponential, capped, jittered. */
export function backoffDelay(attempt, { visible, online }, random, o) {
  const ceiling = visible === false ? o.hiddenBackoffCeilingMs : o.backoffCeilingMs;
  const cap = Math.min(ceiling, o.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  let d = cap * (1 - Math.min(1, Math.max(0, o.jitter)) * random);
  if (online === false) d = Math.max(d, Math.min(o.offlineMaxWaitMs, ceiling));
  return Math.round(d);
}

/** When the driver must send `tick`, or null. */
export function nextDeadline(s) {
  if (s.phase === "calling") return s.call.at + s.opts.hungAfterMs;
  if (s.phase === "backoff") return s.retryAt;
  return null;
}

/**
 * What this bridge tells the refresh breaker (breaker.js): "calling" while one of its
 * AuthKit calls is outstanding (every refresh request passes), "backoff" while it waits
 * out a transient failure (authkit-js's own refreshes are held), else "idle".
 */
export function breakerMode(s, now) {
  if (s.call) return "calling";
  if (s.phase === "backoff" && (s.retryAt === null || now < s.retryAt)) return "backoff";
  return "idle";
}

/** The one state apps see. */
export function publicState(s) {
  if (s.phase === "misconfigured") return "misconfigured";
  if (s.phase === "signed_out" || s.phase === "disposed") return "signed_out";
  if (!s.user.present) return s.user.loading ? "refreshing" : "signed_out";
  if (s.user.loading) return "refreshing";
  if (s.phase === "stuck" || s.lastError) return "degraded";
  if (!s.token || s.convex === false) return "refreshing";
  return "authenticated";
}

// -- the transition ---------------------------------------------------------------------
export function transition(state, event) {
  const s = { ...state, now: event.now ?? state.now, waiters: [...state.waiters], stats: { ...state.stats } };
  const fx = [];
  const name = TABLE[s.phase][event.type];
  if (name) HANDLERS[name](s, event, fx);
  return { state: s, effects: fx };
}

const emit = (fx, type, data = {}) => fx.push({ type: "emit", event: { type, ...data } });

/** Hand `value` (a token or null) to the waiters `which` selects. */
function answer(s, fx, which, value, source) {
  const done = s.waiters.filter(which);
  if (!done.length) return;
  s.waiters = s.waiters.filter((w) => !done.includes(w));
  fx.push({ type: "resolve", ids: done.map((w) => w.id), value });
  const fetches = done.filter((w) => w.kind === "fetch");
  for (const w of fetches) emit(fx, "fetch_result", { force: w.force, result: value ? "token" : "null", source });
  if (value && fetches.length && (!s.held || s.held.value !== value)) {
    const t = s.token && s.token.value === value ? s.token : { value, expiresAt: null, lifetimeMs: null };
    s.held = { ...t, at: s.now, viaForced: fetches.some((w) => w.force), counted: false };
  }
}

/** A forced caller takes any valid token but the one Convex held when it asked. */
const satisfies = (w, v) => !w.force || w.avoid !== v;

/**
 * Answer what the known token can answer; start a call if someone is left and nothing
 * runs. A forced caller takes AuthKit's newest token if Convex does not have it yet
 * (no rotation). Unforced callers ask AuthKit (no network unless its token is due),
 * except while its call hangs or has just failed: then its last valid token stands.
 */
function serve(s, fx, trigger) {
  if (isValid(s.token, s.now, s.opts)) {
    const v = s.token.value;
    answer(s, fx, (w) => w.force && satisfies(w, v), v, "known");
    if (s.phase === "stuck" || s.phase === "backoff") serveCached(s, fx);
  }
  if (!s.waiters.length || s.phase !== "idle") return;
  if (s.now < s.notBefore) { s.phase = "backoff"; s.retryAt = s.notBefore; return; } // Retry-After
  startCall(s, fx, trigger);
}

/** AuthKit's call hangs or just failed: unforced callers keep its last token while valid. */
function serveCached(s, fx) {
  if (!isValid(s.token, s.now, s.opts)) return;
  const before = s.waiters.length;
  answer(s, fx, (w) => !w.force, s.token.value, "cached");
  if (s.waiters.length < before) { s.stats.servedCached += 1; emit(fx, "served_cached", { phase: s.phase }); }
}

function startCall(s, fx, trigger) {
  const o = s.opts;
  // Force only when AuthKit has said its token is the one Convex holds, and an
  // unforced call would not refresh anyway (outside authkit-js's own buffer, where an
  // unforced call also picks up a token AuthKit's own timer minted meanwhile).
  const force = !!s.token && s.waiters.some((w) => !satisfies(w, s.token.value))
    && (s.forceNext === 2 || (s.forceNext === 1 && !inAuthKitBuffer(s.token, s.now, o)));
  s.seq += 1;
  s.call = { id: s.seq, force, at: s.now, trigger };
  s.phase = "calling";
  s.retryAt = null;
  s.lastAttemptAt = s.now;
  s.stats.calls += 1;
  if (force) s.stats.forcedCalls += 1;
  fx.push({ type: "call", id: s.call.id, force });
  emit(fx, "refresh_attempt", { attempt: s.attempt, force, trigger });
}

function scheduleRetry(s, fx, event, failure) {
  const o = s.opts;
  let delay = backoffDelay(s.attempt, event.page || {}, event.random ?? 0.5, o);
  if (typeof failure.retryAfterMs === "number") {
    const ra = Math.min(failure.retryAfterMs, o.retryAfterMaxMs);
    s.notBefore = s.now + ra;
    delay = Math.max(delay, ra);
  }
  s.phase = "backoff";
  s.retryAt = s.now + delay;
  emit(fx, "retry_scheduled", { attempt: s.attempt, delayMs: delay, reason: failure.reason });
}

/** Convex asks again while holding a fresh token it was handed moments ago: it was rejected. */
function heldWasRejected(s, convexBefore, asked = false) {
  const h = s.held;
  if (!h || !h.viaForced || h.counted || !s.user.present) return false;
  // Convex reported authenticated (React's state, which lags): only a forced ask within
  // rejectBurstMs of the fresh token says it was rejected (a reconnect loop of
  // Authenticate → AuthError → forced fetch runs faster than a render).
  if (convexBefore === true && !(asked && s.now - h.at < s.opts.rejectBurstMs)) return false;
  if (!isValid(h, s.now, s.opts)) return false;
  return h.lifetimeMs == null || s.now - h.at < h.lifetimeMs / 2;
}
function countRejection(s, fx) {
  s.rejected += 1;
  s.stats.rejectedTokens += 1;
  s.held = { ...s.held, counted: true };
  emit(fx, "token_rejected", { count: s.rejected });
  if (s.rejected >= Math.max(1, s.opts.maxRejectedTokens)) {
    enterTerminal(s, fx, "misconfigured", "convex_rejects_tokens");
    return true;
  }
  return false;
}

function enterTerminal(s, fx, phase, reason, error) {
  const claims = (s.held && decodeClaims(s.held.value)) || {};
  s.phase = phase;
  s.end = { reason, identity: s.user.identity };
  s.call = null;
  s.retryAt = null;
  answer(s, fx, () => true, null, phase);
  if (phase === "misconfigured") {
    const aud = claims.aud === undefined ? "none" : JSON.stringify(claims.aud);
    emit(fx, "misconfigured", { rejected: s.rejected, iss: claims.iss ?? null, aud: claims.aud ?? null });
    fx.push({ type: "error", message: `[authbridge] Convex rejected ${s.rejected} fresh AuthKit tokens in a row, so the bridge `
      + `stopped refreshing (state "misconfigured"). Likely cause: convex/auth.config.ts does not match the tokens: `
      + `check the provider's issuer (the tokens carry iss ${JSON.stringify(claims.iss ?? null)}) and applicationID `
      + `(the tokens carry aud ${aud}), deploy, then reload.` });
  } else {
    s.token = null;
    s.held = null;
    emit(fx, "signed_out", { reason, error: error ?? null });
  }
}

function restart(s, fx, reason) {
  Object.assign(s, { phase: "idle", end: null, call: null, token: null, held: null, attempt: 0, rejected: 0, lastError: null,
    forceNext: 0, notBefore: 0, retryAt: null });
  emit(fx, "restarted", { reason });
}

function recordToken(s, value) {
  if (s.token && s.token.value === value) { s.token = { ...s.token, at: s.now }; return false; }
  const exp = tokenExpiry(value, s.now);
  s.token = { value, expiresAt: exp ? exp.expiresAt : null, lifetimeMs: exp ? exp.lifetimeMs : null, at: s.now };
  s.forceNext = 0;
  s.stats.tokensSeen += 1;
  return true;
}

/** A transient failure the breaker saw on the wire during the call, as a settled failure. */
function wireFailure(w) {
  if (!w || (w.kind !== "network" && w.kind !== "status")) return null;
  return { kind: "transient", reason: w.kind === "network" ? "network" : `refresh_error_${w.status}`,
    retryAfterMs: w.retryAfterMs ?? null, error: { name: "HiddenRefreshFailure", message: "AuthKit's refresh failed on the wire; it answered with its unexpired token" } };
}

const HANDLERS = {
  demand(s, e, fx) {
    const force = !!e.force;
    const convexBefore = s.convex;
    s.waiters.push({ id: e.id, kind: e.type, force, avoid: force && s.held ? s.held.value : null });
    if (e.type === "fetch") {
      emit(fx, "fetch", { force });
      if (!force) { s.lastSetAuthAt = s.now; s.held = null; } // setAuth: Convex holds nothing yet
      else if (heldWasRejected(s, convexBefore, true) && countRejection(s, fx)) return;
    }
    serve(s, fx, "demand");
  },

  settle(s, e, fx) {
    if (!s.call || e.id !== s.call.id) return; // a call from before a restart
    const call = s.call;
    if (s.phase === "stuck") emit(fx, "authkit_recovered", { afterMs: s.now - call.at });
    s.call = null;
    s.phase = "idle";
    let failure = e.ok ? null : e;
    if (e.ok && (e.token === null || e.token === undefined || e.token === "")) {
      // As in stock: no token from getAccessToken means signed out.
      enterTerminal(s, fx, "signed_out", "no_token");
      return;
    }
    if (e.ok && typeof e.token !== "string") {
      failure = { kind: "transient", reason: "bad_token", error: { name: "TypeError", message: `getAccessToken returned a ${typeof e.token}` } };
    }
    if (!failure) {
      const changed = recordToken(s, e.token);
      emit(fx, "refreshed", { force: call.force, changed });
      const nothingNew = s.waiters.some((w) => !satisfies(w, e.token));
      if (!nothingNew) { s.attempt = 0; s.lastError = null; s.notBefore = 0; }
      if (nothingNew) {
        if (!call.force && wireFailure(e.wire)) {
          // AuthKit answered with its unexpired token, but its refresh failed on the
          // wire (breaker.js saw it): a failure, not a reason to force at once.
          answer(s, fx, (w) => satisfies(w, e.token), e.token, "authkit");
          failure = wireFailure(e.wire);
        } else if (call.force) {
          // Forced, and still the token Convex holds: Convex would take it as a failure.
          s.stats.sameToken += 1;
          emit(fx, "same_token", { count: s.stats.sameToken });
          failure = { kind: "transient", reason: "same_token" };
        } else {
          s.forceNext = s.forceNext ? 2 : 1; // AuthKit's current token is Convex's: force next
        }
      }
      if (!failure) {
        answer(s, fx, (w) => satisfies(w, e.token), e.token, "authkit");
        serve(s, fx, "follow-up");
        return;
      }
    }
    if (failure.kind === "terminal") { enterTerminal(s, fx, "signed_out", failure.reason, failure.error); return; }
    if (e.held && !call.afterHeld && s.waiters.length) {
      // The call joined a refresh the breaker had answered locally (authkit-js's loop
      // started it just before): not an attempt. Again at once, while the call is ours.
      startCall(s, fx, "after-held");
      s.call.afterHeld = true;
      return;
    }
    s.attempt += 1;
    s.lastError = { reason: failure.reason, error: failure.error ?? null, at: s.now };
    // After a failed forced call, force again only while an unforced one would not
    // refresh: once inside AuthKit's buffer, an unforced retry also picks up a token
    // AuthKit's own timer minted meanwhile, instead of rotating once more.
    if (call.force) s.forceNext = 1;
    emit(fx, "refresh_failed", { attempt: s.attempt, force: call.force, kind: "transient", reason: failure.reason, error: failure.error ?? null });
    serveCached(s, fx);
    if (s.waiters.length) scheduleRetry(s, fx, e, failure);
  },

  watchCall(s, e, fx) {
    if (s.now < s.call.at + s.opts.hungAfterMs) return;
    s.phase = "stuck";
    s.stats.hung += 1;
    emit(fx, "authkit_hung", { afterMs: s.now - s.call.at, force: s.call.force });
    fx.push({ type: "warn", message: `[authbridge] AuthKit's getAccessToken has not settled for ${Math.round((s.now - s.call.at) / 1000)} s `
      + "(a hung refresh request holds AuthKit's refresh). Serving the still-valid token meanwhile; recovering as soon as it settles." });
  },

  retryDue(s, e, fx) {
    if (s.retryAt !== null && s.now >= s.retryAt) startCall(s, fx, "retry");
  },

  retryNow(s, e, fx) {
    if (!SIGNALS.includes(e.name)) return;
    const earliest = Math.max(s.notBefore, s.lastAttemptAt + s.opts.signalMinGapMs);
    if (s.now >= earliest) startCall(s, fx, e.name);
    else s.retryAt = Math.min(s.retryAt ?? Infinity, earliest);
  },

  refreshAhead(s, e, fx) {
    const o = s.opts;
    if (!SIGNALS.includes(e.name) || !s.user.present || s.user.loading || !s.token) return;
    if (isValid(s.token, s.now, o) || s.now < s.notBefore || s.now - s.lastProactiveAt < o.cooldownMs) return;
    s.lastProactiveAt = s.now;
    emit(fx, "proactive_refresh", { trigger: e.name });
    startCall(s, fx, "proactive");
  },

  recheck(s, e, fx) {
    const o = s.opts;
    if (!SIGNALS.includes(e.name) || s.call || !s.user.present || s.user.loading) return;
    if (s.now - s.lastRecheckAt < o.signedOutRecheckMs) return;
    s.lastRecheckAt = s.now;
    s.seq += 1;
    s.call = { id: s.seq, force: true, at: s.now, trigger: "recheck" };
    s.stats.calls += 1;
    s.stats.forcedCalls += 1;
    fx.push({ type: "call", id: s.call.id, force: true });
    emit(fx, "refresh_attempt", { attempt: 0, force: true, trigger: "recheck" });
  },

  rechecked(s, e, fx) {
    if (!s.call || e.id !== s.call.id) return;
    s.call = null;
    if (!e.ok || typeof e.token !== "string" || !e.token) return; // still signed out
    restart(s, fx, "authkit_session");
    recordToken(s, e.token);
  },

  user(s, e, fx) {
    s.user = { present: !!e.present, loading: !!e.loading, identity: e.identity ?? null };
    if (!s.user.present && !s.user.loading) answer(s, fx, (w) => w.kind === "fetch", null, "no_user");
  },

  newUser(s, e, fx) {
    HANDLERS.user(s, e, fx);
    if (!s.user.present) { if (!s.user.loading) s.end = { ...s.end, identity: null }; return; }
    if (!s.user.loading && s.user.identity !== s.end.identity) restart(s, fx, "new_user");
  },

  convex(s, e, fx) {
    const before = s.convex;
    s.convex = e.authenticated ?? null;
    if (s.convex === true) s.rejected = 0;
    else if (s.convex === false && before !== false && heldWasRejected(s, before)) countRejection(s, fx);
  },

  noteConvex(s, e) { s.convex = e.authenticated ?? null; },

  rearm(s, e, fx) {
    s.held = null; // Convex's auth was cleared (clearAuth) before its next setAuth
    s.stats.rearms += 1;
    emit(fx, "rearm", { action: e.action ?? "rearm" });
  },

  signOut(s, e, fx) { enterTerminal(s, fx, "signed_out", e.reason || "requested"); },

  refuse(s, e, fx) {
    s.waiters.push({ id: e.id, kind: e.type, force: !!e.force });
    answer(s, fx, (w) => w.id === e.id, null, s.phase);
  },

  dispose(s, e, fx) {
    s.phase = "disposed";
    s.call = null;
    s.retryAt = null;
    answer(s, fx, () => true, null, "disposed");
    emit(fx, "disposed", {});
  },
};
export const HANDLER_NAMES = Object.freeze(Object.keys(HANDLERS));
