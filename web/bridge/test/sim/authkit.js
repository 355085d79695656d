// A fake AuthKit client that behaves like authkit-js 0.20.3's Client
// (node_modules/@workos-inc/authkit-js/src/create-client.ts), on the test clock, and a
// fake WorkOS behind a fetch, so the simulations count requests on the wire:
//   - getAccessToken({forceRefresh}) refreshes when forced or #shouldRefresh()
//     (no token, or inside refreshBufferInterval of expiresAt = receipt + lifetime);
//   - #refreshSession piggy-backs every caller on the one in-flight refresh
//     (state AUTHENTICATING), forced or not;
//   - the refresh is http-client.ts's: fetch(new URL("/user_management/authenticate",
//     base), {method: "POST", headers, body: JSON with grant_type "refresh_token" and,
//     in devMode, the refresh token}); a non-ok answer becomes RefreshError{status,
//     error, isTransient: 408/429/500/502/503/504}; a network TypeError is rethrown as is;
//   - a transient failure keeps the session (state AUTHENTICATED): unforced callers get
//     the unexpired token, forced ones the error; a terminal RefreshError wipes the
//     session (state ERROR) and every later call throws LoginRequiredError;
//   - its own 1 s loop (#scheduleAutomaticRefresh) refreshes while the tab is visible
//     and a refresh is due, rescheduling 1 s after each attempt settles.
// The real error classes are used, so the bridge classifies what it would in a browser.
// Its `fetch` is the caller's: world.js passes one that looks up the page's global fetch
// at each request, as authkit-js does, so the bridge's refresh breaker wraps it there.
// No Web Lock: one tab.
import { LoginRequiredError, RefreshError } from "@workos-inc/authkit-js";
import { jwt } from "../helpers.js";

export const API = "https://api.workos.test";
const USER = { object: "user", id: "user_1", email: "user@example.com", email_verified: true, first_name: "Ada", last_name: "L",
  profile_picture_url: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" };
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]); // http-client.ts RETRYABLE_REFRESH_STATUS_CODES

const json = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

/**
 * A fake WorkOS. `mode(now)` says what a refresh request gets:
 * "ok" | "5xx" | "429" | "network" | "hang" | "invalid_grant".
 * `fetch(input, init)` is the network; `requests` counts refresh requests that reached
 * it, `log` has {at, origin, mode, credentials} each (origin: who in AuthKit started the
 * refresh); `other` lists every other request (code exchange, sign-out…).
 */
export function fakeWorkOS(env, { lifetimeS = 300, latencyMs = 40, mode = () => "ok", claims = {}, retryAfterS = null } = {}) {
  let n = 0;
  const hung = new Set();
  function session() {
    n += 1;
    const iat = Math.floor(env.now / 1000);
    const token = jwt({ iss: "https://api.workos.com/user_management/client_test", sub: "user_1", sid: "session_1", iat, exp: iat + lifetimeS, jti: `r${n}`, ...claims });
    return json(200, { access_token: token, refresh_token: `rt_${n}`, authentication_method: "Password", user: USER });
  }
  function answer(m) {
    if (m === "ok") {
      server.rotations += 1;
      return session();
    }
    const ra = retryAfterS === null ? {} : { "Retry-After": String(retryAfterS) };
    if (m === "5xx") return json(503, { error: "service_unavailable", error_description: "Service Unavailable" }, ra);
    if (m === "429") return json(429, { error: "too_many_requests", error_description: "Too Many Requests" }, ra);
    if (m === "invalid_grant") return json(400, { error: "invalid_grant", error_description: "Refresh token already exchanged." });
    if (m === "network") throw new TypeError("Failed to fetch");
    throw new Error(`unknown mode ${m}`);
  }
  const server = {
    requests: 0, rotations: 0, log: [], other: [],
    mode,
    fetch(input, init = {}) {
      const url = new URL(String(input instanceof URL ? input.href : input));
      const body = typeof init.body === "string" ? init.body : "";
      const grant = (/"grant_type":"([a-z_]+)"/.exec(body) || [])[1] ?? null;
      if (url.pathname !== "/user_management/authenticate" || grant !== "refresh_token") {
        server.other.push({ at: env.now, url: url.href, method: init.method || "GET", grant });
        return Promise.resolve(grant === "authorization_code" ? session() : json(200, { ok: true }));
      }
      server.requests += 1;
      const m = server.mode(env.now);
      server.log.push({ at: env.now, origin: init.simOrigin ?? null, mode: m, credentials: init.credentials ?? null });
      if (m === "hang") return new Promise((resolve, reject) => hung.add({ resolve, reject }));
      return new Promise((resolve, reject) => env.timers.setTimeout(() => {
        try { resolve(answer(m)); } catch (e) { reject(e); }
      }, m === "network" ? latencyMs / 2 : latencyMs));
    },
    /** Answer every hung request with what the current mode says (not new requests). */
    release() {
      const waiting = [...hung];
      hung.clear();
      for (const h of waiting) {
        try { h.resolve(answer(server.mode(env.now))); } catch (e) { h.reject(e); }
      }
    },
  };
  return server;
}

/**
 * fakeAuthKit(env, fetch, {bufferS, loop, token, devMode, settleDelayMs})
 * `fetch(input, init)` is called for every refresh: pass `(...a) => global.fetch(...a)`.
 * `settleDelayMs`: a refresh settles this long after its answer (a slow body read or
 * Web Lock release), so callers can join a flight whose answer is already in.
 */
export function fakeAuthKit(env, fetch, { bufferS = 10, loop = true, token = null, devMode = true, settleDelayMs = 0 } = {}) {
  let state = { tag: "AUTHENTICATED" };
  let access = null;
  let expiresAt = null;
  let refreshToken = "rt_0";
  let timer = null;
  // requests: refreshes started, by who started them (held ones included); the wire is the server's count.
  const stats = { calls: 0, forcedCalls: 0, requests: { loop: 0, unforced: 0, forced: 0 } };

  function store(t) {
    const [, payload] = t.split(".");
    const c = JSON.parse(Buffer.from(payload, "base64url").toString());
    access = t;
    expiresAt = env.now + (c.exp - c.iat) * 1000; // utils/session-data.ts: receipt + lifetime
  }
  if (token) store(token);

  const shouldRefresh = () => {
    if (state.tag === "INITIAL" || state.tag === "AUTHENTICATING") return true;
    if (state.tag === "ERROR") return false;
    if (!access || !expiresAt) return true;
    return expiresAt - bufferS * 1000 < env.now;
  };
  const unexpired = () => (access && expiresAt && expiresAt > env.now ? access : undefined);

  // http-client.ts authenticateWithRefreshToken
  async function authenticateWithRefreshToken(origin) {
    const response = await fetch(new URL("/user_management/authenticate", API), {
      method: "POST",
      ...(!devMode && { credentials: "include" }),
      headers: { Accept: "application/json, text/plain, */*", "Content-Type": "application/json" },
      body: JSON.stringify({ client_id: "client_test", grant_type: "refresh_token", ...(devMode && { refresh_token: refreshToken }) }),
      simOrigin: origin, // read by the fake server only (who started this refresh)
    });
    if (response.ok) {
      const data = await response.json();
      refreshToken = data.refresh_token;
      return data.access_token;
    }
    let body = {};
    try { body = await response.json(); } catch { /* non-JSON */ }
    throw new RefreshError(body.error_description, { status: response.status, error: body.error, isTransient: TRANSIENT.has(response.status) });
  }

  const settling = () => (settleDelayMs ? new Promise((r) => env.timers.setTimeout(r, settleDelayMs)) : null);
  async function doRefresh(origin) {
    try {
      const t = await authenticateWithRefreshToken(origin).finally(settling);
      state = { tag: "AUTHENTICATED" };
      store(t);
      return t;
    } catch (error) {
      if (error instanceof RefreshError && !error.isTransient) {
        access = null; expiresAt = null; // removeSessionData
        state = { tag: "ERROR" };
      } else {
        state = { tag: "AUTHENTICATED" };
      }
      throw error;
    }
  }
  async function refreshSession(origin) {
    if (state.tag === "AUTHENTICATING") { await state.response; return; }
    stats.requests[origin] += 1;
    state = { tag: "AUTHENTICATING", response: doRefresh(origin) };
    await state.response;
  }

  const client = {
    stats,
    get state() { return state.tag; },
    get token() { return access; },
    async getAccessToken(options) {
      stats.calls += 1;
      if (stats.calls > 20_000) throw new Error("fake AuthKit: call budget exceeded (a retry loop without a wait?)");
      if (options?.forceRefresh) stats.forcedCalls += 1;
      if (options?.forceRefresh || shouldRefresh()) {
        try {
          await refreshSession(options?.forceRefresh ? "forced" : "unforced");
        } catch (err) {
          if (err instanceof RefreshError) {
            if (err.isTransient) {
              const t = !options?.forceRefresh ? unexpired() : undefined;
              if (t) return t;
              throw err;
            }
            throw new LoginRequiredError();
          }
          throw err;
        }
      }
      if (!access) throw new LoginRequiredError();
      return access;
    },
    /** The 1 s auto-refresh loop (#scheduleAutomaticRefresh), gated on a visible tab. */
    startLoop() {
      timer = env.timers.setTimeout(() => {
        if (shouldRefresh() && env.page.visible) {
          refreshSession("loop").catch(() => {}).finally(() => client.startLoop());
        } else client.startLoop();
      }, 1000);
    },
    stopLoop() { if (timer !== null) env.timers.clearTimeout(timer); timer = null; },
  };
  if (loop) client.startLoop();
  return client;
}
