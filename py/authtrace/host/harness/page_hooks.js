// What the pytest harness adds to each tab of the app, after the boot shim
// (web/recorder/boot.js), before any page script (Page.addScriptToEvaluateOnNewDocument):
//
// 1. The shim's observations go to the test process: a sink that hands each
//    batch to the DevTools binding `__authtraceHost` (the harness redacts them
//    there, with the recorder's own code). If the page starts authtrace's own
//    recorder too (the Vite plugin in staging), both get every batch.
// 2. Vite's dev client never connects its HMR socket (see below).
// 3. AuthKit's user and Convex's auth state as the app's React tree holds them,
//    read the way React DevTools reads a tree (its global hook, called after
//    every commit): the value of AuthKit's context provider (`user`,
//    `isLoading`, `getAccessToken`) and of Convex's auth provider (`isLoading`,
//    `isAuthenticated`, `isRefreshing`). They become the same `authkit/user` and
//    `convex/auth-change` observations as the opt-in wrappers of
//    `authtrace/recorder` make, so a split brain is judged from what the app
//    shows, with no change to the app. The same values are kept in
//    `__authtrace.app` (`state`, `authkit`, `convex`: the app's ConvexReactClient)
//    for `authtrace scenario run --app-url`, whose driver samples the tab as it
//    samples the lab and asks the app's AuthKit for a forced refresh or a sign-out.
(function () {
  "use strict";
  var g = globalThis;
  var at = g.__authtrace;
  if (!at || at.host) return;
  at.host = true;

  // -- 1. the host sink ------------------------------------------------------
  var sinks = [];
  function deliver(batch) {
    for (var i = 0; i < sinks.length; i++) {
      try { sinks[i](batch); } catch (_) { /* one sink's failure is not the others' */ }
    }
  }
  if (typeof g.__authtraceHost === "function") {
    var binding = g.__authtraceHost;
    sinks.push(function (batch) { binding(JSON.stringify(batch)); });
  }
  var attach = at.attach;
  at.attach = function (sink) {
    sinks.push(sink);
    attach.call(at, deliver);
  };
  attach.call(at, deliver);

  // -- 2. no dev-server reloads -------------------------------------------------
  // Vite's dev client reloads the page once its HMR socket has closed (a tab
  // offline closes it) and the server answers again: a reload no user of the
  // built app ever sees, which would wipe the state a test looks at. Its
  // sockets (protocols "vite-hmr", "vite-ping") stay connecting forever here.
  var Socket = g.WebSocket;
  var isVite = function (protocols) {
    var list = [].concat(protocols || []);
    return list.indexOf("vite-hmr") >= 0 || list.indexOf("vite-ping") >= 0;
  };
  g.WebSocket = new Proxy(Socket, {
    construct: function (target, args, newTarget) {
      if (!isVite(args[1])) return Reflect.construct(target, args, newTarget);
      var quiet = new EventTarget();
      quiet.url = String(args[0]);
      quiet.protocol = "";
      quiet.readyState = 0;
      quiet.send = function () {};
      quiet.close = function () {};
      return quiet;
    },
  });

  // -- 3. the app's auth state, from its React tree ----------------------------
  var last = { user: "unset", convex: "unset" };
  var LIMIT = 20000; // fibers looked at per commit

  function authkitValue(v) {
    return v && typeof v === "object" && typeof v.getAccessToken === "function" &&
      typeof v.signIn === "function" && "user" in v && "isLoading" in v;
  }
  function convexValue(v) {
    return v && typeof v === "object" && "isAuthenticated" in v && "isLoading" in v && "isRefreshing" in v;
  }

  function clientValue(v) {  // ConvexProvider's value: the ConvexReactClient
    return v && typeof v === "object" && typeof v.connectionState === "function" && typeof v.watchQuery === "function";
  }

  var app = at.app = { state: null, authkit: null, convex: null };

  function commit(root) {
    var authkit = null, convex = null, client = null, stack = [root && root.current], seen = 0;
    while (stack.length && seen < LIMIT && !(authkit && convex && client)) {
      var f = stack.pop();
      if (!f) continue;
      seen++;
      var v = f.memoizedProps && f.memoizedProps.value;
      if (!authkit && authkitValue(v)) authkit = v;
      else if (!convex && convexValue(v)) convex = v;
      else if (!client && clientValue(v)) client = v;
      if (f.sibling) stack.push(f.sibling);
      if (f.child) stack.push(f.child);
    }
    if (authkit) app.authkit = authkit;
    if (client) app.convex = client;
    if (authkit || convex) {
      app.state = { authkitUser: !!(authkit && authkit.user), authkitLoading: !!(authkit && authkit.isLoading),
                    convexAuthenticated: convex ? !!convex.isAuthenticated : null,
                    convexLoading: convex ? !!convex.isLoading : null, mounted: !!convex };
    }
    if (authkit) {
      var user = authkit.user || null;
      var key = authkit.isLoading ? "loading" : user ? "user:" + user.id : "none";
      if (key !== last.user) {
        last.user = key;
        at.emit("authkit", "user", { present: !!user, userId: user ? user.id : null, isLoading: !!authkit.isLoading,
                                     page: at.pageState() });
      }
    }
    if (convex && !convex.isLoading) {
      var auth = convex.isAuthenticated ? "yes" : "no";
      if (auth !== last.convex) {
        last.convex = auth;
        at.emit("convex", "auth-change", { isAuthenticated: !!convex.isAuthenticated, page: at.pageState() });
      }
    }
  }

  var hook = g.__REACT_DEVTOOLS_GLOBAL_HOOK__;
  if (!hook) {
    var ids = 0;
    hook = g.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      supportsFiber: true, isDisabled: false, renderers: new Map(),
      inject: function (renderer) { ids += 1; this.renderers.set(ids, renderer); return ids; },
      onCommitFiberRoot: function () {}, onCommitFiberUnmount: function () {}, onPostCommitFiberRoot: function () {},
      onScheduleFiberRoot: function () {}, setStrictMode: function () {}, checkDCE: function () {},
    };
  }
  var previous = hook.onCommitFiberRoot;
  hook.onCommitFiberRoot = function (id, root) {
    at.safe("react-commit", function () { commit(root); });
    return typeof previous === "function" ? previous.apply(this, arguments) : undefined;
  };
})();
