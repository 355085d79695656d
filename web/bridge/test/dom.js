// A DOM for the React-layer tests (happy-dom), registered before React loads, plus
// a count of the page listeners alive, so a test can tell that none survives an unmount.
import { GlobalRegistrator } from "@happy-dom/global-registrator";

GlobalRegistrator.register({ url: "http://localhost:5173/" });

const live = new Map(); // "target:type" -> count
for (const [label, target] of [["window", window], ["document", document]]) {
  const add = target.addEventListener.bind(target);
  const remove = target.removeEventListener.bind(target);
  const seen = new Set();
  target.addEventListener = (type, fn, opts) => {
    const key = `${label}:${type}`;
    if (!seen.has(fn)) { seen.add(fn); live.set(key, (live.get(key) || 0) + 1); }
    return add(type, fn, opts);
  };
  target.removeEventListener = (type, fn, opts) => {
    if (seen.delete(fn)) live.set(`${label}:${type}`, live.get(`${label}:${type}`) - 1);
    return remove(type, fn, opts);
  };
}
/** How many listeners of `type` ("window:online", "document:visibilitychange"…) are attached now. */
export const listeners = (key) => live.get(key) || 0;

const intervals = new Set();
const setI = globalThis.setInterval;
const clearI = globalThis.clearInterval;
globalThis.setInterval = (fn, ms, ...a) => { const id = setI(fn, ms, ...a); intervals.add(id); return id; };
globalThis.clearInterval = (id) => { intervals.delete(id); return clearI(id); };
/** Intervals started and not cleared. */
export const liveIntervals = () => intervals.size;

/** Make the page hidden or visible, firing visibilitychange as a browser does. */
export function setVisibility(state) {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}
