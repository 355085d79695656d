/*
 * authtrace replay injector: answer the next WorkOS refresh attempts of this tab with
 * the outcomes of a recorded session (the panel's "replay in the live tab").
 *
 * Load it after the boot shim (a classic script). It installs `globalThis.__authtraceReplay`:
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
 * injected requests never reach the network (WorkOS does not rotate anything) and are
 * recorded through the boot shim as the same fetch observations, marked `replayed`.
 */
(function () {
  "use strict";
  var g = globalThis;
  if (g.__authtraceReplay) return;

  var innerFetch = g.fetch;
  var now = function () { return g.performance.now(); };
  var injections = [], applied = [], installedAt = null, seq = 0;

  function shim() { return g.__authtrace; }
  function emit(kind, type, payload) {
    var s = shim();
    if (!s || !s.emit) return;
    try { s.emit(kind, type, payload); } catch (_) { /* fail open */ }
  }
  function pageState() { return { visibility: document.visibilityState, online: navigator.onLine }; }
  function urlOf(input) {
    if (typeof Request !== "undefined" && input instanceof Request) return input.url;
    return String(input && input.href !== undefined ? input.href : input);
  }
  function methodOf(input, init) {
    var m = (init && init.method) || (typeof Request !== "undefined" && input instanceof Request ? input.method : "GET");
    return String(m).toUpperCase();
  }
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
    if (m.path && m.path !== req.path) return false;
    if (m.grant_type && m.grant_type !== req.grant_type) return false;
    return true;
  }
  function abortError() {
    try { return new DOMException("The operation was aborted.", "AbortError"); } catch (_) { var e = new Error("aborted"); e.name = "AbortError"; return e; }
  }

  function answer(inj, input, init, req) {
    var s = shim();
    var id = s && typeof s.seq === "number" ? ++s.seq : 800000000 + (++seq);
    var start = now(), o = inj.outcome || {};
    if (inj.count != null) inj.left -= 1;
    applied.push({ fault: inj.fault, at_ms: Math.round(start - installedAt), kind: o.kind });
    // The fetch events carry `replayed` (the fault id); the note says when and which.
    emit("note", "replay", { fault: inj.fault, outcome: o.kind, replayed: true, request: id });
    emit("fetch", "request", { request: id, url: req.url, method: req.method, auth: true, page: pageState(),
      body: init && typeof init.body === "string" ? init.body : undefined, replayed: inj.fault || true });
    function respond(status, text, json) {
      emit("fetch", "response", { request: id, status: status, ok: status < 300, durationMs: now() - start,
        page: pageState(), body: text });
      return new Response(text, { status: status, headers: { "Content-Type": json ? "application/json" : "text/html" } });
    }
    function fail(err) {
      emit("fetch", "error", { request: id, name: err.name, message: err.message, durationMs: now() - start, page: pageState() });
      return Promise.reject(err);
    }
    var signal = (init && init.signal) || (typeof Request !== "undefined" && input instanceof Request ? input.signal : null);
    if (signal && signal.aborted) return fail(abortError());
    if (o.kind === "error") {
      var err = o.name === "TypeError" || !o.name ? new TypeError(o.message || "Failed to fetch") : new Error(o.message || "");
      if (o.name && o.name !== "TypeError") err.name = o.name;
      return fail(err);
    }
    if (o.kind === "response") return Promise.resolve(respond(o.status || 500, JSON.stringify(o.body || {}), true));
    if (o.kind === "text") return Promise.resolve(respond(o.status || 502, String(o.text || ""), false));
    // hang: no answer for o.ms, then the connection is dropped (TypeError), unless aborted first.
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { fail(new TypeError("Failed to fetch")).catch(reject); }, Math.max(0, o.ms || 30000));
      if (signal) signal.addEventListener("abort", function () { clearTimeout(timer); fail(abortError()).catch(reject); });
    });
  }

  if (typeof innerFetch === "function") {
    g.fetch = function fetch(input) {
      var init = arguments[1];
      try {
        if (installedAt !== null && injections.length) {
          var url = urlOf(input);
          var req = { url: url, path: pathOf(url), method: methodOf(input, init), grant_type: grantOf(init) };
          var t = now() - installedAt;
          for (var i = 0; i < injections.length; i++) {
            if (matches(injections[i], req, t)) return answer(injections[i], input, init, req);
          }
        }
      } catch (_) { /* fail open: the real fetch below */ }
      return innerFetch.apply(this, arguments);
    };
  }

  g.__authtraceReplay = {
    install: function (list) {
      injections = (list || []).map(function (x) {
        var c = {}; for (var k in x) c[k] = x[k];
        c.left = x.count == null ? null : x.count;
        return c;
      });
      applied = [];
      installedAt = now();
      emit("note", "replay", { installed: injections.length });
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
