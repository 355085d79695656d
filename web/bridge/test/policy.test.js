import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { LoginRequiredError, RefreshError, RefreshTimeoutError } from "@workos-inc/authkit-js";
import { classifyError, createTokenBroker, createWatchdog, decodeClaims, tokenExpiry } from "../policy.js";
import { fakeEnv, jwt, minter, scripted } from "./helpers.js";

const NO_JITTER = { jitter: 0 };

function make(env, getAccessToken, options = {}) {
  const events = [];
  const states = [];
  const broker = createTokenBroker({
    getAccessToken, clock: env.clock, timers: env.timers, page: env.page, random: env.random,
    options: { ...NO_JITTER, ...options, onEvent: (e) => events.push(e) },
  });
  broker.subscribe((s) => states.push(s));
  if (options.user !== false) broker.setUser(true, false);
  return { broker, events, states };
}

const typeError = (m) => new TypeError(m);
const named = (name, message = name) => { const e = new Error(message); e.name = name; return e; };

// ---------------------------------------------------------------------------------
describe("classifyError", () => {
  const transient = [
    ["Chromium TypeError", typeError("Failed to fetch")],
    ["Sentry-decorated", typeError("Failed to fetch (api.workos.com)")],
    ["Firefox TypeError", typeError("NetworkError when attempting to fetch resource.")],
    ["Safari TypeError", typeError("Load failed")],
    ["Safari <=16", typeError("The Internet connection appears to be offline.")],
    ["undici", typeError("fetch failed")],
    ["AbortError", named("AbortError", "The operation was aborted.")],
    ["TimeoutError", named("TimeoutError", "signal timed out")],
    ["DOMException AbortError", typeof DOMException === "function" ? new DOMException("aborted", "AbortError") : named("AbortError")],
    ["RefreshTimeoutError", new RefreshTimeoutError()],
    ["RefreshError transient 503", new RefreshError("Service Unavailable", { status: 503, isTransient: true })],
    ["RefreshError 408", new RefreshError("x", { status: 408, isTransient: true })],
    ["RefreshError 429", new RefreshError("x", { status: 429, isTransient: true })],
    ["RefreshError 520 (Cloudflare, not in authkit's set)", new RefreshError("x", { status: 520, isTransient: false })],
    ["plain object with status 502", Object.assign(new Error("Bad Gateway"), { status: 502 })],
    ["SyntaxError from a garbage body", new SyntaxError("Unexpected token < in JSON at position 0")],
    ["unknown Error", new Error("Invalid JWT format")],
    ["a thrown string", "boom"],
    ["undefined", undefined],
  ];
  for (const [label, err] of transient) {
    test(`transient: ${label}`, () => assert.equal(classifyError(err).kind, "transient"));
  }
  const terminal = [
    ["LoginRequiredError (name 'Error')", new LoginRequiredError()],
    ["RefreshError invalid_grant", new RefreshError("Refresh token already exchanged.", { status: 400, error: "invalid_grant" })],
    ["RefreshError Missing refresh token.", new RefreshError("Missing refresh token.", { status: 400, error: "invalid_request" })],
    ["RefreshError 401", new RefreshError("Unauthorized", { status: 401 })],
    ["message only (minified class)", Object.assign(new Error("No access token available"), {})],
  ];
  for (const [label, err] of terminal) {
    test(`terminal: ${label}`, () => assert.equal(classifyError(err).kind, "terminal"));
  }
  test("LoginRequiredError really has name 'Error'; instanceof hook is honoured", () => {
    const e = new LoginRequiredError();
    assert.equal(e.name, "Error");
    class Other extends Error {}
    assert.equal(classifyError(new Other("zzz"), { isLoginRequired: (x) => x instanceof Other }).kind, "terminal");
  });
  test("network TypeErrors are reported as network", () => {
    assert.equal(classifyError(typeError("Load failed")).reason, "network");
  });
});

describe("tokens", () => {
  test("decodeClaims / tokenExpiry use the earlier of exp and receipt+lifetime", () => {
    const t = jwt({ iat: 1000, exp: 1300 });
    assert.deepEqual(decodeClaims(t), { iat: 1000, exp: 1300 });
    assert.equal(decodeClaims("garbage"), null);
    // clock behind the issuer: receipt + lifetime wins
    assert.equal(tokenExpiry(t, 900_000).expiresAt, 900_000 + 300_000);
    // clock ahead: exp wins
    assert.equal(tokenExpiry(t, 2_000_000).expiresAt, 1_300_000);
    assert.equal(tokenExpiry("x.y.z", 0), null);
  });
});

// ---------------------------------------------------------------------------------
describe("broker: happy path and forced refresh", () => {
  test("unforced → AuthKit unforced; forced → forceRefresh: true; state authenticated", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const t1 = mint();
    const gat = scripted([t1, () => mint()]);
    const { broker, states } = make(env, gat);
    assert.equal(await broker.fetchToken({ forceRefreshToken: false }), t1);
    const t2 = await broker.fetchToken({ forceRefreshToken: true });
    assert.notEqual(t2, t1);
    assert.deepEqual(gat.calls, [{ forceRefresh: false }, { forceRefresh: true }]);
    assert.equal(broker.getState(), "authenticated");
    assert.ok(states.includes("authenticated"));
  });

  test("never hands back the same token on a forced request (AuthKit returns it twice)", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const t1 = mint();
    const gat = scripted([t1, t1, t1, () => mint()]);
    const { broker, events } = make(env, gat);
    assert.equal(await broker.fetchToken({}), t1);
    const p = broker.fetchToken({ forceRefreshToken: true });
    await env.advance(5_000);
    const t2 = await p;
    assert.notEqual(t2, t1);
    assert.ok(gat.calls.slice(1).every((c) => c.forceRefresh === true));
    assert.equal(events.filter((e) => e.type === "same_token").length, 2);
  });

  test("a token the bridge minted moments ago (proactive) is reused by Convex's forced request", async () => {
    const env = fakeEnv();
    const mint = minter(env, 60);
    const t1 = mint();
    const gat = scripted([t1, () => mint()]);
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(59_000); // t1 near expiry
    env.page.fire("visible"); // proactive forced refresh
    await env.flush();
    assert.equal(gat.calls.length, 2);
    const t = await broker.fetchToken({ forceRefreshToken: true });
    assert.notEqual(t, t1);
    assert.equal(gat.calls.length, 2, "no second network refresh");
  });
});

// ---------------------------------------------------------------------------------
describe("broker: transient failures", () => {
  test("cached token is returned while still valid (unforced, TypeError)", async () => {
    const env = fakeEnv();
    const mint = minter(env, 300);
    const t1 = mint();
    const gat = scripted([t1, typeError("Failed to fetch")], { fallback: typeError("Failed to fetch") });
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(60_000);
    assert.equal(await broker.fetchToken({}), t1);
    assert.equal(broker.getState(), "degraded");
  });

  test("no cached token once within leeway: waits and retries instead of null", async () => {
    const env = fakeEnv();
    const mint = minter(env, 100); // leeway = min(30 s, 25 s) = 25 s
    const t1 = mint();
    const gat = scripted([t1, typeError("Failed to fetch"), typeError("Failed to fetch"), () => mint()]);
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(80_000); // 20 s left < 25 s leeway
    let result;
    broker.fetchToken({}).then((v) => { result = v; });
    await env.flush();
    assert.equal(result, undefined, "does not hand over a token inside the leeway");
    await env.advance(250 + 500);
    assert.ok(result && result !== t1);
  });

  test("backoff ladder: attempts at 0, 250, 750, 1750, 3750 ms (no jitter)", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const times = [];
    const start = env.now;
    const gat = scripted([], {
      fallback: () => { times.push(env.now - start); return times.length < 5 ? { __throw: typeError("Failed to fetch") } : mint(); },
    });
    const { broker } = make(env, gat, { blockedRetryCapMs: 0 });
    const p = broker.fetchToken({ forceRefreshToken: true });
    await env.advance(10_000);
    assert.ok(await p);
    assert.deepEqual(times, [0, 250, 750, 1750, 3750]);
  });

  test("while Convex is blocked on a forced fetch the ladder is capped (blockedRetryCapMs)", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const times = [];
    const start = env.now;
    const gat = scripted([], {
      fallback: () => { times.push(env.now - start); return times.length < 8 ? { __throw: new RefreshError("", { status: 503, isTransient: true }) } : mint(); },
    });
    const { broker } = make(env, gat, { blockedRetryCapMs: 2_000 });
    const p = broker.fetchToken({ forceRefreshToken: true });
    await env.advance(30_000);
    assert.ok(await p);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.deepEqual(gaps, [250, 500, 1000, 2000, 2000, 2000, 2000]);
  });

  test("a forced Convex fetch joining a long background sleep cuts it to the cap", async () => {
    const env = fakeEnv();
    const mint = minter(env, 3600);
    const times = [];
    const gat = scripted([mint()], {
      fallback: () => { times.push(env.now); return times.length < 7 ? { __throw: typeError("Failed to fetch") } : mint(); },
    });
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    await broker.fetchToken({}); // cached served, background ladder runs
    await env.advance(7_000); // attempts at 0, .25, .75, 1.75, 3.75 → sleeping 8 s
    assert.equal(times.length, 5);
    const joinedAt = env.now;
    let result;
    broker.fetchToken({ forceRefreshToken: true }).then((v) => { result = v; });
    await env.advance(2_000);
    assert.equal(times.length, 6);
    assert.ok(times[5] - joinedAt <= 2_000);
    await env.advance(3_000);
    assert.ok(result);
  });

  test("background retries (cached token served, nobody blocked) use the full ladder", async () => {
    const env = fakeEnv();
    const mint = minter(env, 3600);
    const times = [];
    const gat = scripted([mint()], {
      fallback: () => { times.push(env.now); return times.length < 8 ? { __throw: typeError("Failed to fetch") } : mint(); },
    });
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(3_000_000); // inside the 30 s leeway? no: 3600 s lifetime, leeway 30 s → still valid
    const t0 = env.now;
    // Force AuthKit's unforced path to fail: serve cached, retry in background.
    const v = await Promise.race([broker.fetchToken({}), env.advance(0).then(() => "pending")]);
    assert.equal(typeof v, "string");
    await env.advance(60_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.deepEqual(gaps.slice(0, 6), [250, 500, 1000, 2000, 4000, 8000]);
    assert.ok(times[0] >= t0);
  });

  test("jitter stays within ±jitter of each rung", async () => {
    const env = fakeEnv();
    const times = [];
    let r = 0;
    const rnd = [0, 0.999, 0, 0.999];
    const broker = createTokenBroker({
      getAccessToken: async () => { times.push(env.now); if (times.length < 5) throw typeError("Failed to fetch"); return jwt({ iat: 1, exp: 9e9 }); },
      clock: env.clock, timers: env.timers, page: env.page, random: () => rnd[r++ % 4],
      options: { retryDelaysMs: [1000], jitter: 0.2 },
    });
    const p = broker.fetchToken({ forceRefreshToken: true });
    await env.advance(10_000);
    await p;
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    for (const g of gaps) assert.ok(g >= 800 && g <= 1200, `gap ${g}`);
    assert.ok(gaps[0] < 900 && gaps[1] > 1100);
  });

  test("waits until visible AND online before retrying, then retries promptly", async () => {
    const env = fakeEnv({ visible: false, online: true });
    const mint = minter(env);
    const gat = scripted([typeError("Failed to fetch")], { fallback: () => mint() });
    const { broker, events } = make(env, gat);
    let result;
    broker.fetchToken({ forceRefreshToken: true }).then((v) => { result = v; });
    await env.advance(60_000);
    assert.equal(gat.calls.length, 1, "no retries while hidden");
    assert.equal(result, undefined);
    assert.ok(events.some((e) => e.type === "waiting"));
    env.page.online = false;
    env.page.visible = true;
    env.page.fire("visible");
    await env.advance(60_000);
    assert.equal(gat.calls.length, 1, "still offline: no retries");
    env.page.online = true;
    env.page.fire("online");
    await env.flush();
    assert.equal(gat.calls.length, 2);
    assert.ok(result);
    assert.equal(broker.getState(), "authenticated");
  });

  test("a page event wakes a long backoff sleep", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const gat = scripted([typeError("x"), typeError("x"), typeError("x")], { fallback: () => mint() });
    const { broker } = make(env, gat, { retryDelaysMs: [60_000] });
    let result;
    broker.fetchToken({ forceRefreshToken: true }).then((v) => { result = v; });
    await env.advance(1_000);
    assert.equal(gat.calls.length, 1);
    env.page.fire("online");
    await env.flush();
    assert.equal(gat.calls.length, 2);
    assert.equal(result, undefined);
  });

  test("hung getAccessToken counts as a timeout after attemptTimeoutMs and is retried", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const gat = scripted([() => new Promise(() => {})], { fallback: () => mint() });
    const { broker, events } = make(env, gat, { attemptTimeoutMs: 10_000 });
    let result;
    broker.fetchToken({ forceRefreshToken: true }).then((v) => { result = v; });
    await env.advance(9_000);
    assert.equal(result, undefined);
    await env.advance(2_000);
    assert.ok(result);
    assert.ok(events.some((e) => e.type === "refresh_failed" && e.reason === "timeout"));
  });

  for (const [label, err] of [
    ["RefreshError 503", new RefreshError("x", { status: 503, isTransient: true })],
    ["RefreshTimeoutError", new RefreshTimeoutError()],
    ["SyntaxError", new SyntaxError("Unexpected token")],
    ["AbortError", named("AbortError")],
  ]) {
    test(`${label} never becomes null`, async () => {
      const env = fakeEnv();
      const mint = minter(env);
      const gat = scripted([err, err, err], { fallback: () => mint() });
      const { broker } = make(env, gat);
      const p = broker.fetchToken({ forceRefreshToken: true });
      await env.advance(5_000);
      const v = await p;
      assert.equal(typeof v, "string");
    });
  }
});

// ---------------------------------------------------------------------------------
describe("broker: single-flight and cooldown", () => {
  test("concurrent fetches share one AuthKit call", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    let release;
    const gat = scripted([() => new Promise((r) => { release = () => r(mint()); })]);
    const { broker } = make(env, gat);
    const ps = [broker.fetchToken({}), broker.fetchToken({ forceRefreshToken: true }), broker.probe()];
    await env.flush();
    assert.equal(gat.calls.length, 1);
    release();
    const vs = await Promise.all(ps);
    assert.equal(new Set(vs).size, 1);
  });

  test("retries during an outage are shared: one ladder, not one per caller", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const gat = scripted([], { fallback: () => (env.now < 1_800_000_003_000 ? { __throw: typeError("Failed to fetch") } : mint()) });
    const { broker } = make(env, gat);
    const ps = [1, 2, 3, 4, 5].map(() => broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(10_000);
    await Promise.all(ps);
    assert.ok(gat.calls.length <= 6, `calls ${gat.calls.length}`);
  });

  test("page events within the cooldown start at most one proactive refresh", async () => {
    const env = fakeEnv();
    const mint = minter(env, 20); // leeway 5 s
    const t1 = mint();
    const gat = scripted([t1], { fallback: () => mint() });
    const { broker, events } = make(env, gat, { cooldownMs: 5_000 });
    await broker.fetchToken({});
    await env.advance(30_000); // expired
    gat.calls.length = 0;
    env.page.fire("visible");
    env.page.fire("pageshow");
    env.page.fire("resume");
    env.page.fire("online");
    await env.flush();
    assert.equal(gat.calls.length, 1);
    assert.deepEqual(gat.calls[0], { forceRefresh: true });
    assert.equal(events.filter((e) => e.type === "proactive_refresh").length, 1);
    // token now fresh: further events do nothing
    env.page.fire("visible");
    await env.flush();
    assert.equal(gat.calls.length, 1);
  });

  test("page events do nothing before AuthKit has reported a user (pageshow at load)", async () => {
    const env = fakeEnv();
    const gat = scripted([]);
    const { broker } = make(env, gat, { user: false });
    assert.equal(broker.getState(), "refreshing");
    env.page.fire("pageshow");
    env.page.fire("visible");
    await env.advance(5_000);
    assert.equal(gat.calls.length, 0);
    broker.setUser(false, false);
    assert.equal(broker.getState(), "signed_out");
  });

  test("page events do nothing while the cached token is comfortably valid", async () => {
    const env = fakeEnv();
    const gat = scripted([minter(env, 300)()]);
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    env.page.fire("visible");
    await env.flush();
    assert.equal(gat.calls.length, 1);
  });
});

// ---------------------------------------------------------------------------------
describe("broker: terminal failures", () => {
  test("confirmed terminal → null, signed_out, one signed_out event; later calls skip AuthKit", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const t1 = mint();
    const gat = scripted([t1, new RefreshError("Missing refresh token.", { status: 400, error: "invalid_request" }), new LoginRequiredError()]);
    const { broker, events, states } = make(env, gat);
    await broker.fetchToken({});
    const p = broker.fetchToken({ forceRefreshToken: true });
    await env.advance(2_000);
    assert.equal(await p, null);
    assert.equal(broker.getState(), "signed_out");
    assert.deepEqual(gat.calls.slice(1), [{ forceRefresh: true }, { forceRefresh: true }]);
    const so = events.filter((e) => e.type === "signed_out");
    assert.equal(so.length, 1);
    assert.equal(so[0].reason, "login_required");
    assert.equal(states.at(-1), "signed_out");
    assert.equal(await broker.fetchToken({}), null);
    assert.equal(await broker.fetchToken({ forceRefreshToken: true }), null);
    assert.equal(gat.calls.length, 3);
  });

  test("one terminal followed by success is not a sign-out (confirmation)", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const gat = scripted([new LoginRequiredError()], { fallback: () => mint() });
    const { broker } = make(env, gat);
    const p = broker.fetchToken({});
    await env.advance(2_000);
    assert.equal(typeof (await p), "string");
    assert.equal(broker.getState(), "authenticated");
  });

  test("terminal while a valid cached token exists still signs out (AuthKit already wiped the session)", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const gat = scripted([mint(), new RefreshError("Refresh token already exchanged.", { status: 400, error: "invalid_grant" })],
      { fallback: new LoginRequiredError() });
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    const p = broker.fetchToken({ forceRefreshToken: true });
    await env.advance(2_000);
    assert.equal(await p, null);
    assert.equal(broker.getState(), "signed_out");
  });

  test("a new user after sign-out resets the broker", async () => {
    const env = fakeEnv();
    const gat = scripted([new LoginRequiredError(), new LoginRequiredError()], { fallback: () => minter(env)() });
    const { broker } = make(env, gat);
    const p = broker.fetchToken({});
    await env.advance(2_000);
    assert.equal(await p, null);
    broker.setUser(false);
    assert.equal(broker.getState(), "signed_out");
    broker.setUser(true);
    assert.equal(typeof (await broker.fetchToken({})), "string");
  });
});

// ---------------------------------------------------------------------------------
describe("broker: never throws", () => {
  test("whatever getAccessToken throws or returns, fetchToken never rejects", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const weird = ["string", undefined, null, 42, { no: "message" }, Object.create(null)];
    const gat = scripted([...weird.map((w) => ({ __throw: w })), "", null, undefined], { fallback: () => mint() });
    const { broker } = make(env, gat, { retryDelaysMs: [10] });
    const p = broker.fetchToken({ forceRefreshToken: true });
    await env.advance(1_000);
    const v = await p; // would throw if rejected
    assert.equal(typeof v, "string");
  });

  test("a getAccessToken that throws synchronously is handled", async () => {
    const env = fakeEnv();
    let n = 0;
    const gat = (o) => { n += 1; if (n === 1) throw typeError("Failed to fetch"); return Promise.resolve(jwt({ iat: 1, exp: 9e9, n })); };
    const { broker } = make(env, gat);
    const p = broker.fetchToken({});
    await env.advance(1_000);
    assert.equal(typeof (await p), "string");
  });
});

// ---------------------------------------------------------------------------------
describe("state", () => {
  test("transitions: refreshing → degraded → authenticated; Convex unauthenticated shows refreshing; no user → signed_out", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const gat = scripted([typeError("Failed to fetch")], { fallback: () => mint() });
    const { broker, states } = make(env, gat);
    const p = broker.fetchToken({});
    await env.advance(1_000);
    await p;
    assert.deepEqual(states, ["refreshing", "degraded", "authenticated"]);
    broker.setConvexAuthenticated(false);
    assert.equal(broker.getState(), "refreshing");
    broker.setConvexAuthenticated(true);
    assert.equal(broker.getState(), "authenticated");
    broker.setUser(false, true);
    assert.equal(broker.getState(), "refreshing");
    broker.setUser(false, false);
    assert.equal(broker.getState(), "signed_out");
  });
});

// ---------------------------------------------------------------------------------
describe("watchdog", () => {
  const base = { hasUser: true, signedOut: false, convexAuthenticated: true, convexFetchPending: false,
    socketState: "ready", connected: true, everConnected: true, paused: "no", lastSetAuthAt: 0 };

  test("re-arms after Convex has been unauthenticated (with a user) for rearmAfterMs, then backs off", () => {
    const dog = createWatchdog({ rearmAfterMs: 2_000, cooldownMs: 5_000 });
    const obs = (now, extra = {}) => dog.observe({ ...base, now, convexAuthenticated: false, ...extra });
    assert.equal(obs(0), "none");
    assert.equal(obs(1_900), "none");
    assert.equal(obs(2_000), "rearm");
    // condition persists: next re-arm only after the cooldown (5 s), then 10 s
    let t = 2_000, actions = [];
    for (; t <= 40_000; t += 500) if (obs(t) === "rearm") actions.push(t);
    assert.equal(actions[0], 7_000);
    assert.equal(actions[1], 17_000);
    // authenticated resets the backoff
    dog.observe({ ...base, now: 41_000 });
  });

  test("no action without a user, once signed out, or while Convex waits on a fetch", () => {
    const dog = createWatchdog({ rearmAfterMs: 1_000 });
    for (const extra of [{ hasUser: false }, { signedOut: true }, { convexFetchPending: true }]) {
      for (let t = 0; t < 10_000; t += 500) {
        assert.equal(dog.observe({ ...base, now: t, convexAuthenticated: false, socketState: "stopped", ...extra }), "none");
      }
    }
  });

  test("stopped socket for stoppedSocketMs → restart-socket", () => {
    const dog = createWatchdog({ stoppedSocketMs: 3_000 });
    assert.equal(dog.observe({ ...base, now: 0, socketState: "stopped" }), "none");
    assert.equal(dog.observe({ ...base, now: 2_900, socketState: "stopped" }), "none");
    assert.equal(dog.observe({ ...base, now: 3_000, socketState: "stopped" }), "restart-socket");
    // a stopped socket while the bridge is fetching for Convex is the reauth path: leave it
    const dog2 = createWatchdog({ stoppedSocketMs: 3_000 });
    for (let t = 0; t < 10_000; t += 500) assert.equal(dog2.observe({ ...base, now: t, socketState: "stopped", convexFetchPending: true }), "none");
  });

  test("open but never connected after setAuth → fresh-setauth", () => {
    const dog = createWatchdog({ neverConnectedMs: 1_500 });
    const o = (now, extra) => dog.observe({ ...base, now, everConnected: false, paused: "yes", lastSetAuthAt: 0, ...extra });
    assert.equal(o(0), "none");
    assert.equal(o(1_000), "none");
    assert.equal(o(1_200, { lastSetAuthAt: 1_200 }), "none"); // a new setAuth restarts the timer
    assert.equal(o(2_600, { lastSetAuthAt: 1_200 }), "none");
    assert.equal(o(2_700, { lastSetAuthAt: 1_200 }), "fresh-setauth");
  });

  test("healthy state → never acts", () => {
    const dog = createWatchdog({});
    for (let t = 0; t < 60_000; t += 500) assert.equal(dog.observe({ ...base, now: t }), "none");
  });
});
