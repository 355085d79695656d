// The Convex versions the resilient bridge is tested with. The bridge reads
// private fields of the Convex client (`client.sync.webSocketManager`, the
// authentication manager's state) to re-arm a wedged socket; they are
// identical in these releases. Outside them the bridge still runs, and says
// so once in the console.
export const CONVEX_TESTED = { from: "1.48.0", below: "1.50.0" };

const parse = (v) => String(v).split("-")[0].split(".").map((n) => Number.parseInt(n, 10) || 0);
const compare = (a, b) => {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i += 1) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
  return 0;
};

export function convexIsTested(version) {
  return typeof version === "string" && compare(version, CONVEX_TESTED.from) >= 0 && compare(version, CONVEX_TESTED.below) < 0;
}

let warned = false;
/** One console warning when `version` is outside the tested range; true when inside. */
export function checkConvexVersion(version, warn = (message) => console.warn(message)) {
  if (convexIsTested(version)) return true;
  if (!warned) {
    warned = true;
    warn(`authtrace/bridge: convex ${version ?? "(unknown version)"} is outside the range this bridge is ` +
         `tested with (>=${CONVEX_TESTED.from} <${CONVEX_TESTED.below}). It reads private Convex client fields ` +
         "to re-arm a signed-out socket; they may have moved. Use a tested convex version or update authtrace.");
  }
  return false;
}
