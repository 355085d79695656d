"""A Convex deployment, as far as the sync protocol goes: enough for the real client.

``ConvexEmulator`` serves ``/api/<version>/sync`` on loopback with
``websockets`` and speaks the protocol of the unmodified ``convex`` 1.48.0
client. This module is the thin driver: sockets, the reader and writer tasks
of each connection, Pings after 15 s of silence, and the faults. The protocol
lives elsewhere, one concept per module:

* :mod:`.convex_protocol` -- the message codec and protocol errors;
* :mod:`.sync_connection` -- one connection's state machine (pure);
* :mod:`.convex_deployment` -- what connections share: app, timestamps, caches;
* :mod:`.convex_auth` -- the trusted ``customJwt`` providers and JWT checks;
* :mod:`.convex_faults` -- what a fired fault does to a connection;
* :mod:`.convex_app` -- the built-in functions and their data, or
  :mod:`.convex_functions` -- the app's own (convex-test in Node).

An app that blocks (``app.blocking``: the app's own functions, which wait for
Node) is called from one core thread: every ``SyncConnection.receive`` and
``transition`` runs there, in order, so the event loop (and the WorkOS emulator
on it) never waits for a function.

Faults (target ``"convex"`` on a :class:`FaultBoard`): ``refuse-upgrade`` at
``phase="connect"``; ``close``, ``auth-error``, ``stall`` at ``phase="message"``
(a client frame) or ``"transition"`` (before a Transition). Events go to an
:class:`EventLog`, tokens only as fingerprints.

(About 520 lines: the reader and writer tasks, the one-pass Transition fan-out, the
core-thread hand-off and the faults all act on one connection's link and its timing;
apart, each would need the others' state passed in.)

No frame holds the shared event loop: large frames are parsed in a worker
thread (:mod:`.bodies`), and nothing a frame carries reaches the event log unbounded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from . import bodies, convex_faults
from . import convex_protocol as proto
from .convex_app import ConvexApp
from .convex_auth import AuthRejected, CustomJwtProvider, JwtVerifier
from .convex_deployment import Deployment
from .convex_protocol import ProtocolError
from .sync_connection import Close, Step, SyncConnection

log = logging.getLogger(__name__)

CLIENT_VERSION = "1.48.0"
TARGET = "convex"
MAX_CLOSED_KEPT = 1000
MAX_FRAME = 16 * 1024 * 1024

_SYNC_PATH = re.compile(r"^/api/([^/?#]{1,64})/sync/?(?:\?.*)?$")


@dataclass
class _Link:
    """The I/O side of one connection; ``sync`` is its protocol state."""

    sync: SyncConnection
    ws: ServerConnection
    outbox: list = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stalled_until: float = 0.0  # time.monotonic(): stalls and pings are real-time waits
    last_send: float = field(default_factory=time.monotonic)
    dead: bool = False
    closed_by_server: bool = False
    idle: bool = False  # the writer waits for work (nothing of this link's is half done)
    close_next: Close | None = None  # a close the fan-out left for the writer


class ConvexEmulator:
    """An in-process Convex sync endpoint for the real ``convex`` client.

    ``trusted_issuers`` are the ``customJwt`` providers of the app's
    ``auth.config.ts`` (see :mod:`.convex_auth`). The injected ``clock`` gives
    every protocol time: token expiry, commit timestamps, ``serverTs``,
    ``clientClockSkew``. Use ``port=0`` for a free port.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8765,
        *,
        trusted_issuers: Iterable[dict[str, Any] | CustomJwtProvider] = (),
        faults: Any = None,
        events: Any = None,
        clock: Callable[[], float] = time.time,
        app: ConvexApp | Any = None,
        ping_interval_s: float = 15.0,
        jwks_fetch: Callable[[str], Awaitable[bytes]] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.faults = faults
        self.events = events
        self.clock = clock
        self.app = app or ConvexApp()
        self.ping_interval_s = ping_interval_s
        self.verifier = JwtVerifier(trusted_issuers, clock, **({"fetch": jwks_fetch} if jwks_fetch else {}))
        self.deployment = Deployment(self.app, clock, self._event)
        self._core: concurrent.futures.ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._links: dict[int, _Link] = {}
        self._ids = itertools.count(1)
        self._due: list[_Link] = []  # links whose Transition became due since the last fan-out
        self._tasks: set[asyncio.Task] = set()  # closes started by the fan-out
        #: snapshots of the most recent closed connections (newest last)
        self.closed_connections: list[dict[str, Any]] = []

    # -- lifecycle --------------------------------------------------------------

    async def start(self) -> "ConvexEmulator":
        self._loop = asyncio.get_running_loop()
        if getattr(self.app, "blocking", False):
            self._core = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="convex-core")
            self.app.on_writes = self._app_wrote
        self._server = await serve(
            self._handler, self.host, self.port, process_request=self._process_request,
            compression=None,  # the backend does not negotiate permessage-deflate
            ping_interval=5.0, ping_timeout=60.0, close_timeout=2.0, max_size=MAX_FRAME, max_queue=None,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        self._event("started", url=self.url)
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close(close_connections=True)
        await server.wait_closed()
        if self._core is not None:
            self._core.shutdown(wait=False, cancel_futures=True)
        self._event("stopped")

    async def __aenter__(self) -> "ConvexEmulator":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The deployment URL to give ``ConvexReactClient``."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The sync endpoint the 1.48.0 client derives from :attr:`url`."""
        return self.sync_url()

    def sync_url(self, client_version: str = CLIENT_VERSION) -> str:
        return f"ws://{self.host}:{self.port}/api/{client_version}/sync"

    # -- inspection ---------------------------------------------------------------

    @property
    def counters(self) -> dict[str, int]:
        return self.deployment.counters

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The stored ``messages`` table (oldest first)."""
        return self.app.messages

    def connections(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        return [self._snapshot(link) for link in self._links.values() if not (open_only and link.dead)]

    @property
    def latest_ts(self) -> int:
        return self.deployment.ts.latest

    async def disconnect_all(self, code: int | None = 1001, reason: str = "") -> int:
        """Close every open sync connection (the client reconnects). Returns how many."""
        links = [link for link in self._links.values() if not link.dead]
        await asyncio.gather(*(self._close(link, Close(code, reason, why="disconnect_all")) for link in links))
        return len(links)

    async def ping_all(self) -> int:
        """A sync-protocol Ping on every open connection that is not stalled, now. For a replay
        on virtual time: the real backend pings after 15 s of silence, which here is real time."""
        links = [link for link in self._links.values() if not link.dead and link.stalled_until <= time.monotonic()]
        sent = await asyncio.gather(*(self._send(link, proto.PING) for link in links))
        self.counters["pings_sent"] += sum(sent)
        return sum(sent)

    def _snapshot(self, link: _Link) -> dict[str, Any]:
        return link.sync.snapshot(open=not link.dead, stalled=link.stalled_until > time.monotonic())

    # -- plumbing -------------------------------------------------------------------

    async def _in_core(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a protocol step where the app may be called: inline, or on the core thread."""
        if self._core is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._core, fn, *args)

    def _app_wrote(self) -> None:
        """The app wrote outside a request (a scheduled function): re-run the subscriptions."""
        if self._core is not None:
            try:
                self._core.submit(self.deployment.notify_writes, frozenset({"*"}))
            except RuntimeError:  # shutting down
                pass

    def _event(self, type_: str, /, **fields: Any) -> None:
        if self.events is not None:
            try:
                self.events.add(TARGET, type_, **{k: v for k, v in fields.items() if v is not None})
            except Exception:  # an event log must never break the emulator
                log.exception("event log failed")

    def _take_fault(self, link: _Link | None, phase: str, actions: tuple[str, ...], **facts: Any):
        """Use up the oldest armed ``convex`` fault matching ``facts`` that can act at ``phase``.

        Facts: ``phase`` (``connect`` = the upgrade, ``message`` = a client
        frame, ``transition`` = before a Transition), ``type`` (client message
        type), ``udfPath``, ``connection``, ``session``, ``path``. A fault that
        cannot act here (``refuse-upgrade`` on an open socket) is left for its phase.
        """
        if self.faults is None:
            return None
        if link is not None:
            facts.update(connection=link.sync.id, session=link.sync.session_id)
        facts = {"phase": phase, **{k: v for k, v in facts.items() if v is not None}}
        try:
            fault = self.faults.take(TARGET, actions=actions, **facts)
        except Exception:
            log.exception("fault board failed")
            return None
        if fault is not None:
            self.counters["faults_fired"] += 1
            self._event("fault", action=fault.action, phase=phase, fault=fault.id, connection=facts.get("connection"),
                        message_type=facts.get("type"), udfPath=facts.get("udfPath"))
        return fault

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if _SYNC_PATH.match(request.path) is None:
            return connection.respond(404, "Not Found\n")
        fault = self._take_fault(None, "connect", ("refuse-upgrade",), path=request.path)
        if fault is not None:
            status = int(fault.params.get("status", 503))
            self.counters["upgrades_refused"] += 1
            self._event("upgrade_refused", status=status, path=request.path)
            return connection.respond(status, fault.params.get("body") or "Service Unavailable\n")
        return None

    async def _send(self, link: _Link, msg: dict[str, Any] | str, *, final: bool = False) -> bool:
        if link.dead and not final:
            return False
        text = msg if isinstance(msg, str) else proto.dumps(msg)
        try:
            async with link.send_lock:
                await link.ws.send(text)
        except ConnectionClosed:
            link.dead = True
            return False
        link.last_send = time.monotonic()
        return True

    async def _close(self, link: _Link, close: Close) -> None:
        """Send the close decision's last message, then a close frame (``code=None``: no status code)."""
        if self._closing(link):
            await self._finish_close(link, close)

    @staticmethod
    def _closing(link: _Link) -> bool:
        """The part of a close that happens at once: nothing more is read or sent (but the close)."""
        if link.closed_by_server:
            return False
        link.closed_by_server = link.dead = True
        link.wake.set()
        return True

    async def _finish_close(self, link: _Link, close: Close) -> None:
        if close.final is not None:
            await self._send(link, close.final, final=True)
        self._event("closing", connection=link.sync.id, code=close.code, reason=close.reason, why=close.why)
        try:
            async with link.send_lock:
                await link.ws.close(close.code, close.reason)  # type: ignore[arg-type]  # None = empty frame
        except ConnectionClosed:
            pass

    async def _play(self, link: _Link, step: Step) -> bool:
        """Queue the step's messages for the writer; carry out its close. True if the connection is over."""
        if step.send:
            link.outbox.extend(step.send)
            link.wake.set()
        if step.close is not None:
            await self._close(link, step.close)
            return True
        return False

    async def _crash(self, link: _Link, where: str, exc: Exception) -> None:
        """A bug must cost only this connection, and close it (never leave it wedged)."""
        log.exception("convex emulator: error %s", where)
        await self._close(link, link.sync.fail(proto.internal(f"{type(exc).__name__}: {str(exc)[:200]}")))

    async def _apply_fault(self, link: _Link, fault: Any, *, during_auth: bool = False) -> bool:
        """Carry out a fault fired on an open connection; True if the connection is now over."""
        result = convex_faults.outcome(fault, link.sync, during_auth=during_auth)
        if isinstance(result, Close):
            await self._close(link, result)
            return True
        link.stalled_until = max(link.stalled_until, time.monotonic() + result)
        self.counters["stalls"] += 1
        self._event("stall", connection=link.sync.id, seconds=result)
        return False

    async def _wait_stall(self, link: _Link) -> None:
        while not link.dead and (left := link.stalled_until - time.monotonic()) > 0:
            if link.ws.protocol.state is State.CLOSED:  # the client gave up on us
                link.dead = True
                break
            await asyncio.sleep(min(left, 0.2))

    # -- per connection ---------------------------------------------------------------

    async def _handler(self, ws: ServerConnection) -> None:
        m = _SYNC_PATH.match(ws.request.path) if ws.request else None
        link = _Link(SyncConnection(next(self._ids), self.deployment, m.group(1) if m else "?", self.clock()), ws)
        if self._core is None:  # due Transitions fanned out in one pass on the loop
            link.sync.on_schedule = lambda: self._transition_due(link)
        else:  # scheduled from the core thread: the writer sends it
            loop = asyncio.get_running_loop()
            link.sync.on_schedule = lambda: loop.call_soon_threadsafe(link.wake.set)
        self._links[link.sync.id] = link
        self.deployment.connections[link.sync.id] = link.sync
        counters = self.counters
        counters["connections_total"] += 1
        counters["connections_open"] += 1
        counters["max_concurrent"] = max(counters["max_concurrent"], counters["connections_open"])
        self._event("connect", connection=link.sync.id, client_version=link.sync.client_version, remote=_peer(ws))
        writer = asyncio.create_task(self._writer(link))
        try:
            async for frame in ws:
                if link.dead or await self._on_frame(link, frame):
                    break
        except ConnectionClosed:
            pass
        finally:
            link.dead = True
            link.wake.set()
            try:
                await asyncio.wait_for(writer, 5)
            except (asyncio.TimeoutError, Exception):
                writer.cancel()
            counters["connections_open"] -= 1
            rcvd, sent = ws.protocol.close_rcvd, ws.protocol.close_sent
            self._event("close", connection=link.sync.id, initiator="server" if link.closed_by_server else "client",
                        code=int(rcvd.code if rcvd else sent.code if sent else 1006),
                        reason=(rcvd.reason if rcvd else sent.reason if sent else ""), session_id=link.sync.session_id)
            self._links.pop(link.sync.id, None)
            self.deployment.connections.pop(link.sync.id, None)
            self.closed_connections.append(self._snapshot(link))
            del self.closed_connections[:-MAX_CLOSED_KEPT]

    async def _on_frame(self, link: _Link, frame: str | bytes) -> bool:
        """Handle one client frame; True if the connection is over."""
        link.sync.received += 1
        self.counters["messages_received"] += 1
        await self._wait_stall(link)
        if link.dead:
            return True
        try:
            msg = await bodies.parse(proto.parse_client_message, frame)
        except ProtocolError as err:
            await self._close(link, link.sync.fail(err))
            return True
        try:
            kind = msg["type"]
            fault = self._take_fault(link, "message", convex_faults.ON_CONNECTION, type=kind, udfPath=msg.get("udfPath"))
            if fault is not None:
                if await self._apply_fault(link, fault, during_auth=kind == "Authenticate"):
                    return True
                await self._wait_stall(link)
                if link.dead:
                    return True
            verdict = None
            if kind == "Authenticate" and msg["tokenType"] == "User":
                try:
                    verdict = await self.verifier.verify(msg["value"])
                except AuthRejected as rejected:
                    verdict = rejected
            return await self._play(link, await self._in_core(link.sync.receive, msg, self.clock(), verdict))
        except Exception as exc:
            await self._crash(link, "handling a message", exc)
            return True

    async def _writer(self, link: _Link) -> None:
        """Sends everything for one connection, in order: responses, Transitions, Pings."""
        try:
            while not link.dead:
                await self._write_once(link)
        except Exception as exc:
            await self._crash(link, "sending", exc)

    async def _write_once(self, link: _Link) -> None:
        timeout = max(0.0, self.ping_interval_s - (time.monotonic() - link.last_send))
        link.idle = True
        try:
            async with asyncio.timeout(timeout):  # no task per wait, unlike wait_for
                await link.wake.wait()
            woke = True
        except TimeoutError:
            woke = False
        link.idle = False
        if not woke:
            if time.monotonic() - link.last_send < self.ping_interval_s - 0.001:
                return  # the fan-out sent something while this wait ran: not silent yet
            if link.stalled_until <= time.monotonic() and await self._send(link, proto.PING):
                self.counters["pings_sent"] += 1
            else:
                link.last_send = time.monotonic()
            return
        link.wake.clear()
        if link.dead:
            return
        if link.stalled_until > time.monotonic():
            await self._wait_stall(link)
            link.wake.set()
            return
        outbox, link.outbox = link.outbox, []
        for msg in outbox:
            await self._send(link, msg)
        if not link.sync.update_scheduled or link.dead:
            return
        fault = self._take_fault(link, "transition", convex_faults.ON_CONNECTION, type="Transition")
        if fault is not None and await self._apply_fault(link, fault):
            return
        if link.stalled_until > time.monotonic():
            link.wake.set()
            return
        step = await self._in_core(link.sync.transition, self.clock())
        if step.close is not None:
            await self._close(link, step.close)
        elif await self._send(link, step.send[0]):
            link.sync.transitions += 1
            self.counters["transitions_sent"] += 1


    # -- fan-out ------------------------------------------------------------------------
    # A write makes a Transition due on every connection that read the table. Waking
    # each connection's writer task for it costs more than the Transition itself, so
    # the due Transitions are sent in one pass, in the next turn of the loop (when the
    # writer would have run), wherever the writer would only have done just that: it
    # is idle, nothing else waits in its outbox, no convex fault is armed, no stall,
    # and the socket takes the frame without waiting. Anything else wakes the writer.

    def _transition_due(self, link: _Link) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on the emulator's loop: let the writer do it
            link.wake.set()
            return
        if not self._due:
            loop.call_soon(self._fan_out)
        self._due.append(link)

    def _fan_out(self) -> None:
        due, self._due = self._due, []
        faults = self.faults is not None and bool(self.faults.list(TARGET))
        for link in due:
            if link.dead or not link.sync.update_scheduled:
                continue
            if faults or not link.idle or link.outbox or link.stalled_until > time.monotonic() or not self._can_send(link):
                link.wake.set()
                continue
            try:
                step = link.sync.transition(self.clock())
                if step.close is not None:
                    if self._closing(link):
                        self._spawn(self._finish_close(link, step.close))
                    continue
                self._send_now(link, step.send[0])
            except Exception as exc:
                self._spawn(self._crash(link, "sending", exc))
                continue
            if not link.dead:
                link.sync.transitions += 1
                self.counters["transitions_sent"] += 1

    @staticmethod
    def _can_send(link: _Link) -> bool:
        """``ws.send`` would write at once, without waiting (websockets 17)."""
        ws = link.ws
        return (not link.send_lock.locked() and ws.protocol.state is State.OPEN and ws.send_in_progress is None
                and not ws.paused and not ws.transport.is_closing())

    def _send_now(self, link: _Link, text: str) -> None:
        """What ``_send`` does, without the awaits ``_can_send`` ruled out."""
        try:
            link.ws.protocol.send_text(text.encode())
            link.ws.send_data()
        except Exception:  # as ws.send: the connection is over
            link.dead = True
            link.ws.transport.abort()
            return
        link.last_send = time.monotonic()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _peer(ws: ServerConnection) -> str | None:
    try:
        host, port = ws.remote_address[:2]
        return f"{host}:{port}"
    except Exception:
        return None
