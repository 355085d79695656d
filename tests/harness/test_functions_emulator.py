"""The Convex emulator serving the app's own functions, driven over the sync protocol:
the identity from the verified token, subscriptions re-run after writes (a mutation on
another connection, an action, a scheduled function), errors as Convex sends them, and
an event loop that never waits for Node."""

from __future__ import annotations

import asyncio
import time
import urllib.request

import pytest

from authtrace.host.emulators.suite import EmulatorSuite

from ._sync import Sync
from .conftest import FUNCTIONS, needs_node

pytestmark = needs_node


@pytest.fixture(scope="module")
def suite():
    s = EmulatorSuite(workos_port=0, convex_port=0, convex_functions=FUNCTIONS, stand_in=True).start_in_thread(timeout=120)
    yield s
    s.stop()


@pytest.fixture
def fresh(suite):
    suite.functions.reset()
    return suite


def run(suite, coro, timeout: float = 60):
    return suite.call(asyncio.wait_for(coro, timeout), timeout + 5)


def test_a_mutation_updates_every_subscription_and_the_identity_comes_from_the_token(fresh):
    token = fresh.workos.sign_in()["access_token"]

    async def story():
        a, b = await Sync.open(fresh.convex.ws_url, "a"), await Sync.open(fresh.convex.ws_url, "b")
        await a.auth(token)
        await a.subscribe(0, "messages:whoami")
        await a.subscribe(1, "messages:list")
        await b.subscribe(0, "messages:list")
        who = await a.until(0, lambda m: m["type"] == "QueryUpdated" and m["value"] is not None)
        await b.until(0, lambda m: m["type"] == "QueryUpdated" and m["value"] == [])
        sent = await a.call("Mutation", "messages:send", {"body": "hello"})
        seen = await b.until(0, lambda m: m["value"] != [])
        await a.until(1, lambda m: m.get("value"))
        await a.close()
        await b.close()
        return who["value"], sent, seen["value"]

    who, sent, seen = run(fresh, story())
    assert who["issuer"] == "https://api.workos.com/user_management/client_local"
    assert who["tokenIdentifier"] == f"{who['issuer']}|{who['subject']}"
    assert sent["success"] is True
    assert seen == [{"body": "hello", "author": who["subject"]}]


def test_errors_reach_the_client_as_convex_sends_them(fresh):
    async def story():
        c = await Sync.open(fresh.convex.ws_url)
        await c.subscribe(0, "messages:fail")
        failed = await c.until(0, lambda m: m["type"] == "QueryFailed")
        refused = await c.call("Mutation", "messages:send", {"body": "hi"})
        invalid = await c.call("Mutation", "messages:send", {"body": 5})
        missing = await c.call("Action", "messages:nothing")
        await c.close()
        return failed, refused, invalid, missing

    failed, refused, invalid, missing = run(fresh, story())
    assert failed["errorMessage"].split("\n")[1:] == ["Uncaught Error: boom", "    at handler (../convex/messages.ts:33:11)"]
    assert "errorData" not in failed
    assert refused["success"] is False and refused["ts"] is None
    assert refused["errorData"] == {"code": "UNAUTHENTICATED", "message": "sign in to send"}
    assert refused["result"].split("\n")[1].startswith("Uncaught ConvexError: ")
    assert invalid["result"].split("\n", 1)[1] == ("ArgumentValidationError: Value does not match validator.\n"
                                                   "Path: .body\nValue: 5.0\nValidator: v.string()")
    assert missing["success"] is False and "Could not find public function for 'messages:nothing'" in missing["result"]


def test_an_action_and_a_scheduled_function_update_the_subscriptions(fresh):
    token = fresh.workos.sign_in()["access_token"]

    async def story():
        a, b = await Sync.open(fresh.convex.ws_url, "a"), await Sync.open(fresh.convex.ws_url, "b")
        await a.auth(token)
        await b.subscribe(0, "messages:list")
        await b.until(0, lambda m: m.get("value") == [])
        shouted = await a.call("Action", "messages:shout", {"body": "yo"})
        await b.until(0, lambda m: [x["body"] for x in m["value"]] == ["YO"])
        later = await a.call("Mutation", "messages:sendLater", {"body": "later", "delayMs": 500})
        # The mutation itself writes nothing; the scheduled function does, half a second later.
        final = await b.until(0, lambda m: [x["body"] for x in m["value"]] == ["YO", "later"])
        await a.close()
        await b.close()
        return shouted, later, final["value"]

    shouted, later, final = run(fresh, story())
    assert shouted == {**shouted, "type": "ActionResponse", "success": True, "result": "YO"}
    assert later["success"] is True
    assert final[-1] == {"body": "later", "author": "scheduler"}


def test_the_event_loop_does_not_wait_for_a_function(fresh):
    """While an action hangs in Node, the WorkOS emulator (same loop) answers at once."""
    async def hang():
        c = await Sync.open(fresh.convex.ws_url, "h")
        await c.send(type="Action", requestId=1, udfPath="messages:hang", args=[{}])
        await asyncio.sleep(0.5)
        return c

    client = run(fresh, hang())
    started = time.monotonic()
    with urllib.request.urlopen(f"{fresh.workos_url}/sso/jwks/client_local", timeout=10) as resp:
        assert resp.status == 200
    assert time.monotonic() - started < 5
    run(fresh, client.close())
