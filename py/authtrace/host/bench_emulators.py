"""``authtrace bench emulators``: many sync clients against the Convex emulator.

The emulator runs in a child process on loopback (so it gets its own core) and
N protocol-level clients run here, each authenticating with its own RS256
token and subscribing to ``auth:whoami`` and ``messages:list``. Measured:

* subscribe → first Transition carrying both results, per client;
* mutation sent → the Transition carrying the new message, on every client
  (``--mutations`` rounds from rotating writers, ``--interval-ms`` apart);
* the writer's own ``MutationResponse`` round trip;
* how many clients were held at once (emulator's ``max_concurrent``) and
  how many were still connected and in sync at the end.

Target (2-core machine): 200 clients, p95 of mutation → Transition < 50 ms.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

TARGET_CLIENTS = 200
TARGET_P95_MS = 50.0
ISSUER = "https://bench.authtrace.invalid/user_management/client_bench"


def add_arguments(parser) -> None:
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS, help="concurrent sync clients (default 200)")
    parser.add_argument("--mutations", type=int, default=20, help="mutation rounds to time (default 20)")
    parser.add_argument("--interval-ms", type=float, default=100.0, help="pause between rounds (default 100)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the emulator in this process instead of a child process")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _summary(values_s: list[float]) -> dict[str, Any]:
    ms = [v * 1000 for v in values_s]
    if not ms:
        return {"samples": 0}
    return {
        "samples": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(_pct(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }


# -- the emulator side ----------------------------------------------------------------


async def _serve_async(config: dict[str, Any], reader) -> None:
    from .emulators.convex import ConvexEmulator

    emu = ConvexEmulator("127.0.0.1", 0, trusted_issuers=[{"issuer": config["issuer"], "jwks": config["jwks"]}])
    await emu.start()
    print(json.dumps({"port": emu.port}), flush=True)
    await reader()  # until the parent closes our stdin
    counters = dict(emu.counters)
    await emu.stop()
    print(json.dumps({"counters": counters}), flush=True)


def serve_child() -> None:
    """Entry point of the child process: config on stdin's first line, port on stdout."""
    config = json.loads(sys.stdin.readline())

    async def wait_eof() -> None:
        await asyncio.to_thread(sys.stdin.read)

    asyncio.run(_serve_async(config, wait_eof))


# -- the client side ---------------------------------------------------------------------


class _Client:
    def __init__(self, index: int, token: str) -> None:
        self.index = index
        self.token = token
        self.ws = None
        self.first_transition: float | None = None
        self.subscribed_at = 0.0
        self.seen: dict[str, float] = {}  # message body → arrival time
        self.responses: dict[int, float] = {}
        self.synced = asyncio.Event()
        self.version = {"querySet": 0, "identity": 0, "ts": "AAAAAAAAAAA="}
        self.errors: list[str] = []
        self.task: asyncio.Task | None = None

    async def start(self, url: str, gate: asyncio.Semaphore) -> None:
        from websockets.asyncio.client import connect

        async with gate:
            self.ws = await connect(url, open_timeout=20, compression=None, max_size=None)
            self.subscribed_at = time.perf_counter()
            for msg in (
                {"type": "Connect", "sessionId": str(uuid.uuid4()), "connectionCount": 0,
                 "lastCloseReason": "InitialConnect", "clientTs": int(time.time() * 1000)},
                {"type": "Authenticate", "tokenType": "User", "value": self.token, "baseVersion": 0},
                {"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1, "modifications": [
                    {"type": "Add", "queryId": 0, "udfPath": "auth:whoami", "args": [{}]},
                    {"type": "Add", "queryId": 1, "udfPath": "messages:list", "args": [{"limit": 20}]},
                ]},
            ):
                await self.ws.send(json.dumps(msg))
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        have: set[int] = set()
        try:
            async for frame in self.ws:
                now = time.perf_counter()
                msg = json.loads(frame)
                kind = msg["type"]
                if kind == "Transition":
                    if msg["startVersion"] != self.version:
                        self.errors.append("version chain broken")
                    self.version = msg["endVersion"]
                    for mod in msg["modifications"]:
                        have.add(mod["queryId"])
                        if mod["queryId"] == 1 and mod["type"] == "QueryUpdated":
                            for row in mod["value"]:
                                self.seen.setdefault(row["body"], now)
                    if self.first_transition is None and have >= {0, 1} and self.version["identity"] == 1:
                        self.first_transition = now
                        self.synced.set()
                elif kind == "MutationResponse":
                    self.responses[msg["requestId"]] = now
                elif kind in ("AuthError", "FatalError"):
                    self.errors.append(kind)
        except Exception as exc:  # closed under us; reported as not held
            self.errors.append(type(exc).__name__)

    async def mutate(self, request_id: int, body: str) -> None:
        await self.ws.send(json.dumps(
            {"type": "Mutation", "requestId": request_id, "udfPath": "messages:send", "args": [{"body": body}]}))

    @property
    def held(self) -> bool:
        from websockets.protocol import State

        return self.ws is not None and self.ws.protocol.state is State.OPEN and not self.errors


def _make_tokens(n: int) -> tuple[list[str], dict[str, Any]]:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "bench"}, private=True)
    now = int(time.time())
    tokens = [
        jwt.encode({"alg": "RS256", "kid": "bench"},
                   {"iss": ISSUER, "sub": f"user_{i:04d}", "iat": now, "exp": now + 3600, "name": f"User {i}"}, key)
        for i in range(n)
    ]
    return tokens, {"keys": [key.as_dict(private=False)]}


async def _run(args) -> dict[str, Any]:
    n = max(1, int(args.clients))
    rounds = max(1, int(args.mutations))
    tokens, jwks = _make_tokens(n)
    data_url = "data:application/json;base64," + base64.b64encode(json.dumps(jwks).encode()).decode()
    config = {"issuer": ISSUER, "jwks": data_url}

    child = None
    emu = None
    if args.in_process:
        from .emulators.convex import ConvexEmulator

        emu = ConvexEmulator("127.0.0.1", 0, trusted_issuers=[config])
        await emu.start()
        port = emu.port
    else:
        child = subprocess.Popen(
            [sys.executable, "-c", "from authtrace.host.bench_emulators import serve_child; serve_child()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        child.stdin.write(json.dumps(config) + "\n")
        child.stdin.flush()
        line = await asyncio.to_thread(child.stdout.readline)
        if not line:
            raise RuntimeError("the emulator process did not start")
        port = json.loads(line)["port"]
    url = f"ws://127.0.0.1:{port}/api/1.48.0/sync"

    clients = [_Client(i, t) for i, t in enumerate(tokens)]
    counters: dict[str, Any] = {}
    try:
        gate = asyncio.Semaphore(50)  # keep the listen backlog happy while ramping up
        t_ramp = time.perf_counter()
        await asyncio.gather(*(c.start(url, gate) for c in clients))
        await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in clients)), 60)
        ramp_s = time.perf_counter() - t_ramp

        sent_at: dict[str, float] = {}
        response_s: list[float] = []
        for r in range(rounds):
            writer = clients[r % n]
            body = f"bench-{r}"
            sent_at[body] = time.perf_counter()
            await writer.mutate(r, body)
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline and not all(body in c.seen for c in clients):
                await asyncio.sleep(0.002)
            if r in writer.responses:
                response_s.append(writer.responses[r] - sent_at[body])
            await asyncio.sleep(args.interval_ms / 1000)

        fanout = [c.seen[b] - t for b, t in sent_at.items() for c in clients if b in c.seen]
        missing = sum(1 for b in sent_at for c in clients if b not in c.seen)
        subscribe = [c.first_transition - c.subscribed_at for c in clients if c.first_transition]
        held = sum(1 for c in clients if c.held)
    finally:
        for c in clients:
            if c.ws is not None:
                await c.ws.close()
            if c.task is not None:
                c.task.cancel()
        if emu is not None:
            counters = dict(emu.counters)
            await emu.stop()
        if child is not None:
            child.stdin.close()
            out = await asyncio.to_thread(child.stdout.read)
            child.wait(10)
            for line in out.splitlines():
                if line.startswith("{"):
                    counters = json.loads(line).get("counters", counters)

    fan = _summary(fanout)
    return {
        "clients": n,
        "clients_held_at_end": held,
        "max_concurrent_on_emulator": counters.get("max_concurrent"),
        "ramp_up_s": round(ramp_s, 2),
        "subscribe_to_first_transition": _summary(subscribe),
        "mutation_to_transition_all_clients": {**fan, "missing": missing},
        "mutation_response": _summary(response_s),
        "emulator": {k: counters.get(k) for k in (
            "connections_total", "transitions_sent", "mutations_applied", "auth_ok", "auth_rejected",
            "protocol_errors")},
        "setup": {
            "emulator_process": "in-process" if args.in_process else "child process",
            "cpus": os.cpu_count(),
            "mutation_rounds": rounds,
            "interval_ms": args.interval_ms,
        },
        "target": {"clients": TARGET_CLIENTS, "p95_ms": TARGET_P95_MS},
        "meets_target": bool(
            n >= TARGET_CLIENTS and held == n and missing == 0
            and fan.get("p95_ms", float("inf")) < TARGET_P95_MS),
    }


def main(args) -> dict[str, Any]:
    return asyncio.run(_run(args))
