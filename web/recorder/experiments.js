/*
 * authtrace experiments: page-side simulations for the debug panel.
 *
 * Load it after the boot shim (web/recorder/boot.js) as a classic script, or let
 * the panel load it later. It hooks into the shim's one instrumentation (an
 * interposer on fetch, the shim's list of open sockets) and installs
 * `globalThis.__authtraceExperiments`:
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
 * Without the boot shim on the page it changes nothing on the page, and every
 * experiment throws an Error saying so (state() still answers, `shim: false`).
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
 *   network is up).
 *
 * Every experiment is recorded through the boot shim as a `note/experiment`
 * event; the shim observes the answered requests like real ones (marked
 * `simulated` with the mode), so the timeline shows them where they happened.
 */
(function () {
  "use strict";
  var g = globalThis;
  if (g.__authtraceExperiments) return;

  var at = g.__authtrace && g.__authtrace.interpose ? g.__authtrace : null;
  var NO_SHIM = "authtrace: experiments.js needs the boot shim (boot.js) loaded before it";
  // authtrace's own files stay reachable while "offline".
  var OWN = /\/(?:pyodide|pyscript|recorder)\/|\.whl(?:$|\?)|\/static\//;
  var MODES = { "refresh-typeerror": 1, "refresh-503": 1, "refresh-invalid-grant": 1, "refresh-hang": 1 };
  var now = function () { return g.performance.now(); };

  var armed = []; // [{mode, left}]

  function note(what, detail) {
    var payload = { experiment: what, simulated: true };
    for (var k in detail || {}) payload[k] = detail[k];
    at.emit("note", "experiment", payload);
  }
  function syncSockets() {
    return at.sockets().filter(function (s) { return s.sync; }).map(function (s) { return s.socket; });
  }

  // --- fetch: answer instead of the network -----------------------------------
  function answer(mode, req) {
    var made;
    if (mode === "refresh-typeerror" || mode === "offline") made = Promise.reject(new TypeError("Failed to fetch"));
    else if (mode === "refresh-503") made = at.answers.response(503, JSON.stringify({ error: "service_unavailable", error_description: "authtrace experiment: simulated 503" }));
    else if (mode === "refresh-invalid-grant") made = at.answers.response(400, JSON.stringify({ error: "invalid_grant", error_description: "authtrace experiment: simulated invalid_grant" }));
    else made = at.answers.hang(req, null); // refresh-hang: never settles, unless the caller aborts
    return { response: made, mark: { simulated: mode } };
  }
  if (at) {
    at.interpose("fetch", function (req) {
      if (offline.on() && !OWN.test(req.url)) return answer("offline", req);
      if (!req.auth || !armed.length) return undefined;
      var f = armed[0];
      if (--f.left <= 0) armed.shift();
      note("fired", { mode: f.mode, remaining: f.left });
      return answer(f.mode, req);
    });
  }

  // --- page states that last a while, then end by themselves ---------------------
  function lasting(what, limits, apply) {
    var until = 0, timer = null;
    function end() {
      if (!until) return;
      until = 0; clearTimeout(timer); timer = null;
      apply(false);
      note(what + "-end", {});
    }
    return {
      on: function () { return !!until; },
      start: function (value) {
        var s = Math.max(0.1, Number(value) || 5);
        note(what, { seconds: s, limits: limits });
        if (!until) apply(true);
        until = now() + s * 1000;
        clearTimeout(timer);
        timer = setTimeout(end, s * 1000);
      },
      end: end,
    };
  }
  var hidden = lasting("hide", "visibilityState/hidden overridden on this document only; timers not throttled", function (on) {
    if (on) {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: function () { return "hidden"; } });
      Object.defineProperty(document, "hidden", { configurable: true, get: function () { return true; } });
    } else {
      delete document.visibilityState; // the instance property goes, the prototype getter is back
      delete document.hidden;
    }
    document.dispatchEvent(new Event("visibilitychange"));
  });
  var offline = lasting("offline", "fetch only; WebSockets stay open", function (on) {
    if (on) Object.defineProperty(navigator, "onLine", { configurable: true, get: function () { return false; } });
    else delete navigator.onLine;
    g.dispatchEvent(new Event(on ? "offline" : "online"));
  });

  function needShim() { if (!at) throw new Error(NO_SHIM); }

  g.__authtraceExperiments = {
    version: "1",
    arm: function (mode, n) {
      needShim();
      if (!MODES[mode]) throw new Error("unknown experiment " + mode);
      n = Math.max(1, Number(n) || 1);
      armed.push({ mode: mode, left: n });
      note("armed", { mode: mode, count: n });
      return this.state();
    },
    hide: function (seconds) { needShim(); hidden.start(seconds); return this.state(); },
    offline: function (seconds) { needShim(); offline.start(seconds); return this.state(); },
    dropSockets: function () {
      needShim();
      var sockets = syncSockets(), closed = 0;
      sockets.forEach(function (ws) {
        if (ws.readyState === 0 || ws.readyState === 1) { try { ws.close(); closed++; } catch (_) { /* already gone */ } }
      });
      note("drop-sockets", { closed: closed, known: sockets.length });
      return closed;
    },
    disarm: function () {
      needShim();
      var had = armed.length;
      armed = [];
      hidden.end();
      offline.end();
      note("disarm", { pending: had });
      return this.state();
    },
    state: function () {
      return { armed: armed.map(function (f) { return { mode: f.mode, left: f.left }; }),
        hidden: hidden.on(), offline: offline.on(), sockets: at ? syncSockets().length : 0, shim: !!at };
    },
  };
})();
