/*
 * authtrace replay injector: answer the next WorkOS refresh attempts of this tab with
 * the outcomes of a recorded session (the panel's "replay in the live tab").
 *
 * Load it after the boot shim (a classic script; the panel loads it when used). It
 * answers through the shim's one fetch instrumentation (an interposer) and installs
 * `globalThis.__authtraceReplay`:
 *
 *   install(injections)   injections from authtrace.replay.page_injections(plan):
 *                         [{at_ms, until_ms, count, match: {method, path, grant_type}, outcome}]
 *                         at_ms/until_ms count from this call; count null = every
 *                         matching request in the window. Outcomes:
 *                           {kind: "error", name, message}   the fetch rejects (TypeError)
 *                           {kind: "response", status, body} a JSON response
 *                           {kind: "text", status, text}     a non-JSON response
 *                           {kind: "hang", ms}               no answer for ms, then TypeError
 *                                                            (an AbortSignal still aborts it)
 *   uninstall()           stop injecting (pending hangs still end on their own)
 *   state()               {installed, pending, applied: [{fault, at_ms, kind}]}
 *
 * Matching is by method, URL path and the body's grant_type, never by bytes. Requests
 * that match no active injection go to the real fetch. Like the panel's experiments,
 * injected requests never reach the network (WorkOS does not rotate anything); the boot
 * shim observes them like real ones, marked `replayed` (the fault id). Without the boot
 * shim on the page, install() throws an Error saying so and nothing is changed.
 */
(function () {
  "use strict";
  var g = globalThis;
  if (g.__authtraceReplay) return;

  var at = g.__authtrace && g.__authtrace.interpose ? g.__authtrace : null;
  var now = function () { return g.performance.now(); };
  var injections = [], applied = [], installedAt = null;

  function grantOf(init) {
    var body = init && init.body;
    if (body == null) return undefined;
    try {
      if (typeof body === "string") {
        try { return JSON.parse(body).grant_type; } catch (_) { return new URLSearchParams(body).get("grant_type") || undefined; }
      }
      if (typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams) return body.get("grant_type") || undefined;
      if (typeof FormData !== "undefined" && body instanceof FormData) return body.get("grant_type") || undefined;
    } catch (_) { /* unreadable body: no grant type */ }
    return undefined;
  }
  function pathOf(url) {
    try { return new URL(url, g.location && g.location.href).pathname; } catch (_) { return url; }
  }
  function matches(inj, req, t) {
    if (t < inj.at_ms || (inj.until_ms != null && t > inj.until_ms)) return false;
    if (inj.count != null && inj.left <= 0) return false;
    var m = inj.match || {};
    if (m.method && m.method.toUpperCase() !== req.method) return false;
    if (m.path && m.path !== pathOf(req.url)) return false;
    if (m.grant_type && m.grant_type !== grantOf(req.init)) return false;
    return true;
  }

  function answer(inj, req) {
    var o = inj.outcome || {};
    if (inj.count != null) inj.left -= 1;
    applied.push({ fault: inj.fault, at_ms: Math.round(now() - installedAt), kind: o.kind });
    // The fetch events carry `replayed` (the fault id); the note says when and which.
    at.emit("note", "replay", { fault: inj.fault, outcome: o.kind, replayed: true, request: req.id });
    var made;
    if (o.kind === "error") {
      var err = o.name === "TypeError" || !o.name ? new TypeError(o.message || "Failed to fetch") : new Error(o.message || "");
      if (o.name && o.name !== "TypeError") err.name = o.name;
      made = Promise.reject(err);
    } else if (o.kind === "response") made = at.answers.response(o.status || 500, JSON.stringify(o.body || {}));
    else if (o.kind === "text") made = at.answers.response(o.status || 502, String(o.text || ""), "text/html");
    else made = at.answers.hang(req, o.ms || 30000); // no answer for o.ms, then the connection is dropped
    return { response: made, mark: { replayed: inj.fault || true } };
  }

  if (at) {
    at.interpose("fetch", function (req) {
      if (installedAt === null || !injections.length) return undefined;
      var t = now() - installedAt;
      for (var i = 0; i < injections.length; i++) {
        if (matches(injections[i], req, t)) return answer(injections[i], req);
      }
      return undefined;
    });
  }

  g.__authtraceReplay = {
    version: "1",
    install: function (list) {
      if (!at) throw new Error("authtrace: replay-inject.js needs the boot shim (boot.js) loaded before it");
      injections = (list || []).map(function (x) {
        var c = {}; for (var k in x) c[k] = x[k];
        c.left = x.count == null ? null : x.count;
        return c;
      });
      applied = [];
      installedAt = now();
      at.emit("note", "replay", { installed: injections.length });
      return injections.length;
    },
    uninstall: function () { injections = []; installedAt = null; },
    state: function () {
      return { installed: installedAt !== null,
        pending: injections.filter(function (x) { return x.left == null || x.left > 0; }).length,
        applied: applied.slice() };
    },
  };
})();
