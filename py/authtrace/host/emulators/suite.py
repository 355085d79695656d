"""Both emulators in one asyncio loop, sharing a fault board, an event log and a clock.

The WorkOS emulator is served by uvicorn on ``workos_port``; the Convex
emulator trusts its issuer (customJwt with the emulator's JWKS) and listens
on ``convex_port``. Port 0 picks free ports; the real ones are on
:attr:`EmulatorSuite.workos_url` / :attr:`EmulatorSuite.convex_url` once
started.

Three ways to run it::

    async with EmulatorSuite() as suite: ...        # inside a running loop
    suite.start_in_thread(); ...; suite.stop()      # tests, the lab
    authtrace emulate                                # the CLI (foreground)
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import replace
from typing import Any, Awaitable, Callable, TypeVar

from .eventlog import EventLog
from .faults import FaultBoard
from .keys import SigningKey
from .workos import WorkOSConfig, WorkOSEmulator, transport_aware_h11

T = TypeVar("T")


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket ourselves, so port 0 gives a port we know before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


class EmulatorSuite:
    """WorkOS + Convex emulators with one :class:`FaultBoard` and one :class:`EventLog`.

    ``workos`` holds the WorkOS settings (host/port/client id/TTLs); the
    keyword shortcuts override its fields. ``convex=False`` runs WorkOS
    alone. ``jwks`` chooses how Convex gets the key: ``"dict"`` (handed over
    in-process), ``"url"`` (fetched from the WorkOS emulator like the real
    backend does) or ``"data"`` (a data: URI).
    """

    def __init__(
        self,
        workos: WorkOSConfig | None = None,
        *,
        host: str | None = None,
        workos_port: int | None = None,
        convex_port: int = 8765,
        convex: bool = True,
        jwks: str = "dict",
        clock: Callable[[], float] = time.time,
        key: SigningKey | None = None,
        **workos_settings: Any,
    ):
        cfg = workos or WorkOSConfig()
        if host is not None:
            workos_settings["host"] = host
        if workos_port is not None:
            workos_settings["port"] = workos_port
        self._config = replace(cfg, **workos_settings)
        self._config.validate()
        if jwks not in ("dict", "url", "data"):
            raise ValueError("jwks must be 'dict', 'url' or 'data'")
        self.convex_port = convex_port
        self.with_convex = convex
        self.jwks_mode = jwks
        self.clock = clock
        self.key = key or SigningKey.generate()
        self.events = EventLog(clock=clock)
        self.faults = FaultBoard(clock=clock, events=self.events)
        self.workos: WorkOSEmulator | None = None
        self.convex: Any = None  # ConvexEmulator once started
        self._server: Any = None
        self._serve_task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._thread_stop: asyncio.Event | None = None

    # -- addresses and the props an app needs -------------------------------

    @property
    def host(self) -> str:
        return self._config.host

    @property
    def workos_url(self) -> str:
        return self._require_workos().config.base_url

    @property
    def issuer(self) -> str:
        return self._require_workos().issuer

    @property
    def jwks_url(self) -> str:
        return self._require_workos().config.jwks_url

    @property
    def convex_url(self) -> str | None:
        return self.convex.url if self.convex is not None else None

    def authkit_props(self, dev_mode: bool = True) -> dict[str, Any]:
        """The ``<AuthKitProvider>`` props that point authkit-js at this emulator."""
        cfg = self._require_workos().config
        return {"clientId": cfg.client_id, "apiHostname": cfg.host, "port": cfg.port, "https": False, "devMode": dev_mode}

    def _require_workos(self) -> WorkOSEmulator:
        if self.workos is None:
            raise RuntimeError("the suite is not started")
        return self.workos

    # -- async lifecycle -------------------------------------------------------

    async def start(self) -> "EmulatorSuite":
        import uvicorn

        sock = bind_socket(self._config.host, self._config.port)
        config = replace(self._config, port=sock.getsockname()[1])
        self.workos = WorkOSEmulator(config, clock=self.clock, faults=self.faults, events=self.events, key=self.key)
        uv = uvicorn.Config(
            self.workos.app,
            http=transport_aware_h11(),
            interface="asgi3",
            lifespan="off",
            proxy_headers=False,  # the control API trusts the socket's peer address only
            log_level="warning",
            access_log=False,  # the event log records requests, fingerprinted
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(uv)
        # _serve, not serve(): serve() takes over SIGINT/SIGTERM and re-raises them
        # after shutdown; the suite's owner (the CLI, a test) handles signals itself.
        self._serve_task = asyncio.create_task(self._server._serve(sockets=[sock]))
        while not self._server.started:
            if self._serve_task.done():
                self._serve_task.result()
                raise RuntimeError("the WorkOS emulator server stopped during startup")
            await asyncio.sleep(0.01)
        self.events.add("suite", "workos-started", url=config.base_url)
        if self.with_convex:
            try:
                from .convex import ConvexEmulator
            except ImportError as exc:
                await self.shutdown()
                raise RuntimeError(f"the Convex emulator is not available: {exc}") from exc
            self.convex = ConvexEmulator(
                self._config.host,
                self.convex_port,
                trusted_issuers=[self.workos.trusted_issuer(self.jwks_mode)],
                faults=self.faults,
                events=self.events,
                clock=self.clock,
            )
            try:
                await self.convex.start()
            except BaseException:
                self.convex = None
                await self.shutdown()
                raise
        return self

    async def shutdown(self) -> None:
        if self.convex is not None:
            convex, self.convex = self.convex, None
            await convex.stop()
        if self.workos is not None:
            self.workos.close()  # release "hang" faults so connections can finish
        if self._serve_task is not None:
            self._server.should_exit = True
            task, self._serve_task = self._serve_task, None
            await task
            self.events.add("suite", "workos-stopped")

    async def __aenter__(self) -> "EmulatorSuite":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.shutdown()

    # -- thread lifecycle (tests, the lab) -----------------------------------

    def start_in_thread(self, timeout: float = 15.0) -> "EmulatorSuite":
        """Run the suite's loop in a daemon thread; returns once both servers listen."""
        if self._thread is not None:
            raise RuntimeError("already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._thread_stop = asyncio.Event()
            try:
                await self.start()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            await self._thread_stop.wait()
            await self.shutdown()

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), name="authtrace-emulators", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("emulators did not start in time")
        if failure:
            self._thread.join(timeout)
            self._thread = None
            raise failure[0]
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop a suite started with :meth:`start_in_thread` and wait for its thread."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._thread_stop is not None and thread.is_alive():
            self._loop.call_soon_threadsafe(self._thread_stop.set)
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError("emulator thread did not stop")

    def call(self, coro: Awaitable[T], timeout: float = 15.0) -> T:
        """Run a coroutine on the suite's loop from another thread (thread mode)."""
        if self._loop is None or self._thread is None:
            raise RuntimeError("call() needs start_in_thread()")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)  # type: ignore[arg-type]

    def __enter__(self) -> "EmulatorSuite":
        return self.start_in_thread()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
