// The breaker against the real, unmodified authkit-js 0.20.3 Client (createClient) in
// happy-dom, on a fake clock: its own #scheduleAutomaticRefresh loop, its http-client
// (the exact request it sends, devMode and cookie mode), its error handling and its
// code exchange on the callback page. The page's fetch is the fake WorkOS
// (sim/authkit.js fakeWorkOS); the bridge's broker attaches the breaker to it.
import "./dom.js";
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createClient, RefreshError } from "@workos-inc/authkit-js";
import { refreshBreaker } from "../breaker.js";
import { createTokenBroker } from "../policy.js";
import { USER, fakeEnv, seeded, settle } from "./helpers.js";
import { API, fakeWorkOS } from "./sim/authkit.js";

const CLIENT_ID = "client_test";
const T0 = 1_800_000_000_000;
const realFetch = globalThis.fetch;

// happy-dom has no Web Locks; authkit-js takes one around each refresh. One holder per name, FIFO.
const tails = new Map();
Object.defineProperty(navigator, "locks", { configurable: true, value: { request(name, opts, cb) {
  const run = (tails.get(name) || Promise.resolve()).then(() => cb({ name, mode: "exclusive" }));
  tails.set(name, run.catch(() => {}));
  return run;
} } });

let env;
let uninstall;
let open = [];
const quietDebug = console.debug;
beforeEach(() => {
  env = fakeEnv();
  uninstall = env.install();
  localStorage.clear();
  sessionStorage.clear();
  document.cookie = `workos-has-session=; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  console.debug = () => {}; // authkit-js logs each failed refresh
});
afterEach(() => {
  for (const b of open) b.dispose();
  open = [];
  globalThis.fetch = realFetch;
  uninstall();
  console.debug = quietDebug;
});

/** A tab: the real authkit-js client (signed in, 60 s tokens) and a broker; `need()` is Convex's forced request. */
async function realTab({ mode, devMode = true, options = {}, lifetimeS = 60 } = {}) {
  const server = fakeWorkOS(env, { mode: (now) => mode(now), lifetimeS });
  globalThis.fetch = (input, init) => server.fetch(input, init); // the page's network
  if (devMode) localStorage.setItem(`workos:refresh-token:${CLIENT_ID}`, "rt_page_load_SECRET");
  else document.cookie = `workos-has-session=${CLIENT_ID}`;
  const pending = createClient(CLIENT_ID, { apiHostname: "api.workos.test", https: true, devMode });
  await env.advance(100); // the page-load refresh
  const client = await pending;
  const events = [];
  const broker = createTokenBroker({
    getAccessToken: (o) => client.getAccessToken(o), clock: env.clock, timers: env.timers, page: env.page,
    random: seeded(1), breaker: refreshBreaker(globalThis), console: { warn() {}, error() {} },
    options: { jitter: 0, ...options, onEvent: (e) => events.push(e) },
  });
  open.push(broker);
  broker.start();
  broker.setUser(USER, false);
  await broker.fetchToken({ forceRefreshToken: false }); // Convex's setAuth
  return { server, client, broker, events, need: () => settle(broker.fetchToken({ forceRefreshToken: true })) };
}
const outage = (from, to = Infinity, kind = "5xx") => (now) => (now >= T0 + from && now < T0 + to ? kind : "ok");
const wireBetween = (server, from, to = Infinity) => server.log.filter((r) => r.at >= T0 + from && r.at < T0 + to);

describe("the real authkit-js client during a WorkOS outage", () => {
  for (const kind of ["5xx", "network"]) {
    test(`${kind}: its 1 s loop is held while the bridge backs off; turned off, the loop hits WorkOS every second`, async (tc) => {
      const counts = {};
      for (const hold of [true, false]) {
        if (!hold) { uninstall(); env = fakeEnv(); uninstall = env.install(); } // a fresh page and clock
        const t = await realTab({ mode: outage(45_000, 345_000, kind), options: { holdAuthKitRefreshes: hold } });
        await env.advance(51_000 - (env.now - T0)); // AuthKit's loop refreshes from 50 s (buffer 10 s)
        const need = t.need();
        await env.advance(294_000); // to 345 s: WorkOS is back
        counts[hold] = wireBetween(t.server, 45_000, 345_000).length;
        assert.equal(t.client.getUser()?.id, "user_1", "authkit-js kept its session");
        await env.advance(35_000);
        assert.equal(need.done, true, `hold=${hold}: recovered within ceiling + 5 s`);
        assert.equal(typeof need.value, "string");
        t.broker.dispose();
      }
      tc.diagnostic(`refresh requests on the wire in a 5-minute outage: breaker on ${counts.true}, off ${counts.false}`);
      assert.ok(counts.false >= 250, `without the breaker: ${counts.false} requests in 5 minutes`);
      assert.ok(counts.true <= 20, `with the breaker: ${counts.true} requests in 5 minutes`);
    });
  }

  test("cookie mode: requests that go out carry credentials: include; the loop is held the same", async () => {
    const t = await realTab({ mode: outage(45_000), devMode: false });
    assert.equal(t.server.log[0].credentials, "include", "the page-load refresh, cookie mode");
    await env.advance(51_000 - (env.now - T0));
    t.need();
    await env.advance(120_000);
    const out = wireBetween(t.server, 51_000);
    assert.ok(out.length >= 4 && out.length <= 10, `${out.length}`);
    assert.ok(out.every((r) => r.credentials === "include"));
    assert.ok(refreshBreaker(globalThis).stats.held >= 100);
  });

  test("an app's own getAccessToken is held too: it gets the failure WorkOS gave, authkit-js keeps its session", async () => {
    const t = await realTab({ mode: outage(45_000) });
    await env.advance(51_000 - (env.now - T0));
    t.need();
    await env.advance(30_000); // the token expired at 60 s; the bridge backs off
    const wire = t.server.requests;
    await assert.rejects(t.client.getAccessToken({ forceRefresh: true }), (e) => e instanceof RefreshError && e.status === 503 && e.isTransient);
    await assert.rejects(t.client.getAccessToken(), (e) => e instanceof RefreshError && e.status === 503);
    assert.equal(t.server.requests, wire, "nothing reached WorkOS");
    assert.equal(t.client.getUser()?.id, "user_1");
  });

  test("the code exchange on the callback page goes out while a bridge holds refreshes", async () => {
    const t = await realTab({ mode: outage(45_000) });
    await env.advance(51_000 - (env.now - T0));
    t.need();
    await env.advance(10_000);
    assert.equal(t.broker.snapshot().phase, "backoff");
    const held = refreshBreaker(globalThis).stats.held;
    assert.ok(held > 0);
    // The callback page: ?code=…, the PKCE verifier from the sign-in redirect.
    window.happyDOM.setURL("http://localhost:5173/callback?code=code_1&state=%7B%7D");
    sessionStorage.setItem("workos:code-verifier", "verifier_1");
    const pending = createClient(CLIENT_ID, { apiHostname: "api.workos.test", https: true, devMode: true,
      redirectUri: "http://localhost:5173/callback" });
    await env.advance(100);
    const client = await pending;
    assert.deepEqual(t.server.other.map((r) => [r.method, r.grant]), [["POST", "authorization_code"]]);
    assert.equal(client.getUser()?.id, "user_1", "signed in by the code exchange");
    window.happyDOM.setURL("http://localhost:5173/");
  });

  test("the refresh token in authkit-js's devMode body is never kept by the breaker or the bridge", async () => {
    const t = await realTab({ mode: outage(45_000) });
    await env.advance(51_000 - (env.now - T0));
    t.need();
    await env.advance(60_000);
    const b = refreshBreaker(globalThis);
    const kept = JSON.stringify([t.events, t.broker.snapshot(), b.stats, b.lastOutcome(API)]);
    assert.ok(b.stats.held > 0);
    assert.ok(!/rt_page_load_SECRET|rt_\d/.test(kept), "a refresh token was kept");
  });
});
