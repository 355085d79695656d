// node --test web/npm/test/: the convex range check of `authtrace/bridge`.
import test from "node:test";
import assert from "node:assert/strict";
import { CONVEX_TESTED, checkConvexVersion, convexIsTested } from "../convex-version.js";

test("the tested range includes its lower bound and excludes its upper bound", () => {
  assert.equal(convexIsTested(CONVEX_TESTED.from), true);
  assert.equal(convexIsTested("1.48.0"), true);
  assert.equal(convexIsTested("1.49.3"), true);
  assert.equal(convexIsTested("1.50.0"), false);
  assert.equal(convexIsTested("1.47.9"), false);
  assert.equal(convexIsTested("2.0.0"), false);
  assert.equal(convexIsTested("1.49.0-alpha.1"), true);
  assert.equal(convexIsTested(undefined), false);
});

test("outside the range: one warning naming the version and the range, then silence", () => {
  const seen = [];
  assert.equal(checkConvexVersion("1.49.1", (m) => seen.push(m)), true);
  assert.deepEqual(seen, []);
  assert.equal(checkConvexVersion("1.51.0", (m) => seen.push(m)), false);
  assert.equal(checkConvexVersion("1.52.0", (m) => seen.push(m)), false);
  assert.equal(seen.length, 1);
  assert.match(seen[0], /convex 1\.51\.0 is outside the range .*>=1\.48\.0 <1\.50\.0/);
});
