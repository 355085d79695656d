// The watchdog's decisions: when to re-arm Convex, restart its socket, or give it a fresh setAuth.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createWatchdog } from "../policy.js";

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
    assert.deepEqual(actions, [7_000, 17_000, 37_000]); // cooldown 5 s, then 10 s, then 20 s
  });

  test("Convex authenticated again resets the re-arm backoff", () => {
    const run = (authenticatedAt) => {
      const dog = createWatchdog({ rearmAfterMs: 2_000, cooldownMs: 5_000 });
      const actions = [];
      for (let t = 0; t <= 80_000; t += 500) {
        const authed = t === authenticatedAt;
        if (dog.observe({ ...base, now: t, convexAuthenticated: authed ? true : false }) === "rearm") actions.push(t);
      }
      return actions;
    };
    // Without a confirmation the fourth re-arm waits 40 s after the third (37 s → 77 s)…
    assert.deepEqual(run(-1), [2_000, 7_000, 17_000, 37_000, 77_000]);
    // …with one at 38 s, the backoff starts over: the next after the base cooldown (5 s), then 10 s, 20 s.
    assert.deepEqual(run(38_000), [2_000, 7_000, 17_000, 37_000, 42_000, 47_000, 57_000, 77_000]);
  });

  test("re-arm backoff stops growing at rearmMaxBackoffMs", () => {
    const dog = createWatchdog({ rearmAfterMs: 1_000, cooldownMs: 1_000, rearmMaxBackoffMs: 4_000 });
    const actions = [];
    for (let t = 0; t <= 30_000; t += 500) if (dog.observe({ ...base, now: t, convexAuthenticated: false }) === "rearm") actions.push(t);
    const gaps = actions.slice(1).map((t, i) => t - actions[i]);
    // (the first gap is rearmAfterMs + a tick: the condition must hold again after an action)
    assert.deepEqual(gaps.slice(0, 6), [1_500, 2_000, 4_000, 4_000, 4_000, 4_000]);
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
