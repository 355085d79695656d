"""A bare Convex sync-protocol client for the harness tests (dicts in, dicts out)."""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import connect

from authtrace.host.emulators import convex_protocol as proto


class Sync:
    def __init__(self, ws) -> None:
        self.ws = ws
        self.version = {"querySet": 0, "identity": 0, "ts": proto.ZERO_TS}
        self.qs = 0
        self.ident = 0
        self.request = 0
        self.results: dict[int, dict] = {}  # query id -> its last modification

    @classmethod
    async def open(cls, ws_url: str, session: str = "sess-1") -> "Sync":
        client = cls(await connect(ws_url, open_timeout=10))
        await client.send(type="Connect", sessionId=session, connectionCount=0, lastCloseReason="InitialConnect",
                          clientTs=int(time.time() * 1000))
        return client

    async def send(self, **msg) -> None:
        await self.ws.send(json.dumps(msg))

    async def recv(self, timeout: float = 20) -> dict:
        msg = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        if msg["type"] == "Transition":
            assert msg["startVersion"] == self.version, (msg["startVersion"], self.version)
            self.version = msg["endVersion"]
            for mod in msg["modifications"]:
                self.results[mod["queryId"]] = mod
        return msg

    async def next(self, kind: str, timeout: float = 20) -> dict:
        while True:
            msg = await self.recv(timeout)
            if msg["type"] == kind:
                return msg

    async def until(self, query_id: int, check, timeout: float = 20) -> dict:
        """Read until the result of ``query_id`` satisfies ``check``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (query_id in self.results and check(self.results[query_id])):
            await self.recv(max(0.1, deadline - asyncio.get_running_loop().time()))
        return self.results[query_id]

    async def auth(self, token: str | None) -> None:
        if token is None:
            await self.send(type="Authenticate", tokenType="None", baseVersion=self.ident)
        else:
            await self.send(type="Authenticate", tokenType="User", value=token, baseVersion=self.ident)
        self.ident += 1

    async def subscribe(self, query_id: int, path: str, args: dict | None = None) -> None:
        mods = [{"type": "Add", "queryId": query_id, "udfPath": path, "args": [args or {}]}]
        await self.send(type="ModifyQuerySet", baseVersion=self.qs, newVersion=self.qs + 1, modifications=mods)
        self.qs += 1

    async def call(self, kind: str, path: str, args: dict | None = None) -> dict:
        self.request += 1
        await self.send(type=kind, requestId=self.request, udfPath=path, args=[args or {}])
        return await self.next("MutationResponse" if kind == "Mutation" else "ActionResponse")

    async def close(self) -> None:
        await self.ws.close()
