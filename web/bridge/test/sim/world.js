// One visible (or hidden) tab on the test clock: the bridge's broker between the
// fake AuthKit (sim/authkit.js) and Convex's real auth state machine (sim/convex.js),
// with the watchdog wired as index.js wires it, and the page's fetch (a fake global)
// with the bridge's refresh breaker on it in front of the fake WorkOS, so figures count
// requests on the wire. Used by the target simulations.
import { createTokenBroker, createWatchdog } from "../../policy.js";
import { refreshBreaker } from "../../breaker.js";
import { fakeEnv, jwt, seeded } from "../helpers.js";
import { fakeAuthKit, fakeWorkOS } from "./authkit.js";
import { fakeConvex } from "./convex.js";

export async function world({
  seed = 1, lifetimeS = 300, mode = () => "ok", accepts, options = {}, leewaySeconds = 10,
  visible = true, online = true, claims = {}, loop = true, retryAfterS = null,
} = {}) {
  const env = fakeEnv({ visible, online });
  const uninstall = env.install();
  const server = fakeWorkOS(env, { lifetimeS, mode, claims, retryAfterS });
  const page = { fetch: (input, init) => server.fetch(input, init) }; // the page's global fetch
  const breaker = refreshBreaker(page);
  // The page-load refresh happened before the provider mounted: AuthKit holds a fresh token.
  const iat = Math.floor(env.now / 1000);
  const initial = jwt({ iss: "https://api.workos.com/user_management/client_test", sub: "user_1", sid: "session_1", iat, exp: iat + lifetimeS, jti: "r0", ...claims });
  const authkit = fakeAuthKit(env, (input, init) => page.fetch(input, init), { token: initial, loop });
  const console = { warns: [], errors: [], warn(m) { this.warns.push(m); }, error(m) { this.errors.push(m); } };
  const events = [];
  const broker = createTokenBroker({
    getAccessToken: (o) => authkit.getAccessToken(o),
    clock: env.clock, timers: env.timers, page: env.page, random: seeded(seed), console, breaker,
    options: { ...options, onEvent: (e) => events.push(e) },
  });
  const release = broker.start();
  broker.setUser({ id: "user_1" }, false);
  const convex = fakeConvex(env, { accepts, leewaySeconds });
  const setAuth = () => {
    broker.setConvexAuthenticated(null);
    convex.setAuth((args) => broker.fetchToken(args), (v) => broker.setConvexAuthenticated(v));
  };
  setAuth();
  const rearm = () => { convex.clearAuth(); setAuth(); }; // ConvexProviderWithAuth's effects on a new fetchAccessToken

  // The watchdog, as index.js runs it.
  const dog = createWatchdog(broker.options);
  let busy = false;
  const watch = () => {
    env.timers.setTimeout(() => {
      if (broker.disposed) return;
      watch();
      if (busy) return;
      const snap = broker.snapshot();
      const action = dog.observe({
        now: env.now, hasUser: snap.hasUser && !snap.userLoading,
        signedOut: snap.state === "signed_out" || snap.state === "misconfigured",
        convexAuthenticated: snap.convexAuthenticated, convexFetchPending: broker.pendingConvex > 0,
        lastSetAuthAt: broker.lastSetAuthAt, socketState: convex.socket === "stopped" ? "stopped" : "ready",
        connected: true, everConnected: true, paused: "no",
      });
      if (action !== "rearm" && action !== "fresh-setauth") return;
      busy = true;
      broker.probe().then((tok) => {
        if (tok && broker.getState() !== "signed_out" && broker.getState() !== "misconfigured") { broker.rearmed(action); rearm(); }
      }).finally(() => { busy = false; });
    }, broker.options.watchdogIntervalMs);
  };
  watch();
  await env.advance(0);

  return {
    env, server, authkit, convex, broker, events, console, breaker, page,
    /** Run until `ms` later; with `sample`, report whether Convex is authenticated every `every` ms. */
    async run(ms, sample, every = 500) {
      if (!sample) { await env.advance(ms); return; }
      const end = env.now + ms;
      while (env.now < end) {
        const step = Math.min(every, end - env.now);
        await env.advance(step);
        sample(env.now, convex.authenticated, step);
      }
    },
    /** The first time at or after `from` that the server confirmed a token. */
    confirmedAfter(from) { const c = convex.log.confirmed.find((x) => x.at >= from); return c ? c.at : null; },
    unmount() { release(); },
    close() { release(); broker.dispose(); convex.stop(); authkit.stopLoop(); uninstall(); },
  };
}
