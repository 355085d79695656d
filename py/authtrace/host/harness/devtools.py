"""A Chrome DevTools Protocol connection that also delivers events.

The scenario driver's :class:`~authtrace.host.cdp.CDP` sends a command and reads
until its reply, dropping events. The harness needs the events of every tab as
they come (``Runtime.bindingCalled``: the boot shim's observations), also while
it is not sending anything, so here one reader thread owns the socket: replies
complete the waiting command, events go to the handlers registered for their
session. Commands may be sent from any thread.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import urllib.request
from concurrent.futures import Future, TimeoutError as FutureTimeout
from typing import Any, Callable

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

log = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], None]  # (method, params)


class DevToolsError(RuntimeError):
    pass


class DevTools:
    """The browser's DevTools endpoint; :meth:`attach` gives a tab's session id."""

    def __init__(self, debugger_address: str) -> None:
        with urllib.request.urlopen(f"http://{debugger_address}/json/version", timeout=10) as resp:
            ws_url = json.load(resp)["webSocketDebuggerUrl"]
        self._connection = connect(ws_url, max_size=None, open_timeout=10)
        self._ws = self._connection.__enter__()  # held open for the browser's lifetime
        self._ids = itertools.count(1)
        self._waiting: dict[int, Future] = {}
        self._handlers: dict[str | None, list[Handler]] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self.closed = False
        self._reader = threading.Thread(target=self._read, name="devtools-reader", daemon=True)
        self._reader.start()

    @classmethod
    def for_driver(cls, driver) -> "DevTools":
        return cls(driver.capabilities["goog:chromeOptions"]["debuggerAddress"])

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        future: Future = Future()
        with self._lock:
            if self.closed:
                raise DevToolsError(f"{method}: the DevTools connection is closed")
            msg_id = next(self._ids)
            self._waiting[msg_id] = future
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            with self._send_lock:
                self._ws.send(json.dumps(message))
            return future.result(timeout)
        except FutureTimeout:
            raise DevToolsError(f"{method}: no answer within {timeout:.0f} s") from None
        except ConnectionClosed:
            raise DevToolsError(f"{method}: the DevTools connection closed") from None
        finally:
            with self._lock:
                self._waiting.pop(msg_id, None)

    def on(self, session: str | None, handler: Handler) -> None:
        """Call ``handler(method, params)`` for each event of ``session`` (None: the browser's)."""
        with self._lock:
            self._handlers.setdefault(session, []).append(handler)

    def attach(self, target_id: str) -> str:
        return self.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]

    def _read(self) -> None:
        try:
            for raw in self._ws:
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        future = self._waiting.get(msg["id"])
                    if future is not None and not future.done():
                        if "error" in msg:
                            future.set_exception(DevToolsError(f"{msg['error'].get('message')}"))
                        else:
                            future.set_result(msg.get("result", {}))
                    continue
                with self._lock:
                    handlers = list(self._handlers.get(msg.get("sessionId"), ()))
                for handler in handlers:
                    try:
                        handler(msg.get("method", ""), msg.get("params") or {})
                    except Exception:  # a handler's failure must not stop the other tabs' events
                        log.exception("DevTools event handler failed")
        except (ConnectionClosed, OSError):
            pass
        finally:
            with self._lock:
                self.closed = True
                waiting, self._waiting = self._waiting, {}
            for future in waiting.values():
                if not future.done():
                    future.set_exception(ConnectionClosed(None, None))

    def close(self) -> None:
        self._connection.__exit__(None, None, None)
        self._reader.join(5)
