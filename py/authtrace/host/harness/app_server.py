"""The app's dev server, started for the tests with the emulators' addresses.

``--authtrace-app-cmd "npm run dev -- --port {port}"``: the command runs in the
current folder with ``{port}`` a free port and, in its environment,
``VITE_CONVEX_URL`` (the Convex emulator), ``VITE_WORKOS_CLIENT_ID`` and
``VITE_WORKOS_REDIRECT_URI`` (``http://localhost:<port>/callback``): what an
app shaped like the official template reads. Vite lets the process environment
win over ``.env`` files, so a developer's own ``.env.local`` does not get in the
way. The server counts as up when ``/`` answers; it is stopped with its whole
process group (npm starts Vite as a child).
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque


class AppServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, command: str, env: dict[str, str], *, redirect_path: str = "/callback", cwd: str | None = None,
                 host: str = "localhost") -> None:
        if "{port}" not in command:
            raise AppServerError("--authtrace-app-cmd needs {port} where the port goes, "
                                 "e.g. \"npm run dev -- --port {port} --strictPort\"")
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.command = command.replace("{port}", str(self.port))
        self.env = {**env, "VITE_WORKOS_REDIRECT_URI": self.url + redirect_path}
        self.cwd = cwd
        self._proc: subprocess.Popen | None = None
        self.output: deque[str] = deque(maxlen=60)

    def start(self, timeout: float = 120) -> "AppServer":
        try:
            self._proc = subprocess.Popen(shlex.split(self.command), cwd=self.cwd, env={**os.environ, **self.env},
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                          start_new_session=True)
        except OSError as exc:
            raise AppServerError(f"cannot start {self.command!r}: {exc}") from None
        threading.Thread(target=self._pump, name="app-server-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise AppServerError(f"{self.command!r} exited with {self._proc.returncode}:\n" + "\n".join(self.output))
            if self._answers():
                return self
            time.sleep(0.2)
        self.stop()
        raise AppServerError(f"{self.command!r} did not answer on {self.url} within {timeout:.0f} s:\n"
                             + "\n".join(self.output))

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2) as resp:
                return resp.status < 500
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except OSError:
            return False

    def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self.output.append(line.rstrip())

    def stop(self, timeout: float = 10) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the group we started: npm and the Vite it runs
            proc.wait(timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout)
