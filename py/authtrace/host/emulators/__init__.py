"""Local emulators of the WorkOS AuthKit API and a Convex deployment, with fault injection.

One concept per module; the protocol state lives in pure modules (no socket,
the time passed in) and thin drivers put the network around them:

* ``suite`` -- both emulators in one loop, sharing ``faults``, ``eventlog``, a clock;
* ``control`` -- the control API of both (``/__authtrace/``), mounted by the suite;
* ``faults`` -- the fault board; ``eventlog`` -- the bounded, redacted event log;
* ``inputs`` -- what untrusted JSON must be (depth, finite numbers, valid Unicode);
  ``bodies`` -- reading bodies within a bound, parsing large ones off the event loop;
* WorkOS: ``workos`` (the emulator and its request pipeline), ``workos_config``,
  ``workos_sessions`` (the pure session store), ``workos_routes``, ``cors``,
  ``workos_faults``, ``keys``;
* Convex: ``convex`` (the websockets driver), ``sync_connection`` (one
  connection, pure), ``convex_deployment`` (what connections share),
  ``convex_protocol`` (the codec), ``convex_auth`` (customJwt providers and JWT
  rules), ``convex_faults``, ``convex_app`` (the built-in functions).

The fault vocabulary and the WorkOS error bodies are core modules
(:mod:`authtrace.fault_actions`, :mod:`authtrace.workos_errors`), shared with
replay. This package imports none of its modules, so that using one (e.g. the
shared fault board) does not pull in the servers.
"""
