// Fake clock, timers and page for the policy tests (no dependencies).

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
  };
  const env = {
    clock: { now: () => now },
    timers: {
      setTimeout(fn, ms) { const id = ++seq; timers.set(id, { at: now + Math.max(0, ms), fn, seq: id }); return id; },
      clearTimeout(id) { timers.delete(id); },
    },
    page,
    random: () => 0.5, // zero jitter
    get now() { return now; },
    pending: () => timers.size,
    async flush() { for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); },
    /** Advance the clock by ms, running due timers in order (microtasks flushed between). */
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
  };
  return env;
}

/** An unsigned JWT with the given claims (the bridge only decodes). */
export function jwt(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "RS256", typ: "JWT" })}.${enc(claims)}.sig`;
}

/** Token factory on the env's clock: lifetime in seconds. */
export function minter(env, lifetimeS = 300) {
  let n = 0;
  return () => {
    const iat = Math.floor(env.now / 1000);
    n += 1;
    return jwt({ sub: "user_1", sid: "session_1", iat, exp: iat + lifetimeS, jti: `t${n}` });
  };
}

/** A scripted getAccessToken: each call takes the next step (a token string, an Error to throw, or a function). */
export function scripted(steps, { fallback } = {}) {
  const calls = [];
  const fn = async (opts) => {
    calls.push({ ...(opts || {}) });
    const step = steps.length ? steps.shift() : fallback;
    const v = typeof step === "function" ? await step(opts) : step;
    if (v instanceof Error || (v && v.__throw)) throw v.__throw ?? v;
    return v;
  };
  fn.calls = calls;
  return fn;
}

export const throwing = (value) => ({ __throw: value });
