"""``authtrace bench emulators``: many sync clients against the Convex emulator.

The emulator runs in a child process on loopback, and the clients run in worker
processes of their own (:mod:`.bench_sync_clients`, several hundred each on one
selector loop), each authenticating with its own RS256 token and subscribing to
``auth:whoami`` and ``messages:list``. Frames are stamped by the kernel when they
reach a client's socket, so the figures are the emulator's, not the clients'.

The clients are added in steps (``--steps``, default 200 to 1,000); at each step:

* subscribe → the first Transition carrying both results, for each client added;
* mutation sent (by one more client, here) → the Transition carrying the new message,
  on every client (``--mutations`` rounds, ``--interval-ms`` apart);
* the writer's own ``MutationResponse`` round trip;
* the emulator's CPU time and run-queue wait per mutation (``/proc/PID/task/*/schedstat``),
  and so per client: what the fan-out costs, and how much of the latency was the
  machine's other work (the emulator waiting for a core).

Target: 1,000 clients, all held and in sync, p95 < 50 ms for both latencies.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

TARGET_CLIENTS = 1000
TARGET_P95_MS = 50.0
ISSUER = "https://bench.authtrace.invalid/user_management/client_bench"


def add_arguments(parser) -> None:
    parser.add_argument("--clients", type=int, default=TARGET_CLIENTS, help="clients at the last step (default 1000)")
    parser.add_argument("--steps", type=int, default=5, help="steps from clients/steps to clients (default 5)")
    parser.add_argument("--workers", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--mutations", type=int, default=20, help="mutation rounds per step (default 20)")
    parser.add_argument("--interval-ms", type=float, default=200.0, help="pause between rounds (default 200)")
    parser.add_argument("--connect-rate", type=float, default=200.0,
                        help="new clients per second, all workers together (default 200)")
    parser.add_argument("--profile", type=Path, default=None, help="write the emulator's cProfile stats here")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def _summary(ms: list[float]) -> dict[str, Any]:
    if not ms:
        return {"samples": 0}
    return {"samples": len(ms), "p50_ms": round(statistics.median(ms), 2), "p95_ms": round(_pct(ms, 0.95), 2),
            "max_ms": round(max(ms), 2)}


# -- the emulator side ----------------------------------------------------------------


def serve_child() -> None:
    """Entry point of the emulator process: config on stdin's first line, port on stdout."""
    import asyncio

    from .emulators.convex import ConvexEmulator

    config = json.loads(sys.stdin.readline())

    async def serve() -> None:
        emu = ConvexEmulator("127.0.0.1", 0, trusted_issuers=[{"issuer": config["issuer"], "jwks": config["jwks"]}])
        await emu.start()
        print(json.dumps({"port": emu.port}), flush=True)
        await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
        counters = dict(emu.counters)
        await emu.stop()
        print(json.dumps({"counters": counters}), flush=True)

    if config.get("profile"):
        import cProfile

        cProfile.runctx("asyncio.run(serve())", globals(), {"asyncio": asyncio, "serve": serve}, config["profile"])
    else:
        asyncio.run(serve())


def _cpu_ns(pid: int) -> tuple[int, int]:
    """(on-CPU, waiting for a CPU) nanoseconds of all the process's threads so far."""
    run = wait = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:
            continue
        run, wait = run + int(fields[0]), wait + int(fields[1])
    return run, wait


# -- the writer: one more client, in this process -------------------------------------


class _Writer:
    def __init__(self, url: str, token: str) -> None:
        from websockets.sync.client import connect

        self._connection = connect(url, open_timeout=20, compression=None, max_size=None)
        self.ws = self._connection.__enter__()
        self.ws.send(json.dumps({"type": "Connect", "sessionId": str(uuid.uuid4()), "connectionCount": 0,
                                 "lastCloseReason": "InitialConnect", "clientTs": int(time.time() * 1000)}))
        self.ws.send(json.dumps({"type": "Authenticate", "tokenType": "User", "value": token, "baseVersion": 0}))

    def mutate(self, request_id: int, body: str) -> tuple[int, float | None]:
        """Send; the send time (ns, wall clock) and the MutationResponse round trip (ms)."""
        t = time.time_ns()
        self.ws.send(json.dumps({"type": "Mutation", "requestId": request_id, "udfPath": "messages:send",
                                 "args": [{"body": body}]}))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if msg.get("type") == "MutationResponse" and msg.get("requestId") == request_id:
                return t, (time.time_ns() - t) / 1e6
        return t, None


def _make_tokens(n: int) -> tuple[list[str], dict[str, Any]]:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "bench"}, private=True)
    now = int(time.time())
    tokens = [jwt.encode({"alg": "RS256", "kid": "bench"},
                         {"iss": ISSUER, "sub": f"user_{i:04d}", "iat": now, "exp": now + 3600, "name": f"User {i}"}, key)
              for i in range(n)]
    return tokens, {"keys": [key.as_dict(private=False)]}


class _Workers:
    def __init__(self, count: int, url: str) -> None:
        self.procs = [subprocess.Popen(
            [sys.executable, "-c", "from authtrace.host.bench_sync_clients import main; main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(count)]
        for p in self.procs:
            p.stdin.write(json.dumps({"url": url}) + "\n")
            p.stdin.flush()
        for p in self.procs:
            if not p.stdout.readline():
                raise RuntimeError("a client process did not start")

    def ask(self, commands: list[dict]) -> list[dict]:
        for p, cmd in zip(self.procs, commands):
            p.stdin.write(json.dumps(cmd) + "\n")
            p.stdin.flush()
        answers = []
        for p in self.procs[:len(commands)]:
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("a client process died")
            answers.append(json.loads(line))
        return answers

    def close(self) -> None:
        for p in self.procs:
            try:
                p.stdin.write('{"cmd": "quit"}\n')
                p.stdin.close()
            except OSError:
                pass
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def _step_sizes(clients: int, steps: int) -> list[int]:
    steps = max(1, min(steps, clients))
    return sorted({max(1, round(clients * (i + 1) / steps)) for i in range(steps)})


def run(clients: int, steps: int, workers: int, mutations: int, interval_ms: float, connect_rate: float,
        profile: Path | None = None) -> dict[str, Any]:
    sizes = _step_sizes(clients, steps)
    workers = max(1, min(workers, clients))
    tokens, jwks = _make_tokens(clients + 1)
    data_url = "data:application/json;base64," + base64.b64encode(json.dumps(jwks).encode()).decode()
    config = {"issuer": ISSUER, "jwks": data_url, "profile": str(profile) if profile else None}
    emu = subprocess.Popen([sys.executable, "-c", "from authtrace.host.bench_emulators import serve_child; serve_child()"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    emu.stdin.write(json.dumps(config) + "\n")
    emu.stdin.flush()
    line = emu.stdout.readline()
    if not line:
        raise RuntimeError("the emulator process did not start")
    url = f"ws://127.0.0.1:{json.loads(line)['port']}/api/1.48.0/sync"
    pool = _Workers(workers, url)
    writer = _Writer(url, tokens[-1])
    curve: list[dict[str, Any]] = []
    counters: dict[str, Any] = {}
    held = 0
    errors: list[str] = []
    request = 0
    try:
        have = 0
        for size in sizes:
            batch = tokens[have:size]
            shares = [batch[i::workers] for i in range(workers)]
            per_worker_rate = connect_rate / workers
            t0 = time.monotonic()
            added = pool.ask([{"cmd": "add", "tokens": s, "per_s": per_worker_rate} for s in shares])
            ramp_s = time.monotonic() - t0
            subscribe = [ms for a in added for ms in a["subscribe_ms"]]
            failed = sum(a["failed"] for a in added)
            have = size
            time.sleep(0.5)
            cpu0, wall0 = _cpu_ns(emu.pid), time.monotonic()
            sent: dict[str, int] = {}
            response_ms: list[float] = []
            for r in range(mutations):
                body = f"bench-{size}-{r}"
                sent[body], rtt = writer.mutate(request, body)
                request += 1
                if rtt is not None:
                    response_ms.append(rtt)
                time.sleep(interval_ms / 1000)
            time.sleep(0.5)
            cpu1 = _cpu_ns(emu.pid)
            reports = pool.ask([{"cmd": "collect"}] * workers)
            fanout: list[float] = []
            missing = 0
            for body, t in sent.items():
                got = [ns for rep in reports for ns in rep["arrivals"].get(body, [])]
                missing += size - len(got)
                fanout += [(ns - t) / 1e6 for ns in got]
            held = sum(rep["held"] for rep in reports)
            errors = [e for rep in reports for e in rep["errors"]]
            run_ms, wait_ms = (cpu1[0] - cpu0[0]) / 1e6, (cpu1[1] - cpu0[1]) / 1e6
            fan = _summary(fanout)
            curve.append({
                "clients": size, "held": held, "failed_to_subscribe": failed, "ramp_s": round(ramp_s, 2),
                "subscribe_to_first_transition": _summary(subscribe),
                "mutation_to_transition_all_clients": {**fan, "missing": missing},
                "mutation_response": _summary(response_ms),
                "emulator_cpu_ms_per_mutation": round(run_ms / mutations, 2),
                "emulator_cpu_us_per_client_per_mutation": round(run_ms * 1000 / mutations / size, 2),
                "emulator_waiting_for_cpu_ms_per_mutation": round(wait_ms / mutations, 2),
                "emulator_busy_share": round(run_ms / 1000 / (time.monotonic() - wall0), 3),
                "load_average_1min": round(os.getloadavg()[0], 1),
            })
    finally:
        try:
            writer.ws.close()
        except Exception:  # the figures matter more than a clean goodbye
            pass
        pool.close()
        emu.stdin.close()
        out = emu.stdout.read()
        emu.wait(30)
        for line in out.splitlines():
            if line.startswith("{"):
                counters = json.loads(line).get("counters", counters)
    last = curve[-1]
    first = curve[0]

    def p95(step: dict, what: str) -> float:
        return step[what].get("p95_ms", float("inf"))

    growth = {what: round(p95(last, what) / p95(first, what), 2) if p95(first, what) else None
              for what in ("subscribe_to_first_transition", "mutation_to_transition_all_clients")}
    return {
        "clients": last["clients"],
        "clients_held_at_end": held,
        "max_concurrent_on_emulator": counters.get("max_concurrent"),
        "subscribe_to_first_transition": last["subscribe_to_first_transition"],
        "mutation_to_transition_all_clients": last["mutation_to_transition_all_clients"],
        "mutation_response": last["mutation_response"],
        "curve": curve,
        "growth_p95_last_over_first_step": {"from": first["clients"], "to": last["clients"], **growth},
        "client_errors": sorted(set(errors))[:10],
        "emulator": {k: counters.get(k) for k in (
            "connections_total", "transitions_sent", "mutations_applied", "auth_ok", "auth_rejected",
            "protocol_errors", "pings_sent")},
        "setup": {"emulator_process": "child process", "client_processes": workers, "cpus": os.cpu_count(),
                  "mutation_rounds_per_step": mutations, "interval_ms": interval_ms,
                  "connect_rate_per_s": connect_rate, "timestamps": "kernel receive time (SO_TIMESTAMPNS)"},
        "target": {"clients": TARGET_CLIENTS, "p95_ms": TARGET_P95_MS},
        "meets_target": bool(
            last["clients"] >= TARGET_CLIENTS and held == last["clients"]
            and last["mutation_to_transition_all_clients"]["missing"] == 0
            and p95(last, "mutation_to_transition_all_clients") < TARGET_P95_MS
            and p95(last, "subscribe_to_first_transition") < TARGET_P95_MS),
    }


def main(args) -> dict[str, Any]:
    return run(max(1, args.clients), args.steps, args.workers, max(1, args.mutations), max(0.0, args.interval_ms),
               max(1.0, args.connect_rate), args.profile)
