"""A small Chrome DevTools Protocol client for the scenario driver.

Selenium's ``execute_cdp_cmd`` talks to the *current* window, and switching
windows brings a tab to the front, which makes it visible. To freeze or take
offline a tab that must stay hidden, we speak CDP to the browser directly and
attach to that tab's target (ChromeDriver's window handles are target ids).
"""

from __future__ import annotations

import collections
import itertools
import json
import time
import urllib.request

from websockets.sync.client import connect


class CDPError(RuntimeError):
    pass


class CDP:
    timeout = 10.0  # seconds a command may take (a busy machine may need more)

    def __init__(self, debugger_address: str) -> None:
        with urllib.request.urlopen(f"http://{debugger_address}/json/version", timeout=5) as resp:
            ws_url = json.load(resp)["webSocketDebuggerUrl"]
        # max_queue=None: events of enabled domains (Network, Page) pile up between commands;
        # a bounded queue would stop reading, pongs would go unread, and keepalive would
        # close the connection in a long scenario.
        self._connection = connect(ws_url, max_size=None, max_queue=None, open_timeout=5)
        self._ws = self._connection.__enter__()  # held open for the driver's lifetime
        self._ids = itertools.count(1)
        self._sessions: dict[str, str] = {}
        self._events: collections.deque = collections.deque(maxlen=1000)  # for wait_event

    @classmethod
    def for_driver(cls, driver) -> CDP:
        return cls(driver.capabilities["goog:chromeOptions"]["debuggerAddress"])

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float | None = None) -> dict:
        msg_id = next(self._ids)
        message = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv(timeout=self.timeout if timeout is None else timeout))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_event(self, method: str, session: str | None = None, timeout: float = 10) -> dict:
        """The params of the next ``method`` event of ``session`` (one that came during a send counts)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if event["method"] == method and event.get("sessionId") == session:
                    self._events.remove(event)
                    return event.get("params", {})
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError(f"no {method} event within {timeout:g} s")
            reply = json.loads(self._ws.recv(timeout=left))
            if "method" in reply:
                self._events.append(reply)

    def session(self, target_id: str) -> str:
        if target_id not in self._sessions:
            self._sessions[target_id] = self.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        return self._sessions[target_id]

    def tab(self, handle: str, method: str, params: dict | None = None) -> dict:
        """Send ``method`` to the tab behind a Selenium window handle, without switching to it."""
        return self.send(method, params, session=self.session(handle))

    # -- what scenarios do to a tab -------------------------------------------------
    def set_offline(self, handle: str, offline: bool) -> None:
        self.tab(handle, "Network.enable")
        self.tab(handle, "Network.emulateNetworkConditions",
                 {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    def set_frozen(self, handle: str, frozen: bool) -> None:
        self.tab(handle, "Page.enable")
        self.tab(handle, "Page.setWebLifecycleState", {"state": "frozen" if frozen else "active"})

    def evaluate(self, handle: str, expression: str):
        result = self.tab(handle, "Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
