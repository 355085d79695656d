/*
 * authtrace experiments: page-side simulations for the debug panel.
 *
 * Load it right after the boot shim (web/recorder/boot.js) as a classic
 * script, or let the panel load it later. It installs `globalThis.__authtraceExperiments`:
 *
 *   arm("refresh-typeerror" | "refresh-503" | "refresh-invalid-grant" | "refresh-hang", n = 1)
 *       the next n requests to WorkOS `/user_management/authenticate` do not reach
 *       the network: they reject with `new TypeError("Failed to fetch")`, resolve
 *       with a synthetic 503 or 400 `{"error":"invalid_grant"}` Response, or never
 *       settle (an AbortSignal still aborts them);
 *   hide(seconds)       document.visibilityState/hidden read "hidden" and a
 *                       `visibilitychange` is dispatched; restored after `seconds`;
 *   offline(seconds)    `offline` is dispatched, every fetch rejects with
 *                       TypeError("Failed to fetch"), navigator.onLine reads false;
 *                       `online` is dispatched when it ends;
 *   dropSockets()       close() every open Convex sync WebSocket (code 1000 is
 *                       not allowed to be faked; the close is a real client close);
 *   disarm()            forget pending refresh faults and end hide/offline early;
 *   state()             what is armed, as a plain object.
 *
 * These are SIMULATIONS made by the page itself, not what a browser does:
 * - the fault replaces the response the app sees; the request never leaves the
 *   page, so the WorkOS server (and its refresh-token rotation) sees nothing;
 * - "hidden" only fools code that reads document.visibilityState/hidden or
 *   listens for visibilitychange: timers are not throttled, the tab is not
 *   frozen, requestAnimationFrame keeps running, and anything holding the
 *   native getter (other frames, workers, the browser) sees the real state;
 * - "offline" cuts only fetch (and dispatches the events): open WebSockets stay
 *   up and XMLHttpRequest/EventSource/sendBeacon are untouched; use dropSockets
 *   to cut the Convex socket (Convex will reconnect at once, since the real
 *   network is up);
 * - only sockets created after this script ran are known by construction; a
 *   socket created earlier is known once it sends a frame.
 *
 * Every experiment is recorded through the boot shim as a `note/experiment`
 * event, and intercepted requests as the same `fetch` observations the shim
 * makes for real ones, so the timeline shows them where they happened.
 */
(function () {
  "use strict";
  var g = globalThis;
  if (g.__authtraceExperiments) return;

  var AUTH_PATH = /\/user_management\/authenticate(?:$|[?#])/;
  var SYNC_PATH = /\/api\/[^/]+\/sync(?:$|[?#])/;
  var IGNORE = /\/(?:pyodide|pyscript|recorder)\/|\.whl(?:$|\?)|\/static\//;
  var now = function () { return g.performance.now(); };

  var armed = []; // [{mode, left}]
  var hiddenUntil = 0, offlineUntil = 0;
  var hideTimer = null, offlineTimer = null;
  var sockets = new Set();
  var seq = 0;

  function shim() { return g.__authtrace; }
  function emit(kind, type, payload) {
    var s = shim();
    if (!s || !s.emit) return;
    try { s.emit(kind, type, payload); } catch (_) { /* fail open */ }
  }
  function pageState() { return { visibility: document.visibilityState, online: navigator.onLine }; }
  function note(what, detail) {
    var payload = { experiment: what, simulated: true };
    for (var k in detail || {}) payload[k] = detail[k];
    emit("note", "experiment", payload);
  }

  // --- fetch ----------------------------------------------------------------
  var innerFetch = g.fetch; // the boot shim's traced fetch (or the native one)
  function urlOf(input) {
    if (typeof Request !== "undefined" && input instanceof Request) return input.url;
    return String(input && input.href !== undefined ? input.href : input);
  }
  function bodyOf(input, init) {
    return init && typeof init.body === "string" ? init.body : undefined;
  }
  function signalOf(input, init) {
    if (init && init.signal) return init.signal;
    if (typeof Request !== "undefined" && input instanceof Request) return input.signal;
    return null;
  }
  function abortError() {
    try { return new DOMException("The operation was aborted.", "AbortError"); } catch (_) { var e = new Error("aborted"); e.name = "AbortError"; return e; }
  }

  function synthetic(mode, input, init, auth) {
    var s = shim();
    var id = s && typeof s.seq === "number" ? ++s.seq : 900000000 + (++seq); // the shim's numbering
    var url = urlOf(input), start = now();
    if (auth) {
      emit("fetch", "request", { request: id, url: url, method: ((init && init.method) || "POST").toUpperCase(), auth: true,
        credentials: init && init.credentials, page: pageState(), body: bodyOf(input, init), simulated: mode });
    }
    var meta = auth ? {} : { url: url, method: ((init && init.method) || "GET").toUpperCase() };
    function reply(status, body) {
      var text = JSON.stringify(body);
      var payload = { request: id, status: status, ok: status < 300, durationMs: now() - start, page: pageState(), body: text };
      for (var k in meta) payload[k] = meta[k];
      emit("fetch", "response", payload);
      return new Response(text, { status: status, headers: { "Content-Type": "application/json" } });
    }
    function fail(err) {
      var payload = { request: id, name: err.name, message: err.message, durationMs: now() - start, page: pageState() };
      for (var k in meta) payload[k] = meta[k];
      emit("fetch", "error", payload);
      return Promise.reject(err);
    }
    var signal = signalOf(input, init);
    if (signal && signal.aborted) return fail(abortError());
    if (mode === "refresh-typeerror" || mode === "offline") return fail(new TypeError("Failed to fetch"));
    if (mode === "refresh-503") return Promise.resolve(reply(503, { error: "service_unavailable", error_description: "authtrace experiment: simulated 503" }));
    if (mode === "refresh-invalid-grant") return Promise.resolve(reply(400, { error: "invalid_grant", error_description: "authtrace experiment: simulated invalid_grant" }));
    // refresh-hang: never settles, unless the caller aborts.
    return new Promise(function (_resolve, reject) {
      if (signal) signal.addEventListener("abort", function () { fail(abortError()).catch(function () {}); reject(abortError()); });
    });
  }

  if (typeof innerFetch === "function") {
    g.fetch = function fetch(input) {
      var init = arguments[1];
      try {
        var url = urlOf(input);
        var auth = AUTH_PATH.test(url);
        if (offlineUntil && now() < offlineUntil && !IGNORE.test(url)) return synthetic("offline", input, init, auth);
        if (auth && armed.length) {
          var f = armed[0];
          if (--f.left <= 0) armed.shift();
          note("fired", { mode: f.mode, remaining: f.left });
          return synthetic(f.mode, input, init, true);
        }
      } catch (_) { /* fail open: the real fetch below */ }
      return innerFetch.apply(this, arguments);
    };
  }

  // --- WebSocket (which Convex sync sockets are open) ---------------------------
  var WS = g.WebSocket;
  if (typeof WS === "function") {
    var track = function (ws) {
      try {
        if (!SYNC_PATH.test(String(ws.url)) || sockets.has(ws)) return;
        sockets.add(ws);
        ws.addEventListener("close", function () { sockets.delete(ws); });
      } catch (_) { /* fail open */ }
    };
    g.WebSocket = class WebSocket extends WS {
      constructor(url, protocols) {
        super(url, protocols === undefined ? undefined : protocols);
        track(this);
      }
    };
    // Sockets made before this script ran: known when they next send.
    var send = WS.prototype.send;
    WS.prototype.send = function (data) { track(this); return send.apply(this, arguments); };
  }

  // --- visibility -----------------------------------------------------------------
  function setHidden(hidden) {
    if (hidden) {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: function () { return "hidden"; } });
      Object.defineProperty(document, "hidden", { configurable: true, get: function () { return true; } });
    } else {
      delete document.visibilityState; // the instance property goes, the prototype getter is back
      delete document.hidden;
    }
    document.dispatchEvent(new Event("visibilitychange"));
  }
  function endHide() {
    if (!hiddenUntil) return;
    hiddenUntil = 0; clearTimeout(hideTimer); hideTimer = null;
    setHidden(false);
    note("hide-end", {});
  }

  // --- offline ----------------------------------------------------------------------
  function setOnline(online) {
    if (online) delete navigator.onLine;
    else Object.defineProperty(navigator, "onLine", { configurable: true, get: function () { return false; } });
    g.dispatchEvent(new Event(online ? "online" : "offline"));
  }
  function endOffline() {
    if (!offlineUntil) return;
    offlineUntil = 0; clearTimeout(offlineTimer); offlineTimer = null;
    setOnline(true);
    note("offline-end", {});
  }

  var MODES = { "refresh-typeerror": 1, "refresh-503": 1, "refresh-invalid-grant": 1, "refresh-hang": 1 };
  g.__authtraceExperiments = {
    version: "1",
    arm: function (mode, n) {
      if (!MODES[mode]) throw new Error("unknown experiment " + mode);
      n = Math.max(1, Number(n) || 1);
      armed.push({ mode: mode, left: n });
      note("armed", { mode: mode, count: n });
      return this.state();
    },
    hide: function (seconds) {
      var s = Math.max(0.1, Number(seconds) || 5);
      note("hide", { seconds: s, limits: "visibilityState/hidden overridden on this document only; timers not throttled" });
      if (!hiddenUntil) setHidden(true);
      hiddenUntil = now() + s * 1000;
      clearTimeout(hideTimer);
      hideTimer = setTimeout(endHide, s * 1000);
      return this.state();
    },
    offline: function (seconds) {
      var s = Math.max(0.1, Number(seconds) || 5);
      note("offline", { seconds: s, limits: "fetch only; WebSockets stay open" });
      if (!offlineUntil) setOnline(false);
      offlineUntil = now() + s * 1000;
      clearTimeout(offlineTimer);
      offlineTimer = setTimeout(endOffline, s * 1000);
      return this.state();
    },
    dropSockets: function () {
      var closed = 0;
      sockets.forEach(function (ws) {
        if (ws.readyState === 0 || ws.readyState === 1) { try { ws.close(); closed++; } catch (_) { /* already gone */ } }
      });
      note("drop-sockets", { closed: closed, known: sockets.size });
      return closed;
    },
    disarm: function () {
      var had = armed.length;
      armed = [];
      endHide();
      endOffline();
      note("disarm", { pending: had });
      return this.state();
    },
    state: function () {
      return { armed: armed.map(function (f) { return { mode: f.mode, left: f.left }; }),
        hidden: !!hiddenUntil, offline: !!offlineUntil, sockets: sockets.size };
    },
  };
})();
