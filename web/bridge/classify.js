// What an AuthKit failure means for the session: transient (keep the session, retry)
// or terminal (the session has ended). Pure: no clock, no I/O. `classifyError` is
// checked against the Python classification (py/authtrace) on a shared table, so its
// contract stays `classifyError(err, {isLoginRequired}) → {kind, reason}`.

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);
const isRetryableStatus = (s) => RETRYABLE_STATUS.has(s) || (s >= 520 && s <= 530) || (s >= 500 && s < 600);

const NETWORK_MESSAGE = new RegExp([
  "failed to fetch", // Chromium (and Sentry's "Failed to fetch (host)")
  "networkerror when attempting to fetch", // Firefox
  "load failed", // Safari 17+
  "network request failed", // polyfills
  "fetch failed", "terminated", // undici / Node
  "network connection (was )?lost", "internet connection appears to be offline", // Safari ≤16, Workers
  "error sending request", "network ?error", "err_network", "err_internet_disconnected",
].join("|"), "i");

const TERMINAL_MESSAGE = /no access token available|invalid_grant|missing refresh token|refresh token (has been|already) (revoked|exchanged|used)|session (has )?(expired|ended)/i;

/**
 * classifyError(err, {isLoginRequired}) → {kind: "transient"|"terminal", reason}
 * Unknown errors are transient: a wrong "transient" costs a retry, a wrong
 * "terminal" costs the user's session.
 */
export function classifyError(err, { isLoginRequired } = {}) {
  if (err == null || typeof err !== "object") return { kind: "transient", reason: "unknown" };
  const name = String(err.name || "");
  const message = String(err.message || "");
  const ctor = (err.constructor && err.constructor.name) || "";
  let login = false;
  try { login = !!(isLoginRequired && isLoginRequired(err)); } catch { /* ignore */ }
  // LoginRequiredError keeps name "Error"; match the class, its constructor name or its message.
  if (login || ctor === "LoginRequiredError" || message === "No access token available") {
    return { kind: "terminal", reason: "login_required" };
  }
  if (name === "RefreshTimeoutError" || ctor === "RefreshTimeoutError") return { kind: "transient", reason: "refresh_timeout" };
  if (name === "AbortError" || name === "TimeoutError") return { kind: "transient", reason: "timeout" };
  if (name === "RefreshError" || ctor === "RefreshError" || typeof err.isTransient === "boolean") {
    if (err.isTransient) return { kind: "transient", reason: `refresh_error_${err.status ?? "transient"}` };
    if (typeof err.status === "number" && isRetryableStatus(err.status)) return { kind: "transient", reason: `http_${err.status}` };
    return { kind: "terminal", reason: err.error || (typeof err.status === "number" ? `http_${err.status}` : "refresh_error") };
  }
  if (typeof err.status === "number") {
    if (isRetryableStatus(err.status)) return { kind: "transient", reason: `http_${err.status}` };
    if (err.status === 400 || err.status === 401) {
      if (TERMINAL_MESSAGE.test(`${err.error || ""} ${message}`)) return { kind: "terminal", reason: err.error || `http_${err.status}` };
    }
  }
  if (name === "TypeError" || ctor === "TypeError") {
    return { kind: "transient", reason: NETWORK_MESSAGE.test(message) ? "network" : "type_error" };
  }
  if (name === "SyntaxError" || ctor === "SyntaxError") return { kind: "transient", reason: "bad_body" };
  if (NETWORK_MESSAGE.test(message)) return { kind: "transient", reason: "network" };
  if (TERMINAL_MESSAGE.test(message) && !/timeout|timed out/i.test(message)) return { kind: "terminal", reason: "message" };
  return { kind: "transient", reason: "unknown" };
}

/**
 * How long the server asked us to wait, in ms, or null. authkit-js 0.20.3's
 * RefreshError carries only `status`, `error` and `isTransient` (the response's
 * headers are dropped in http-client.ts), so this reads the hint only where a
 * custom getAccessToken attaches one: `retryAfterMs`, `retryAfter` (seconds or an
 * HTTP date), or a `headers`/`response.headers` with a `Retry-After` entry.
 */
export function retryAfterMs(err, now = Date.now()) {
  if (err == null || typeof err !== "object") return null;
  const asMs = (v) => {
    if (v == null || v === "") return null;
    if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? v * 1000 : null;
    const s = String(v).trim();
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
    const at = Date.parse(s);
    return Number.isNaN(at) ? null : Math.max(0, at - now);
  };
  try {
    if (typeof err.retryAfterMs === "number" && err.retryAfterMs >= 0) return err.retryAfterMs;
    const direct = asMs(err.retryAfter);
    if (direct !== null) return direct;
    for (const h of [err.headers, err.response && err.response.headers]) {
      if (!h) continue;
      const v = typeof h.get === "function" ? h.get("retry-after") : (h["retry-after"] ?? h["Retry-After"]);
      const ms = asMs(v);
      if (ms !== null) return ms;
    }
  } catch { /* a hostile error object: no hint */ }
  return null;
}

/** A loggable summary of an error (never a token). */
export function describe(e) {
  if (!e) return null;
  if (typeof e !== "object") return String(e);
  const out = { name: e.name, message: e.message };
  if (e.constructor && e.constructor.name && e.constructor.name !== e.name) out.class = e.constructor.name;
  if (e.status !== undefined) out.status = e.status;
  if (e.error !== undefined) out.error = e.error;
  if (e.isTransient !== undefined) out.isTransient = e.isTransient;
  return out;
}
