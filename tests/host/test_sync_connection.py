"""One Convex sync connection as a pure state machine: no socket, the time passed in."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from authtrace.host.emulators import convex_protocol as proto
from authtrace.host.emulators.convex_app import ConvexApp, Identity
from authtrace.host.emulators.convex_auth import AuthRejected
from authtrace.host.emulators.convex_deployment import Deployment
from authtrace.host.emulators.sync_connection import SyncConnection

NOW = 1_800_000_000.0
ISS = "https://issuer.example/user_management/client_x"


def verdict(sub: str = "user_01", exp: float = NOW + 300):
    claims = {"iss": ISS, "sub": sub, "exp": exp, "iat": NOW, "name": "Ada"}
    return Identity.from_claims(claims), claims


def setup(clock=lambda: NOW):
    events: list[tuple[str, dict]] = []
    dep = Deployment(ConvexApp(), clock, lambda type_, **f: events.append((type_, f)))
    return dep, events


def conn(dep: Deployment, n: int = 1, session: str = "s1") -> SyncConnection:
    c = SyncConnection(n, dep, "1.48.0", NOW)
    dep.connections[n] = c
    c.receive(proto.parse_client_message(json.dumps(
        {"type": "Connect", "sessionId": session, "connectionCount": 0, "clientTs": NOW * 1000 + 489})), NOW)
    return c


def frame(**msg) -> dict:
    return proto.parse_client_message(json.dumps(msg))


def subscribe(c: SyncConnection, base: int, *queries: tuple[int, str, dict]) -> None:
    mods = [{"type": "Add", "queryId": q, "udfPath": path, "args": [args]} for q, path, args in queries]
    step = c.receive(frame(type="ModifyQuerySet", baseVersion=base, newVersion=base + 1, modifications=mods), NOW)
    assert step.send == [] and step.close is None and c.update_scheduled


def test_handshake_then_transition_with_versions_skew_and_server_ts_from_the_injected_clock():
    dep, events = setup()
    c = conn(dep)
    step = c.receive(frame(type="Authenticate", tokenType="User", value="tok", baseVersion=0), NOW, verdict())
    assert step.send == [] and step.close is None
    subscribe(c, 0, (0, "auth:whoami", {}), (1, "messages.js:list", {}))
    t = json.loads(c.transition(NOW + 1).send[0])
    assert t["startVersion"] == {"querySet": 0, "identity": 0, "ts": proto.ZERO_TS}
    assert t["endVersion"]["querySet"] == 1 and t["endVersion"]["identity"] == 1
    assert t["serverTs"] == proto.to_ns(NOW + 1) and t["clientClockSkew"] == 489
    mods = {m["queryId"]: m for m in t["modifications"]}
    assert mods[0]["value"]["subject"] == "user_01" and mods[1] == {
        "type": "QueryUpdated", "queryId": 1, "value": [], "logLines": [], "journal": None}
    assert not c.update_scheduled and [e for e, _ in events] == ["hello", "authenticate_ok"]
    # Nothing changed: the next Transition carries no modification and chains on.
    c.schedule()
    again = json.loads(c.transition(NOW + 2).send[0])
    assert again["startVersion"] == t["endVersion"] and again["modifications"] == []


def test_rejected_token_closes_with_auth_error_and_no_status_code():
    dep, events = setup()
    c = conn(dep)
    step = c.receive(frame(type="Authenticate", tokenType="User", value="bad", baseVersion=0), NOW,
                     AuthRejected("bad-issuer", "No auth provider found"))
    assert step.close.code is None and step.close.final == proto.auth_error("No auth provider found", 0, True)
    assert dep.counters["auth_rejected"] == 1 and dep.counters["auth_errors_sent"] == 1
    assert [e for e, _ in events][-2:] == ["authenticate_rejected", "auth_error_sent"]


def test_bad_versions_close_like_the_backend():
    dep, _ = setup()
    c = conn(dep)
    mismatch = c.receive(frame(type="ModifyQuerySet", baseVersion=4, newVersion=5, modifications=[]), NOW)
    assert mismatch.close.code is None and mismatch.close.final["type"] == "FatalError"
    c2 = conn(dep, 2)
    identity = c2.receive(frame(type="Authenticate", tokenType="None", baseVersion=3), NOW)
    assert (identity.close.code, identity.close.reason, identity.close.final) == (1011, "InternalServerError", None)
    c3 = conn(dep, 3)
    subscribe(c3, 0, (0, "auth:whoami", {}))
    c3.transition(NOW)
    subscribe(c3, 1, (0, "auth:whoami", {}))
    assert c3.transition(NOW).close.code == 1011  # duplicate query id


def test_expired_identity_is_noticed_lazily_at_the_next_run():
    dep, _ = setup()
    c = conn(dep)
    c.receive(frame(type="Authenticate", tokenType="User", value="t", baseVersion=0), NOW, verdict(exp=NOW + 30))
    subscribe(c, 0, (0, "messages:list", {}))
    assert c.transition(NOW).send
    step = c.receive(frame(type="Mutation", requestId=0, udfPath="messages:send", args=[{"body": "x"}]), NOW + 30)
    assert step.close.final == proto.auth_error("Convex token identity expired", 1, False)


def test_mutations_are_idempotent_per_session_and_wake_the_readers():
    dep, _ = setup()
    reader = conn(dep, 1, "reader")
    subscribe(reader, 0, (0, "messages:list", {}))
    reader.transition(NOW)
    writer = conn(dep, 2, "writer")
    writer.receive(frame(type="Authenticate", tokenType="User", value="t", baseVersion=0), NOW, verdict())
    send = frame(type="Mutation", requestId=7, udfPath="messages:send", args=[{"body": "once"}])
    (first,) = writer.receive(send, NOW).send
    assert first["success"] is True and reader.update_scheduled
    again = conn(dep, 3, "writer")  # the same client after a reconnect re-sends it
    again.receive(frame(type="Authenticate", tokenType="User", value="t", baseVersion=0), NOW, verdict())
    assert again.receive(send, NOW).send == [first]
    t = json.loads(reader.transition(NOW).send[0])
    assert [m["body"] for m in t["modifications"][0]["value"]] == ["once"]
    assert proto.decode_u64(t["endVersion"]["ts"]) >= proto.decode_u64(first["ts"])
    assert dep.counters["mutations_applied"] == 1 and dep.counters["mutations_deduplicated"] == 1


def test_commit_timestamps_follow_the_injected_clock():
    t = [NOW]
    dep, _ = setup(lambda: t[0])
    assert dep.ts.latest == proto.to_ns(NOW)
    t[0] += 10
    assert dep.ts.next() == proto.to_ns(NOW + 10)
    assert dep.ts.next() == proto.to_ns(NOW + 10) + 1  # strictly increasing even when the clock stands still


def test_transition_text_is_the_transition_as_json():
    start, end = proto.StateVersion(0, 0, 0), proto.StateVersion(1, 1, 5)
    mods = [proto.query_updated(0, {"a": ']}"modifications":[]'}), proto.query_removed(3)]
    text = proto.transition_json(start, end, [proto.dumps(m) for m in mods], client_clock_skew=-3, server_ts=9)
    assert json.loads(text) == proto.transition(start, end, mods, client_clock_skew=-3, server_ts=9)
    assert json.loads(proto.transition_json(start, end, [])) == proto.transition(start, end, [])


u32 = st.integers(0, proto.MAX_U32)


@given(start=st.builds(proto.StateVersion, u32, u32, st.integers(0, 2**64 - 1)),
       end=st.builds(proto.StateVersion, u32, u32, st.integers(0, 2**64 - 1)),
       values=st.lists(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                                    max_leaves=8), max_size=3),
       skew=st.none() | st.integers(-2**53, 2**53), server_ts=st.none() | st.integers(0, 2**63))
def test_transition_text_is_byte_for_byte_what_json_gives(start, end, values, skew, server_ts):
    """The envelope written out by hand is exactly ``dumps(transition(...))``, not just equal JSON."""
    mods = [proto.query_updated(i, v) for i, v in enumerate(values)]
    text = proto.transition_json(start, end, [proto.dumps(m) for m in mods], client_clock_skew=skew, server_ts=server_ts)
    assert text == proto.dumps(proto.transition(start, end, mods, client_clock_skew=skew, server_ts=server_ts))


def test_one_serialization_per_query_result_for_all_subscribers():
    dep, _ = setup()
    readers = [conn(dep, n, f"r{n}") for n in range(1, 4)]
    for r in readers:
        subscribe(r, 0, (0, "messages:list", {}))
    texts = [r.transition(NOW).send[0] for r in readers]
    assert texts[0] == texts[1] == texts[2]
    shared = dep.run_query("messages:list", {}, "{}", None)
    assert shared is dep.run_query("messages:list", {}, "{}", None)  # cached while the table is unchanged
    assert shared.modification_json(0) is shared.modification_json(0)  # serialized once
    assert json.loads(shared.modification_json(0)) == proto.query_updated(0, [])
