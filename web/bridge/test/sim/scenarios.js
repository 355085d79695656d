// The target scenarios at full scale on the test clock, each returning its
// figures. targets.test.js asserts them; figures.mjs prints them over more seeds.
import { world } from "./world.js";

const MIN = 60_000;
/** Refresh requests that reached WorkOS (the wire) since `from`, in all and by who started them. */
function wire(w, from) {
  const log = w.server.log.filter((r) => r.at >= from);
  const by = { loop: 0, unforced: 0, forced: 0 };
  for (const r of log) by[r.origin] = (by[r.origin] || 0) + 1;
  return { total: log.length, bridge: by.unforced + by.forced, loop: by.loop };
}

/**
 * A WorkOS outage of `minutes`, starting 10 s before the token is due (the worst
 * case: Convex needs a token for the whole outage). kind: "5xx" | "network".
 * With `offline`, navigator.onLine reads false during the outage and `online`
 * fires when it ends.
 */
export async function outage({ seed = 1, kind = "5xx", minutes = 10, offline = false, options = {} } = {}) {
  const start = 1_800_000_000_000 + 280_000;
  const end = start + minutes * MIN;
  const w = await world({ seed, options, mode: (now) => (now >= start && now < end ? kind : "ok") });
  try {
    await w.run(280_000);
    if (offline) w.env.page.online = false;
    const calls0 = w.authkit.stats.calls;
    const loop0 = w.authkit.stats.requests.loop;
    const held0 = w.breaker.stats.held;
    await w.run(minutes * MIN);
    const calls = w.authkit.stats.calls - calls0;
    const onWire = wire(w, start);
    const loopStarted = w.authkit.stats.requests.loop - loop0;
    const held = w.breaker.stats.held - held0;
    if (offline) { w.env.page.online = true; w.env.page.fire("online"); }
    await w.run(2 * MIN);
    const recovered = w.confirmedAfter(end);
    return {
      calls, // getAccessToken calls the bridge made during the outage
      wire: onWire.total, // refresh requests that reached WorkOS during the outage (the target)
      wireByBridge: onWire.bridge, // …started by the bridge's calls
      wireByLoop: onWire.loop, // …started by authkit-js's own 1 s loop
      loopRefreshes: loopStarted, // refreshes authkit-js's loop started (held ones included)
      held, // refresh requests the breaker answered locally
      recoveryMs: recovered === null ? Infinity : recovered - end,
      ceilingMs: w.broker.options.backoffCeilingMs,
      authenticatedAtEnd: w.convex.authenticated,
    };
  } finally { w.close(); }
}

/** A healthy visible tab, 5-minute tokens, one hour: refresh-token rotations (WorkOS requests). */
export async function healthyHour({ seed = 1, minutes = 60, online = true, options = {} } = {}) {
  const w = await world({ seed, options, online });
  try {
    let unauthenticatedMs = 0;
    await w.run(minutes * MIN, (t, ok, step) => { if (!ok) unauthenticatedMs += step; });
    const by = wire(w, 0);
    return {
      rotations: w.server.rotations, wire: by.total, forcedRotations: w.server.log.filter((r) => r.origin === "forced").length,
      byAuthKitLoop: by.loop, byBridge: by.bridge, held: w.breaker.stats.held,
      bridgeCalls: w.authkit.stats.calls, unauthenticatedMs, confirmations: w.convex.log.confirmed.length,
    };
  } finally { w.close(); }
}

/** Convex's auth config does not match the issuer: every token is rejected. */
export async function convexRejectsTokens({ seed = 1, minutes = 60, options = {} } = {}) {
  const w = await world({ seed, options, accepts: () => false });
  try {
    let misconfiguredAt = null;
    let callsAtMisconfigured = null;
    await w.run(minutes * MIN, (t) => {
      if (misconfiguredAt === null && w.broker.getState() === "misconfigured") { misconfiguredAt = t; callsAtMisconfigured = w.authkit.stats.calls; }
    });
    const by = wire(w, 0);
    return {
      state: w.broker.getState(), bridgeRotations: by.bridge, authkitLoopRotations: by.loop, wire: by.total, held: w.breaker.stats.held,
      consoleErrors: w.console.errors.length, consoleError: w.console.errors[0] ?? null,
      convexErrors: w.convex.log.errors.length, misconfiguredAfterMs: misconfiguredAt === null ? null : misconfiguredAt - 1_800_000_000_000,
      callsAfterMisconfigured: callsAtMisconfigured === null ? null : w.authkit.stats.calls - callsAtMisconfigured,
    };
  } finally { w.close(); }
}

/** WorkOS never answers one refresh (the one due at ~290 s) until `hangMinutes` later. */
export async function hungRefresh({ seed = 1, hangMinutes = 5, options = {} } = {}) {
  let hanging = false;
  const w = await world({ seed, options, mode: () => (hanging ? "hang" : "ok") });
  try {
    await w.run(285_000);
    hanging = true;
    const hangFrom = w.env.now;
    const calls0 = w.authkit.stats.calls;
    let authenticatedMs = 0;
    let maxOutstanding = 0;
    await w.run(hangMinutes * MIN, (t, ok, step) => {
      if (ok) authenticatedMs += step;
      maxOutstanding = Math.max(maxOutstanding, w.broker.snapshot().inFlight ? 1 : 0);
    });
    const callsDuringHang = w.authkit.stats.calls - calls0;
    hanging = false;
    const releasedAt = w.env.now;
    w.server.release();
    await w.run(2 * MIN);
    const recovered = w.confirmedAfter(releasedAt);
    const hungEvents = w.events.filter((e) => e.type === "authkit_hung").length;
    return {
      callsDuringHang, wireDuringHang: wire(w, hangFrom).total - wire(w, releasedAt).total, held: w.breaker.stats.held,
      hungEvents, consoleWarns: w.console.warns.length,
      servedWhileValidMs: authenticatedMs, // Convex stayed authenticated this long into the hang
      recoveryMs: recovered === null ? Infinity : recovered - releasedAt, state: w.broker.getState(),
    };
  } finally { w.close(); }
}

/** The provider unmounts while a retry is pending (mid-outage); AuthKit calls after. */
export async function unmountDuringRetry({ seed = 1, options = {} } = {}) {
  const start = 1_800_000_000_000 + 280_000;
  const w = await world({ seed, options, mode: (now) => (now >= start ? "5xx" : "ok") });
  try {
    await w.run(300_000);
    const pendingRetry = w.broker.snapshot().phase === "backoff";
    w.unmount();
    const calls0 = w.authkit.stats.calls;
    const timers0 = w.env.pending();
    await w.run(10 * MIN);
    return { pendingRetry, callsAfterUnmount: w.authkit.stats.calls - calls0, disposed: w.broker.disposed, timersBefore: timers0 };
  } finally { w.close(); }
}
