// The numeric targets, at full scale on the test clock: the bridge between a
// fake AuthKit that behaves like authkit-js (sim/authkit.js) and Convex's real auth
// state machine (sim/convex.js). Each runs over several seeds (jitter); the figures
// print as diagnostics. `node web/bridge/test/sim/figures.mjs` prints more seeds.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { convexRejectsTokens, healthyHour, hungRefresh, outage, unmountDuringRetry } from "./sim/scenarios.js";

const SEEDS = [1, 2, 3];

describe("a 10-minute WorkOS outage, visible tab", () => {
  for (const kind of ["5xx", "network"]) {
    test(`${kind}: ≤ 40 refresh requests on the wire (authkit-js's 1 s loop included); Convex authenticated within ceiling + 2 s after WorkOS returns`, async (t) => {
      for (const seed of SEEDS) {
        const f = await outage({ seed, kind });
        t.diagnostic(`seed ${seed}: ${JSON.stringify(f)}`);
        assert.ok(f.wire <= 40, `seed ${seed}: ${f.wire} refresh requests reached WorkOS`);
        assert.ok(f.wire >= 10, `seed ${seed}: ${f.wire} refresh requests: is it retrying at all?`);
        assert.ok(f.wireByLoop <= 2, `seed ${seed}: authkit-js's loop sent ${f.wireByLoop} requests past the breaker`);
        assert.ok(f.loopRefreshes >= 500, `seed ${seed}: the model's authkit-js loop started only ${f.loopRefreshes} refreshes`);
        assert.ok(f.held >= 500, `seed ${seed}: the breaker held ${f.held}`);
        assert.ok(f.recoveryMs <= f.ceilingMs + 2_000, `seed ${seed}: recovered after ${f.recoveryMs} ms`);
        assert.equal(f.authenticatedAtEnd, true);
      }
    });
  }

  test("without the breaker (holdAuthKitRefreshes: false) authkit-js's loop alone sends > 500 (the model shows the problem)", async (t) => {
    const f = await outage({ seed: 1, kind: "5xx", options: { holdAuthKitRefreshes: false } });
    t.diagnostic(JSON.stringify(f));
    assert.ok(f.wireByLoop > 500, `${f.wireByLoop}`);
    assert.equal(f.held, 0);
    assert.ok(f.recoveryMs <= f.ceilingMs + 2_000);
  });

  test("network down with navigator.onLine false: Convex authenticated within 1 s of `online`", async (t) => {
    for (const seed of SEEDS) {
      const f = await outage({ seed, kind: "network", offline: true });
      t.diagnostic(`seed ${seed}: ${JSON.stringify(f)}`);
      assert.ok(f.recoveryMs <= 1_000, `seed ${seed}: recovered after ${f.recoveryMs} ms`);
      assert.ok(f.wire <= 40, `seed ${seed}: ${f.wire} refresh requests on the wire`);
    }
  });
});

describe("a healthy visible tab, 5-minute tokens, one hour", () => {
  test("≤ 13 refresh-token rotations on the wire, nothing held, Convex authenticated throughout", async (t) => {
    for (const seed of SEEDS) {
      const f = await healthyHour({ seed });
      t.diagnostic(`seed ${seed}: ${JSON.stringify(f)}`);
      assert.ok(f.wire <= 13, `seed ${seed}: ${f.wire} refresh requests on the wire`);
      assert.equal(f.rotations, f.wire);
      assert.equal(f.held, 0);
      assert.equal(f.unauthenticatedMs, 0);
      assert.ok(f.confirmations >= 13, "Convex got every new token");
    }
  });

  test("navigator.onLine lying (false while the network works) changes nothing", async (t) => {
    const f = await healthyHour({ seed: 1, online: false });
    t.diagnostic(JSON.stringify(f));
    assert.ok(f.wire <= 13);
    assert.equal(f.held, 0);
    assert.equal(f.unauthenticatedMs, 0);
  });
});

describe("Convex rejects every token (issuer / applicationID mismatch)", () => {
  test("≤ 5 rotations, then misconfigured with exactly one console.error, and quiet after", async (t) => {
    for (const seed of SEEDS) {
      const f = await convexRejectsTokens({ seed });
      t.diagnostic(`seed ${seed}: ${JSON.stringify({ ...f, consoleError: undefined })}`);
      assert.equal(f.state, "misconfigured");
      assert.ok(f.bridgeRotations <= 5, `seed ${seed}: ${f.bridgeRotations} rotations`);
      assert.equal(f.held, 0, "no transient failure: the breaker holds nothing");
      assert.equal(f.consoleErrors, 1);
      assert.match(f.consoleError, /auth\.config\.ts/);
      assert.equal(f.callsAfterMisconfigured, 0);
    }
  });
});

describe("a hung refresh", () => {
  test("one call, reported once, valid token served, no wedge: recovery when it settles", async (t) => {
    const f = await hungRefresh({ seed: 1 });
    t.diagnostic(JSON.stringify(f));
    assert.equal(f.callsDuringHang, 1);
    assert.equal(f.wireDuringHang, 1, "one refresh request on the wire: authkit-js's loop joins the hung one");
    assert.equal(f.hungEvents, 1);
    assert.equal(f.consoleWarns, 1);
    assert.ok(f.servedWhileValidMs >= 10_000, "Convex kept its valid token while AuthKit hung");
    assert.ok(f.recoveryMs <= 2_000, `recovered ${f.recoveryMs} ms after the hang ended`);
    assert.equal(f.state, "authenticated");
  });
});

describe("unmount during a retry", () => {
  test("0 AuthKit calls after unmount", async (t) => {
    const f = await unmountDuringRetry({ seed: 1 });
    t.diagnostic(JSON.stringify(f));
    assert.equal(f.pendingRetry, true);
    assert.equal(f.disposed, true);
    assert.equal(f.callsAfterUnmount, 0);
  });
});
