// The resilient bridge's policy core, one import for everything below it. No React,
// no DOM: the clock, timers, page state and getAccessToken are injected, so all of it
// runs under a fake clock in `node --test`.
//
//   options.js   DEFAULT_OPTIONS, STATES: every knob and timing
//   classify.js  classifyError (transient | terminal), retryAfterMs, describe
//   tokens.js    decodeClaims, tokenExpiry
//   machine.js   the policy as a pure state machine: TABLE, transition(state, event)
//   broker.js    createTokenBroker: the thin driver (timer, page events, AuthKit calls, Convex promises)
//   watchdog.js  createWatchdog: when to re-arm Convex or restart its socket
//   breaker.js   refreshBreaker: holds authkit-js's own refresh requests while the bridge
//                backs off (wraps a global's fetch only while a broker is attached to it)
//
// README.md explains the rules, the transition table and the targets.
export { DEFAULT_OPTIONS, STATES } from "./options.js";
export { classifyError, describe, retryAfterMs } from "./classify.js";
export { decodeClaims, tokenExpiry } from "./tokens.js";
export { TABLE, PHASES, EVENTS, SIGNALS, initialState, transition, nextDeadline, publicState, backoffDelay, isValid, breakerMode } from "./machine.js";
export { createTokenBroker } from "./broker.js";
export { createWatchdog } from "./watchdog.js";
export { refreshBreaker, refreshRequestOrigin, shouldHold } from "./breaker.js";
