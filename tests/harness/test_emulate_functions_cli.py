"""``authtrace emulate --convex-functions DIR [--stand-in]`` as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading

import pytest

from ._sync import Sync
from .conftest import BROKEN, FUNCTIONS, needs_node

pytestmark = needs_node


def start(*args: str) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen([sys.executable, "-m", "authtrace", "emulate", "--workos-port", "0", "--convex-port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    ready = threading.Event()

    def pump():
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C to stop."):
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(120) or not any(line.startswith("Ctrl-C") for line in lines):
        proc.kill()
        raise AssertionError(f"emulate did not start: {lines} {proc.stderr.read()}")
    return proc, lines


def test_it_serves_the_apps_functions_as_the_stand_in_and_says_how_to_route_the_browser():
    proc, lines = start("--convex-functions", str(FUNCTIONS), "--stand-in")
    try:
        text = "\n".join(lines)
        assert "issuer:  https://api.workos.com/user_management/client_local" in text
        assert re.search(r"functions: 9 public from .*functions/convex \(messages:badReturn, ", text)
        assert "trusts:    its auth.config.ts" in text
        flags = re.search(r"--host-resolver-rules=MAP api.workos.com 127.0.0.1:(\d+)' '--ignore-certificate-errors-spki-list="
                          r"[A-Za-z0-9+/=]{44}'", text)
        assert flags, text
        assert 'AuthKitProvider props (JSON): {"clientId": "client_local"}' in text
        convex = re.search(r"^Convex deployment: (http://\S+)$", text, re.M).group(1)

        async def listed():
            client = await Sync.open(convex.replace("http://", "ws://") + "/api/1.48.0/sync")
            await client.subscribe(0, "messages:list")
            result = await client.until(0, lambda m: m["type"] == "QueryUpdated")
            await client.close()
            return result["value"]

        assert asyncio.run(asyncio.wait_for(listed(), 30)) == []
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--convex-functions", "/nonexistent/convex"], "--convex-functions /nonexistent/convex: not a folder"),
    (["--convex-functions", str(BROKEN)], "bad.ts: Error: this module cannot be loaded"),
    (["--convex-functions", str(FUNCTIONS), "--no-convex"], "--convex-functions needs the Convex emulator"),
    (["--convex-functions", str(FUNCTIONS), "--convex-env", "NOVALUE"], "--convex-env 'NOVALUE': use NAME=VALUE"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = subprocess.run([sys.executable, "-m", "authtrace", "emulate", "--workos-port", "0", "--convex-port", "0", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) <= 2, proc.stderr
    assert "Traceback" not in proc.stderr
