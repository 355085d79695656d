// The React layer (index.js) rendered for real: React 19, react-dom, happy-dom, and
// Convex's real auth state machine (sim/convex.js) behind a small fake socket/server.
// Real timers with small option values; each test takes well under a second.
import { listeners, liveIntervals, setVisibility } from "./dom.js";
import { test, describe, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import React, { StrictMode, useSyncExternalStore } from "react";
import { render, cleanup, waitFor } from "@testing-library/react";
import { useConvexAuth } from "convex/react";
import { LoginRequiredError } from "@workos-inc/authkit-react";
import ConvexProviderWithAuthKitDefault, {
  ConvexProviderWithAuthKit, OPTIONS_GLOBAL, RELOAD_KEY, getAuthBridgeSnapshot, getAuthBridgeState, subscribeAuthBridgeEvents, useAuthBridgeState,
} from "../index.js";
import { fakeConvex } from "./sim/convex.js";
import { refreshBreaker } from "../breaker.js";
import { jwt } from "./helpers.js";

globalThis.IS_REACT_ACT_ENVIRONMENT = false; // the bridge updates React from its own timers: poll with waitFor
const h = React.createElement;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const realEnv = { timers: { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (id) => clearTimeout(id) }, get now() { return Date.now(); } };
const OPTS = {
  watchdogIntervalMs: 100, rearmAfterMs: 200, stoppedSocketMs: 300, neverConnectedMs: 300, cooldownMs: 100,
  backoffBaseMs: 50, backoffCeilingMs: 200, hiddenBackoffCeilingMs: 200, signedOutRecheckMs: 100,
};
const PAGE_EVENTS = ["window:online", "window:offline", "window:pageshow", "document:resume"];
const pageListeners = () => PAGE_EVENTS.reduce((n, k) => n + listeners(k), 0);

let n = 0;
const mint = () => { const iat = Math.floor(Date.now() / 1000); n += 1; return jwt({ iss: "https://issuer.test", sub: "user_1", iat, exp: iat + 300, jti: `t${n}` }); };
/** authkit-js's contract in short: unforced → its current token, forced → a new one. */
function authkitLike() { let cur = mint(); return async (o) => { if (o && o.forceRefresh) cur = mint(); return cur; }; }

/** A controllable authkit-react useAuth. */
function fakeAuth(getAccessToken, { user = { id: "user_1" }, isLoading = false } = {}) {
  let snap = { user, isLoading };
  const subs = new Set();
  const store = {
    calls: [], signOuts: [], impl: getAccessToken,
    getAccessToken: async (o) => { store.calls.push({ ...o }); return store.impl(o); },
    signOut: async (o) => { store.signOuts.push(o); },
    set(patch) { snap = { ...snap, ...patch }; for (const f of [...subs]) f(); },
    useAuth() {
      const s = useSyncExternalStore((f) => { subs.add(f); return () => subs.delete(f); }, () => snap);
      return { ...s, getAccessToken: store.getAccessToken, signOut: store.signOut };
    },
  };
  return store;
}

function Status({ out }) {
  out.state = useAuthBridgeState();
  out.convex = useConvexAuth();
  return null;
}

let convexes = [];
let events = [];
let offEvents = null;
let reloads = 0;
const origError = console.error;
let errors = [];
beforeEach(() => {
  events = [];
  offEvents = subscribeAuthBridgeEvents((e) => events.push(e));
  reloads = 0;
  location.reload = () => { reloads += 1; };
  sessionStorage.clear();
  setVisibility("visible");
  errors = [];
  console.error = (...a) => { errors.push(a.join(" ")); };
});
afterEach(async () => {
  cleanup();
  await sleep(5);
  offEvents();
  for (const c of convexes) c.stop();
  convexes = [];
  console.error = origError;
});

function mount({ auth, accepts, options = {}, strict = true, client } = {}) {
  const convex = fakeConvex(realEnv, { accepts, latencyMs: 5, reconnectMs: 20 });
  convexes.push(convex);
  const out = {};
  const el = h(ConvexProviderWithAuthKit, { client: client || convex.reactClient(), useAuth: auth.useAuth, options: { ...OPTS, ...options } }, h(Status, { out }));
  const r = render(strict ? h(StrictMode, null, el) : el);
  return { ...r, out, convex };
}
const until = (fn, timeout = 2_000) => waitFor(fn, { timeout, interval: 10 });
const count = (type) => events.filter((e) => e.type === type).length;

describe("lifecycle", () => {
  test("StrictMode mount: one broker attached, Convex authenticated", async () => {
    const auth = fakeAuth(authkitLike());
    const { out, convex } = mount({ auth });
    await until(() => assert.equal(out.state, "authenticated"));
    await until(() => assert.equal(out.convex.isAuthenticated, true));
    assert.equal(convex.authenticated, true);
    assert.equal(listeners("window:online"), 1, "StrictMode's discarded broker attached nothing");
    assert.equal(getAuthBridgeState(), "authenticated");
    assert.equal(getAuthBridgeSnapshot().phase, "idle");
  });

  test("real unmount during a retry: no listener or interval survives, 0 AuthKit calls after", async () => {
    const auth = fakeAuth(async () => { throw new TypeError("Failed to fetch"); });
    const { out, unmount } = mount({ auth });
    await until(() => assert.ok(getAuthBridgeSnapshot() && getAuthBridgeSnapshot().phase === "backoff"));
    assert.equal(out.state, "degraded");
    assert.ok(pageListeners() > 0 && liveIntervals() > 0);
    unmount();
    await sleep(20);
    assert.equal(pageListeners(), 0);
    assert.equal(listeners("document:visibilitychange"), 0);
    assert.equal(liveIntervals(), 0);
    assert.equal(getAuthBridgeSnapshot(), null);
    const calls = auth.calls.length;
    window.dispatchEvent(new Event("online"));
    setVisibility("visible");
    await sleep(500);
    assert.equal(auth.calls.length, calls);
  });

  test("mount again after an unmount (route change, HMR): one broker, the old one gone", async () => {
    const auth = fakeAuth(authkitLike());
    const first = mount({ auth });
    await until(() => assert.equal(first.out.state, "authenticated"));
    first.unmount();
    await sleep(5);
    const second = mount({ auth });
    await until(() => assert.equal(second.out.state, "authenticated"));
    assert.equal(listeners("window:online"), 1);
    assert.equal(liveIntervals(), 1);
  });

  test("the default export is the provider", () => assert.equal(ConvexProviderWithAuthKitDefault, ConvexProviderWithAuthKit));
});

describe("re-arm and misconfigured", () => {
  test("Convex unauthenticated while AuthKit has a user: the watchdog re-arms it", async () => {
    let accept = false;
    const auth = fakeAuth(authkitLike());
    const { out } = mount({ auth, accepts: () => accept, options: { maxRejectedTokens: 100 } });
    await until(() => assert.equal(out.convex.isLoading, false));
    assert.equal(out.convex.isAuthenticated, false);
    accept = true;
    await until(() => assert.equal(out.convex.isAuthenticated, true));
    assert.ok(events.some((e) => e.type === "watchdog" && e.action === "rearm"));
    assert.ok(count("rearm") >= 1);
    assert.equal(out.state, "authenticated");
  });

  test("Convex rejecting fresh tokens: misconfigured, one console.error, no re-arm, no sign-out", async () => {
    const auth = fakeAuth(authkitLike());
    const { out } = mount({ auth, accepts: () => false });
    await until(() => assert.equal(out.state, "misconfigured"));
    await sleep(600);
    const ours = errors.filter((m) => m.includes("[authbridge]"));
    assert.equal(ours.length, 1);
    assert.match(ours[0], /issuer/);
    assert.equal(count("rearm"), 0);
    assert.equal(out.convex.isAuthenticated, false);
    assert.equal(auth.signOuts.length, 0);
    assert.equal(reloads, 0);
  });
});

describe("sign-out", () => {
  const loginRequired = async () => { throw new LoginRequiredError(); };

  test("a terminal error: AuthKit signOut({navigate:false}), one reload, sessionStorage marked", async () => {
    const auth = fakeAuth(loginRequired);
    const { out } = mount({ auth });
    await until(() => assert.equal(reloads, 1));
    assert.equal(out.state, "signed_out");
    assert.deepEqual(auth.signOuts, [{ navigate: false }]);
    assert.ok(sessionStorage.getItem(RELOAD_KEY));
  });

  test("at most one reload per page session", async () => {
    sessionStorage.setItem(RELOAD_KEY, String(Date.now() - 3_600_000)); // reloaded an hour ago
    const auth = fakeAuth(loginRequired);
    const { out } = mount({ auth });
    await until(() => assert.equal(count("reload_skipped"), 1));
    await sleep(50);
    assert.equal(reloads, 0);
    assert.equal(out.state, "signed_out");
  });

  test("never reloads a hidden tab: waits until it is visible", async () => {
    setVisibility("hidden");
    const auth = fakeAuth(loginRequired);
    const { out } = mount({ auth });
    await until(() => assert.equal(count("reload_waiting"), 1));
    await sleep(100);
    assert.equal(reloads, 0);
    assert.equal(out.state, "signed_out");
    setVisibility("visible");
    await until(() => assert.equal(reloads, 1));
  });

  test("reloadOnSignOut off: signed_out ends when the user signs in again", async () => {
    const auth = fakeAuth(loginRequired);
    const { out } = mount({ auth, options: { reloadOnSignOut: false, signOutAuthKit: false } });
    await until(() => assert.equal(out.state, "signed_out"));
    assert.equal(out.convex.isAuthenticated, false);
    auth.impl = authkitLike();
    auth.set({ user: { id: "user_1" } }); // a new sign-in: a new user object
    await until(() => assert.equal(out.state, "authenticated"));
    await until(() => assert.equal(out.convex.isAuthenticated, true));
    assert.equal(reloads, 0);
  });

  test("drop-in: a getAccessToken that takes no arguments and resolves null means signed out", async () => {
    const auth = fakeAuth(async () => null);
    const { out } = mount({ auth, options: { reloadOnSignOut: false } });
    await until(() => assert.equal(out.state, "signed_out"));
    assert.equal(out.convex.isAuthenticated, false);
    await sleep(300);
    assert.equal(auth.calls.length, 1);
  });
});

describe("watchdog actions", () => {
  test("a socket left stopped: tryRestart", async () => {
    const auth = fakeAuth(authkitLike());
    const { out, convex } = mount({ auth });
    await until(() => assert.equal(out.convex.isAuthenticated, true));
    convex.wedge();
    await until(() => assert.ok(events.some((e) => e.type === "watchdog" && e.action === "restart-socket")));
    assert.ok(convex.log.restarts >= 1);
    await until(() => assert.equal(convex.authenticated, true));
  });

  test("open but never connected: a fresh setAuth whose first unforced fetch is null", async () => {
    const auth = fakeAuth(authkitLike());
    const seen = [];
    const client = {
      setAuth(fetchToken, onChange) {
        const i = seen.length;
        seen.push([]);
        fetchToken({ forceRefreshToken: false }).then((t) => { seen[i].push(t); if (t) onChange(true); });
      },
      clearAuth() {},
      sync: { webSocketManager: { socketState: () => "ready", socket: { paused: "yes" }, tryRestart() {} } },
      connectionState: () => ({ isWebSocketConnected: true, hasEverConnected: false }),
    };
    mount({ auth, client, strict: false });
    await until(() => assert.ok(events.some((e) => e.type === "watchdog" && e.action === "fresh-setauth")));
    await until(() => assert.ok(seen.length >= 2));
    assert.equal(typeof seen[0][0], "string");
    await until(() => assert.equal(seen[1][0], null));
  });
});

describe("the refresh breaker on the page's fetch", () => {
  const breaker = refreshBreaker(globalThis);
  const settled = async () => { await sleep(20); assert.equal(breaker.attached, 0, "a bridge from an earlier test is still attached"); };

  test("StrictMode mount wraps fetch once; unmount restores it; a remount wraps it once again", async () => {
    await settled();
    const original = globalThis.fetch;
    const auth = fakeAuth(authkitLike());
    const first = mount({ auth });
    await until(() => assert.equal(first.out.state, "authenticated"));
    const wrapper = globalThis.fetch;
    assert.notEqual(wrapper, original);
    assert.equal(breaker.attached, 1, "StrictMode's discarded broker never attached");
    first.unmount();
    await sleep(20);
    assert.equal(globalThis.fetch, original);
    assert.equal(breaker.attached, 0);
    const second = mount({ auth });
    await until(() => assert.equal(second.out.state, "authenticated"));
    assert.equal(globalThis.fetch, wrapper, "the same wrapper, not a second one");
    assert.equal(breaker.attached, 1);
    second.unmount();
    await sleep(20);
    assert.equal(globalThis.fetch, original);
  });

  test("several bridges share one wrapper; it goes with the last", async () => {
    await settled();
    const original = globalThis.fetch;
    const a = mount({ auth: fakeAuth(authkitLike()) });
    const b = mount({ auth: fakeAuth(authkitLike()) });
    await until(() => assert.equal(breaker.attached, 2));
    const wrapper = globalThis.fetch;
    a.unmount();
    await sleep(20);
    assert.equal(breaker.attached, 1);
    assert.equal(globalThis.fetch, wrapper);
    b.unmount();
    await sleep(20);
    assert.equal(globalThis.fetch, original);
  });

  test("something wraps fetch after the bridge: unmount leaves both, ours inert; a remount reuses ours", async () => {
    await settled();
    const original = globalThis.fetch;
    const auth = fakeAuth(authkitLike());
    const first = mount({ auth });
    await until(() => assert.equal(breaker.attached, 1));
    const ours = globalThis.fetch;
    const other = function fetch(...args) { return ours(...args); }; // e.g. an error tracker's instrumentation
    globalThis.fetch = other;
    try {
      first.unmount();
      await sleep(20);
      assert.equal(globalThis.fetch, other);
      assert.equal(breaker.attached, 0);
      const second = mount({ auth });
      await until(() => assert.equal(breaker.attached, 1));
      assert.equal(globalThis.fetch, other, "no second wrapper stacked over the other one");
      second.unmount();
      await sleep(20);
    } finally { globalThis.fetch = original; }
  });

  test("holdAuthKitRefreshes: false, from the options prop or the page-wide defaults: fetch is left alone", async () => {
    await settled();
    const original = globalThis.fetch;
    const a = mount({ auth: fakeAuth(authkitLike()), options: { holdAuthKitRefreshes: false } });
    await until(() => assert.equal(a.out.state, "authenticated"));
    assert.equal(globalThis.fetch, original);
    a.unmount();
    globalThis[OPTIONS_GLOBAL] = { holdAuthKitRefreshes: false, backoffCeilingMs: 1234 };
    try {
      const b = mount({ auth: fakeAuth(authkitLike()) });
      await until(() => assert.equal(b.out.state, "authenticated"));
      assert.equal(globalThis.fetch, original, "the page-wide default applies");
      b.unmount();
      const c = mount({ auth: fakeAuth(authkitLike()), options: { holdAuthKitRefreshes: true } });
      await until(() => assert.equal(breaker.attached, 1, "the prop wins over the page-wide default"));
      c.unmount();
      await sleep(20);
    } finally { delete globalThis[OPTIONS_GLOBAL]; }
  });
});
