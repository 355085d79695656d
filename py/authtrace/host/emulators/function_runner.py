"""The Node process that runs an app's own Convex functions with convex-test.

:class:`FunctionRunner` starts ``node convex_test_runner/runner.mjs DIR`` (the
JS next to this module, shipped in the wheel), waits for it to have loaded the
app's ``convex/`` folder (TypeScript through tsx; the schema; ``auth.config.ts``)
and then calls functions by path, one JSON line per request on the child's
stdin, one reply per line on a pipe of its own: the functions' ``console``
output stays on the child's stdout and stderr, which go to :attr:`log`.

The calls block (the Convex emulator makes them from its core thread, never
from its event loop). A call that outlives its limit fails like a timed-out
function and stops the process: what it was doing cannot be trusted, and every
later call fails with the same clear message.

Where Node's packages come from: convex-test and tsx next to the app's
``authtrace`` npm package (which depends on exact versions of both), else the
app's own, else ``search`` (an authtrace checkout's ``node_modules``).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import subprocess
import threading
from concurrent.futures import Future, TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

log = logging.getLogger("authtrace.convex.functions")

RUNNER = Path(__file__).resolve().parent / "convex_test_runner" / "runner.mjs"
# How long a function may run here before it counts as timed out. Convex's own limits
# are 1 s of execution for queries and mutations and 10 min for actions; a shared CI
# machine needs more room for the first, which also loads the module.
LIMITS_S = {"query": 20.0, "mutation": 20.0, "action": 600.0, "reset": 20.0}
START_LIMIT_S = 120.0
MAX_LINE = 64 << 20  # a reply larger than this is a runner bug, not a result


class FunctionLoadError(RuntimeError):
    """The functions folder could not be loaded (bad path, no Node, a module that throws)."""


class RunnerStopped(RuntimeError):
    """The runner process is gone (stopped, crashed, or killed after a timeout)."""


@dataclass
class Reply:
    ok: bool
    value: Any = None
    message: str = ""
    data: Any = None
    has_data: bool = False


@dataclass
class Loaded:
    """What the runner found in the folder."""

    functions: list[dict[str, str]] = field(default_factory=list)  # {path, kind, visibility}
    auth_config: dict[str, Any] | None = None
    versions: dict[str, str | None] = field(default_factory=dict)


def node_binary() -> str:
    chosen = os.environ.get("AUTHTRACE_NODE")
    if chosen:
        return chosen
    found = shutil.which("node")
    if found is None:
        raise FunctionLoadError("Node.js is not on PATH: the app's Convex functions run in Node (install Node 20 or newer)")
    return found


def default_search() -> list[Path]:
    """An authtrace checkout's node_modules, when this package runs from one."""
    from ..pyodide_dist import checkout_root

    root = checkout_root()
    return [root] if root is not None and (root / "node_modules" / "convex-test").is_dir() else []


class FunctionRunner:
    """``convex-test`` over the functions in ``functions_dir``, in a Node child process.

    ``env`` is the deployment's environment (what ``npx convex env set`` sets),
    seen by the functions and by ``auth.config.ts``. ``on_writes`` is called
    (from the reader thread) when a scheduled function ran.
    """

    def __init__(self, functions_dir: str | os.PathLike, *, env: dict[str, str] | None = None,
                 search: Sequence[str | os.PathLike] | None = None, on_writes: Callable[[], None] | None = None,
                 log_line: Callable[[str], None] | None = None) -> None:
        self.dir = Path(functions_dir).resolve()
        self.env = dict(env or {})
        self.search = [Path(p) for p in (default_search() if search is None else search)]
        self.on_writes = on_writes
        self.log_line = log_line or (lambda line: log.info("%s", line))
        self.loaded = Loaded()
        self._proc: subprocess.Popen | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, Future] = {}
        self._lock = threading.Lock()
        self._ready: Future = Future()
        self._dead: str | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ----------------------------------------------------------------------
    def start(self, timeout: float = START_LIMIT_S) -> "FunctionRunner":
        if not self.dir.is_dir():
            raise FunctionLoadError(f"{self.dir}: not a folder (give the app's convex/ folder)")
        node = node_binary()
        read_fd, write_fd = os.pipe()
        config = {"dir": str(self.dir), "fd": write_fd, "search": [str(p) for p in self.search]}
        env = {**os.environ, **self.env, "NODE_NO_WARNINGS": "1"}
        try:
            self._proc = subprocess.Popen(
                [node, str(RUNNER), json.dumps(config)], cwd=self.dir, env=env, pass_fds=(write_fd,),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            os.close(read_fd)
            raise FunctionLoadError(f"cannot start Node ({node}): {exc}") from None
        finally:
            os.close(write_fd)
        replies = os.fdopen(read_fd, "rb")
        self._spawn(self._read_replies, replies)
        self._spawn(self._forward, self._proc.stdout)
        self._spawn(self._forward, self._proc.stderr)
        try:
            ready = self._ready.result(timeout)
        except FutureTimeout:
            self.stop()
            raise FunctionLoadError(f"the functions in {self.dir} did not load within {timeout:.0f} s") from None
        except RunnerStopped as exc:
            self.stop()
            raise FunctionLoadError(f"the function runner stopped while loading {self.dir}: {exc}") from None
        if ready.get("problems"):
            self.stop()
            raise FunctionLoadError(f"cannot load the functions in {self.dir}: " + "; ".join(ready["problems"]))
        self.loaded = Loaded(ready.get("functions") or [], ready.get("authConfig"), ready.get("versions") or {})
        return self

    def _spawn(self, target: Callable, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=f"convex-functions-{target.__name__}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 2.0) -> None:
        proc, self._proc = self._proc, None
        self._fail_all("the function runner was stopped")
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._dead is None and self._proc.poll() is None

    # -- calls ----------------------------------------------------------------------------
    def call(self, op: str, path: str, args: dict[str, Any], identity: dict[str, Any] | None) -> Reply:
        """Run a query, mutation or action; the reply says how it ended."""
        return self._request({"op": op, "path": path, "args": args, "identity": identity}, LIMITS_S[op])

    def reset(self) -> None:
        """Start again from an empty database (the functions stay loaded)."""
        reply = self._request({"op": "reset"}, LIMITS_S["reset"])
        if not reply.ok:
            raise RunnerStopped(reply.message)

    def _request(self, message: dict[str, Any], limit: float) -> Reply:
        future: Future = Future()
        with self._lock:
            if self._dead is not None or self._proc is None or self._proc.stdin is None:
                raise RunnerStopped(self._dead or "the function runner is not running")
            request_id = next(self._ids)
            self._pending[request_id] = future
            try:
                self._proc.stdin.write((json.dumps({"id": request_id, **message}) + "\n").encode())
                self._proc.stdin.flush()
            except (OSError, ValueError) as exc:
                self._pending.pop(request_id, None)
                raise RunnerStopped(f"the function runner stopped: {exc}") from None
        try:
            return future.result(limit)
        except FutureTimeout:
            self._kill(f"a function ran longer than {limit:.0f} s, so the function runner was stopped")
            return Reply(False, message=f"Function execution timed out (maximum duration: {limit:.0f}s)")

    def _kill(self, why: str) -> None:
        self._dead = why
        if self._proc is not None:
            self._proc.kill()
        self._fail_all(why)

    def _fail_all(self, why: str) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(RunnerStopped(why))
        if not self._ready.done():
            self._ready.set_exception(RunnerStopped(why))

    # -- the child's output -------------------------------------------------------------------
    def _read_replies(self, stream) -> None:
        with stream:
            for raw in stream:
                if len(raw) > MAX_LINE:
                    continue
                try:
                    msg = json.loads(raw)
                except ValueError:
                    continue
                if "id" in msg:
                    with self._lock:
                        future = self._pending.pop(msg["id"], None)
                    if future is not None and not future.done():
                        future.set_result(Reply(bool(msg.get("ok")), msg.get("value"), msg.get("message") or "",
                                                msg.get("data"), "data" in msg))
                elif msg.get("event") == "ready" and not self._ready.done():
                    self._ready.set_result(msg)
                elif msg.get("event") == "writes" and self.on_writes is not None:
                    try:
                        self.on_writes()
                    except Exception:  # the emulator's business; never stop reading
                        log.exception("on_writes failed")
        if self._dead is None:
            self._dead = "the function runner exited"
        self._fail_all(self._dead)

    def _forward(self, stream) -> None:
        with stream:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    self.log_line(line)

    def __enter__(self) -> "FunctionRunner":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
