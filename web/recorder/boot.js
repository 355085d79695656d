/*
 * authtrace boot shim: the first script on the page (classic, synchronous), and
 * authtrace's one instrumentation of the page.
 *
 * It observes the page from its first moment, before Pyodide is ready (which
 * takes seconds), and hands every observation to the Python recorder once it
 * attaches. Until then observations wait in a bounded queue ("no blind start").
 * It wraps fetch, WebSocket and Storage once; the other scripts hook in through
 * `globalThis.__authtrace` instead of wrapping them again (as Sentry's SDK
 * instruments once and lets integrations add handlers):
 *
 *   emit(kind, type, payload)  record an observation, as the page's own hooks do
 *   pageState()                {visibility, online} now
 *   interpose("fetch", fn)     fn(request) may answer a fetch instead of the network:
 *                              request = {id, url, method, body, credentials, auth,
 *                              signal, input, init}; fn returns undefined (not mine)
 *                              or {response: a promise of a Response (or its
 *                              rejection), mark: {simulated|replayed: ...}}. The
 *                              last added is asked first; the answer is observed
 *                              like a real one and carries the mark. Returns remove().
 *   answers.response(status, text, contentType), answers.hang(request, ms)
 *                              answers an interposer can give (they behave as
 *                              fetch's own: JSON response, no answer or a dropped
 *                              connection after ms, the request's AbortSignal honoured)
 *   sockets()                  the WebSockets open now: [{socket, id, url, sync}]
 *   native                     the browser's own fetch and WebSocket
 *   attach(sink), detach()     the Python recorder takes over the queue
 *
 * Fail-open is the rule: the app's fetch and WebSocket get the native objects,
 * results, errors and timing; every observer and interposer runs inside
 * try/catch, and a failure in one becomes an "observer-error" note, never an
 * app error.
 *
 * Observations are raw (they may contain tokens) and live only in this
 * in-memory hand-off queue for milliseconds; the Python recorder redacts them
 * before anything is kept, persisted (store.js), broadcast or exported.
 * (About 400 lines: it is one file because it must be the page's first,
 * synchronous script.)
 */
(function () {
  "use strict";
  var g = globalThis;
  if (g.__authtrace && g.__authtrace.installed) return;

  var perf = g.performance;
  var now = function () { return perf.now(); };
  var wall = function () { return Date.now(); };
  var MAX_QUEUE = 5000;
  var AUTH_PATH = /\/user_management\/authenticate(?:$|[?#])/;
  var SYNC_PATH = /\/api\/[^/]+\/sync(?:$|[?#])/;
  var RT_KEY = /^workos:refresh-token/;
  var LOCK_NAME = "WORKOS_REFRESH_SESSION";
  // authtrace's own runtime downloads (Pyodide, PyScript, wheels) are not the app's story.
  var IGNORE = /\/(?:pyodide|pyscript)\/|\.whl(?:$|\?)/;

  var at = (g.__authtrace = g.__authtrace || {});
  at.installed = true;
  at.version = "1";
  at.queue = [];
  at.dropped = 0;
  at.sink = null;
  at.flushScheduled = false;
  at.seq = 0;
  at.native = { fetch: g.fetch, WebSocket: g.WebSocket };

  // Hand over what is queued: all of it (the page may be frozen or gone next), or, on
  // the timer and while the page is visible, at most MAX_BATCH observations per task,
  // the rest in the next tasks, so the recorder never holds the main thread of a page
  // someone is using for long (no long task). A hidden page gets it all at once: its
  // timers are throttled to a second or a minute, and nobody waits on its main thread.
  var MAX_BATCH = 100;
  function handOver(batch) {
    try {
      at.sink(batch);
      return true;
    } catch (err) {
      // The recorder failed; the page must not notice. Say so in the trace.
      at.queue.unshift(note("observer-error", { where: "sink", name: err && err.name, message: String(err && err.message) }));
      return false;
    }
  }
  function flush() {
    at.flushScheduled = false;
    if (!at.sink || at.queue.length === 0) return;
    var batch = at.queue;
    at.queue = [];
    handOver(batch);
  }
  function flushSome() {
    at.flushScheduled = false;
    if (!at.sink || at.queue.length === 0) return;
    var chunked = at.queue.length > MAX_BATCH && document.visibilityState !== "hidden";
    var batch = chunked ? at.queue.splice(0, MAX_BATCH) : at.queue;
    if (batch === at.queue) at.queue = [];
    // The rest in the next task; after a failure, with the next observation as before.
    if (handOver(batch) && at.queue.length && at.sink && !at.flushScheduled) {
      at.flushScheduled = true;
      setTimeout(flushSome, 0);
    }
  }

  // Observations are handed over in batches, off the app's hot path: a
  // macrotask (never inside the app's own promise chains) a little later, so
  // a burst of WebSocket frames costs one Python call, not one per frame.
  at.flushDelayMs = 100;
  function schedule() {
    if (at.flushScheduled || !at.sink) return;
    at.flushScheduled = true;
    setTimeout(flushSome, at.flushDelayMs);
  }
  at.flush = flush;

  function note(type, payload) {
    return { kind: "note", type: type, mono: now(), wall: wall(), payload: payload, seq: ++at.seq };
  }

  function emit(kind, type, payload) {
    if (at.queue.length >= MAX_QUEUE) { at.dropped++; return; }
    at.queue.push({ kind: kind, type: type, mono: now(), wall: wall(), payload: payload, seq: ++at.seq });
    schedule();
  }
  at.emit = emit;

  function safe(where, fn) {
    try { return fn(); } catch (err) {
      try { at.queue.push(note("observer-error", { where: where, name: err && err.name, message: String(err && err.message) })); schedule(); } catch (_) { /* nothing left to do */ }
      return undefined;
    }
  }
  at.safe = safe;

  // The Python recorder calls this with a function taking a list of observations.
  at.attach = function (sink) {
    at.sink = sink;
    if (at.dropped) at.queue.push(note("dropped-before-attach", { count: at.dropped }));
    // Hand over what queued before Python was up now, so "ready" means it is in.
    flush();
  };
  at.detach = function () { at.sink = null; };

  function pageState() {
    return { visibility: document.visibilityState, online: navigator.onLine };
  }
  at.pageState = pageState;


  // --- page state --------------------------------------------------------
  safe("pagehide-restore", function () {
    var kept = sessionStorage.getItem("authtrace:pagehide");
    if (!kept) return;
    sessionStorage.removeItem("authtrace:pagehide");
    var p = JSON.parse(kept);
    at.queue.push({ kind: "lifecycle", type: "pagehide", mono: p.mono, wall: p.wall, seq: ++at.seq,
      payload: { persisted: p.persisted, visibility: p.visibility, recovered: true } });
  });
  safe("boot", function () {
    emit("lifecycle", "boot", {
      visibility: document.visibilityState,
      online: navigator.onLine,
      wasDiscarded: !!document.wasDiscarded,
      url: location.href,
      userAgent: navigator.userAgent,
      hasSessionCookie: /(?:^|;\s*)workos-has-session=/.test(document.cookie),
      timeOrigin: perf.timeOrigin,
    });
  });
  document.addEventListener("visibilitychange", function () {
    safe("visibilitychange", function () { emit("visibility", "visibilitychange", { state: document.visibilityState }); });
    if (document.visibilityState === "hidden") flush(); // the tab may be frozen or discarded next
  }, true);
  ["freeze", "resume"].forEach(function (name) {
    document.addEventListener(name, function () {
      safe(name, function () { emit("lifecycle", name, { visibility: document.visibilityState }); });
      if (name === "freeze") flush();
    }, true);
  });
  ["pageshow", "pagehide"].forEach(function (name) {
    g.addEventListener(name, function (e) {
      safe(name, function () { emit("lifecycle", name, { persisted: !!e.persisted, visibility: document.visibilityState }); });
      if (name === "pagehide") {
        // The page may be gone before IndexedDB commits what this flush writes;
        // keep the pagehide itself (no secrets in it) for the next load of this tab.
        safe("pagehide-keep", function () {
          sessionStorage.setItem("authtrace:pagehide", JSON.stringify({ mono: now(), wall: wall(), persisted: !!e.persisted,
            visibility: document.visibilityState }));
        });
        flush();
      }
    }, true);
  });
  ["focus", "blur"].forEach(function (name) {
    g.addEventListener(name, function (e) {
      if (e.target !== g) return; // window focus only, not every element
      safe(name, function () { emit("visibility", name, { visibility: document.visibilityState }); });
    }, true);
  });
  ["online", "offline"].forEach(function (name) {
    g.addEventListener(name, function () {
      safe(name, function () { emit("network", name, { online: navigator.onLine }); });
    }, true);
  });
  g.addEventListener("unhandledrejection", function (e) {
    safe("unhandledrejection", function () {
      var r = e.reason;
      emit("note", "unhandledrejection", { name: r && r.name, message: r && r.message !== undefined ? String(r.message) : String(r) });
    });
  }, true);
  // A wall-clock jump against the monotonic clock (laptop sleep) shows as a
  // gap between their deltas; one cheap tick a second measures it.
  (function () {
    var lastMono = now(), lastWall = wall();
    setInterval(function () {
      safe("clock", function () {
        var m = now(), w = wall();
        var jump = (w - lastWall) - (m - lastMono);
        if (Math.abs(jump) > 2000) emit("lifecycle", "clock-jump", { jumpMs: Math.round(jump), visibility: document.visibilityState });
        lastMono = m; lastWall = w;
      });
    }, 1000);
  })();

  // --- locks ---------------------------------------------------------------
  function lockState(label, id) {
    if (!navigator.locks || !navigator.locks.query) return;
    navigator.locks.query().then(function (s) {
      safe("locks", function () {
        var held = (s.held || []).filter(function (l) { return l.name === LOCK_NAME; }).length;
        var pending = (s.pending || []).filter(function (l) { return l.name === LOCK_NAME; }).length;
        emit("lock", "state", { name: LOCK_NAME, at: label, request: id, held: held, pending: pending });
      });
    }, function () { /* a query failure says nothing about the app */ });
  }

  // --- fetch ---------------------------------------------------------------
  function requestInfo(input, init, id) {
    var isReq = typeof Request !== "undefined" && input instanceof Request;
    var url = isReq ? input.url : String(input && input.href !== undefined ? input.href : input);
    return { id: id, url: url, method: ((init && init.method) || (isReq && input.method) || "GET").toUpperCase(),
      body: init && typeof init.body === "string" ? init.body : undefined, isRequestObject: isReq,
      credentials: (init && init.credentials) || (isReq ? input.credentials : undefined), auth: AUTH_PATH.test(url),
      signal: (init && init.signal) || (isReq ? input.signal : null), input: input, init: init };
  }

  var interposers = [];
  at.interpose = function (what, fn) {
    if (what !== "fetch") throw new TypeError("authtrace: only fetch can be interposed, not " + what);
    interposers.unshift(fn);
    return function remove() { var i = interposers.indexOf(fn); if (i >= 0) interposers.splice(i, 1); };
  };
  function abortError() {
    try { return new DOMException("The operation was aborted.", "AbortError"); } catch (_) { var e = new Error("aborted"); e.name = "AbortError"; return e; }
  }
  // The first interposer's answer, or undefined: the network it is.
  function interposed(req) {
    for (var i = 0; i < interposers.length; i++) {
      var fn = interposers[i];
      var answer = safe("interpose", function () { return fn(req); });
      if (answer && answer.response && typeof answer.response.then === "function") {
        // An aborted request stays aborted, whoever answers it.
        if (req.signal && req.signal.aborted) answer.response = Promise.reject(abortError());
        return answer;
      }
    }
    return undefined;
  }
  at.answers = {
    response: function (status, text, contentType) {
      return Promise.resolve(new Response(text, { status: status, headers: { "Content-Type": contentType || "application/json" } }));
    },
    // No answer (ms null) or, after ms, a dropped connection; the caller's AbortSignal ends it early.
    hang: function (req, ms) {
      return new Promise(function (_resolve, reject) {
        var timer = ms == null ? null : setTimeout(function () { reject(new TypeError("Failed to fetch")); }, Math.max(0, ms));
        if (req.signal) req.signal.addEventListener("abort", function () { clearTimeout(timer); reject(abortError()); });
      });
    },
  };

  if (typeof at.native.fetch === "function") {
    var nativeFetch = at.native.fetch;
    // One formal parameter, like the native fetch (fetch.length === 1).
    var tracedFetch = function fetch(input) {
      var init = arguments[1];
      var id = ++at.seq;
      var r = safe("fetch-request", function () { return requestInfo(input, init, id); });
      var answer = r && interposers.length ? interposed(r) : undefined;
      var mark = (answer && answer.mark) || {};
      var info = r && safe("fetch-request", function () {
        if (IGNORE.test(r.url)) return undefined;
        if (!r.auth) {
          // Ordinary requests are reported once, when they settle: half the work.
          return { start: now(), auth: false, url: r.url, method: r.method };
        }
        var payload = { request: id, url: r.url, method: r.method, auth: true, credentials: r.credentials,
          page: pageState(), body: r.body, hasSessionCookie: /(?:^|;\s*)workos-has-session=/.test(document.cookie) };
        for (var k in mark) payload[k] = mark[k];
        emit("fetch", "request", payload);
        // An answer made up in the page never reached WorkOS: its lock says nothing about rotation.
        if (!answer) lockState("request", id);
        if (r.isRequestObject && r.body === undefined) {
          // The body of a Request object can only be read asynchronously, from a clone.
          input.clone().text().then(function (text) {
            safe("fetch-request-body", function () { emit("fetch", "request-body", { request: id, body: text }); });
          }, function () {});
        }
        return { start: now(), auth: true };
      });
      var promise = answer ? answer.response : nativeFetch.apply(this, arguments);
      if (!info) return promise;
      // Observe the same promise the app gets; never replace it.
      promise.then(function (response) {
        safe("fetch-response", function () {
          var payload = { request: id, status: response.status, ok: response.ok,
            durationMs: now() - info.start, page: pageState() };
          if (!info.auth) { payload.url = info.url; payload.method = info.method; }
          if (info.auth) {
            if (!answer) lockState("response", id);
            response.clone().text().then(function (text) {
              safe("fetch-response-body", function () {
                payload.body = text;
                emit("fetch", "response", payload);
              });
            }, function (err) {
              safe("fetch-response-body", function () {
                payload.bodyError = { name: err && err.name, message: String(err && err.message) };
                emit("fetch", "response", payload);
              });
            });
          } else {
            emit("fetch", "response", payload);
          }
        });
      }, function (err) {
        safe("fetch-error", function () {
          if (info.auth && !answer) lockState("error", id);
          var payload = { request: id, name: err && err.name, message: err && err.message !== undefined ? String(err.message) : String(err),
            durationMs: now() - info.start, page: pageState() };
          if (!info.auth) { payload.url = info.url; payload.method = info.method; }
          emit("fetch", "error", payload);
        });
      });
      return promise;
    };
    g.fetch = tracedFetch;
  }

  // --- WebSocket -----------------------------------------------------------
  // Convex sync frames are JSON objects whose first key is "type". Frames that
  // never matter to the auth story (Ping, query-set changes, Transitions that
  // do not change identity) are dropped here, for the price of a short regex,
  // so a busy socket does not feed Python thousands of frames a minute.
  // Unrecognised shapes go through (frameType returns null).
  var KEEP_FRAMES = { Connect: true, Authenticate: true, AuthError: true, Transition: true, Mutation: true,
    MutationResponse: true, Action: true, ActionResponse: true, FatalError: true, Event: true,
    Ping: false, ModifyQuerySet: false, TransitionChunk: false };
  function frameType(text) {
    var m = /^\s*\{\s*"type"\s*:\s*"([A-Za-z]+)"/.exec(text.length > 64 ? text.slice(0, 64) : text);
    return m ? m[1] : null;
  }
  function identityChanges(text) {
    var head = text.length > 400 ? text.slice(0, 400) : text;
    var a = /"startVersion"\s*:\s*\{[^}]*"identity"\s*:\s*(\d+)/.exec(head);
    var b = /"endVersion"\s*:\s*\{[^}]*"identity"\s*:\s*(\d+)/.exec(head);
    return !(a && b) || a[1] !== b[1];
  }
  var live = new Set(); // the sockets made here that have not closed
  at.sockets = function () {
    return Array.from(live, function (ws) { return { socket: ws, id: ws.__authtrace.socket, url: ws.url, sync: ws.__authtrace.sync }; });
  };
  if (typeof at.native.WebSocket === "function") {
    var NativeWS = at.native.WebSocket;
    var wsSeq = 0;
    var TracedWebSocket = class WebSocket extends NativeWS {
      constructor(url, protocols) {
        // Same arguments, same errors (a bad URL throws here exactly as natively).
        super(url, protocols === undefined ? undefined : protocols);
        var self = this;
        var socket = ++wsSeq;
        var sync = SYNC_PATH.test(String(url));
        self.__authtrace = { socket: socket, sync: sync };
        live.add(self);
        safe("ws-create", function () { emit("websocket", "create", { socket: socket, url: String(url), sync: sync, page: pageState() }); });
        this.addEventListener("open", function () {
          safe("ws-open", function () { emit("websocket", "open", { socket: socket, sync: sync, page: pageState() }); });
        });
        this.addEventListener("close", function (e) {
          live.delete(self);
          safe("ws-close", function () {
            emit("websocket", "close", { socket: socket, sync: sync, code: e.code, reason: e.reason, wasClean: e.wasClean, page: pageState() });
          });
        });
        this.addEventListener("error", function () {
          safe("ws-error", function () { emit("websocket", "error", { socket: socket, sync: sync, page: pageState() }); });
        });
        if (sync) {
          var transitions = 0;
          this.addEventListener("message", function (e) {
            if (typeof e.data !== "string") return;
            var type = frameType(e.data);
            if (type === "Transition") {
              // Only the first Transition and identity changes tell the auth story.
              if (++transitions > 1 && !identityChanges(e.data)) return;
            } else if (type && !KEEP_FRAMES[type]) return;
            emit("websocket", "receive", { socket: socket, sync: true, data: e.data });
          });
        }
      }
      send(data) {
        var t = this.__authtrace;
        if (t && t.sync && typeof data === "string" && KEEP_FRAMES[frameType(data)] !== false) {
          var state = this.readyState;
          safe("ws-send", function () { emit("websocket", "send", { socket: t.socket, sync: true, data: data, readyState: state }); });
        }
        return super.send(data);
      }
    };
    g.WebSocket = TracedWebSocket;
  }

  // --- storage -------------------------------------------------------------
  if (typeof Storage !== "undefined") {
    var proto = Storage.prototype;
    var nativeSet = proto.setItem, nativeRemove = proto.removeItem, nativeClear = proto.clear;
    var which = function (store) { return store === g.localStorage ? "local" : "session"; };
    proto.setItem = function setItem(key, value) {
      var store = this, result = nativeSet.apply(this, arguments);
      if (RT_KEY.test(String(key))) safe("storage-set", function () { emit("storage", "setItem", { area: which(store), key: String(key), value: String(value) }); });
      return result;
    };
    proto.removeItem = function removeItem(key) {
      var store = this;
      var had = RT_KEY.test(String(key)) ? nativeGetItem(store, key) !== null : false;
      var result = nativeRemove.apply(this, arguments);
      if (RT_KEY.test(String(key))) safe("storage-remove", function () { emit("storage", "removeItem", { area: which(store), key: String(key), existed: had }); });
      return result;
    };
    proto.clear = function clear() {
      var store = this;
      var result = nativeClear.apply(this, arguments);
      safe("storage-clear", function () { emit("storage", "clear", { area: which(store) }); });
      return result;
    };
    var nativeGet = proto.getItem;
    var nativeGetItem = function (store, key) { try { return nativeGet.call(store, key); } catch (_) { return null; } };
    g.addEventListener("storage", function (e) {
      if (e.key !== null && !RT_KEY.test(e.key)) return;
      safe("storage-event", function () {
        emit("storage", "storage-event", { key: e.key, oldValue: e.oldValue, newValue: e.newValue, fromOtherTab: true });
      });
    }, true);
  }
})();
