// `authtrace/bridge`: the resilient bridge (../bridge/), after a check of the
// installed convex version against the range it is tested with.
import { version } from "convex";
import { checkConvexVersion } from "./convex-version.js";

checkConvexVersion(version);

export * from "../bridge/index.js";
export { default } from "../bridge/index.js";
