// The refresh breaker at work: a broker with the breaker on a fake global, the fake
// authkit-js (its 1 s loop) and the fake WorkOS (sim/authkit.js) on a fake clock. When it
// holds authkit-js's refreshes and when it lets requests out. (The breaker on its own:
// breaker.test.js.)
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { RefreshError } from "@workos-inc/authkit-js";
import { AUTHENTICATE_PATH, refreshBreaker } from "../breaker.js";
import { createTokenBroker } from "../policy.js";
import { USER, fakeEnv, jwt, seeded, settle } from "./helpers.js";
import { API, fakeAuthKit, fakeWorkOS } from "./sim/authkit.js";

const SECRET = "rt_SECRET_do_not_store_4f2a"; // a devMode refresh token in a body
const refreshInit = () => ({ method: "POST", headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ client_id: "client_test", grant_type: "refresh_token", refresh_token: SECRET }) });

// A tab: the broker with the breaker on a fake global, the fake authkit-js (its 1 s loop
// on) and the fake WorkOS, no Convex: Convex's setAuth at the start, `need()` its forced
// request for a new token.
function tab({ mode = () => "ok", options = {}, loop = true, devMode = true, retryAfterS = null, seed = 1, settleDelayMs = 0 } = {}) {
  const env = fakeEnv();
  const server = fakeWorkOS(env, { mode: (now) => mode(now), lifetimeS: 300, retryAfterS });
  const page = { fetch: (input, init) => server.fetch(input, init) };
  const breaker = refreshBreaker(page);
  // The page-load refresh happened before: AuthKit holds a fresh 5-minute token.
  const iat = Math.floor(env.now / 1000);
  const token = jwt({ sub: "user_1", sid: "session_1", iat, exp: iat + 300, jti: "r0" });
  const authkit = fakeAuthKit(env, (input, init) => page.fetch(input, init), { loop, devMode, token, settleDelayMs });
  const events = [];
  const broker = createTokenBroker({
    getAccessToken: (o) => authkit.getAccessToken(o), clock: env.clock, timers: env.timers, page: env.page,
    random: seeded(seed), breaker, console: { warn() {}, error() {} },
    options: { jitter: 0, ...options, onEvent: (e) => events.push(e) },
  });
  const release = broker.start();
  broker.setUser(USER, false);
  broker.fetchToken({ forceRefreshToken: false }); // Convex's setAuth: it holds AuthKit's token from now on
  const count = (type) => events.filter((e) => e.type === type).length;
  return { env, server, page, breaker, authkit, broker, events, count, release,
    need: () => settle(broker.fetchToken({ forceRefreshToken: true })), close: () => { broker.dispose(); authkit.stopLoop(); } };
}
const down = (from, to = Infinity, kind = "5xx") => (now) => (now >= from && now < to ? kind : "ok");
const T0 = 1_800_000_000_000;

describe("with a bridge backing off (fake authkit-js and WorkOS, fake clock)", () => {
  for (const kind of ["5xx", "network"]) {
    test(`${kind}: authkit-js's 1 s loop is held; only the bridge's own attempts reach WorkOS`, async () => {
      const t = tab({ mode: down(T0, Infinity, kind) });
      await t.env.advance(291_000); // inside AuthKit's buffer: its loop refreshes every second
      const need = t.need();
      await t.env.advance(120_000);
      const attempts = t.events.filter((e) => e.type === "refresh_attempt" && e.at >= T0 + 291_000).map((e) => e.at);
      assert.ok(attempts.length >= 5 && attempts.length <= 9, `${attempts.length} bridge attempts in 2 minutes`);
      // Every request on the wire is one a bridge attempt rode: the bridge's own, or the
      // loop's started in the very instant the backoff ended (the bridge's call joins it).
      const sinceNeed = t.server.log.filter((r) => r.at >= T0 + 291_000);
      assert.deepEqual(sinceNeed.map((r) => r.at), attempts, "one request per bridge attempt, at its instant");
      assert.ok(!t.events.some((e) => e.trigger === "after-held"), "no bridge call was ever held");
      assert.ok(t.breaker.stats.held >= 100, `held ${t.breaker.stats.held}`);
      assert.ok(t.authkit.stats.requests.loop >= 100, "the loop kept trying (locally answered)");
      assert.equal(t.authkit.state, "AUTHENTICATED", "authkit-js kept its session");
      assert.equal(need.done, false);
      assert.ok(t.count("refresh_held") >= 1);
      assert.ok(t.broker.snapshot().counters.heldRequests >= 100);
      t.close();
    });
  }

  test("the bridge's scheduled attempt goes out; when WorkOS is back it succeeds and nothing is held after", async () => {
    const t = tab({ mode: down(T0, T0 + 330_000) });
    await t.env.advance(291_000);
    const need = t.need();
    await t.env.advance(39_000); // WorkOS back at 330 s; the bridge retries by its schedule
    const heldAtEnd = t.breaker.stats.held;
    await t.env.advance(31_000); // ≤ ceiling later
    assert.equal(need.done, true);
    assert.equal(typeof need.value, "string");
    const after = t.server.log.filter((r) => r.at >= T0 + 330_000);
    assert.equal(after.length, 1, "one request after the outage: the bridge's attempt, which succeeded");
    assert.notEqual(after[0].origin, "loop");
    assert.ok(t.breaker.stats.held - heldAtEnd <= 30, "held only until the bridge's attempt");
    const heldLater = t.breaker.stats.held;
    await t.env.advance(180_000);
    assert.equal(t.breaker.stats.held, heldLater, "nothing held once the bridge has its token");
    t.close();
  });

  for (const signal of ["online", "visible", "pageshow", "resume"]) {
    test(`a signal (${signal}) sends the bridge's attempt out at once, in the middle of a long backoff`, async () => {
      const t = tab({ mode: down(T0, T0 + 480_000) });
      await t.env.advance(291_000);
      const need = t.need();
      await t.env.advance(200_000); // at the 30 s ceiling (attempts at …, 442, 472, 502 s); WorkOS back at 480 s
      assert.equal(need.done, false);
      const atSignal = t.env.now;
      const before = t.server.requests;
      t.env.page.fire(signal);
      await t.env.advance(100);
      assert.equal(t.server.requests, before + 1, "the signal's attempt reached WorkOS");
      assert.equal(t.server.log.at(-1).at, atSignal);
      const attempt = t.events.filter((e) => e.type === "refresh_attempt").at(-1);
      assert.equal(attempt.trigger, signal, "its own call went out: not held, then tried again");
      assert.equal(need.done, true, "and recovered at once");
      t.close();
    });
  }

  test("a signal too soon after an attempt (signalMinGapMs) waits, held, then goes out", async () => {
    const t = tab({ mode: down(T0, T0 + 292_000), options: { signalMinGapMs: 5_000, backoffBaseMs: 10_000 } });
    await t.env.advance(291_000);
    const need = t.need(); // attempt at 291 s fails; next scheduled at 301 s
    await t.env.advance(500);
    t.env.page.fire("online"); // WorkOS is back at 292 s, but the signal may not act before 296 s
    await t.env.advance(4_000);
    assert.equal(need.done, false);
    assert.equal(t.server.log.filter((r) => r.at > T0 + 291_100).length, 0, "held until the gap has passed");
    assert.ok(t.breaker.stats.held >= 3, "the loop was held meanwhile");
    await t.env.advance(1_000);
    assert.equal(need.done, true, "at 296 s, not 301 s");
    t.close();
  });

  test("the bridge's attempt joins a refresh the breaker already answered: it goes again at once, and out", async () => {
    let back = Infinity;
    const t = tab({ mode: (now) => (now >= back ? "ok" : "5xx"), loop: false, settleDelayMs: 50 });
    await t.env.advance(291_000);
    const need = t.need(); // fails on the wire (503): backoff
    await t.env.advance(16_000); // AuthKit's token has expired (300 s): its refreshes now throw
    const { retryAt, phase } = t.broker.snapshot();
    assert.equal(phase, "backoff");
    await t.env.advance(retryAt - t.env.now - 20);
    back = t.env.now; // WorkOS is back
    void t.authkit.getAccessToken().catch(() => {}); // authkit-js's loop, 20 ms before the retry: held, still settling
    await t.env.advance(20); // the bridge's retry joins that flight and gets the held answer
    await t.env.advance(300);
    assert.ok(t.events.some((e) => e.type === "refresh_attempt" && e.trigger === "after-held"));
    assert.equal(need.done, true, "recovered at once, not a backoff period later");
    assert.equal(t.server.log.filter((r) => r.at >= back).length, 1, "one request went out: the bridge's");
    t.close();
  });

  test("other requests to the same host while holding go out untouched: code exchange, sign-out, authorize", async () => {
    const t = tab({ mode: down(T0) });
    await t.env.advance(291_000);
    t.need();
    await t.env.advance(5_000);
    assert.equal(t.broker.snapshot().phase, "backoff");
    const held0 = t.breaker.stats.held;
    const code = { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: "c1", client_id: "client_test", grant_type: "authorization_code", code_verifier: "v" }) };
    await t.page.fetch(new URL(AUTHENTICATE_PATH, API), code);
    await t.page.fetch(new URL("/user_management/sessions/logout?session_id=s", API), { mode: "no-cors", credentials: "include" });
    await t.page.fetch(`${API}/user_management/authorize?client_id=client_test`);
    assert.equal(t.server.other.length, 3);
    assert.deepEqual(t.server.other.map((r) => r.method), ["POST", "GET", "GET"]);
    assert.equal(t.breaker.stats.held, held0);
    t.close();
  });

  test("cookie mode (credentials: include, no token in the body) is held the same; passed requests keep their init", async () => {
    const t = tab({ mode: down(T0), devMode: false });
    await t.env.advance(291_000);
    const need = t.need();
    await t.env.advance(60_000);
    const out = t.server.log.filter((r) => r.at >= T0 + 291_000);
    assert.ok(out.length >= 3);
    assert.ok(out.length <= t.events.filter((e) => e.type === "refresh_attempt").length);
    assert.ok(out.every((r) => r.credentials === "include"), "the bridge's requests kept credentials: include");
    assert.ok(t.breaker.stats.held >= 50);
    assert.equal(need.done, false);
    t.close();
  });

  test("devMode: the refresh token in the body is never stored or reported", async () => {
    const t = tab({ mode: down(T0) });
    await t.env.advance(291_000);
    t.need();
    await t.env.advance(30_000);
    // the fake authkit-js sends its real refresh token ("rt_0" here) in each body
    await t.page.fetch(new URL(AUTHENTICATE_PATH, API), refreshInit());
    const everything = JSON.stringify([t.events, t.broker.snapshot(), t.breaker.stats, t.breaker.lastOutcome(API),
      Object.entries(t.breaker)]);
    assert.ok(!everything.includes(SECRET), "the refresh token leaked");
    assert.ok(!everything.includes("rt_0"));
    assert.ok(!everything.includes("refresh_token\""));
    t.close();
  });

  test("an app calling getAccessToken itself during the outage is held too: the failure WorkOS gave, nothing sent", async () => {
    const t = tab({ mode: down(T0) });
    await t.env.advance(291_000);
    t.need();
    await t.env.advance(20_000); // AuthKit's token has expired; the bridge backs off
    const wire0 = t.server.requests;
    const forced = t.authkit.getAccessToken({ forceRefresh: true });
    await assert.rejects(forced, (e) => e instanceof RefreshError && e.status === 503 && e.isTransient === true);
    const unforced = t.authkit.getAccessToken();
    await assert.rejects(unforced, (e) => e instanceof RefreshError && e.status === 503);
    assert.equal(t.server.requests, wire0, "nothing reached WorkOS");
    assert.equal(t.authkit.state, "AUTHENTICATED");
    t.close();
  });

  test("holdAuthKitRefreshes: false leaves fetch alone: the loop reaches WorkOS every second", async () => {
    const t = tab({ mode: down(T0), options: { holdAuthKitRefreshes: false } });
    assert.equal(t.breaker.attached, 0);
    await t.env.advance(291_000);
    t.need();
    await t.env.advance(60_000);
    assert.ok(t.server.log.filter((r) => r.origin === "loop").length >= 50);
    assert.equal(t.breaker.stats.held, 0);
    t.close();
  });

  test("dispose detaches: the global's fetch is restored and nothing is held", async () => {
    const t = tab({ mode: down(T0) });
    const wrapped = t.page.fetch;
    await t.env.advance(291_000);
    t.need();
    await t.env.advance(10_000);
    t.close();
    assert.notEqual(t.page.fetch, wrapped);
    assert.equal(t.breaker.attached, 0);
    const wire0 = t.server.requests;
    const p = t.page.fetch(new URL(AUTHENTICATE_PATH, API), refreshInit());
    await t.env.advance(100);
    await p;
    assert.equal(t.server.requests, wire0 + 1);
  });

  test("AuthKit answered with its unexpired token but the wire said 503: a failure, one request per attempt (no forced follow-up)", async () => {
    const t = tab({ mode: down(T0), loop: false });
    await t.env.advance(291_000); // AuthKit's token: 9 s left (inside its buffer)
    t.need();
    await t.env.advance(5_000); // before the token expires
    const attempts = t.events.filter((e) => e.type === "refresh_attempt" && e.at >= T0 + 291_000);
    assert.ok(attempts.length >= 2);
    assert.ok(attempts.every((e) => e.force === false), JSON.stringify(attempts));
    assert.equal(t.server.log.filter((r) => r.at >= T0 + 291_000).length, attempts.length, "one request per attempt");
    assert.equal(t.events.filter((e) => e.type === "refresh_failed")[0].reason, "refresh_error_503");
    t.close();
  });

  test("Retry-After seen on the wire (authkit-js drops it) is honoured", async () => {
    const t = tab({ mode: down(T0, Infinity, "429"), retryAfterS: 20, loop: false });
    await t.env.advance(291_000);
    t.need();
    await t.env.advance(60_000);
    const at = t.server.log.filter((r) => r.at >= T0 + 291_000).map((r) => r.at - T0 - 291_000);
    assert.ok(at.length >= 2);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 20_000, `attempts at ${at}`);
    t.close();
  });

});
