// The refresh circuit breaker: a narrowly scoped fetch wrapper that keeps authkit-js's
// own refresh loop off WorkOS while the bridge backs off.
//
// authkit-js 0.20.3 (create-client.ts, #scheduleAutomaticRefresh) polls every second
// and refreshes while its token is inside its buffer and the tab is visible; a
// transient failure keeps its session, so during a WorkOS outage it sends about one
// refresh request a second, whatever the adapter does. Its `onBeforeAutoRefresh` gate
// is not forwarded by authkit-react 0.16.2's AuthKitProvider. So, while a bridge backs
// off after a transient failure the network gave (and no bridge call is outstanding),
// a refresh-token request to the host that failed is answered here with the same kind
// of failure (a network TypeError, or a response with the same status): authkit-js
// keeps its session and nothing reaches WorkOS. The bridge's own attempts (scheduled,
// or on a signal) pass, as does everything once the backoff ends.
//
// Scope: POST <origin>/user_management/authenticate whose body says
// grant_type=refresh_token, given as a URL or string (authkit-js's http-client.ts).
// The body is only tested for grant_type (never parsed, stored or logged: in devMode it
// carries the refresh token). Request objects, other paths, other grants (the code
// exchange), GETs (sign-out) pass untouched. Fail-open: any error in here passes the
// request through unchanged.
//
// One wrapper per global (kept on it under a Symbol.for key, so module copies share
// it): installed when the first bridge attaches, removed when the last detaches, or
// left in place, inert, if something wrapped fetch after it; a later bridge reuses it.

const KEY = Symbol.for("authbridge.refreshBreaker");
export const AUTHENTICATE_PATH = "/user_management/authenticate";
/** authkit-js's RETRYABLE_REFRESH_STATUS_CODES (http-client.ts): statuses that keep its session. */
export const AUTHKIT_TRANSIENT_STATUS = Object.freeze([408, 429, 500, 502, 503, 504]);
const GRANT_JSON = /"grant_type"\s*:\s*"refresh_token"/;
const MAX_MESSAGE = 200;

/** The origin of an authkit-js refresh-token request, or null (anything else). */
export function refreshRequestOrigin(input, init) {
  // A string or a URL (a Request has `url`, not `href`: its body is a stream, never read).
  const href = typeof input === "string" ? input
    : input && typeof input === "object" && typeof input.href === "string" ? input.href : null;
  if (href === null || !init || typeof init !== "object") return null;
  if (String(init.method || "GET").toUpperCase() !== "POST") return null;
  const body = init.body;
  const refresh = typeof body === "string" ? GRANT_JSON.test(body)
    : typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams ? body.get("grant_type") === "refresh_token"
      : false;
  if (!refresh) return null;
  let url;
  try { url = new URL(href); } catch { return null; } // authkit-js builds absolute URLs
  return url.pathname === AUTHENTICATE_PATH ? url.origin : null;
}

/** What a refresh request's answer says: ok | network | status (a transient one, for authkit-js) | other. */
export function outcomeOf(response, error) {
  if (!response) {
    if (!error || error.name !== "TypeError") return { kind: "other" }; // an abort is not the network's answer
    return { kind: "network", message: String(error.message || "Failed to fetch").slice(0, MAX_MESSAGE) };
  }
  if (response.ok) return { kind: "ok" };
  if (!AUTHKIT_TRANSIENT_STATUS.includes(response.status)) return { kind: "other", status: response.status };
  let retryAfter = null;
  try { retryAfter = response.headers.get("retry-after"); } catch { /* unreadable headers: no hint */ }
  return { kind: "status", status: response.status, statusText: response.statusText || "", retryAfter };
}

/**
 * Whether a refresh request is held now: the last answer from its origin was a transient
 * failure, some bridge is backing off, and no bridge has a call outstanding.
 * `modes`: each attached bridge's breakerMode ("calling" | "backoff" | "idle").
 */
export function shouldHold(last, modes) {
  if (!last || (last.kind !== "network" && last.kind !== "status")) return false;
  let backoff = false;
  for (const m of modes) {
    if (m === "calling") return false;
    if (m === "backoff") backoff = true;
  }
  return backoff;
}

/** Whether `err` (what authkit-js threw) came from an answer the breaker gave. */
export function isHeldAnswer(err) {
  try { return !!err && (err.authbridgeHeld === true || err.error === "authbridge_held"); } catch { return false; }
}

/** The local answer for a held request: the failure `last` describes. */
export function heldAnswer(last) {
  if (last.kind === "network") {
    return Promise.reject(Object.assign(new TypeError(last.message), { authbridgeHeld: true }));
  }
  const headers = { "Content-Type": "application/json", "X-Authbridge-Held": "1" };
  if (last.retryAfter) headers["Retry-After"] = last.retryAfter;
  const body = JSON.stringify({ error: "authbridge_held",
    error_description: `Held by the page's auth bridge: WorkOS answered ${last.status} to the last refresh; the bridge retries on its backoff.` });
  return Promise.resolve(new Response(body, { status: last.status, statusText: last.statusText, headers }));
}

/**
 * The breaker of `target` (globalThis by default), created on first use. attach(view)
 * returns detach(); view = {mode(), wire(outcome), held(outcome)}:
 *   mode()   "calling" | "backoff" | "idle" (machine.js breakerMode)
 *   wire(o)  a refresh request that went out was answered (outcomeOf)
 *   held(o)  a refresh request was answered here
 */
export function refreshBreaker(target = globalThis) {
  const existing = target[KEY];
  if (existing) return existing;
  const views = new Set();
  const last = new Map(); // origin -> outcome of the last refresh request that went out
  const b = {
    inner: null, installed: false, active: false,
    stats: { held: 0, passed: 0, errors: 0 },
    attach(view) {
      views.add(view);
      install();
      let attached = true;
      return () => { if (!attached) return; attached = false; views.delete(view); if (!views.size) uninstall(); };
    },
    get attached() { return views.size; },
    /** The last outcome seen from `origin` (tests, debugging). */
    lastOutcome: (origin) => last.get(origin) || null,
  };
  const safe = (fn) => { try { fn(); } catch { b.stats.errors += 1; } };
  const tell = (kind, outcome) => { for (const v of [...views]) safe(() => v[kind](outcome)); };

  function decide(origin) {
    const o = last.get(origin);
    if (!shouldHold(o, [...views].map((v) => v.mode()))) return null;
    const answer = heldAnswer(o);
    b.stats.held += 1;
    tell("held", o);
    return answer;
  }
  function observe(origin, response, error) {
    const o = outcomeOf(response, error);
    last.set(origin, o);
    tell("wire", o);
  }

  // One formal parameter and the name "fetch", like the native one.
  b.wrapper = function fetch(input) {
    const inner = b.inner; // kept after uninstall: a caller holding this wrapper still reaches the network
    if (!b.active) return Reflect.apply(inner, this, arguments);
    let origin = null;
    let held = null;
    try {
      origin = refreshRequestOrigin(input, arguments[1]);
      if (origin !== null) held = decide(origin);
    } catch { b.stats.errors += 1; origin = null; held = null; }
    if (held) return held;
    const promise = Reflect.apply(inner, this, arguments);
    if (origin !== null) {
      b.stats.passed += 1;
      try {
        promise.then((r) => safe(() => observe(origin, r, null)), (e) => safe(() => observe(origin, null, e)));
      } catch { b.stats.errors += 1; }
    }
    return promise;
  };

  function install() {
    b.active = true;
    // Our wrapper was removed by someone restoring the fetch we wrapped: wrap again.
    if (b.installed && target.fetch !== b.wrapper && target.fetch === b.inner) b.installed = false;
    if (b.installed) return; // outermost, or under a later wrapper that calls it: reuse, never stack
    const current = target.fetch;
    if (typeof current !== "function") { b.active = false; return; } // nothing to wrap
    try {
      b.inner = current;
      target.fetch = b.wrapper;
      b.installed = target.fetch === b.wrapper;
    } catch { b.installed = false; }
    if (!b.installed) b.active = false;
  }
  function uninstall() {
    b.active = false;
    last.clear();
    if (!b.installed || target.fetch !== b.wrapper) return; // wrapped over since: stay, inert
    try { target.fetch = b.inner; } catch { return; }
    b.installed = false;
  }

  try { Object.defineProperty(target, KEY, { value: b, configurable: true }); } catch { /* a frozen global: unshared */ }
  return b;
}
