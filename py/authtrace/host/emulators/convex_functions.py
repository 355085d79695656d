"""The app's own Convex functions as the Convex emulator's app (``--convex-functions DIR``).

:class:`FunctionsApp` has the interface of the built-in :class:`~.convex_app.ConvexApp`
(``query``, ``mutation``, ``action``, ``reset``) and runs each call through
:class:`~.function_runner.FunctionRunner`: convex-test in a Node process, with the
identity the emulator verified from the access token (``ctx.auth.getUserIdentity()``).

What convex-test does not tell us is which tables a function read or wrote, so
every query reads "everything" and every successful mutation (and every action,
which may have run mutations, and every scheduled function the runner reports)
writes "everything": the sync layer then re-runs all subscriptions after each
write, and sends only the results that changed (what a client sees is the same
as with read sets, with more work here). Query results are not shared between
connections (they may depend on the caller).

``blocking`` tells the Convex emulator to call this app from its core thread,
never from the event loop.
"""

from __future__ import annotations

from typing import Any, Callable

from .convex_app import FunctionError, Identity, Outcome
from .convex_protocol import canonicalize_udf_path
from .function_runner import FunctionRunner, Reply, RunnerStopped

EVERYTHING = frozenset({"*"})


class FunctionsApp:
    blocking = True

    def __init__(self, runner: FunctionRunner) -> None:
        self.runner = runner
        self.tables: dict[str, list[dict[str, Any]]] = {}  # the data lives in the runner
        # Set by the emulator: called when the runner reports writes of its own (scheduled functions).
        self.on_writes: Callable[[], None] | None = None
        runner.on_writes = self._runner_wrote

    @property
    def functions(self) -> list[dict[str, str]]:
        return self.runner.loaded.functions

    @property
    def auth_config(self) -> dict[str, Any] | None:
        return self.runner.loaded.auth_config

    @property
    def messages(self) -> list[dict[str, Any]]:
        return []  # the built-in app's table; the app's own data is in convex-test

    def reset(self) -> None:
        self.runner.reset()

    def _runner_wrote(self) -> None:
        if self.on_writes is not None:
            self.on_writes()

    def _run(self, op: str, path: str, args: dict[str, Any], identity: Identity | None) -> Outcome:
        attributes = dict(identity.attributes) if identity is not None else None
        try:
            reply = self.runner.call(op, canonicalize_udf_path(path), args, attributes)
        except RunnerStopped as exc:
            reply = Reply(False, message=f"Server Error\n{exc}")
        wrote = EVERYTHING if op == "action" or (op == "mutation" and reply.ok) else frozenset()
        if reply.ok:
            return Outcome(value=reply.value, reads=EVERYTHING, writes=wrote, uses_identity=True)
        error = FunctionError(reply.message, reply.data if reply.has_data else None)
        return Outcome(error=error, reads=EVERYTHING, writes=wrote, uses_identity=True)

    def query(self, path: str, args: dict[str, Any], identity: Identity | None) -> Outcome:
        return self._run("query", path, args, identity)

    def mutation(self, path: str, args: dict[str, Any], identity: Identity | None, ts_ms: float) -> Outcome:
        return self._run("mutation", path, args, identity)

    def action(self, path: str, args: dict[str, Any], identity: Identity | None) -> Outcome:
        return self._run("action", path, args, identity)
