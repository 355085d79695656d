"""Bodies and frames from the network: read within a bound, parsed off the event loop when large.

Both emulators share one asyncio loop, so no request may hold it. Reading an
HTTP body stops at :data:`MAX_BODY` (``413``). Parsing is linear but not free:
Python's C JSON scanner holds the interpreter for the whole text (about 56 ms
for 1 MB of numbers), so input of :data:`PARSE_IN_THREAD` bytes and more is
parsed in a worker thread with the pure-Python scanner, which lets the loop run
every few milliseconds (see :func:`~.inputs.parse_json`).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Awaitable, Callable, TypeVar

MAX_BODY = 1 << 20  # bytes of an HTTP body (WorkOS API and control API)
PARSE_IN_THREAD = 64 * 1024

T = TypeVar("T")
Receive = Callable[[], Awaitable[dict[str, Any]]]


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int = MAX_BODY) -> bytes:
    """The whole ASGI request body; raises BodyTooLarge past ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the already-read ``body`` first, then the connection's own."""
    sent = False

    async def again() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def parse(parser: Callable[..., T], raw: str | bytes, *args: Any) -> T:
    """``parser(raw, *args)`` here for small input; for large input in a worker thread with
    ``interruptible=True`` (every parser given here takes it)."""
    if len(raw) < PARSE_IN_THREAD:
        return parser(raw, *args)
    return await asyncio.to_thread(functools.partial(parser, raw, *args, interruptible=True))
