// The breaker and authtrace's recorder on one page. The recorder's boot shim
// (web/recorder/boot.js, loaded as is) wraps fetch in <head>, before the app; the
// bridge's breaker wraps it when the provider mounts, so it is outermost: a held
// refresh never reaches the recorder, and the trace shows exactly the refresh requests
// that went out (the same count WorkOS sees). If the recorder were installed after the
// bridge instead, it would record the held answers too, as responses with the status
// the breaker mimics and an X-Authbridge-Held header.
import "./dom.js";
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runInThisContext } from "node:vm";
import { refreshBreaker } from "../breaker.js";
import { createTokenBroker } from "../policy.js";
import { USER, fakeEnv, jwt, seeded, settle } from "./helpers.js";
import { fakeAuthKit, fakeWorkOS } from "./sim/authkit.js";

const BOOT = readFileSync(new URL("../../recorder/boot.js", import.meta.url), "utf8");
const T0 = 1_800_000_000_000;

/** Load the recorder's boot shim now (as its <script> would), wrapping the current fetch. */
function bootRecorder() {
  delete globalThis.__authtrace;
  const setI = globalThis.setInterval;
  globalThis.setInterval = () => 0; // its clock-jump tick would keep the test process alive
  try { runInThisContext(BOOT, { filename: "boot.js" }); } finally { globalThis.setInterval = setI; }
  return globalThis.__authtrace;
}
const authRequests = (at) => at.queue.filter((o) => o.kind === "fetch" && o.type === "request" && o.payload.auth);
const authAnswers = (at) => at.queue.filter((o) => o.kind === "fetch" && (o.type === "response" || o.type === "error") && o.payload.request);

/** A tab on the page's real global fetch (network: the fake WorkOS), 5xx from T0 + 280 s. */
function tab() {
  const env = fakeEnv();
  const server = fakeWorkOS(env, { mode: (now) => (now >= T0 + 280_000 ? "5xx" : "ok") });
  const iat = Math.floor(env.now / 1000);
  const token = jwt({ sub: "user_1", sid: "session_1", iat, exp: iat + 300, jti: "r0" });
  const authkit = fakeAuthKit(env, (input, init) => globalThis.fetch(input, init), { token });
  const broker = createTokenBroker({
    getAccessToken: (o) => authkit.getAccessToken(o), clock: env.clock, timers: env.timers, page: env.page,
    random: seeded(1), breaker: refreshBreaker(globalThis), options: { jitter: 0 },
  });
  return { env, server, authkit, broker };
}

describe("the recorder's fetch instrumentation under the breaker", () => {
  test("recorder first (boot.js in <head>): the trace shows only the refresh requests that went out", async () => {
    const network = globalThis.fetch;
    const t = tab();
    globalThis.fetch = (input, init) => t.server.fetch(input, init);
    const at = bootRecorder();
    const recorderFetch = globalThis.fetch;
    try {
      t.broker.start(); // the provider mounts: the breaker wraps the recorder's fetch
      assert.notEqual(globalThis.fetch, recorderFetch);
      t.broker.setUser(USER, false);
      t.broker.fetchToken({});
      await t.env.advance(291_000);
      settle(t.broker.fetchToken({ forceRefreshToken: true }));
      await t.env.advance(120_000);
      const held = refreshBreaker(globalThis).stats.held;
      assert.ok(held >= 100, `${held} held`);
      assert.equal(authRequests(at).length, t.server.requests, "the trace's refresh requests are WorkOS's");
      assert.equal(authAnswers(at).length, t.server.requests);
      assert.ok(authAnswers(at).every((o) => o.type === "error" || o.payload.status !== undefined));
    } finally {
      t.broker.dispose();
      t.authkit.stopLoop();
      globalThis.fetch = network;
    }
  });

  test("recorder after the bridge (not how the page loads it): it records the held answers too, marked", async () => {
    const network = globalThis.fetch;
    const t = tab();
    globalThis.fetch = (input, init) => t.server.fetch(input, init);
    const held0 = refreshBreaker(globalThis).stats.held;
    try {
      t.broker.start();
      const at = bootRecorder(); // now outermost
      t.broker.setUser(USER, false);
      t.broker.fetchToken({});
      await t.env.advance(291_000);
      settle(t.broker.fetchToken({ forceRefreshToken: true }));
      await t.env.advance(60_000);
      await new Promise((r) => setTimeout(r, 20)); // the recorder reads response bodies asynchronously
      const held = refreshBreaker(globalThis).stats.held - held0;
      assert.ok(held >= 50);
      assert.ok(authRequests(at).length >= t.server.requests + held - 2, `${authRequests(at).length} recorded`);
      const answered = authAnswers(at).filter((o) => o.type === "response" && /authbridge_held/.test(o.payload.body || ""));
      assert.ok(answered.length >= held - 2, `${answered.length} held answers recorded`);
    } finally {
      t.broker.dispose();
      t.authkit.stopLoop();
      globalThis.fetch = network;
    }
  });
});
