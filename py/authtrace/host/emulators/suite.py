"""Both emulators in one asyncio loop, sharing a fault board, an event log and a clock.

The WorkOS emulator is served by uvicorn on ``workos_port``, with the control
API of both (:mod:`.control`) mounted in front of it under ``/__authtrace/``.
The Convex emulator listens on ``convex_port`` and trusts the ``customJwt``
providers given as ``auth_providers`` (the shape of ``auth.config.ts``'s
``providers``), by default just the WorkOS emulator's issuer with its JWKS.
Port 0 picks free ports; the real ones are on :attr:`EmulatorSuite.workos_url`
/ :attr:`EmulatorSuite.convex_url` once started.

``convex_functions=DIR`` serves the app's own functions (its ``convex/`` folder,
run by convex-test in Node: :mod:`.convex_functions`) instead of the built-in
ones, and trusts the providers of its ``auth.config.ts`` (unless
``auth_providers`` says otherwise). ``stand_in=True`` makes the WorkOS emulator
stand in for ``https://api.workos.com`` (:mod:`.stand_in`): the tokens carry that
host's issuer, an HTTPS endpoint with a certificate made here serves the same
API on ``tls_port``, and :attr:`EmulatorSuite.browser_flags` are the Chromium
flags that route the host there.

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
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from .auth_config import trusted_providers
from .control import ControlAPI, mount
from .convex import ConvexEmulator
from .convex_auth import CustomJwtProvider, read_url
from .eventlog import EventLog
from .faults import FaultBoard
from .keys import SigningKey
from .stand_in import WORKOS_API, LocalCertificate, chromium_flags, routed_fetch
from .workos import WorkOSConfig, WorkOSEmulator, transport_aware_h11

T = TypeVar("T")


async def _fetch(url: str) -> bytes:
    return await asyncio.to_thread(read_url, url)


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
    alone. ``jwks`` chooses how Convex gets the WorkOS key: ``"dict"``
    (handed over in-process), ``"url"`` (fetched from the WorkOS emulator like
    the real backend does) or ``"data"`` (a data: URI). ``auth_providers``
    replaces the trusted providers: a list of ``customJwt`` entries
    ``{"issuer", "jwks", "algorithm", "applicationID"?}``, or a callable that
    gets the started WorkOS emulator and returns that list.
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
        auth_providers: list[dict[str, Any]] | Callable[[WorkOSEmulator], list[dict[str, Any]]] | None = None,
        convex_functions: str | Path | None = None,
        convex_env: dict[str, str] | None = None,
        stand_in: bool = False,
        tls_port: int = 0,
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
        if isinstance(auth_providers, list):
            for provider in auth_providers:  # refuse a bad entry now, not at start()
                CustomJwtProvider.from_config(provider)
        self.auth_providers = auth_providers
        self.convex_functions = Path(convex_functions) if convex_functions is not None else None
        # The deployment's environment, seen by the functions and auth.config.ts.
        self.convex_env = {"WORKOS_CLIENT_ID": self._config.client_id, **(convex_env or {})}
        self.stand_in = stand_in
        if stand_in:
            self._config = replace(self._config, public_url=WORKOS_API)
        self.tls_port = tls_port
        self.certificate: LocalCertificate | None = None
        self._tls_server: Any = None
        self._tls_task: asyncio.Task | None = None
        self.functions: Any = None  # the FunctionsApp, when convex_functions is set
        self.convex_port = convex_port
        self.with_convex = convex
        self.jwks_mode = jwks
        self.clock = clock
        self.key = key or SigningKey.generate()
        self.events = EventLog(clock=clock)
        self.faults = FaultBoard(clock=clock, events=self.events)
        self.workos: WorkOSEmulator | None = None
        self.control: ControlAPI | None = None
        self.convex: ConvexEmulator | None = None
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

    @property
    def browser_flags(self) -> tuple[str, ...]:
        """Chromium flags that send ``api.workos.com`` to the stand-in and trust its certificate."""
        if self.certificate is None:
            return ()
        return chromium_flags(self.host, self.tls_port, self.certificate)

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
        self.control = ControlAPI(faults=self.faults, events=self.events, workos=self.workos)
        uv = uvicorn.Config(
            mount(self.control, self.workos.app),
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
        try:
            if self.stand_in:
                await self._serve_tls()
            if self.with_convex:
                fetch = routed_fetch(WORKOS_API, self.workos_url, _fetch) if self.stand_in else _fetch
                app = await asyncio.to_thread(self._load_functions) if self.convex_functions is not None else None
                self.convex = ConvexEmulator(self._config.host, self.convex_port,
                                             trusted_issuers=await self._providers(fetch), faults=self.faults,
                                             events=self.events, clock=self.clock, app=app, jwks_fetch=fetch)
                await self.convex.start()
        except BaseException:
            self.convex = None
            await self.shutdown()
            raise
        return self

    async def _serve_tls(self) -> None:
        """The same WorkOS API (without the control routes) over HTTPS, as api.workos.com."""
        import uvicorn

        assert self.workos is not None
        self.certificate = LocalCertificate.generate()
        sock = bind_socket(self._config.host, self.tls_port)
        self.tls_port = sock.getsockname()[1]
        uv = uvicorn.Config(self.workos.app, http=transport_aware_h11(), interface="asgi3", lifespan="off",
                            proxy_headers=False, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
        uv.load()
        uv.ssl = self.certificate.server_context()  # in memory; uvicorn would read files
        self._tls_server = uvicorn.Server(uv)
        self._tls_task = asyncio.create_task(self._tls_server._serve(sockets=[sock]))
        while not self._tls_server.started:
            if self._tls_task.done():
                self._tls_task.result()
                raise RuntimeError("the WorkOS stand-in (HTTPS) stopped during startup")
            await asyncio.sleep(0.01)
        self.events.add("suite", "workos-stand-in-started", host=WORKOS_API, port=self.tls_port)

    def _load_functions(self) -> Any:
        from .convex_functions import FunctionsApp
        from .function_runner import FunctionRunner

        runner = FunctionRunner(self.convex_functions, env=self.convex_env)
        runner.start()
        self.functions = FunctionsApp(runner)
        return self.functions

    async def _providers(self, fetch: Callable[[str], Awaitable[bytes]]) -> list[dict[str, Any]]:
        assert self.workos is not None
        if self.auth_providers is None:
            if self.functions is not None and self.functions.auth_config is not None:
                return await trusted_providers(self.functions.auth_config, fetch,
                                               str(self.convex_functions / "auth.config.ts"))
            return [self.workos.trusted_issuer(self.jwks_mode)]
        if callable(self.auth_providers):
            return self.auth_providers(self.workos)
        return self.auth_providers

    async def shutdown(self) -> None:
        if self.functions is not None:  # first: a call waiting for Node would hold a connection open
            functions, self.functions = self.functions, None
            await asyncio.to_thread(functions.runner.stop)
        if self.convex is not None:
            convex, self.convex = self.convex, None
            await convex.stop()
        if self.workos is not None:
            self.workos.close()  # release "hang" faults so connections can finish
        if self._tls_task is not None:
            self._tls_server.should_exit = True
            task, self._tls_task = self._tls_task, None
            await task
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
