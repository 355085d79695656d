// The refresh breaker (breaker.js) on its own: which requests it may hold, what it
// answers, what it learns, how it installs on a global's fetch, several bridges.
// (With a broker and the fake authkit-js: holding.test.js; the real authkit-js client:
// authkit-real.test.js; React mount/unmount: react.test.js; the recorder: recorder.test.js.)
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  AUTHENTICATE_PATH, AUTHKIT_TRANSIENT_STATUS, heldAnswer, outcomeOf, refreshBreaker, refreshRequestOrigin, shouldHold,
} from "../breaker.js";
import { seeded } from "./helpers.js";
import { API } from "./sim/authkit.js";

const SECRET = "rt_SECRET_do_not_store_4f2a"; // a devMode refresh token in the body
const refreshInit = ({ cookie = false, token = SECRET } = {}) => ({
  method: "POST",
  ...(cookie && { credentials: "include" }),
  headers: { Accept: "application/json, text/plain, */*", "Content-Type": "application/json" },
  body: JSON.stringify({ client_id: "client_test", grant_type: "refresh_token", ...(!cookie && { refresh_token: token }), organization_id: undefined }),
});
const authUrl = () => new URL(AUTHENTICATE_PATH, API);

/** A global with a recording fetch: {target, calls}. */
function fakeGlobal(answer = () => Promise.resolve(new Response("{}", { status: 200 }))) {
  const calls = [];
  const target = {};
  target.fetch = function fetch(...args) { calls.push({ self: this, args }); return answer(...args); };
  return { target, original: target.fetch, calls };
}
const view = (mode = "idle", log = []) => ({ mode: () => mode, wire: (o) => log.push(["wire", o]), held: (o) => log.push(["held", o]) });

// -----------------------------------------------------------------------------------------
describe("which requests are refresh requests", () => {
  test("authkit-js's refresh request (URL object, JSON body), devMode and cookie mode, string URLs, form bodies", () => {
    assert.equal(refreshRequestOrigin(authUrl(), refreshInit()), API);
    assert.equal(refreshRequestOrigin(authUrl(), refreshInit({ cookie: true })), API);
    assert.equal(refreshRequestOrigin(`${API}${AUTHENTICATE_PATH}`, { ...refreshInit(), method: "post" }), API);
    assert.equal(refreshRequestOrigin("http://127.0.0.1:8787/user_management/authenticate", refreshInit()), "http://127.0.0.1:8787");
    assert.equal(refreshRequestOrigin(authUrl(), { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token" }) }), API);
    assert.equal(refreshRequestOrigin(authUrl(), { method: "POST", body: '{ "grant_type" : "refresh_token" }' }), API);
  });

  test("never: the code exchange, sign-out, authorize, other paths and methods, Request objects, relative URLs, other bodies", () => {
    const code = { method: "POST", body: JSON.stringify({ code: "c", client_id: "x", grant_type: "authorization_code", code_verifier: "v" }) };
    assert.equal(refreshRequestOrigin(authUrl(), code), null);
    assert.equal(refreshRequestOrigin(new URL("/user_management/sessions/logout?session_id=s", API), { mode: "no-cors", credentials: "include" }), null);
    assert.equal(refreshRequestOrigin(`${API}/user_management/authorize?client_id=x&response_type=code`), null);
    assert.equal(refreshRequestOrigin(`${API}/user_management/authenticate/extra`, refreshInit()), null);
    assert.equal(refreshRequestOrigin(`${API}/sso/token`, refreshInit()), null);
    assert.equal(refreshRequestOrigin(authUrl(), { ...refreshInit(), method: "PUT" }), null);
    assert.equal(refreshRequestOrigin(authUrl(), { ...refreshInit(), method: undefined }), null); // GET
    assert.equal(refreshRequestOrigin(authUrl()), null);
    assert.equal(refreshRequestOrigin(AUTHENTICATE_PATH, refreshInit()), null); // relative
    const fd = new FormData(); fd.set("grant_type", "refresh_token");
    assert.equal(refreshRequestOrigin(authUrl(), { method: "POST", body: fd }), null);
    assert.equal(refreshRequestOrigin(authUrl(), { method: "POST", body: new Blob([refreshInit().body]) }), null);
    // A Request object (here cross-origin, with a refresh body) is never held: its body is a stream.
    const req = new Request("https://auth.example.com/user_management/authenticate", refreshInit());
    assert.equal(refreshRequestOrigin(req), null);
    assert.equal(refreshRequestOrigin(req, refreshInit()), null);
  });

  test("random request shapes (seeded): held only for POST, the exact path, grant_type refresh_token, a URL or string", () => {
    const rnd = seeded(11);
    const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
    const hosts = [API, "http://127.0.0.1:8787", "https://auth.example.com", "https://app.example.com"];
    const paths = [AUTHENTICATE_PATH, `${AUTHENTICATE_PATH}/`, "/user_management/authorize", "/user_management/sessions/logout", "/api/auth", "/"];
    const grants = ["refresh_token", "authorization_code", "password", "urn:ietf:params:oauth:grant-type:device_code", null];
    const methods = ["POST", "post", "GET", "PUT", "PATCH", undefined];
    for (let i = 0; i < 2000; i++) {
      const [host, path, grant, method] = [pick(hosts), pick(paths), pick(grants), pick(methods)];
      const encoding = pick(["json", "form", "text", "formdata", "none"]);
      const kind = pick(["string", "url", "request"]);
      const fields = { client_id: "c", ...(grant && { grant_type: grant }), ...(rnd() < 0.5 && { refresh_token: SECRET }) };
      const body = encoding === "json" ? JSON.stringify(fields) : encoding === "form" ? new URLSearchParams(fields)
        : encoding === "text" ? `grant_type=${grant}` : encoding === "formdata" ? new FormData() : undefined;
      const init = { method, ...(body !== undefined && method && !/^(GET|get)$/.test(method) && { body }) };
      const href = `${host}${path}`;
      const input = kind === "string" ? href : kind === "url" ? new URL(href) : new Request(href, { method: method && !/GET/i.test(method) ? method : "POST" });
      const expected = kind !== "request" && /^post$/i.test(method ?? "") && path === AUTHENTICATE_PATH && grant === "refresh_token"
        && (encoding === "json" || encoding === "form") ? new URL(href).origin : null;
      assert.equal(refreshRequestOrigin(input, init), expected, JSON.stringify({ href, method, grant, encoding, kind }));
    }
  });

  test("the body is tested for grant_type only: never parsed", () => {
    const parse = JSON.parse;
    JSON.parse = () => { throw new Error("the breaker parsed a body"); };
    try {
      assert.equal(refreshRequestOrigin(authUrl(), refreshInit()), API);
    } finally { JSON.parse = parse; }
  });
});

// -----------------------------------------------------------------------------------------
describe("what it learns and what it answers", () => {
  test("outcomes: ok, network TypeError, authkit-js's transient statuses (with Retry-After), anything else", () => {
    assert.deepEqual(outcomeOf(new Response("{}", { status: 200 }), null), { kind: "ok" });
    assert.deepEqual(outcomeOf(null, new TypeError("Load failed")), { kind: "network", message: "Load failed" });
    assert.equal(outcomeOf(null, new DOMException("aborted", "AbortError")).kind, "other");
    assert.equal(outcomeOf(null, new Error("boom")).kind, "other");
    for (const status of AUTHKIT_TRANSIENT_STATUS) {
      const o = outcomeOf(new Response("", { status, headers: { "Retry-After": "7" } }), null);
      assert.deepEqual([o.kind, o.status, o.retryAfter], ["status", status, "7"]);
    }
    // statuses authkit-js treats as terminal (it ends the session; its loop stops): never mimicked
    for (const status of [400, 401, 403, 404, 501, 520]) assert.equal(outcomeOf(new Response("", { status }), null).kind, "other");
  });

  test("holds only after a transient failure, while some bridge backs off and none has a call outstanding", () => {
    const fail = { kind: "status", status: 503 };
    assert.equal(shouldHold(fail, ["backoff"]), true);
    assert.equal(shouldHold({ kind: "network", message: "Failed to fetch" }, ["idle", "backoff"]), true);
    assert.equal(shouldHold(fail, ["backoff", "calling"]), false, "another bridge's own call passes");
    assert.equal(shouldHold(fail, ["calling"]), false);
    assert.equal(shouldHold(fail, ["idle"]), false);
    assert.equal(shouldHold(fail, []), false);
    for (const last of [null, { kind: "ok" }, { kind: "other", status: 400 }]) assert.equal(shouldHold(last, ["backoff"]), false);
  });

  test("the answer is the failure the network gave: a TypeError with its message, or a response with its status", async () => {
    await assert.rejects(heldAnswer({ kind: "network", message: "NetworkError when attempting to fetch resource." }),
      (e) => e instanceof TypeError && e.message === "NetworkError when attempting to fetch resource." && e.authbridgeHeld === true);
    const r = await heldAnswer({ kind: "status", status: 429, statusText: "Too Many Requests", retryAfter: "30" });
    assert.equal(r.status, 429);
    assert.equal(r.ok, false);
    assert.equal(r.headers.get("retry-after"), "30");
    assert.equal(r.headers.get("x-authbridge-held"), "1");
    const body = await r.json();
    assert.equal(body.error, "authbridge_held");
    assert.match(body.error_description, /429/);
  });
});

// -----------------------------------------------------------------------------------------
describe("installing on a global's fetch; several bridges", () => {
  test("one wrapper however many bridges attach; the last detach restores the original", () => {
    const { target, original } = fakeGlobal();
    const b = refreshBreaker(target);
    assert.equal(refreshBreaker(target), b, "one breaker per global");
    assert.equal(target.fetch, original, "nothing wrapped before a bridge attaches");
    const d1 = b.attach(view());
    const wrapper = target.fetch;
    assert.notEqual(wrapper, original);
    assert.equal(wrapper.name, "fetch");
    assert.equal(wrapper.length, 1);
    const d2 = b.attach(view());
    assert.equal(target.fetch, wrapper, "a second bridge does not stack a wrapper");
    d1(); d1();
    assert.equal(target.fetch, wrapper);
    d2();
    assert.equal(target.fetch, original);
    assert.equal(b.attached, 0);
    b.attach(view());
    assert.equal(target.fetch, wrapper, "reattached: the same wrapper, once");
  });

  test("a module copy (HMR, two bundles) shares the breaker: Symbol.for key on the global", async () => {
    const { target } = fakeGlobal();
    const copy = await import(`../breaker.js?copy=${Date.now()}`);
    assert.notEqual(copy.refreshBreaker, refreshBreaker);
    assert.equal(copy.refreshBreaker(target), refreshBreaker(target));
  });

  test("wrapped over later: detach leaves ours in the chain, inert; a later bridge reuses it, never stacks", async () => {
    const { target, original, calls } = fakeGlobal();
    const b = refreshBreaker(target);
    const detach = b.attach(view("backoff"));
    const ours = target.fetch;
    const other = function fetch(input, init) { return ours(input, init); }; // e.g. Sentry, installed after the bridge
    target.fetch = other;
    // teach it a failure, then detach: nothing is held any more
    b.attach(view("calling"))();
    detach();
    assert.equal(target.fetch, other, "someone else's wrapper is never removed");
    await target.fetch(authUrl(), refreshInit());
    assert.equal(calls.length, 1, "inert: passes through");
    // a later bridge: same wrapper reactivated under `other`
    const log = [];
    const again = b.attach(view("calling", log));
    assert.equal(target.fetch, other);
    await target.fetch(authUrl(), refreshInit());
    assert.equal(calls.length, 2);
    assert.deepEqual(log.map((x) => x[0]), ["wire"], "active again, through the chain");
    again();
    // someone restores the fetch we wrapped (dropping us): the next attach wraps again
    target.fetch = original;
    b.attach(view());
    assert.equal(target.fetch, ours);
  });

  test("transparent when it does not hold: the same promise, `this` and arguments reach the network", async () => {
    const answers = [];
    const { target, calls } = fakeGlobal(() => { const p = Promise.resolve(new Response("{}", { status: 200 })); answers.push(p); return p; });
    const b = refreshBreaker(target);
    b.attach(view("idle"));
    const init = refreshInit({ cookie: true });
    const p1 = target.fetch(authUrl(), init, "extra");
    assert.equal(p1, answers[0], "the network's own promise");
    assert.equal(calls[0].self, target);
    assert.equal(calls[0].args[1], init, "the same init: credentials: include untouched");
    assert.equal(calls[0].args.length, 3);
    const req = new Request("https://other.example.com/x", { method: "POST", body: "a" });
    const p2 = target.fetch(req);
    assert.equal(p2, answers[1]);
    assert.equal(calls[1].args[0], req);
    assert.equal(req.bodyUsed, false, "a Request's body is never read");
    await Promise.all([p1, p2]);
  });

  test("fail-open: a throwing view, a missing Response, a throwing network all behave as without it", async () => {
    const { target, calls } = fakeGlobal(() => Promise.reject(new TypeError("Failed to fetch")));
    const b = refreshBreaker(target);
    const d = b.attach({ mode: () => { throw new Error("broken view"); }, wire() { throw new Error("x"); }, held() {} });
    await assert.rejects(target.fetch(authUrl(), refreshInit()), TypeError);
    await assert.rejects(target.fetch(authUrl(), refreshInit()), TypeError);
    assert.equal(calls.length, 2, "both went out");
    d();
    // holding, but no Response constructor (an odd runtime): the request goes out
    b.attach(view("calling"));
    await assert.rejects(target.fetch(authUrl(), refreshInit()), TypeError); // learns "network"
    const R = globalThis.Response;
    const { target: t2, calls: c2 } = fakeGlobal(() => Promise.resolve(new R("", { status: 503 })));
    const b2 = refreshBreaker(t2);
    const d2 = b2.attach(view("calling"));
    await t2.fetch(authUrl(), refreshInit()); // learns 503
    d2();
    b2.attach(view("backoff"));
    globalThis.Response = undefined;
    try { await t2.fetch(authUrl(), refreshInit()); } finally { globalThis.Response = R; }
    assert.equal(c2.length, 2, "could not build the local answer: sent");
    await t2.fetch(authUrl(), refreshInit());
    assert.equal(c2.length, 2, "with Response back, held");
  });

  test("several bridges: a refresh is held only while none has a call outstanding", async () => {
    const { target, calls } = fakeGlobal(() => Promise.resolve(new Response("", { status: 503 })));
    const b = refreshBreaker(target);
    const modes = { a: "calling", b: "idle" };
    b.attach({ mode: () => modes.a, wire() {}, held() {} });
    b.attach({ mode: () => modes.b, wire() {}, held() {} });
    await target.fetch(authUrl(), refreshInit()); // a's call: out, learns 503
    modes.a = "backoff";
    modes.b = "calling";
    await target.fetch(authUrl(), refreshInit()); // b's call: out
    modes.b = "idle";
    const r = await target.fetch(authUrl(), refreshInit()); // a backs off, b idle: held
    assert.equal(calls.length, 2);
    assert.equal(r.headers.get("x-authbridge-held"), "1");
    modes.a = "idle";
    await target.fetch(authUrl(), refreshInit());
    assert.equal(calls.length, 3, "no bridge backs off: out");
  });

  test("held answers teach it nothing: only what went out counts (a success ends holding)", async () => {
    let answer = new Response("", { status: 503 });
    const { target, calls } = fakeGlobal(() => Promise.resolve(answer));
    const b = refreshBreaker(target);
    let mode = "calling";
    b.attach({ mode: () => mode, wire() {}, held() {} });
    await target.fetch(authUrl(), refreshInit());
    mode = "backoff";
    for (let i = 0; i < 3; i++) await target.fetch(authUrl(), refreshInit());
    assert.equal(calls.length, 1);
    assert.equal(b.lastOutcome(API).status, 503);
    mode = "calling";
    answer = new Response("{}", { status: 200 });
    await target.fetch(authUrl(), refreshInit());
    mode = "backoff"; // e.g. a same_token backoff: no failure on the wire, nothing held
    await target.fetch(authUrl(), refreshInit());
    assert.equal(calls.length, 3);
    // another origin never learned a failure: never held
    mode = "calling";
    answer = new Response("", { status: 503 });
    await target.fetch(authUrl(), refreshInit());
    mode = "backoff";
    await target.fetch("https://auth.example.com/user_management/authenticate", refreshInit());
    assert.equal(calls.length, 5);
  });
});
