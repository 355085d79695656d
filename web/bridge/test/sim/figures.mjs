// Prints the issue-11 target figures from the fake-clock simulations over many seeds
// (targets.test.js asserts them on a few):
//
//   node web/bridge/test/sim/figures.mjs [--seeds N]     (npm run figures:bridge)
//
// Columns: min / mean / max over the seeds. "On the wire" counts refresh requests that
// reached the fake WorkOS, whoever started them (the bridge's calls or authkit-js's own
// 1 s loop); "AuthKit calls" are getAccessToken calls the bridge made; "held" are
// refresh requests the bridge's breaker answered locally.
import { convexRejectsTokens, healthyHour, hungRefresh, outage, unmountDuringRetry } from "./scenarios.js";

const args = process.argv.slice(2);
const SEEDS = Array.from({ length: args.includes("--seeds") ? Number(args[args.indexOf("--seeds") + 1]) : 20 }, (_, i) => i + 1);

const stats = (xs) => {
  const fin = xs.filter(Number.isFinite);
  const mean = fin.reduce((a, b) => a + b, 0) / (fin.length || 1);
  return `${Math.min(...xs)} / ${mean.toFixed(1)} / ${Math.max(...xs)}`;
};
async function over(fn) { const out = []; for (const seed of SEEDS) out.push(await fn(seed)); return out; }
const row = (label, value, target) => console.log(`  ${label.padEnd(52)} ${String(value).padEnd(26)} ${target}`);

async function main() {
  console.log(`issue 11 targets, fake clock, ${SEEDS.length} seeds (min / mean / max)\n`);
  const variants = [
    ["5xx", { kind: "5xx" }],
    ["network TypeError, onLine true", { kind: "network" }],
    ["5xx, breaker off (holdAuthKitRefreshes: false), for comparison", { kind: "5xx", options: { holdAuthKitRefreshes: false } }],
    ["5xx, full jitter (jitter: 1), for comparison", { kind: "5xx", options: { jitter: 1 } }],
    ["network, full jitter (jitter: 1), for comparison", { kind: "network", options: { jitter: 1 } }],
    ["5xx, full jitter at a 45 s ceiling, for comparison", { kind: "5xx", options: { jitter: 1, backoffCeilingMs: 45_000 } }],
  ];
  for (const [label, opts] of variants) {
    const r = await over((seed) => outage({ seed, ...opts }));
    console.log(`10-minute WorkOS outage, visible tab: ${label}`);
    row("refresh requests on the wire", stats(r.map((x) => x.wire)), "≤ 40");
    row("…started by the bridge / by authkit-js's loop", `${stats(r.map((x) => x.wireByBridge))}  |  ${stats(r.map((x) => x.wireByLoop))}`, "");
    row("AuthKit calls by the bridge", stats(r.map((x) => x.calls)), "");
    row("refreshes held by the breaker", stats(r.map((x) => x.held)), "");
    row("Convex authenticated after WorkOS returns, ms", stats(r.map((x) => x.recoveryMs)), `≤ ceiling + 2 s = ${r[0].ceilingMs + 2_000}`);
  }
  const off = await over((seed) => outage({ seed, kind: "network", offline: true }));
  console.log("10-minute network outage, navigator.onLine false, `online` when it ends");
  row("Convex authenticated after `online`, ms", stats(off.map((x) => x.recoveryMs)), "≤ 1000");
  row("refresh requests on the wire", stats(off.map((x) => x.wire)), "≤ 40");
  row("AuthKit calls by the bridge", stats(off.map((x) => x.calls)), "");
  const healthy = await over((seed) => healthyHour({ seed }));
  console.log("healthy visible tab, 5-minute tokens, one hour");
  row("refresh-token rotations (requests on the wire)", stats(healthy.map((x) => x.wire)), "≤ 13");
  row("…started by the bridge / by authkit-js's loop", `${stats(healthy.map((x) => x.byBridge))}  |  ${stats(healthy.map((x) => x.byAuthKitLoop))}`, "");
  row("refreshes held by the breaker", stats(healthy.map((x) => x.held)), "0");
  row("…of them forced by the bridge", stats(healthy.map((x) => x.forcedRotations)), "");
  row("time Convex was unauthenticated, ms", stats(healthy.map((x) => x.unauthenticatedMs)), "0");
  const lies = await healthyHour({ seed: 1, online: false });
  row("same with navigator.onLine lying (false): rotations", lies.rotations, "≤ 13");
  const rej = await over((seed) => convexRejectsTokens({ seed }));
  console.log("Convex rejects every token (auth.config.ts mismatch), one hour");
  row("rotations the bridge caused", stats(rej.map((x) => x.bridgeRotations)), "≤ 5");
  row("refresh requests on the wire (with authkit-js's loop)", stats(rej.map((x) => x.wire)), "");
  row("state at the end", [...new Set(rej.map((x) => x.state))].join(","), "misconfigured");
  row("bridge console.error lines", stats(rej.map((x) => x.consoleErrors)), "exactly 1");
  row("AuthKit calls after misconfigured", stats(rej.map((x) => x.callsAfterMisconfigured)), "0");
  row("misconfigured after, ms", stats(rej.map((x) => x.misconfiguredAfterMs)), "");
  const hung = await hungRefresh({ seed: 1 });
  console.log("one refresh hangs for 5 minutes");
  row("AuthKit calls during the hang", hung.callsDuringHang, "1 (never a second)");
  row("refresh requests on the wire during the hang", hung.wireDuringHang, "1");
  row("authkit_hung events / console.warn", `${hung.hungEvents} / ${hung.consoleWarns}`, "1 / 1");
  row("Convex authenticated into the hang (valid token), ms", hung.servedWhileValidMs, "until the token expires");
  row("Convex authenticated after it settles, ms", hung.recoveryMs, "prompt");
  const um = await unmountDuringRetry({ seed: 1 });
  console.log("unmount while a retry is pending");
  row("AuthKit calls in the 10 minutes after unmount", um.callsAfterUnmount, "0");
}

if (!process.env.NODE_TEST_CONTEXT) await main();
