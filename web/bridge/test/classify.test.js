// classifyError (transient | terminal), Retry-After hints, token decoding.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { LoginRequiredError, RefreshError, RefreshTimeoutError } from "@workos-inc/authkit-js";
import { classifyError, decodeClaims, retryAfterMs, tokenExpiry } from "../policy.js";
import { jwt } from "./helpers.js";

const typeError = (m) => new TypeError(m);
const named = (name, message = name) => { const e = new Error(message); e.name = name; return e; };

describe("classifyError", () => {
  const transient = [
    ["Chromium TypeError", typeError("Failed to fetch")],
    ["Sentry-decorated", typeError("Failed to fetch (api.workos.com)")],
    ["Firefox TypeError", typeError("NetworkError when attempting to fetch resource.")],
    ["Safari TypeError", typeError("Load failed")],
    ["Safari <=16", typeError("The Internet connection appears to be offline.")],
    ["undici", typeError("fetch failed")],
    ["AbortError", named("AbortError", "The operation was aborted.")],
    ["TimeoutError", named("TimeoutError", "signal timed out")],
    ["DOMException AbortError", typeof DOMException === "function" ? new DOMException("aborted", "AbortError") : named("AbortError")],
    ["RefreshTimeoutError", new RefreshTimeoutError()],
    ["RefreshError transient 503", new RefreshError("Service Unavailable", { status: 503, isTransient: true })],
    ["RefreshError 408", new RefreshError("x", { status: 408, isTransient: true })],
    ["RefreshError 429", new RefreshError("x", { status: 429, isTransient: true })],
    ["RefreshError 520 (Cloudflare, not in authkit's set)", new RefreshError("x", { status: 520, isTransient: false })],
    ["plain object with status 502", Object.assign(new Error("Bad Gateway"), { status: 502 })],
    ["SyntaxError from a garbage body", new SyntaxError("Unexpected token < in JSON at position 0")],
    ["unknown Error", new Error("Invalid JWT format")],
    ["a thrown string", "boom"],
    ["undefined", undefined],
  ];
  for (const [label, err] of transient) {
    test(`transient: ${label}`, () => assert.equal(classifyError(err).kind, "transient"));
  }
  const terminal = [
    ["LoginRequiredError (name 'Error')", new LoginRequiredError()],
    ["RefreshError invalid_grant", new RefreshError("Refresh token already exchanged.", { status: 400, error: "invalid_grant" })],
    ["RefreshError Missing refresh token.", new RefreshError("Missing refresh token.", { status: 400, error: "invalid_request" })],
    ["RefreshError 401", new RefreshError("Unauthorized", { status: 401 })],
    ["message only (minified class)", Object.assign(new Error("No access token available"), {})],
  ];
  for (const [label, err] of terminal) {
    test(`terminal: ${label}`, () => assert.equal(classifyError(err).kind, "terminal"));
  }
  test("LoginRequiredError really has name 'Error'; instanceof hook is honoured", () => {
    const e = new LoginRequiredError();
    assert.equal(e.name, "Error");
    class Other extends Error {}
    assert.equal(classifyError(new Other("zzz"), { isLoginRequired: (x) => x instanceof Other }).kind, "terminal");
  });
  test("network TypeErrors are reported as network", () => {
    assert.equal(classifyError(typeError("Load failed")).reason, "network");
  });
});

describe("tokens", () => {
  test("decodeClaims / tokenExpiry use the earlier of exp and receipt+lifetime", () => {
    const t = jwt({ iat: 1000, exp: 1300 });
    assert.deepEqual(decodeClaims(t), { iat: 1000, exp: 1300 });
    assert.equal(decodeClaims("garbage"), null);
    // clock behind the issuer: receipt + lifetime wins
    assert.equal(tokenExpiry(t, 900_000).expiresAt, 900_000 + 300_000);
    // clock ahead: exp wins
    assert.equal(tokenExpiry(t, 2_000_000).expiresAt, 1_300_000);
    assert.equal(tokenExpiry("x.y.z", 0), null);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-11-30T12:00:00Z");
  test("authkit-js's RefreshError carries no Retry-After: no hint", () => {
    assert.equal(retryAfterMs(new RefreshError("x", { status: 429, isTransient: true }), now), null);
  });
  test("seconds, ms, an HTTP date and a Headers object", () => {
    assert.equal(retryAfterMs(Object.assign(new Error("x"), { retryAfter: 7 }), now), 7_000);
    assert.equal(retryAfterMs(Object.assign(new Error("x"), { retryAfter: "12" }), now), 12_000);
    assert.equal(retryAfterMs(Object.assign(new Error("x"), { retryAfterMs: 250 }), now), 250);
    assert.equal(retryAfterMs(Object.assign(new Error("x"), { retryAfter: "Mon, 30 Nov 2026 12:01:00 GMT" }), now), 60_000);
    const headers = new Headers({ "Retry-After": "3" });
    assert.equal(retryAfterMs(Object.assign(new Error("x"), { response: { headers } }), now), 3_000);
    assert.equal(retryAfterMs(Object.assign(new Error("x"), { headers: { "retry-after": "4" } }), now), 4_000);
  });
  test("garbage is no hint, and never throws", () => {
    for (const e of [null, "x", 3, new Error("x"), Object.assign(new Error("x"), { retryAfter: "soon" }),
      { get headers() { throw new Error("boom"); } }]) assert.equal(retryAfterMs(e, now), null);
  });
});
