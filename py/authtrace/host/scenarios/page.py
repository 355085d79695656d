"""JavaScript the scenario driver runs in lab pages.

``HARNESS`` is installed in every lab tab before the page's own scripts (CDP
``Page.addScriptToEvaluateOnNewDocument``): it counts console errors and warnings
(the bridge must log exactly one error when Convex rejects every token) and WorkOS
requests in flight, and it can make ``navigator.onLine`` lie. The lie is simulated in the page, not by the network:
the getter reads ``false`` and an ``offline`` event is dispatched while every
request still works, which is what a wrong ``navigator.onLine`` looks like to an app.

``SAMPLE`` reads one tab's live state for the sampler (``metrics.Sample``), in the lab or
in an unmodified app under ``authtrace scenario run --app-url`` (``AUTHKIT`` is that tab's
AuthKit, for a forced refresh or a sign-out).
"""

HARNESS = r"""(() => {
  if (globalThis.__labHarness) return;
  const h = globalThis.__labHarness = { console: { error: 0, warn: 0, convexError: 0, heads: [] }, lie: false };
  const head = (args) => args.map((a) => {
    if (typeof a === "string") return a;
    if (a instanceof Error) return a.name + ": " + a.message;
    try { return JSON.stringify(a); } catch (e) { return String(a); }
  }).join(" ").replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+/g, "<jwt>").slice(0, 160);
  for (const level of ["error", "warn"]) {
    const original = console[level];
    console[level] = function (...args) {
      try {
        h.console[level] += 1;
        if (level === "error" && globalThis.__labConvexLogging) h.console.convexError += 1;
        else if (h.console.heads.length < 40) h.console.heads.push(level + ": " + head(args));
      } catch (e) { /* counting must never break logging */ }
      return original.apply(this, args);
    };
  }
  // Refresh requests in flight (the driver freezes tabs only between refreshes).
  h.refreshing = 0;
  const fetch = globalThis.fetch;
  globalThis.fetch = function (input, init) {
    const promise = fetch.apply(this, arguments);
    try {
      if (String((input && input.url) || input).includes("/user_management/authenticate")) {
        h.refreshing += 1;
        promise.then(() => { h.refreshing -= 1; }, () => { h.refreshing -= 1; });
      }
    } catch (e) { /* counting must never break fetch */ }
    return promise;
  };
  const onLine = Object.getOwnPropertyDescriptor(Navigator.prototype, "onLine");
  Object.defineProperty(Navigator.prototype, "onLine", {
    configurable: true, enumerable: onLine.enumerable,
    get() { return h.lie ? false : onLine.get.call(this); },
  });
  h.setOnlineLie = (lying) => {
    h.lie = !!lying;
    window.dispatchEvent(new Event(lying ? "offline" : "online"));
  };
})();"""

# The lab's state, or an unmodified app's as the harness's hooks read it from its React
# tree (harness/page_hooks.js: ``__authtrace.app``).
APP = "(globalThis.__authtrace && globalThis.__authtrace.app)"
AUTHKIT = f"(globalThis.__labAuthkit || ({APP} && {APP}.authkit))"

SAMPLE = """(() => {
  const app = globalThis.__authtrace && globalThis.__authtrace.app;
  const s = globalThis.__labState || (app && app.state);
  if (!s) return null;
  const c = (globalThis.__lab && globalThis.__lab.convex) || (app && app.convex);
  let socket = null, paused = null, cs = null, bridge = null;
  try { socket = c.sync.webSocketManager.socketState(); paused = c.sync.webSocketManager.socket.paused ?? null; cs = c.connectionState(); } catch (e) {}
  try { bridge = globalThis.__labBridge ? globalThis.__labBridge.state() : null; } catch (e) {}
  return JSON.stringify({...s, socket, paused, connected: cs && cs.isWebSocketConnected, everConnected: cs && cs.hasEverConnected,
    connectionCount: cs && cs.connectionCount, connectionRetries: cs && cs.connectionRetries,
    fetching: (globalThis.__authtraceFetchesInFlight || 0) > 0, bridge});
})()"""

# Read once at the end of a run, per lab tab.
FINAL = """JSON.stringify({
  sent: globalThis.__labSent || [], failed: globalThis.__labFailed || [],
  console: globalThis.__labHarness ? globalThis.__labHarness.console : null,
  convexLogErrors: globalThis.__labConvexLog ? globalThis.__labConvexLog.error : null,
  authkitCalls: globalThis.__labAuthkitCalls || null,
  bridge: globalThis.__labBridge ? {state: globalThis.__labBridge.state(), events: globalThis.__labBridge.events} : null,
})"""
