"""What 10,000 recorded events weigh: a deterministic, realistic event mix fed
through the real capture path into a ring buffer, measured with tracemalloc.

Pure (no page needed), so the benchmark can run it inside Pyodide and the
number is the one the page pays. It lives with the page's code, not in the core,
because only ``authtrace.memoryProbe`` (``embed.py``, called by ``authtrace bench
recorder``) uses it, and ``host/`` is not in the page's wheel.
"""

from __future__ import annotations

import json
import tracemalloc

from ..capture import Capture
from ..ringbuffer import RingBuffer


def _observations(i: int):
    wall = 1_800_000_000_000.0 + i * 50
    page = {"visibility": "visible" if i % 7 else "hidden", "online": True}
    token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0." + "eyJzdWIiOiJ1c2VyXzEiLCJpYXQiOjE4MDAwMDAwMDAsImV4cCI6MTgwMDAwMDMwMH0." + f"{i:064d}"
    kind = i % 5
    if kind == 0:
        return {"kind": "fetch", "type": "request", "mono": i, "wall": wall, "payload": {
            "request": i, "url": "http://127.0.0.1:8787/user_management/authenticate", "method": "POST", "auth": True,
            "body": json.dumps({"grant_type": "refresh_token", "client_id": "client_local", "refresh_token": f"rt_{i:024d}"}),
            "page": page}}
    if kind == 1:
        return {"kind": "fetch", "type": "response", "mono": i, "wall": wall, "payload": {
            "request": i - 1, "status": 200, "ok": True, "durationMs": 12.5, "page": page,
            "body": json.dumps({"access_token": token, "refresh_token": f"rt_{i:024d}", "user": {"id": "user_1"}})}}
    if kind == 2:
        return {"kind": "websocket", "type": "send", "mono": i, "wall": wall, "payload": {
            "socket": 1, "sync": True, "data": json.dumps({"type": "Authenticate", "tokenType": "User", "value": token, "baseVersion": i})}}
    if kind == 3:
        return {"kind": "websocket", "type": "send", "mono": i, "wall": wall, "payload": {
            "socket": 1, "sync": True, "data": json.dumps({"type": "Mutation", "requestId": i, "udfPath": "messages:send", "args": [{"body": "hi"}]})}}
    return {"kind": "visibility", "type": "visibilitychange", "mono": i, "wall": wall, "payload": {"state": page["visibility"]}}


def memory_of(n: int = 10_000) -> dict:
    capture = Capture("probe")
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        buffer = RingBuffer(max_events=n, max_bytes=1 << 40)
        i = 0
        while len(buffer) < n:
            buffer.extend(capture.observe(_observations(i)))
            i += 1
        after = tracemalloc.get_traced_memory()[0]
    finally:
        if started:
            tracemalloc.stop()
    heap = after - before
    return {"events": len(buffer), "python_heap_bytes": heap, "json_bytes": buffer.bytes,
            "heap_bytes_per_event": round(heap / len(buffer), 1)}
