"""Issue 12, "Emulators": bad input is a 4xx or a closed connection, never a 500, a wedge or a leak.

Each test is one finding of the adversarial probe, driven from outside through
the public surface only (HTTP to the WorkOS port and the control API, frames on
the Convex WebSocket, the suite's Python API), against one running suite.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Callable

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from authtrace.host.emulators.faults import FaultError
from authtrace.host.emulators.suite import EmulatorSuite

from ._workos import AUTH, authorize_params, pkce

JWTISH = "eyJ" * 100_000  # 300 KB: what made the old redactor's JWT pattern take 16 s


@pytest.fixture(scope="module")
def suite():
    s = EmulatorSuite(workos_port=0, convex_port=0, access_token_ttl=600).start_in_thread()
    yield s
    s.stop()


@pytest.fixture
def http(suite):
    with httpx.Client(base_url=suite.workos_url, timeout=10) as client:
        yield client
    suite.faults.reset()


def events_ok(http: httpx.Client) -> list[dict]:
    r = http.get("/__authtrace/events")
    assert r.status_code == 200, r.text
    return r.json()["events"]


def sync(suite, session: str = "abuse", token: str | None = None) -> ClientConnection:
    ws = connect(suite.convex.ws_url, open_timeout=5, max_size=None, legacy=True)
    ws.send(json.dumps({"type": "Connect", "sessionId": session, "connectionCount": 0, "lastCloseReason": "InitialConnect"}))
    if token:
        ws.send(json.dumps({"type": "Authenticate", "tokenType": "User", "value": token, "baseVersion": 0}))
    return ws


def closed(ws: ClientConnection, timeout: float = 5) -> list[dict]:
    """Everything the server sent until it closed the connection (fails if it never does)."""
    got, end = [], time.monotonic() + timeout
    try:
        while (left := end - time.monotonic()) > 0:
            got.append(json.loads(ws.recv(timeout=left)))
    except ConnectionClosed:
        return got
    except TimeoutError:
        pass
    raise AssertionError(f"the connection was neither answered with a close nor closed: {got}")


def drain(ws: ClientConnection, timeout: float = 2) -> None:
    """Read what the server sends until it closes or ``timeout`` passes (no verdict)."""
    end = time.monotonic() + timeout
    try:
        while (left := end - time.monotonic()) > 0:
            ws.recv(timeout=left)
    except (ConnectionClosed, TimeoutError):
        pass


def until(ws: ClientConnection, pred: Callable[[dict], bool], timeout: float = 5) -> dict:
    end = time.monotonic() + timeout
    while (left := end - time.monotonic()) > 0:
        msg = json.loads(ws.recv(timeout=left))
        if pred(msg):
            return msg
    raise AssertionError("no such message")


def subscribe_messages(ws: ClientConnection) -> None:
    ws.send(json.dumps({"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1,
                        "modifications": [{"type": "Add", "queryId": 0, "udfPath": "messages:list", "args": [{}]}]}))


def bodies_in(msg: dict) -> list[str]:
    if msg.get("type") != "Transition":
        return []
    return [m["body"] for mod in msg["modifications"] if mod.get("type") == "QueryUpdated" for m in mod["value"]]


def sign_in(http: httpx.Client) -> tuple[dict, str]:
    verifier, challenge = pkce()
    r = http.get("/user_management/authorize", params=authorize_params(challenge))
    code = httpx.URL(r.headers["location"]).params["code"]
    r = http.post(AUTH, json={"code": code, "client_id": "client_local", "grant_type": "authorization_code", "code_verifier": verifier})
    assert r.status_code == 200
    return r.json(), code


# -- lone surrogates -----------------------------------------------------------------------------------


def test_lone_surrogate_in_connect_session_id_closes_only_that_connection(suite, http):
    ws = sync(suite, session="\ud800")
    sent = closed(ws)
    assert [m["type"] for m in sent] == ["FatalError"]
    events_ok(http)
    assert suite.events.list(source="convex", type="protocol_error")


@pytest.mark.parametrize("body", [
    '{"client_id": "client_local", "grant_type": "\\ud800"}',
    '{"client_id": "client_local", "grant_type": "authorization_code", "code": "\\ud800", "code_verifier": "x"}',
    '{"client_id": "client_local", "grant_type": "refresh_token", "refresh_token": "\\udfff"}',
])
def test_lone_surrogate_in_workos_body_is_a_400(http, body):
    r = http.post(AUTH, content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    events_ok(http)


def test_lone_surrogate_in_mutation_udf_path_closes_instead_of_wedging(suite, http):
    ws = sync(suite, "wedge")
    ws.send('{"type": "Mutation", "requestId": 0, "udfPath": "messages:send\\ud800", "args": [{"body": "x"}]}')
    assert [m["type"] for m in closed(ws)] == ["FatalError"]
    events_ok(http)


def test_lone_surrogate_in_a_message_body_never_stops_the_subscribers(suite, http):
    token = suite.workos.sign_in()["access_token"]
    reader = sync(suite, "reader")
    subscribe_messages(reader)
    until(reader, lambda m: m["type"] == "Transition")
    bad = sync(suite, "bad-writer", token)
    bad.send('{"type": "Mutation", "requestId": 0, "udfPath": "messages:send", "args": [{"body": "\\ud800"}]}')
    assert "FatalError" in [m["type"] for m in closed(bad)]
    good = sync(suite, "good-writer", token)
    good.send(json.dumps({"type": "Mutation", "requestId": 0, "udfPath": "messages:send", "args": [{"body": "after"}]}))
    assert "after" in bodies_in(until(reader, lambda m: "after" in bodies_in(m)))
    reader.close()
    good.close()
    events_ok(http)


# -- the event log -------------------------------------------------------------------------------------


def test_event_log_never_holds_a_reused_code_or_a_refresh_token_sent_as_code(http):
    tokens, code = sign_in(http)
    for secret in (code, tokens["refresh_token"]):
        r = http.post(AUTH, json={"client_id": "client_local", "grant_type": "authorization_code",
                                  "code": secret, "code_verifier": "v" * 43})
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
        dump = json.dumps(events_ok(http))
        assert secret[:16] not in dump


def test_event_log_stays_small_whatever_the_frames(suite, http):
    big = "A" * (2 << 20)
    for i in range(4):
        for frame in ({"type": "Connect", "sessionId": f"big-{i}", "connectionCount": 0, "lastCloseReason": big},
                      {"type": "Event", "eventType": big, "event": {}}):
            with connect(suite.convex.ws_url, open_timeout=5, max_size=None) as ws:
                ws.send(json.dumps(frame))
                time.sleep(0.2)
        http.post(AUTH, json={"client_id": "client_local", "grant_type": big[: 512 << 10]})
    assert len(json.dumps(events_ok(http))) < 2 << 20


def test_a_convex_fault_at_message_phase_is_in_the_events(suite, http):
    suite.faults.arm("convex", "close", match={"type": "Event", "session": "faulty"}, params={"code": 4000})
    ws = sync(suite, "faulty")
    ws.send(json.dumps({"type": "Event", "eventType": "ClientConnect", "event": {}}))
    closed(ws)
    fired = [e for e in suite.events.list(source="convex", type="fault") if e.get("action") == "close"]
    assert fired and fired[-1]["phase"] == "message"
    events_ok(http)


# -- the control API and bodies --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b'{"session_ttl": Infinity}', b'{"access_token_ttl": Infinity}',
                                 b'{"access_token_ttl": 1e400}', b'{"refresh_grace": NaN}'])
def test_non_finite_settings_are_refused_and_nothing_is_applied(http, raw):
    before = http.get("/__authtrace/config").json()
    assert http.post("/__authtrace/config", content=raw).status_code == 400
    after = http.get("/__authtrace/config")
    assert after.status_code == 200 and after.json() == before
    sign_in(http)


def test_very_deep_control_body_is_a_400(http):
    for path in ("/__authtrace/faults", "/__authtrace/config", "/__authtrace/reset"):
        assert http.post(path, content=b"[" * 100_000 + b"]" * 100_000).status_code == 400
    assert http.get("/__authtrace/faults").json()["faults"] == []


def test_one_megabyte_of_brackets_to_authenticate_is_a_400(http):
    r = http.post(AUTH, content=b"[" * 1_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    events_ok(http)


def test_status_fault_with_a_nan_body_is_refused(suite, http):
    r = http.post("/__authtrace/faults", content=b'{"action": "status", "params": {"status": 503, "body": {"x": NaN}}}')
    assert r.status_code == 400
    with pytest.raises(FaultError):
        suite.faults.arm("workos", "status", params={"status": 503, "body": {"x": float("nan")}})
    assert suite.faults.list() == []
    sign_in(http)
    events_ok(http)


# -- the shared event loop -----------------------------------------------------------------------------------


def max_loop_lag(suite: EmulatorSuite, work: Callable[[], None], tick: float = 0.005) -> tuple[float, float]:
    """How long the suite's event loop was held while ``work()`` ran: (CPU, wall) seconds.

    A probe on the loop sleeps ``tick`` again and again. CPU is the most CPU
    time the loop's thread spent between two of its wake-ups: what the
    emulators' own code holds the loop for, free of the noise of a machine
    shared by many processes. Wall is the most the probe woke up late, noise
    included.
    """
    done, result = threading.Event(), {}

    async def probe() -> tuple[float, float]:
        loop, cpu, wall = asyncio.get_running_loop(), 0.0, 0.0
        while not done.is_set():
            t0, c0 = loop.time(), time.thread_time()
            await asyncio.sleep(tick)
            cpu, wall = max(cpu, time.thread_time() - c0), max(wall, loop.time() - t0 - tick)
        return cpu, wall

    prober = threading.Thread(target=lambda: result.update(lag=suite.call(probe(), timeout=300)))
    prober.start()
    time.sleep(0.05)
    try:
        work()
    finally:
        done.set()
        prober.join()
    return result["lag"]


def test_no_frame_blocks_the_loop_for_50_ms(suite, http):
    token = suite.workos.sign_in()["access_token"]
    reader = sync(suite, "lag-reader")
    subscribe_messages(reader)
    until(reader, lambda m: m["type"] == "Transition")

    def hostile_traffic() -> None:
        for frame in (  # each ends its connection
            {"type": "Mutation", "requestId": 0, "udfPath": JWTISH, "args": [{}]},
            {"type": "Event", "eventType": JWTISH, "event": {}},
            {"type": "Connect", "sessionId": "s", "connectionCount": 0, "lastCloseReason": JWTISH},
            {"type": "Authenticate", "tokenType": "User", "value": JWTISH, "baseVersion": 1},
        ):
            ws = sync(suite, "lag", token)
            ws.send(json.dumps(frame))
            drain(ws)
        ws = sync(suite, "lag-args", token)  # 4 MB of arguments a validator refuses
        ws.send(json.dumps({"type": "Mutation", "requestId": 1, "udfPath": "messages:send",
                            "args": [{"body": "x", "n": list(range(600_000))}]}))
        assert until(ws, lambda m: m["type"] == "MutationResponse", timeout=30)["success"] is False
        writer = sync(suite, "lag-writer", token)
        writer.send(json.dumps({"type": "Mutation", "requestId": 0, "udfPath": "messages:send", "args": [{"body": JWTISH}]}))
        until(reader, lambda m: JWTISH in bodies_in(m), timeout=10)
        for field in ("code", "grant_type", "refresh_token", "client_id"):
            body = {"client_id": "client_local", "grant_type": "authorization_code", "code": "c", field: JWTISH}
            assert http.post(AUTH, json=body).status_code == 400
        http.post("/__authtrace/faults", json={"action": "drop", "match": {"grant_type": JWTISH}})
        numbers = list(range(150_000))  # 1 MB that the C JSON scanner would parse in one go
        assert http.post(AUTH, json={"client_id": "client_local", "n": numbers}).status_code == 400
        assert http.post("/__authtrace/config", json={"n": numbers}).status_code == 400

    cpu, wall = max_loop_lag(suite, hostile_traffic)
    print(f"event loop held at most {cpu * 1000:.1f} ms (CPU), woke up at most {wall * 1000:.1f} ms late (wall)")
    assert cpu < 0.05
