// Fake clock, timers and page for the bridge tests, and a broker wired to them.
import { createTokenBroker } from "../policy.js";

export function fakeEnv({ start = 1_800_000_000_000, visible = true, online = true } = {}) {
  let now = start;
  let seq = 0;
  const timers = new Map(); // id -> {at, fn, seq}
  const pageListeners = new Set();
  const page = {
    visible, online,
    isVisible: () => page.visible,
    isOnline: () => page.online,
    subscribe(fn) { pageListeners.add(fn); return () => pageListeners.delete(fn); },
    fire(name) { for (const fn of [...pageListeners]) fn(name); },
    get listeners() { return pageListeners.size; },
  };
  const env = {
    clock: { now: () => now },
    timers: {
      setTimeout(fn, ms) { const id = ++seq; timers.set(id, { at: now + Math.max(0, ms || 0), fn, seq: id }); return id; },
      clearTimeout(id) { timers.delete(id); },
    },
    page,
    random: () => 0.5,
    get now() { return now; },
    pending: () => timers.size,
    /** Let every queued promise continuation run (microtasks drain before a macrotask). */
    async flush() { await new Promise((r) => setImmediate(r)); },
    /** Advance the clock by ms, running due timers in order (promises settle between them). */
    async advance(ms) {
      const end = now + ms;
      await env.flush();
      for (;;) {
        let next = null;
        for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next.t.at || (t.at === next.t.at && t.seq < next.t.seq))) next = { id, t };
        if (!next) break;
        timers.delete(next.id);
        now = Math.max(now, next.t.at);
        next.t.fn();
        await env.flush();
      }
      now = end;
      await env.flush();
    },
    /** Make the global setTimeout/clearTimeout/Date.now this clock (for the real Convex client code). */
    install() {
      const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: Date.now };
      globalThis.setTimeout = (fn, ms, ...args) => env.timers.setTimeout(() => fn(...args), ms);
      globalThis.clearTimeout = (id) => env.timers.clearTimeout(id);
      Date.now = () => now;
      return () => { globalThis.setTimeout = saved.setTimeout; globalThis.clearTimeout = saved.clearTimeout; Date.now = saved.now; };
    },
  };
  return env;
}

/** A seeded PRNG (mulberry32), so simulations are repeatable per seed. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An unsigned JWT with the given claims (the bridge only decodes). */
export function jwt(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "RS256", typ: "JWT" })}.${enc(claims)}.sig`;
}

/** Token factory on the env's clock: lifetime in seconds. */
export function minter(env, lifetimeS = 300, extra = {}) {
  let n = 0;
  return () => {
    const iat = Math.floor(env.now / 1000);
    n += 1;
    return jwt({ sub: "user_1", sid: "session_1", iat, exp: iat + lifetimeS, jti: `t${n}`, ...extra });
  };
}

/** A scripted getAccessToken: each call takes the next step (a token string, an Error to throw, or a function). */
export function scripted(steps, { fallback } = {}) {
  const calls = [];
  const fn = async (opts) => {
    calls.push({ ...(opts || {}) });
    if (calls.length > 5_000) throw new Error("scripted: call budget exceeded (a retry loop without a wait?)");
    const step = steps.length ? steps.shift() : fallback;
    const v = typeof step === "function" ? await step(opts) : step;
    if (v instanceof Error || (v && v.__throw)) throw v.__throw ?? v;
    return v;
  };
  fn.calls = calls;
  return fn;
}

export const throwing = (value) => ({ __throw: value });

// -- a broker on the fake env ---------------------------------------------------------------
export const USER = { id: "user_1" };
export const typeError = (m = "Failed to fetch") => new TypeError(m);
export const named = (name, message = name) => { const e = new Error(message); e.name = name; return e; };
/** Track a promise without awaiting it: {done, value}. */
export const settle = (p) => { const box = { done: false, value: undefined }; p.then((v) => { box.done = true; box.value = v; }); return box; };

/** A started broker on `env` with a signed-in user, no jitter; events, states and console lines recorded. */
export function make(env, getAccessToken, options = {}) {
  const events = [];
  const states = [];
  const console = { warns: [], errors: [], warn(m) { this.warns.push(m); }, error(m) { this.errors.push(m); } };
  const broker = createTokenBroker({
    getAccessToken, clock: env.clock, timers: env.timers, page: env.page, random: env.random, console,
    options: { jitter: 0, ...options, onEvent: (e) => events.push(e) },
  });
  broker.subscribe((s) => states.push(s));
  const release = broker.start();
  if (options.user !== false) broker.setUser(USER, false);
  const count = (type) => events.filter((e) => e.type === type).length;
  return { broker, events, states, console, release, count };
}

/** AuthKit's contract in short: unforced → its current token, forced → a new one. */
export function authkitLike(env) {
  const mint = minter(env);
  let current = mint();
  return scripted([], { fallback: (o) => { if (o && o.forceRefresh) current = mint(); return current; } });
}
