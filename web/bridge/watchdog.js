// The watchdog's decisions (pure): given what Convex and AuthKit look like now,
// which recovery action the React layer should take. index.js observes every
// watchdogIntervalMs and acts; nothing here touches Convex.
import { DEFAULT_OPTIONS } from "./options.js";

/**
 * createWatchdog(options) → {observe(obs) → action}
 * obs: {now, hasUser, signedOut, convexAuthenticated (true|false|null), convexFetchPending,
 *       socketState ("ready"|"connecting"|"stopped"|... or null), connected, everConnected,
 *       paused ("no"|"yes"|"uninitialized"|null), lastSetAuthAt}
 * action: "none" | "rearm" | "restart-socket" | "fresh-setauth"
 * Each action is taken at most once per cooldownMs (re-arms back off: ×2 per consecutive
 * re-arm, up to rearmMaxBackoffMs); conditions must hold for their threshold.
 */
export function createWatchdog(options = {}) {
  const o = { ...DEFAULT_OPTIONS, ...options };
  let unauthSince = null;
  let stoppedSince = null;
  let neverSince = null;
  let rearms = 0; // consecutive re-arms without Convex becoming authenticated: backoff
  const lastAction = { rearm: -Infinity, "restart-socket": -Infinity, "fresh-setauth": -Infinity };
  const cooldown = (a) => a === "rearm" && rearms > 0
    ? Math.min(o.rearmMaxBackoffMs, Math.max(o.cooldownMs, 1) * 2 ** (rearms - 1)) : Math.max(o.cooldownMs, 1);
  const cooled = (a, now) => now - lastAction[a] >= cooldown(a);
  function take(a, now) {
    lastAction[a] = now;
    if (a === "rearm") rearms += 1;
    unauthSince = stoppedSince = neverSince = null;
    return a;
  }
  return {
    observe(obs) {
      const now = obs.now;
      if (obs.convexAuthenticated === true) rearms = 0;
      if (!obs.hasUser || obs.signedOut || obs.convexFetchPending) {
        // Nothing to recover, or Convex is legitimately waiting on the bridge.
        unauthSince = stoppedSince = neverSince = null;
        return "none";
      }
      stoppedSince = obs.socketState === "stopped" ? (stoppedSince ?? now) : null;
      const neverConnected = obs.connected === true && obs.everConnected === false && obs.paused !== "no";
      neverSince = neverConnected ? (neverSince ?? now) : null;
      unauthSince = obs.convexAuthenticated === false ? (unauthSince ?? now) : null;
      if (stoppedSince !== null && now - stoppedSince >= o.stoppedSocketMs && cooled("restart-socket", now)) {
        return take("restart-socket", now);
      }
      const neverFrom = neverSince === null ? null : Math.max(neverSince, obs.lastSetAuthAt ?? -Infinity);
      if (neverFrom !== null && now - neverFrom >= o.neverConnectedMs && cooled("fresh-setauth", now)) {
        return take("fresh-setauth", now);
      }
      if (unauthSince !== null && now - unauthSince >= o.rearmAfterMs && cooled("rearm", now)) {
        return take("rearm", now);
      }
      return "none";
    },
    reset() { unauthSince = stoppedSince = neverSince = null; rearms = 0; },
  };
}
