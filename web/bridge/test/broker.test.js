// The driver (createTokenBroker) against a scripted getAccessToken on a fake clock:
// what Convex gets back, how many AuthKit calls it costs, and when. (Sign-out,
// misconfigured and lifecycle: session.test.js.)
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { RefreshError, RefreshTimeoutError } from "@workos-inc/authkit-js";
import { USER, fakeEnv, jwt, make, minter, named, scripted, settle, throwing, typeError } from "./helpers.js";

// ---------------------------------------------------------------------------------
describe("one rotation per real need", () => {
  test("unforced → AuthKit unforced; forced, AuthKit still on Convex's token → one forced call", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const t1 = mint();
    const gat = scripted([t1, t1, () => mint()]);
    const { broker, count } = make(env, gat);
    assert.equal(await broker.fetchToken({ forceRefreshToken: false }), t1);
    const t2 = await broker.fetchToken({ forceRefreshToken: true });
    assert.notEqual(t2, t1);
    assert.deepEqual(gat.calls, [{ forceRefresh: false }, { forceRefresh: false }, { forceRefresh: true }]);
    assert.equal(count("same_token"), 0);
    assert.equal(broker.getState(), "authenticated");
  });

  test("a forced request takes the token AuthKit's own timer minted: no rotation", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const t1 = mint();
    let authkitToken = t1;
    const gat = scripted([], { fallback: () => authkitToken });
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(290_000);
    authkitToken = mint(); // AuthKit's 1 s loop refreshed inside its buffer
    const t = await broker.fetchToken({ forceRefreshToken: true });
    assert.equal(t, authkitToken);
    assert.ok(gat.calls.every((c) => c.forceRefresh === false), JSON.stringify(gat.calls));
  });

  test("a forced caller joining an unforced call gets a new token, without a spurious same_token", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const t1 = mint();
    let release;
    const gat = scripted([t1, () => new Promise((r) => { release = () => r(t1); })], { fallback: () => mint() });
    const { broker, count } = make(env, gat);
    await broker.fetchToken({}); // Convex holds t1
    await env.advance(280_000); // 20 s left: inside the bridge's leeway, outside AuthKit's buffer
    const probe = broker.probe(); // an unforced call starts…
    await env.flush();
    const forced = settle(broker.fetchToken({ forceRefreshToken: true })); // …and a forced caller joins it
    await env.flush();
    release(); // AuthKit answers the unforced call with Convex's token
    await env.advance(0);
    assert.ok(forced.done && forced.value !== t1 && typeof forced.value === "string");
    assert.deepEqual(gat.calls.map((c) => c.forceRefresh), [false, false, true]);
    assert.equal(count("same_token"), 0);
    void probe;
  });

  test("AuthKit answering a forced call with Convex's token: same_token, back off, force again", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const t1 = mint();
    const gat = scripted([t1, t1, t1, t1], { fallback: () => mint() });
    const { broker, count } = make(env, gat);
    assert.equal(await broker.fetchToken({}), t1);
    const p = settle(broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(5_000);
    assert.ok(p.done && p.value !== t1);
    assert.deepEqual(gat.calls.map((c) => c.forceRefresh), [false, false, true, true, true]);
    assert.equal(count("same_token"), 2);
  });
});

// ---------------------------------------------------------------------------------
describe("transient failures", () => {
  test("an unforced caller gets the still-valid token when AuthKit throws a TypeError", async () => {
    const env = fakeEnv();
    const t1 = minter(env, 20)(); // leeway 5 s; AuthKit refreshes 10 s before expiry
    const gat = scripted([t1], { fallback: throwing(typeError()) });
    const { broker, count } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(12_000); // inside AuthKit's buffer: its refresh fails, the token is still valid
    broker.rearmed();
    assert.equal(await broker.fetchToken({}), t1);
    assert.equal(gat.calls.length, 2);
    assert.equal(count("served_cached"), 1);
    assert.equal(broker.getState(), "degraded");
  });

  test("cached token served after a transient failure, unforced, then state degraded", async () => {
    const env = fakeEnv();
    const mint = minter(env, 100); // leeway min(30 s, 25 s) = 25 s
    const t1 = mint();
    const gat = scripted([t1, typeError()], { fallback: typeError() });
    const { broker, count } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(74_000); // 26 s left: valid, so the forced caller below is not answered from it
    const forced = settle(broker.fetchToken({ forceRefreshToken: true }));
    await env.flush();
    assert.equal(gat.calls.length, 2);
    assert.equal(forced.done, false);
    assert.equal(broker.getState(), "degraded");
    assert.equal(count("served_cached"), 0, "nobody unforced was waiting");
  });

  test("inside the leeway an unforced caller waits and retries instead of getting null", async () => {
    const env = fakeEnv();
    const mint = minter(env, 100);
    const t1 = mint();
    const gat = scripted([t1, typeError(), typeError()], { fallback: () => mint() });
    const { broker } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(80_000); // 20 s left < 25 s leeway
    const r = settle(broker.fetchToken({}));
    await env.flush();
    assert.equal(r.done, false, "no token inside the leeway");
    await env.advance(1_000 + 2_000);
    assert.ok(r.done && r.value && r.value !== t1);
  });

  test("exponential backoff: attempts at 0, 1, 3, 7, 15, 31, 61, 91 s (no jitter, 30 s ceiling)", async () => {
    const env = fakeEnv();
    const times = [];
    const start = env.now;
    const gat = scripted([], { fallback: () => { times.push(env.now - start); return times.length < 8 ? throwing(typeError()) : minter(env)(); } });
    const { broker } = make(env, gat);
    const p = settle(broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(120_000);
    assert.ok(p.done && p.value);
    assert.deepEqual(times, [0, 1_000, 3_000, 7_000, 15_000, 31_000, 61_000, 91_000]);
  });

  test("a hidden tab backs off to the longer ceiling", async () => {
    const env = fakeEnv({ visible: false });
    const times = [];
    const gat = scripted([], { fallback: () => { times.push(env.now); return throwing(typeError()); } });
    const { broker } = make(env, gat, { hiddenBackoffCeilingMs: 240_000 });
    broker.fetchToken({ forceRefreshToken: true });
    await env.advance(1_200_000);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.deepEqual(gaps.slice(0, 9), [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 240_000]);
  });

  test("a page signal cuts a long backoff sleep short", async () => {
    const env = fakeEnv({ visible: false });
    const gat = scripted([], { fallback: () => throwing(typeError()) });
    const { broker } = make(env, gat);
    broker.fetchToken({ forceRefreshToken: true });
    await env.advance(300_000); // attempts at 0, 1, 3, 7, 15, 31, 63, 127, 255 s: now sleeping 256 s
    const before = gat.calls.length;
    const snap = broker.snapshot();
    assert.ok(snap.retryAt - env.now > 200_000, `sleeping ${snap.retryAt - env.now} ms`);
    env.page.visible = true;
    env.page.fire("visible");
    await env.flush();
    assert.equal(gat.calls.length, before + 1, "the signal retried at once");
  });

  test("`online` retries at once, but never sooner than signalMinGapMs after the last attempt", async () => {
    const env = fakeEnv();
    const gat = scripted([], { fallback: () => throwing(typeError()) });
    const { broker } = make(env, gat, { backoffCeilingMs: 60_000 });
    broker.fetchToken({ forceRefreshToken: true });
    await env.advance(40_000); // attempts at 0, 1, 3, 7, 15, 31 s; next at 63 s
    const n = gat.calls.length;
    env.page.fire("online");
    await env.flush();
    assert.equal(gat.calls.length, n + 1);
    env.page.fire("online"); // a flapping signal
    await env.flush();
    assert.equal(gat.calls.length, n + 1);
    await env.advance(1_000);
    assert.equal(gat.calls.length, n + 2);
  });

  test("navigator.onLine false is a hint: the retry waits for `online`, at most offlineMaxWaitMs", async () => {
    const env = fakeEnv({ online: false });
    const mint = minter(env);
    const times = [];
    const gat = scripted([], { fallback: () => { times.push(env.now); return times.length < 3 ? throwing(typeError()) : mint(); } });
    const { broker } = make(env, gat, { offlineMaxWaitMs: 20_000 });
    const start = env.now;
    const p = settle(broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(19_000);
    assert.equal(times.length, 1, "no retry while it says offline…");
    await env.advance(1_000);
    assert.equal(times.length, 2, "…until the maximum wait (it may lie)");
    env.page.online = true;
    env.page.fire("online"); // right after that attempt: within signalMinGapMs
    await env.advance(1_000);
    assert.ok(p.done && p.value);
    assert.deepEqual(times.map((t) => t - start), [0, 20_000, 21_000]);
  });

  test("Retry-After is honoured: no retry before it, not even on a signal", async () => {
    const env = fakeEnv();
    const mint = minter(env);
    const limited = Object.assign(new RefreshError("Too Many Requests", { status: 429, isTransient: true }), { retryAfter: "45" });
    const times = [];
    const gat = scripted([], { fallback: () => { times.push(env.now); return times.length < 2 ? throwing(limited) : mint(); } });
    const { broker, events } = make(env, gat);
    const start = env.now;
    broker.fetchToken({ forceRefreshToken: true });
    await env.advance(10_000);
    env.page.fire("online");
    await env.advance(30_000);
    assert.equal(times.length, 1);
    await env.advance(5_000);
    assert.deepEqual(times.map((t) => t - start), [0, 45_000]);
    assert.equal(events.find((e) => e.type === "retry_scheduled").delayMs, 45_000);
  });

  test("a hung getAccessToken: one call, an event and console.warn, the valid token served, recovery when it settles", async () => {
    const env = fakeEnv();
    const mint = minter(env, 300);
    const t1 = mint();
    let release;
    const gat = scripted([t1, () => new Promise((r) => { release = () => r(mint()); })], { fallback: () => mint() });
    const { broker, console, count } = make(env, gat, { hungAfterMs: 15_000 });
    await broker.fetchToken({});
    await env.advance(250_000); // inside the leeway: a forced refetch
    const forced = settle(broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(16_000);
    assert.equal(count("authkit_hung"), 1);
    assert.equal(console.warns.length, 1);
    assert.equal(broker.getState(), "degraded");
    broker.rearmed();
    const unforced = settle(broker.fetchToken({}));
    await env.flush();
    assert.equal(unforced.value, t1, "still valid: served meanwhile");
    await env.advance(600_000);
    assert.equal(gat.calls.length, 2, "never a second call while one hangs");
    assert.equal(forced.done, false);
    release();
    await env.advance(0);
    assert.ok(forced.done && forced.value && forced.value !== t1);
    assert.equal(count("authkit_recovered"), 1);
    assert.equal(broker.getState(), "authenticated");
  });

  for (const [label, err] of [
    ["RefreshError 503", new RefreshError("x", { status: 503, isTransient: true })],
    ["RefreshTimeoutError", new RefreshTimeoutError()],
    ["SyntaxError", new SyntaxError("Unexpected token")],
    ["AbortError", named("AbortError")],
  ]) {
    test(`${label} never becomes null`, async () => {
      const env = fakeEnv();
      const gat = scripted([err, err, err], { fallback: () => minter(env)() });
      const { broker } = make(env, gat);
      const p = settle(broker.fetchToken({ forceRefreshToken: true }));
      await env.advance(10_000);
      assert.ok(p.done && typeof p.value === "string" && p.value.split(".").length === 3);
    });
  }

  test("whatever getAccessToken throws, fetchToken never rejects; non-strings are retried", async () => {
    const env = fakeEnv();
    const weird = ["string", undefined, null, 42, { no: "message" }, Object.create(null)];
    const gat = scripted([...weird.map((w) => throwing(w)), 42, { token: "x" }], { fallback: () => minter(env)() });
    const { broker } = make(env, gat, { backoffBaseMs: 10 });
    const p = settle(broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(10_000);
    assert.ok(p.done && typeof p.value === "string" && p.value.split(".").length === 3);
  });

  test("a getAccessToken that throws synchronously is handled", async () => {
    const env = fakeEnv();
    let n = 0;
    const gat = () => { n += 1; if (n === 1) throw typeError(); return Promise.resolve(jwt({ iat: 1, exp: 9e9, n })); };
    const { broker } = make(env, gat);
    const p = settle(broker.fetchToken({}));
    await env.advance(2_000);
    assert.ok(p.done && typeof p.value === "string");
  });
});

// ---------------------------------------------------------------------------------
describe("single call, refresh ahead", () => {
  test("concurrent fetches and probes share one AuthKit call", async () => {
    const env = fakeEnv();
    let release;
    const gat = scripted([() => new Promise((r) => { release = () => r(minter(env)()); })]);
    const { broker } = make(env, gat);
    const ps = [broker.fetchToken({}), broker.fetchToken({ forceRefreshToken: true }), broker.probe()];
    await env.flush();
    assert.equal(gat.calls.length, 1);
    release();
    const vs = await Promise.all(ps);
    assert.equal(new Set(vs).size, 1);
  });

  test("an outage is one retry schedule, not one per caller", async () => {
    const env = fakeEnv();
    const up = env.now + 3_000;
    const gat = scripted([], { fallback: () => (env.now < up ? throwing(typeError()) : minter(env)()) });
    const { broker } = make(env, gat);
    const ps = [1, 2, 3, 4, 5].map(() => broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(10_000);
    await Promise.all(ps);
    assert.equal(gat.calls.length, 3); // 0, 1, 3 s
  });

  test("signals refresh ahead of need at most once per cooldownMs", async () => {
    const env = fakeEnv();
    const t1 = minter(env, 20)(); // leeway 5 s
    const gat = scripted([t1], { fallback: () => throwing(typeError()) });
    const { broker, count } = make(env, gat, { cooldownMs: 5_000 });
    await broker.fetchToken({});
    await env.advance(30_000); // expired; nobody waits
    for (const name of ["visible", "pageshow", "resume", "online"]) {
      env.page.fire(name);
      await env.advance(500); // each proactive call has failed before the next signal
    }
    assert.equal(gat.calls.length, 2);
    assert.deepEqual(gat.calls[1], { forceRefresh: false });
    assert.equal(count("proactive_refresh"), 1);
    await env.advance(5_000);
    env.page.fire("online");
    await env.flush();
    assert.equal(gat.calls.length, 3, "after the cooldown, another one");
  });

  test("signals do nothing before AuthKit reports a user, or while the token is valid", async () => {
    const env = fakeEnv();
    const gat = scripted([minter(env, 300)()]);
    const { broker } = make(env, gat, { user: false });
    env.page.fire("pageshow");
    await env.advance(5_000);
    assert.equal(gat.calls.length, 0);
    broker.setUser(USER, false);
    await broker.fetchToken({});
    env.page.fire("visible");
    await env.flush();
    assert.equal(gat.calls.length, 1);
  });
});
