"""``authtrace emulate`` as a real subprocess, and the suite wiring WorkOS tokens into Convex."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from authtrace.host.cli import main
from authtrace.host.emulators.suite import EmulatorSuite

from ._workos import AUTH, authorize_params, pkce


def start_emulate(*args: str) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "authtrace", "emulate", "--workos-port", "0", "--convex-port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    # Read on a thread so a silent, stuck process fails the test instead of blocking it.
    seen: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            seen.append(line.rstrip("\n"))
            if line.startswith("Ctrl-C to stop."):
                ready.set()
        ready.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    proc.reader = reader  # type: ignore[attr-defined]
    if ready.wait(20) and any(line.startswith("Ctrl-C to stop.") for line in seen):
        return proc, seen
    proc.kill()
    raise AssertionError(f"emulate did not start: {seen} {proc.stderr.read()}")


def field(lines: list[str], label: str) -> str:
    for line in lines:
        m = re.match(rf"^\s*{re.escape(label)}:\s+(\S+)", line)
        if m:
            return m.group(1)
    raise AssertionError(f"no {label!r} line in {lines}")


def test_emulate_prints_urls_serves_jwks_and_stops_cleanly_on_sigint():
    proc, lines = start_emulate("--client-id", "client_cli", "--access-token-ttl", "2.5")
    try:
        workos = field(lines, "WorkOS AuthKit API")
        convex = field(lines, "Convex deployment")
        issuer = field(lines, "issuer")
        port = int(workos.rsplit(":", 1)[1])
        assert issuer == f"{workos}/user_management/client_cli"
        assert f'<AuthKitProvider clientId="client_cli" apiHostname="127.0.0.1" port={{{port}}} https={{false}} devMode={{true}}>' in "\n".join(lines)
        assert f'new ConvexReactClient("{convex}")' in "\n".join(lines)
        jwks = httpx.get(f"{workos}/sso/jwks/client_cli", timeout=5)
        assert jwks.status_code == 200
        keyset = KeySet.import_key_set(jwks.json())
        # A token the running emulator issues verifies against what it serves.
        verifier, challenge = pkce()
        with httpx.Client(base_url=workos, timeout=5) as http:
            r = http.get("/user_management/authorize", params=authorize_params(challenge, client_id="client_cli"))
            code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
            r = http.post(AUTH, json={"code": code, "client_id": "client_cli", "grant_type": "authorization_code", "code_verifier": verifier})
        claims = jwt.decode(r.json()["access_token"], keyset, algorithms=["RS256"]).claims
        assert claims["iss"] == issuer and claims["exp"] - claims["iat"] == pytest.approx(2.5)
        cfg = httpx.get(f"{workos}/__authtrace/config", timeout=5).json()
        assert cfg["access_token_ttl"] == 2.5 and cfg["refresh_grace"] == 30
        # The Convex emulator answers HTTP on its port too (the sync endpoint is a WebSocket).
        with socket.create_connection(("127.0.0.1", int(convex.rsplit(":", 1)[1])), timeout=5):
            pass
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    proc.reader.join(5)  # the reader has seen everything once stdout closes
    assert "authtrace emulate: stopped" in "\n".join(lines)
    assert "Traceback" not in err


def test_emulate_stops_on_sigterm():
    proc, _ = start_emulate("--no-convex")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert "Traceback" not in proc.stderr.read()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--host", "0.0.0.0"], "not a loopback address"),
        (["--host", "no-such-host.invalid"], "cannot resolve"),
        (["--access-token-ttl", "0"], None),
        (["--session-ttl", "-1"], None),
        (["--refresh-grace", "soon"], None),
        (["--session-ttl", "1e12"], "--session-ttl"),
        (["--access-token-ttl", "inf"], "--access-token-ttl"),
        (["--workos-port", "70000"], None),
        (["--client-id", "bad id"], "--client-id"),
        (["--workos-port", "8799", "--convex-port", "8799"], "must differ"),
        (["--redirect-uri", "localhost:5173/cb"], "--redirect-uri"),
    ],
)
def test_emulate_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        sys.exit(main(["emulate", *argv]))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if message:
        assert message in err


def test_emulate_port_in_use_exits_2(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["emulate", "--workos-port", str(port), "--no-convex"]) == 2
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


# -- the suite: WorkOS tokens accepted by the Convex emulator ---------------------------------


@pytest.mark.parametrize("jwks", ["dict", "url", "data"])
def test_suite_convex_trusts_workos_tokens(jwks):
    suite = EmulatorSuite(workos_port=0, convex_port=0, jwks=jwks, access_token_ttl=60)
    suite.start_in_thread()
    try:
        assert suite.convex_url and suite.convex_url != suite.workos_url
        token = suite.workos.sign_in()["access_token"]
        identity, claims = suite.call(suite.convex.verifier.verify(token))
        assert claims["iss"] == suite.issuer and claims["sub"] == "user_01LOCALTESTUSER0000000000"
        # A token from another signer with the same issuer is refused.
        from authtrace.host.emulators.workos import WorkOSConfig, WorkOSEmulator

        forger = WorkOSEmulator(WorkOSConfig(port=suite.workos.config.port))
        with pytest.raises(Exception):
            suite.call(suite.convex.verifier.verify(forger.sign_in()["access_token"]))
    finally:
        suite.stop()


def test_suite_shares_one_fault_board_and_event_log():
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    async def scenario():
        async with EmulatorSuite(workos_port=0, convex_port=0) as suite:
            async with httpx.AsyncClient(base_url=suite.workos_url) as http:
                r = await http.post("/__authtrace/faults", json={"target": "convex", "action": "refuse-upgrade", "params": {"status": 503}})
                assert r.status_code == 201
            with pytest.raises(websockets.exceptions.InvalidStatus) as exc:
                async with connect(suite.convex.ws_url, open_timeout=5):
                    pass
            assert exc.value.response.status_code == 503
            async with connect(suite.convex.ws_url, open_timeout=5):
                pass
            types = [(e["source"], e["type"]) for e in suite.events.list()]
            assert ("faults", "fired") in types
            assert suite.faults.list() == []

    asyncio.run(scenario())
