// The policy's transition table, row by row: given a state and an event, the next
// phase and the effects. Pure: no clock, no timers, no AuthKit.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DEFAULT_OPTIONS, EVENTS, PHASES, TABLE, backoffDelay, initialState, nextDeadline, publicState, transition } from "../policy.js";
import { HANDLER_NAMES, breakerMode } from "../machine.js";
import { jwt } from "./helpers.js";

const T0 = 1_800_000_000_000;
const O = { ...DEFAULT_OPTIONS, jitter: 0.5 };
const USER = { id: "user_1" };
const tok = (name, { iat = T0 / 1000, life = 300 } = {}) => jwt({ sub: "user_1", iat, exp: iat + life, jti: name });
const A = tok("A");
const B = tok("B");
const entry = (value, at = T0) => ({ value, expiresAt: at + 300_000, lifetimeMs: 300_000, at });

/** A state: signed-in user, then the overrides. */
function st(over = {}) {
  return { ...initialState(O, T0), user: { present: true, loading: false, identity: USER }, ...over };
}
const ev = (type, data = {}) => ({ type, now: T0, page: { visible: true, online: true }, random: 0.5, ...data });
const types = (fx) => fx.map((f) => (f.type === "emit" ? `emit:${f.event.type}` : f.type));
const emitted = (fx, type) => fx.filter((f) => f.type === "emit" && f.event.type === type).map((f) => f.event);
const calls = (fx) => fx.filter((f) => f.type === "call");
const resolved = (fx) => fx.filter((f) => f.type === "resolve");

describe("the table", () => {
  test("every phase lists only known events and existing handlers", () => {
    assert.deepEqual(Object.keys(TABLE), [...PHASES]);
    for (const [phase, row] of Object.entries(TABLE)) {
      for (const [event, handler] of Object.entries(row)) {
        assert.ok(EVENTS.includes(event), `${phase}: unknown event ${event}`);
        assert.ok(HANDLER_NAMES.includes(handler), `${phase}.${event}: no handler ${handler}`);
      }
    }
  });
  test("an event a phase does not list changes nothing", () => {
    for (const phase of PHASES) {
      for (const type of EVENTS) {
        if (TABLE[phase][type]) continue;
        const s = st({ phase, call: phase === "calling" || phase === "stuck" ? { id: 1, force: false, at: T0 } : null, end: { reason: "x", identity: USER } });
        const r = transition(s, ev(type, { id: 1, ok: true, token: A, name: "online" }));
        assert.deepEqual(r.effects, [], `${phase} × ${type}`);
        assert.equal(r.state.phase, phase);
      }
    }
  });
  test("README.md's transition table is this table", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const block = readme.split("<!-- transition-table -->")[1].split("<!-- /transition-table -->")[0].trim().split("\n");
    assert.deepEqual(block[0].split("|").slice(2, -1).map((c) => c.trim()), [...EVENTS]);
    const rows = block.slice(2).map((line) => line.split("|").slice(1, -1).map((c) => c.trim()));
    assert.deepEqual(rows.map((r) => r[0].replace(/`/g, "")), [...PHASES]);
    for (const r of rows) {
      const phase = r[0].replace(/`/g, "");
      EVENTS.forEach((e, i) => assert.equal(r[i + 1], TABLE[phase][e] ?? "·", `${phase} × ${e}`));
    }
  });

  test("transition never mutates its input", () => {
    const s = st({ token: entry(A), waiters: [{ id: 1, kind: "fetch", force: true }] });
    const frozen = JSON.stringify(s);
    transition(s, ev("fetch", { id: 2, force: true }));
    transition(s, ev("dispose"));
    assert.equal(JSON.stringify(s), frozen);
  });
});

// Each row: [what, given state, event, expected phase, check(state, effects)]
const ROWS = [
  ["idle × fetch (unforced), no token → ask AuthKit, unforced", st(), ev("fetch", { id: 1 }), "calling",
    (s, fx) => { assert.deepEqual(calls(fx).map((c) => c.force), [false]); assert.equal(s.held, null); }],
  ["idle × fetch (unforced), valid token → still AuthKit's view (no network unless due)", st({ token: entry(A) }), ev("fetch", { id: 1 }), "calling",
    (s, fx) => assert.deepEqual(calls(fx).map((c) => c.force), [false])],
  ["backoff × fetch (unforced), valid token → the cached token, no call", st({ phase: "backoff", retryAt: T0 + 5_000, token: entry(A),
    waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }] }), ev("fetch", { id: 1 }), "backoff",
    (s, fx) => { assert.equal(calls(fx).length, 0); assert.deepEqual(resolved(fx), [{ type: "resolve", ids: [1], value: A }]); assert.equal(s.held.value, A); }],
  ["idle × fetch (forced), AuthKit's token ≠ Convex's → that token, no rotation", st({ token: entry(B), held: { ...entry(A), viaForced: false } }),
    ev("fetch", { id: 1, force: true }), "idle",
    (s, fx) => { assert.equal(calls(fx).length, 0); assert.equal(resolved(fx)[0].value, B); assert.equal(s.held.viaForced, true); }],
  ["idle × fetch (forced), AuthKit's token = Convex's → AuthKit's view first (unforced)", st({ token: entry(A), held: { ...entry(A), viaForced: false } }),
    ev("fetch", { id: 1, force: true }), "calling",
    (s, fx) => assert.deepEqual(calls(fx).map((c) => c.force), [false])],
  ["calling × settled (unforced call returns Convex's token), forced caller joined → force next, no same_token",
    st({ phase: "calling", call: { id: 1, force: false, at: T0 }, token: entry(A), held: { ...entry(A), viaForced: false },
      waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }] }),
    ev("settled", { id: 1, ok: true, token: A, now: T0 + 50 }), "calling",
    (s, fx) => { assert.deepEqual(calls(fx).map((c) => c.force), [true]); assert.equal(emitted(fx, "same_token").length, 0); assert.equal(s.attempt, 0); }],
  ["calling × settled (unforced call returns Convex's token, the breaker saw its refresh fail on the wire) → a failure: back off, no forced follow-up",
    st({ phase: "calling", call: { id: 1, force: false, at: T0 }, token: entry(A), held: { ...entry(A), viaForced: false },
      waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }, { id: 8, kind: "probe", force: false }] }),
    ev("settled", { id: 1, ok: true, token: A, wire: { kind: "status", status: 503, retryAfterMs: 20_000 } }), "backoff",
    (s, fx) => {
      assert.equal(calls(fx).length, 0);
      assert.equal(s.attempt, 1);
      assert.equal(emitted(fx, "refresh_failed")[0].reason, "refresh_error_503");
      assert.deepEqual(resolved(fx)[0], { type: "resolve", ids: [8], value: A });
      assert.equal(s.retryAt, T0 + 20_000, "the Retry-After the wire carried");
    }],
  ["calling × settled (unforced call returns Convex's token, the wire said ok) → force next, as without the breaker",
    st({ phase: "calling", call: { id: 1, force: false, at: T0 }, token: entry(A), held: { ...entry(A), viaForced: false },
      waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }] }),
    ev("settled", { id: 1, ok: true, token: A, wire: { kind: "ok" } }), "calling",
    (s, fx) => assert.deepEqual(calls(fx).map((c) => c.force), [true])],
  ["calling × settled (forced call returns Convex's token) → same_token, back off",
    st({ phase: "calling", call: { id: 1, force: true, at: T0 }, token: entry(A), held: { ...entry(A), viaForced: false },
      waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }], forceNext: 2 }),
    ev("settled", { id: 1, ok: true, token: A }), "backoff",
    (s, fx) => { assert.equal(emitted(fx, "same_token").length, 1); assert.equal(calls(fx).length, 0); }],
  ["calling × settled (new token) → everyone answered, attempts reset",
    st({ phase: "calling", call: { id: 1, force: true, at: T0 }, token: entry(A), held: { ...entry(A), viaForced: false }, attempt: 4,
      lastError: { reason: "network" }, waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }, { id: 8, kind: "probe", force: false }] }),
    ev("settled", { id: 1, ok: true, token: B }), "idle",
    (s, fx) => { assert.deepEqual(resolved(fx)[0], { type: "resolve", ids: [7, 8], value: B }); assert.equal(s.attempt, 0); assert.equal(s.lastError, null); }],
  ["calling × settled (transient), valid token → unforced caller gets the cached token",
    st({ phase: "calling", call: { id: 1, force: false, at: T0 }, token: entry(A), waiters: [{ id: 7, kind: "fetch", force: false }] }),
    ev("settled", { id: 1, ok: false, kind: "transient", reason: "network" }), "idle",
    (s, fx) => { assert.equal(resolved(fx)[0].value, A); assert.equal(emitted(fx, "served_cached").length, 1); assert.equal(publicState(s), "degraded"); }],
  ["calling × settled (transient), forced caller → back off within [cap/2, cap]",
    st({ phase: "calling", call: { id: 1, force: true, at: T0 }, token: entry(A), held: { ...entry(A) }, attempt: 3,
      waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }] }),
    ev("settled", { id: 1, ok: false, kind: "transient", reason: "refresh_error_503", random: 0.999 }), "backoff",
    (s) => { assert.equal(s.attempt, 4); const cap = O.backoffBaseMs * 8; assert.ok(s.retryAt - T0 >= cap / 2 && s.retryAt - T0 <= cap, `${s.retryAt - T0}`); }],
  ["calling × settled (transient, answered by the breaker: the call joined a held refresh) → again at once, not an attempt",
    st({ phase: "calling", call: { id: 1, force: false, at: T0 }, attempt: 2, waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }] }),
    ev("settled", { id: 1, ok: false, kind: "transient", reason: "refresh_error_503", held: true }), "calling",
    (s, fx) => { assert.equal(calls(fx).length, 1); assert.equal(s.attempt, 2); assert.equal(emitted(fx, "refresh_attempt")[0].trigger, "after-held"); }],
  ["calling × settled (held again, right after an after-held call) → an ordinary failure: back off",
    st({ phase: "calling", call: { id: 1, force: false, at: T0, afterHeld: true }, attempt: 2, waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }] }),
    ev("settled", { id: 1, ok: false, kind: "transient", reason: "refresh_error_503", held: true }), "backoff",
    (s, fx) => { assert.equal(calls(fx).length, 0); assert.equal(s.attempt, 3); }],
  ["calling × settled (transient, Retry-After 45 s) → no attempt before it",
    st({ phase: "calling", call: { id: 1, force: true, at: T0 }, waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }] }),
    ev("settled", { id: 1, ok: false, kind: "transient", reason: "http_429", retryAfterMs: 45_000 }), "backoff",
    (s) => { assert.equal(s.retryAt, T0 + 45_000); assert.equal(s.notBefore, T0 + 45_000); }],
  ["calling × settled (terminal) → signed_out at once, null to everyone, no confirming call",
    st({ phase: "calling", call: { id: 1, force: true, at: T0 }, token: entry(A), waiters: [{ id: 7, kind: "fetch", force: true, avoid: A }, { id: 8, kind: "fetch", force: false }] }),
    ev("settled", { id: 1, ok: false, kind: "terminal", reason: "invalid_grant" }), "signed_out",
    (s, fx) => { assert.deepEqual(resolved(fx)[0], { type: "resolve", ids: [7, 8], value: null }); assert.equal(calls(fx).length, 0); assert.equal(emitted(fx, "signed_out")[0].reason, "invalid_grant"); }],
  ["calling × settled (null token) → signed out, as in stock",
    st({ phase: "calling", call: { id: 1, force: false, at: T0 }, waiters: [{ id: 7, kind: "fetch", force: false }] }),
    ev("settled", { id: 1, ok: true, token: null }), "signed_out",
    (s, fx) => { assert.equal(resolved(fx)[0].value, null); assert.equal(s.end.reason, "no_token"); }],
  ["calling × settled for an older call → ignored",
    st({ phase: "calling", call: { id: 2, force: false, at: T0 } }), ev("settled", { id: 1, ok: true, token: A }), "calling",
    (s, fx) => assert.deepEqual(fx, [])],
  ["calling × tick before hungAfterMs → nothing", st({ phase: "calling", call: { id: 1, force: false, at: T0 } }),
    ev("tick", { now: T0 + O.hungAfterMs - 1 }), "calling", (s, fx) => assert.deepEqual(fx, [])],
  ["calling × tick at hungAfterMs → stuck: event and console.warn, no second call",
    st({ phase: "calling", call: { id: 1, force: false, at: T0 } }), ev("tick", { now: T0 + O.hungAfterMs }), "stuck",
    (s, fx) => { assert.deepEqual(types(fx), ["emit:authkit_hung", "warn"]); assert.equal(publicState(s), "degraded"); }],
  ["stuck × fetch (unforced), valid token → served meanwhile",
    st({ phase: "stuck", call: { id: 1, force: false, at: T0 }, token: entry(A) }), ev("fetch", { id: 9 }), "stuck",
    (s, fx) => { assert.equal(resolved(fx)[0].value, A); assert.equal(calls(fx).length, 0); }],
  ["stuck × fetch (forced) → waits: never a second AuthKit call",
    st({ phase: "stuck", call: { id: 1, force: false, at: T0 }, token: entry(A), held: { ...entry(A) } }), ev("fetch", { id: 9, force: true }), "stuck",
    (s, fx) => { assert.equal(calls(fx).length, 0); assert.equal(s.waiters.length, 1); }],
  ["stuck × settled → recovered, answered",
    st({ phase: "stuck", call: { id: 1, force: false, at: T0 }, waiters: [{ id: 9, kind: "fetch", force: true }] }),
    ev("settled", { id: 1, ok: true, token: B, now: T0 + 60_000 }), "idle",
    (s, fx) => { assert.equal(emitted(fx, "authkit_recovered")[0].afterMs, 60_000); assert.equal(resolved(fx)[0].value, B); }],
  ["backoff × tick before the deadline → nothing", st({ phase: "backoff", retryAt: T0 + 1000, waiters: [{ id: 1, kind: "fetch", force: true }] }),
    ev("tick", { now: T0 + 999 }), "backoff", (s, fx) => assert.deepEqual(fx, [])],
  ["backoff × tick at the deadline → retry", st({ phase: "backoff", retryAt: T0 + 1000, waiters: [{ id: 1, kind: "fetch", force: true }] }),
    ev("tick", { now: T0 + 1000 }), "calling", (s, fx) => assert.equal(calls(fx).length, 1)],
  ["backoff × online → retry now", st({ phase: "backoff", retryAt: T0 + 240_000, lastAttemptAt: T0 - 5_000, waiters: [{ id: 1, kind: "fetch", force: true }] }),
    ev("page", { name: "online" }), "calling", (s, fx) => assert.equal(emitted(fx, "refresh_attempt")[0].trigger, "online")],
  ["backoff × visible, right after an attempt → retry at lastAttempt + signalMinGapMs",
    st({ phase: "backoff", retryAt: T0 + 240_000, lastAttemptAt: T0 - 200, waiters: [{ id: 1, kind: "fetch", force: true }] }),
    ev("page", { name: "visible" }), "backoff", (s, fx) => { assert.equal(calls(fx).length, 0); assert.equal(s.retryAt, T0 - 200 + O.signalMinGapMs); }],
  ["backoff × online before Retry-After ends → waits for it",
    st({ phase: "backoff", retryAt: T0 + 30_000, notBefore: T0 + 30_000, lastAttemptAt: T0 - 5_000, waiters: [{ id: 1, kind: "fetch", force: true }] }),
    ev("page", { name: "online" }), "backoff", (s, fx) => { assert.equal(calls(fx).length, 0); assert.equal(s.retryAt, T0 + 30_000); }],
  ["backoff × hidden/offline → nothing", st({ phase: "backoff", retryAt: T0 + 1000, waiters: [{ id: 1, kind: "fetch", force: true }] }),
    ev("page", { name: "hidden" }), "backoff", (s, fx) => assert.deepEqual(fx, [])],
  ["idle × visible, expired token → refresh ahead of need (unforced)", st({ token: entry(A, T0 - 400_000) }),
    ev("page", { name: "visible" }), "calling", (s, fx) => { assert.deepEqual(types(fx), ["emit:proactive_refresh", "call", "emit:refresh_attempt"]); assert.equal(calls(fx)[0].force, false); }],
  ["idle × visible, expired token, refreshed ahead moments ago → cooldown", st({ token: entry(A, T0 - 400_000), lastProactiveAt: T0 - O.cooldownMs + 1 }),
    ev("page", { name: "visible" }), "idle", (s, fx) => assert.deepEqual(fx, [])],
  ["idle × visible, valid token → nothing", st({ token: entry(A) }), ev("page", { name: "visible" }), "idle", (s, fx) => assert.deepEqual(fx, [])],
  ["idle × fetch (forced) while Convex holds a fresh token it got moments ago → counted as rejected",
    st({ token: entry(A), held: { ...entry(A), viaForced: true, counted: false, at: T0 - 100 } }), ev("fetch", { id: 3, force: true }), "calling",
    (s, fx) => { assert.equal(s.rejected, 1); assert.equal(emitted(fx, "token_rejected").length, 1); }],
  ["idle × fetch (forced) after Convex confirmed (authenticated) → not a rejection (scheduled refetch)",
    st({ convex: true, token: entry(A), held: { ...entry(A), viaForced: true, counted: false, at: T0 - O.rejectBurstMs } }), ev("fetch", { id: 3, force: true }), "calling",
    (s) => assert.equal(s.rejected, 0)],
  ["idle × fetch (forced) moments after a fresh forced token, Convex still reading authenticated → rejected (reconnect loop faster than a render)",
    st({ convex: true, token: entry(A), held: { ...entry(A), viaForced: true, counted: false, at: T0 - 20 } }), ev("fetch", { id: 3, force: true }), "calling",
    (s, fx) => { assert.equal(s.rejected, 1); assert.equal(emitted(fx, "token_rejected").length, 1); }],
  ["idle × convex false after the last allowed rejection → misconfigured, one console.error",
    st({ rejected: O.maxRejectedTokens - 1, token: entry(A), held: { ...entry(A), viaForced: true, counted: false, at: T0 - 100 } }),
    ev("convex", { authenticated: false }), "misconfigured",
    (s, fx) => { assert.equal(fx.filter((f) => f.type === "error").length, 1); assert.match(fx.find((f) => f.type === "error").message, /issuer.*applicationID.*auth\.config\.ts|auth\.config\.ts.*issuer.*applicationID/); assert.equal(publicState(s), "misconfigured"); }],
  ["signed_out × fetch → null", st({ phase: "signed_out", end: { reason: "x", identity: USER } }), ev("fetch", { id: 4, force: true }), "signed_out",
    (s, fx) => assert.deepEqual(resolved(fx), [{ type: "resolve", ids: [4], value: null }])],
  ["signed_out × user (a different user) → restart", st({ phase: "signed_out", end: { reason: "x", identity: USER } }),
    ev("user", { present: true, loading: false, identity: { id: "user_2" } }), "idle", (s, fx) => assert.equal(emitted(fx, "restarted")[0].reason, "new_user")],
  ["signed_out × user (a different user) while a recheck runs → restart, that call forgotten",
    st({ phase: "signed_out", end: { reason: "x", identity: USER }, call: { id: 3, force: true, at: T0 } }),
    ev("user", { present: true, loading: false, identity: { id: "user_2" } }), "idle", (s) => assert.equal(s.call, null)],
  ["signed_out × user (the same one) → stays", st({ phase: "signed_out", end: { reason: "x", identity: USER } }),
    ev("user", { present: true, loading: false, identity: USER }), "signed_out", (s, fx) => assert.deepEqual(fx, [])],
  ["signed_out × visible → recheck AuthKit (forced), rate-limited", st({ phase: "signed_out", end: { reason: "x", identity: USER } }),
    ev("page", { name: "visible" }), "signed_out", (s, fx) => { assert.deepEqual(calls(fx).map((c) => c.force), [true]); assert.equal(s.lastRecheckAt, T0); }],
  ["signed_out × settled (recheck got a token) → restart with it",
    st({ phase: "signed_out", end: { reason: "x", identity: USER }, call: { id: 5, force: true, at: T0 } }),
    ev("settled", { id: 5, ok: true, token: B }), "idle", (s) => { assert.equal(s.token.value, B); assert.equal(s.end, null); }],
  ["misconfigured × visible → nothing", st({ phase: "misconfigured", end: { reason: "convex_rejects_tokens", identity: USER } }),
    ev("page", { name: "visible" }), "misconfigured", (s, fx) => assert.deepEqual(fx, [])],
  ["backoff × dispose → null to everyone, no deadline", st({ phase: "backoff", retryAt: T0 + 1000, waiters: [{ id: 1, kind: "fetch", force: true }] }),
    ev("dispose"), "disposed", (s, fx) => { assert.equal(resolved(fx)[0].value, null); assert.equal(nextDeadline(s), null); }],
  ["disposed × fetch → null", st({ phase: "disposed" }), ev("fetch", { id: 6 }), "disposed", (s, fx) => assert.equal(resolved(fx)[0].value, null)],
];

describe("rows", () => {
  for (const [what, given, event, phase, check] of ROWS) {
    test(what, () => {
      const { state, effects } = transition(given, event);
      assert.equal(state.phase, phase);
      check(state, effects);
    });
  }
});

describe("breakerMode (what the refresh breaker asks)", () => {
  test("calling while a call is outstanding; backoff until the deadline; idle otherwise", () => {
    const call = { id: 1, force: false, at: T0 };
    assert.equal(breakerMode(st({ phase: "calling", call }), T0), "calling");
    assert.equal(breakerMode(st({ phase: "stuck", call }), T0), "calling");
    assert.equal(breakerMode(st({ phase: "signed_out", call, end: { reason: "x" } }), T0), "calling", "a recheck passes");
    assert.equal(breakerMode(st({ phase: "backoff", retryAt: T0 + 1000 }), T0 + 999), "backoff");
    assert.equal(breakerMode(st({ phase: "backoff", retryAt: T0 + 1000 }), T0 + 1000), "idle", "the backoff has ended");
    for (const phase of ["idle", "signed_out", "misconfigured", "disposed"]) assert.equal(breakerMode(st({ phase }), T0), "idle");
  });
});

describe("backoffDelay", () => {
  const o = { ...O, backoffBaseMs: 1000, backoffCeilingMs: 30_000, hiddenBackoffCeilingMs: 300_000, offlineMaxWaitMs: 30_000 };
  test("doubles per failure up to the visible ceiling; longer when hidden", () => {
    const full = { ...o, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 12].map((n) => backoffDelay(n, { visible: true }, 0.3, full)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.equal(backoffDelay(12, { visible: false }, 0.3, full), 300_000);
  });
  test("jitter 1 is full jitter: anywhere in [0, cap]", () => {
    assert.equal(backoffDelay(10, { visible: true }, 0.999999, { ...o, jitter: 1 }), 0);
    assert.equal(backoffDelay(10, { visible: true }, 0, { ...o, jitter: 1 }), 30_000);
  });
  test("offline is a hint: wait for `online`, at most offlineMaxWaitMs", () => {
    assert.equal(backoffDelay(1, { visible: true, online: false }, 0.5, o), 30_000);
    assert.equal(backoffDelay(1, { visible: true, online: false }, 0.5, { ...o, offlineMaxWaitMs: 5_000 }), 5_000);
  });
});
