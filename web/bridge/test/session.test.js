// The driver (createTokenBroker) over a session's edges: sign-out, misconfigured,
// lifecycle (dispose, StrictMode's release-then-start) and the public state.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { LoginRequiredError, RefreshError } from "@workos-inc/authkit-js";
import { USER, authkitLike, fakeEnv, make, minter, scripted, settle, throwing, typeError } from "./helpers.js";

// ---------------------------------------------------------------------------------
describe("sign-out", () => {
  test("a terminal error signs out at once: one AuthKit call, null to all, none after", async () => {
    const env = fakeEnv();
    const t1 = minter(env)();
    const gat = scripted([t1, new RefreshError("Missing refresh token.", { status: 400, error: "invalid_request" })], { fallback: new LoginRequiredError() });
    const { broker, count, states } = make(env, gat);
    await broker.fetchToken({});
    await env.advance(290_000);
    const ps = [broker.fetchToken({ forceRefreshToken: true }), broker.probe()];
    await env.advance(5_000);
    assert.deepEqual(await Promise.all(ps), [null, null]);
    assert.equal(gat.calls.length, 2, "no confirming call: authkit-js has already wiped its session");
    assert.equal(count("signed_out"), 1);
    assert.equal(states.at(-1), "signed_out");
    assert.equal(await broker.fetchToken({}), null);
    await env.advance(60_000);
    assert.equal(gat.calls.length, 2);
  });

  test("null from getAccessToken means signed out, as in stock", async () => {
    const env = fakeEnv();
    const gat = scripted([null]);
    const { broker, events } = make(env, gat);
    assert.equal(await broker.fetchToken({}), null);
    assert.equal(broker.getState(), "signed_out");
    assert.equal(events.find((e) => e.type === "signed_out").reason, "no_token");
    await env.advance(120_000);
    assert.equal(gat.calls.length, 1);
  });

  test("a new user after a sign-out restarts the bridge", async () => {
    const env = fakeEnv();
    const gat = scripted([new LoginRequiredError()], { fallback: () => minter(env)() });
    const { broker } = make(env, gat);
    assert.equal(await broker.fetchToken({}), null);
    broker.setUser(USER, false); // the same user object: still signed out
    assert.equal(broker.getState(), "signed_out");
    broker.setUser({ id: "user_1" }, false); // a new session's user object
    assert.equal(broker.getState(), "refreshing");
    assert.equal(typeof (await broker.fetchToken({})), "string");
    assert.equal(broker.getState(), "authenticated");
  });

  test("signed out, AuthKit gets a session again (e.g. another tab): a signal rechecks and restarts", async () => {
    const env = fakeEnv();
    let session = false;
    const gat = scripted([new LoginRequiredError()], { fallback: () => (session ? minter(env)() : throwing(new LoginRequiredError())) });
    const { broker } = make(env, gat, { signedOutRecheckMs: 60_000 });
    assert.equal(await broker.fetchToken({}), null);
    env.page.fire("visible");
    await env.flush();
    assert.equal(gat.calls.length, 2);
    assert.equal(broker.getState(), "signed_out");
    session = true;
    env.page.fire("visible");
    await env.flush();
    assert.equal(gat.calls.length, 2, "rechecks are rate-limited");
    await env.advance(60_000);
    env.page.fire("visible");
    await env.flush();
    assert.equal(gat.calls.length, 3);
    assert.equal(broker.getState(), "authenticated");
  });
});

// ---------------------------------------------------------------------------------
describe("misconfigured", () => {
  test("fresh tokens rejected maxRejectedTokens times → misconfigured, one console.error, null after", async () => {
    const env = fakeEnv();
    const gat = authkitLike(env);
    const { broker, console } = make(env, gat, { maxRejectedTokens: 3 });
    broker.setConvexAuthenticated(null);
    const a = await broker.fetchToken({});
    let held = a;
    for (let i = 0; i < 3; i++) { // Convex's server rejects each token: it asks again, forced
      const next = await broker.fetchToken({ forceRefreshToken: true });
      assert.notEqual(next, held);
      held = next;
    }
    assert.equal(broker.getState(), "authenticated"); // two rejections counted so far
    broker.setConvexAuthenticated(false); // Convex gave up (MAX_TOKEN_CONFIRMATION_ATTEMPTS)
    assert.equal(broker.getState(), "misconfigured");
    assert.equal(console.errors.length, 1);
    assert.match(console.errors[0], /issuer/);
    assert.match(console.errors[0], /applicationID/);
    assert.equal(await broker.fetchToken({ forceRefreshToken: true }), null);
    env.page.fire("visible");
    await env.advance(600_000);
    assert.equal(console.errors.length, 1);
    assert.equal(broker.snapshot().counters.forcedCalls, 3);
  });

  test("a confirmed token resets the count", async () => {
    const env = fakeEnv();
    const gat = authkitLike(env);
    const { broker } = make(env, gat, { maxRejectedTokens: 2 });
    await broker.fetchToken({});
    await broker.fetchToken({ forceRefreshToken: true });
    await broker.fetchToken({ forceRefreshToken: true }); // one rejection
    broker.setConvexAuthenticated(true);
    await env.advance(5_000); // Convex's refetch comes its leeway before expiry, never moments after
    await broker.fetchToken({ forceRefreshToken: true }); // a scheduled refetch, not a rejection
    broker.setConvexAuthenticated(false);
    assert.equal(broker.getState(), "refreshing");
    assert.equal(broker.snapshot().rejectedTokens, 0);
  });

  test("a reconnect loop faster than a render still counts: Convex reads authenticated throughout", async () => {
    const env = fakeEnv();
    const gat = authkitLike(env);
    const { broker, console } = make(env, gat, { maxRejectedTokens: 3 });
    await broker.fetchToken({});
    broker.setConvexAuthenticated(true); // the token before the backend changed was accepted
    await env.advance(5_000);
    for (let i = 0; i < 4; i++) await broker.fetchToken({ forceRefreshToken: true }); // AuthError → forced, ms apart
    assert.equal(broker.getState(), "misconfigured");
    assert.equal(console.errors.length, 1);
    assert.equal(broker.snapshot().counters.forcedCalls, 3); // the fourth ask got null, no call
  });
});

// ---------------------------------------------------------------------------------
describe("lifecycle", () => {
  test("dispose: no timer or listener survives, pending and later fetches get null, no AuthKit call after", async () => {
    const env = fakeEnv();
    const gat = scripted([], { fallback: () => throwing(typeError()) });
    const { broker } = make(env, gat);
    const pending = settle(broker.fetchToken({ forceRefreshToken: true }));
    await env.advance(2_000); // in backoff, a retry timer armed
    assert.ok(env.pending() > 0 && env.page.listeners === 1);
    const n = gat.calls.length;
    broker.dispose();
    await env.flush();
    assert.equal(pending.done && pending.value, null);
    assert.equal(env.pending(), 0);
    assert.equal(env.page.listeners, 0);
    env.page.fire("online");
    assert.equal(await broker.fetchToken({ forceRefreshToken: true }), null);
    await env.advance(600_000);
    assert.equal(gat.calls.length, n);
  });

  test("release then start in the same tick (StrictMode) keeps the broker; a release alone disposes it", async () => {
    const env = fakeEnv();
    const gat = scripted([], { fallback: () => minter(env)() });
    const { broker, release } = make(env, gat);
    release();
    const again = broker.start();
    await env.advance(10);
    assert.equal(broker.disposed, false);
    assert.equal(env.page.listeners, 1);
    again();
    assert.equal(broker.disposed, false, "not before a tick");
    await env.advance(10);
    assert.equal(broker.disposed, true);
    assert.equal(env.page.listeners, 0);
  });
});

// ---------------------------------------------------------------------------------
describe("state", () => {
  test("refreshing → degraded → authenticated; Convex unauthenticated → refreshing; loading; no user → signed_out", async () => {
    const env = fakeEnv();
    const gat = scripted([typeError()], { fallback: () => minter(env)() });
    const { broker, states } = make(env, gat);
    assert.equal(broker.getState(), "refreshing");
    const p = broker.fetchToken({});
    await env.advance(2_000);
    await p;
    assert.deepEqual(states, ["degraded", "authenticated"]);
    broker.setConvexAuthenticated(false);
    assert.equal(broker.getState(), "refreshing");
    broker.setConvexAuthenticated(true);
    assert.equal(broker.getState(), "authenticated");
    broker.setUser(null, true);
    assert.equal(broker.getState(), "refreshing");
    broker.setUser(null, false);
    assert.equal(broker.getState(), "signed_out");
  });
});
