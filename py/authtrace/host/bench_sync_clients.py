"""Convex sync clients for ``authtrace bench emulators``, run in processes of their own.

A worker process holds many protocol-level clients on one ``selectors`` loop over
plain sockets, with the sans-I/O protocol of ``websockets`` doing the framing. Each
client authenticates with its own RS256 token and subscribes to ``auth:whoami`` and
``messages:list``, as the real client would (Connect, Authenticate, ModifyQuerySet,
pipelined).

Every received frame is stamped with the kernel's receive time (``SO_TIMESTAMPNS``,
wall clock in ns): what is measured is when the emulator's frame reached the client's
socket, not when this process, sharing the machine, got round to reading it. So the
client side costs the measurement nothing but the socket itself.

Commands are JSON lines on stdin, each answered by one JSON line on stdout:

* ``{"cmd": "add", "tokens": [...], "per_s": R}``: open one client per token, at most
  ``R`` handshakes a second; answers when all are in sync:
  ``{"subscribe_ms": [...], "failed": n}`` (Connect sent → the first Transition with
  both results and the user's identity);
* ``{"cmd": "collect"}``: ``{"arrivals": {body: [ns, ...]}, "held": n, "errors": [...]}``,
  when each ``messages:list`` row body first reached each client (then forgotten);
* ``{"cmd": "quit"}``.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import struct
import sys
import time
import uuid

from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

# Linux x86-64/arm64 value; the socket module does not export it.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_CMSG = socket.CMSG_SPACE(16)
_TIMESPEC = struct.Struct("qq")


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.token = token
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        uri = parse_uri(url)
        self.sock = socket.create_connection((uri.host, uri.port), timeout=20)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.protocol.send_request(self.protocol.connect())
        self.sent_at = 0  # ns, when the subscription went out
        self.synced_at: int | None = None
        self.version = {"querySet": 0, "identity": 0, "ts": "AAAAAAAAAAA="}
        self.have: set[int] = set()
        self.seen: dict[str, int] = {}
        self.errors: list[str] = []
        self.flush()

    def flush(self) -> None:
        data = b"".join(self.protocol.data_to_send())
        if data:
            self.sock.setblocking(True)
            try:
                self.sock.sendall(data)
            finally:
                self.sock.setblocking(False)

    def send(self, msg: dict) -> None:
        self.protocol.send_text(json.dumps(msg, separators=(",", ":")).encode())

    def _subscribe(self) -> None:
        for msg in (
            {"type": "Connect", "sessionId": str(uuid.uuid4()), "connectionCount": 0,
             "lastCloseReason": "InitialConnect", "clientTs": int(time.time() * 1000)},
            {"type": "Authenticate", "tokenType": "User", "value": self.token, "baseVersion": 0},
            {"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1, "modifications": [
                {"type": "Add", "queryId": 0, "udfPath": "auth:whoami", "args": [{}]},
                {"type": "Add", "queryId": 1, "udfPath": "messages:list", "args": [{"limit": 20}]},
            ]},
        ):
            self.send(msg)
        self.sent_at = time.time_ns()
        self.flush()

    def readable(self) -> bool:
        """Read what arrived; False once the connection is gone."""
        try:
            data, ancillary, _flags, _addr = self.sock.recvmsg(1 << 16, _CMSG)
        except BlockingIOError:
            return True
        except OSError as exc:
            self.errors.append(type(exc).__name__)
            return False
        stamp = time.time_ns()
        for level, kind, raw in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= _TIMESPEC.size:
                sec, ns = _TIMESPEC.unpack_from(raw)
                stamp = sec * 1_000_000_000 + ns
        if not data:
            self.protocol.receive_eof()
        else:
            self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None:
                    self.errors.append("handshake refused")
                else:
                    self._subscribe()
            elif event.opcode is Opcode.TEXT:
                self._on_message(json.loads(event.data), stamp)
        self.flush()  # pongs, close frames
        return self.protocol.state is not State.CLOSED and bool(data)

    def _on_message(self, msg: dict, stamp: int) -> None:
        kind = msg["type"]
        if kind == "Transition":
            if msg["startVersion"] != self.version:
                self.errors.append("version chain broken")
            self.version = msg["endVersion"]
            for mod in msg["modifications"]:
                self.have.add(mod["queryId"])
                if mod["queryId"] == 1 and mod["type"] == "QueryUpdated":
                    for row in mod["value"]:
                        self.seen.setdefault(row["body"], stamp)
            if self.synced_at is None and self.have >= {0, 1} and self.version["identity"] == 1:
                self.synced_at = stamp
        elif kind in ("AuthError", "FatalError"):
            self.errors.append(kind)

    @property
    def held(self) -> bool:
        return self.protocol.state is State.OPEN and not self.errors


class Worker:
    def __init__(self, url: str) -> None:
        self.url = url
        self.selector = selectors.DefaultSelector()
        self.clients: list[Client] = []
        self.pending: list[Client] = []  # added, not yet in sync
        self.queue: list[str] = []  # tokens still to open
        self.per_s = 100.0
        self.next_open = 0.0
        self.adding = False
        self.failed = 0
        self.lost: list[str] = []
        os.set_blocking(0, False)
        self.selector.register(0, selectors.EVENT_READ, None)
        self._stdin = b""

    def reply(self, obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    def command(self, cmd: dict) -> bool:
        if cmd["cmd"] == "add":
            self.queue += cmd["tokens"]
            self.per_s = float(cmd.get("per_s") or 100.0)
            self.adding = True
            self.next_open = time.monotonic()
        elif cmd["cmd"] == "collect":
            arrivals: dict[str, list[int]] = {}
            for c in self.clients:
                for body, ns in c.seen.items():
                    arrivals.setdefault(body, []).append(ns)
                c.seen.clear()
            self.reply({"arrivals": arrivals, "held": sum(c.held for c in self.clients),
                        "errors": self.lost + [e for c in self.clients for e in c.errors]})
        elif cmd["cmd"] == "quit":
            return False
        return True

    def _open_due(self) -> None:
        now = time.monotonic()
        while self.queue and now >= self.next_open:
            token = self.queue.pop(0)
            try:
                client = Client(self.url, token)
            except OSError as exc:
                self.failed += 1
                self.lost.append(type(exc).__name__)
            else:
                self.clients.append(client)
                self.pending.append(client)
                self.selector.register(client.sock, selectors.EVENT_READ, client)
            self.next_open += 1.0 / self.per_s
        if self.adding and not self.queue:
            done = [c for c in self.pending if c.synced_at is not None or c.errors]
            if len(done) == len(self.pending):
                self.reply({"subscribe_ms": [(c.synced_at - c.sent_at) / 1e6 for c in done if c.synced_at],
                            "failed": self.failed + sum(1 for c in done if c.synced_at is None)})
                self.pending, self.failed, self.adding = [], 0, False

    def run(self) -> None:
        while True:
            timeout = max(0.0, self.next_open - time.monotonic()) if self.queue else 0.05
            for key, _ in self.selector.select(timeout):
                if key.data is None:
                    chunk = os.read(0, 1 << 16)
                    if not chunk:
                        return
                    self._stdin += chunk
                    while b"\n" in self._stdin:
                        line, self._stdin = self._stdin.split(b"\n", 1)
                        if line.strip() and not self.command(json.loads(line)):
                            return
                elif not key.data.readable():
                    self.selector.unregister(key.fileobj)
            self._open_due()


def main() -> None:
    """Entry point of a worker process: ``{"url": ...}`` on stdin's first line."""
    config = json.loads(sys.stdin.buffer.readline())
    worker = Worker(config["url"])
    worker.reply({"ready": True})
    worker.run()
