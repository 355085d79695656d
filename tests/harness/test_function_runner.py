"""The app's own Convex functions through convex-test in Node: loading, calls, errors and
validation worded as a Convex deployment words them, scheduling, limits."""

from __future__ import annotations

import base64
import struct
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtrace.host.emulators import function_runner
from authtrace.host.emulators.function_runner import FunctionLoadError, FunctionRunner, RunnerStopped

from .conftest import BROKEN, FUNCTIONS, needs_node

pytestmark = needs_node

ADA = {"subject": "user_01", "issuer": "https://api.workos.com/user_management/client_x",
       "tokenIdentifier": "https://api.workos.com/user_management/client_x|user_01", "name": "Ada", "email": "ada@example.com"}
REQUEST = r"\[Request ID: [0-9a-f]{16}\] Server Error\n"


def int64(n: int) -> dict:
    return {"$integer": base64.b64encode(struct.pack("<q", n)).decode()}


@pytest.fixture(scope="module")
def runner():
    writes = threading.Event()
    r = FunctionRunner(FUNCTIONS, env={"WORKOS_CLIENT_ID": "client_x"}, on_writes=writes.set).start()
    r.writes = writes
    yield r
    r.stop()


@pytest.fixture
def fresh(runner):
    runner.reset()
    return runner


def test_it_loads_the_folder_its_functions_and_the_auth_config(runner):
    found = {f["path"]: (f["kind"], f["visibility"]) for f in runner.loaded.functions}
    assert found["messages:list"] == ("query", "public")
    assert found["messages:send"] == ("mutation", "public")
    assert found["messages:shout"] == ("action", "public")
    assert found["messages:insertLater"] == ("mutation", "internal")
    assert not [p for p in found if p.startswith(("schema", "auth.config", "_generated"))]
    issuers = [p["issuer"] for p in runner.loaded.auth_config["providers"]]
    assert issuers == ["https://api.workos.com/", "https://api.workos.com/user_management/client_x"]
    assert runner.loaded.versions["convex-test"] == "convex-test@0.0.71"
    assert runner.loaded.versions["tsx"] == "tsx@4.21.1"


def test_queries_mutations_and_actions_share_one_database_and_see_the_identity(fresh):
    assert fresh.call("query", "messages:list", {}, None).value == []
    assert fresh.call("query", "messages:whoami", {}, None).value is None
    who = fresh.call("query", "messages:whoami", {}, ADA).value
    assert who["subject"] == "user_01" and who["tokenIdentifier"] == ADA["tokenIdentifier"] and who["name"] == "Ada"
    sent = fresh.call("mutation", "messages:send", {"body": "hi"}, ADA)
    assert sent.ok and isinstance(sent.value, str)
    assert fresh.call("action", "messages:shout", {"body": "yo"}, ADA).value == "YO"
    assert fresh.call("query", "messages:list", {}, None).value == [{"body": "hi", "author": "Ada"},
                                                                     {"body": "YO", "author": "Ada"}]
    fresh.reset()
    assert fresh.call("query", "messages:list", {}, None).value == []


def test_a_thrown_error_is_a_server_error_with_a_request_id_and_the_app_frame(fresh):
    reply = fresh.call("query", "messages:fail", {}, None)
    assert not reply.ok and not reply.has_data
    assert reply.message.splitlines()[1:] == ["Uncaught Error: boom", "    at handler (../convex/messages.ts:33:11)"]
    assert __import__("re").match(REQUEST + "Uncaught Error: boom", reply.message)


def test_a_convex_error_keeps_its_data(fresh):
    reply = fresh.call("mutation", "messages:send", {"body": "hi"}, None)
    assert not reply.ok and reply.has_data
    assert reply.data == {"code": "UNAUTHENTICATED", "message": "sign in to send"}
    assert reply.message.splitlines()[1] == 'Uncaught ConvexError: {"code":"UNAUTHENTICATED","message":"sign in to send"}'
    assert fresh.call("query", "messages:list", {}, None).value == []  # nothing written


@pytest.mark.parametrize(("op", "path", "expected"), [
    ("query", "messages:nothing", "Could not find public function for 'messages:nothing'. "
                                  "Did you forget to run `npx convex dev` or `npx convex deploy`?"),
    ("query", "nowhere:list", "Could not find public function for 'nowhere:list'. "
                              "Did you forget to run `npx convex dev` or `npx convex deploy`?"),
    ("mutation", "messages:insertLater", "Could not find public function for 'messages:insertLater'. "
                                         "Did you forget to run `npx convex dev` or `npx convex deploy`?"),
    ("mutation", "messages:list", "Trying to execute messages:list as Mutation, but it is defined as Query."),
    ("query", "schema:default", "Could not find public function for 'schema:default'. "
                                "Did you forget to run `npx convex dev` or `npx convex deploy`?"),
])
def test_only_public_functions_of_the_right_kind_are_called(fresh, op, path, expected):
    reply = fresh.call(op, path, {"body": "x"} if op == "mutation" else {}, None)
    assert not reply.ok and reply.message.split("\n", 1)[1] == expected


TYPED = {"tags": ["x"], "kind": "a", "meta": {"k": 1.5}, "n": int64(7)}
VALIDATOR = ("v.object({kind: v.union(v.literal(\"a\"), v.literal(\"b\")), meta: v.record(v.string(), v.float64()), "
             "n: v.int64(), ref: v.optional(v.id(\"messages\")), tags: v.array(v.string())})")


@pytest.mark.parametrize(("args", "expected"), [
    ({**TYPED, "tags": ["x", 3]},
     "Value does not match validator.\nPath: .tags[1]\nValue: 3.0\nValidator: v.string()"),
    ({**TYPED, "kind": "c"},
     "Value does not match validator.\nPath: .kind\nValue: \"c\"\nValidator: v.union(v.literal(\"a\"), v.literal(\"b\"))"),
    ({**TYPED, "meta": {"k": "x"}},
     "Value does not match validator.\nPath: .meta.values()\nValue: \"x\"\nValidator: v.float64()"),
    ({**TYPED, "n": 7},
     "Value does not match validator.\nPath: .n\nValue: 7.0\nValidator: v.int64()"),
    ({**TYPED, "ref": "10001users"},
     "Found ID \"10001users\" from table `users`, which does not match the table name in validator "
     "`v.id(\"messages\")`.Path: .ref"),
    ({"tags": [], "kind": "a", "n": int64(1)},
     "Object is missing the required field `meta`. Consider wrapping the field validator in `v.optional(...)` if this "
     "is expected.\n\nObject: {kind: \"a\", n: 1, tags: []}\nValidator: " + VALIDATOR),
    ({**TYPED, "extra": True},
     "Object contains extra field `extra` that is not in the validator.\n\nObject: {extra: true, kind: \"a\", "
     "meta: {k: 1.5}, n: 7, tags: [\"x\"]}\nValidator: " + VALIDATOR),
])
def test_argument_errors_are_worded_as_the_backend_words_them(fresh, args, expected):
    reply = fresh.call("query", "messages:typed", args, None)
    assert not reply.ok
    assert reply.message.split("\n", 1)[1] == "ArgumentValidationError: " + expected


def test_valid_arguments_pass_and_bigints_round_trip(fresh):
    reply = fresh.call("query", "messages:typed", TYPED, None)
    assert reply.ok and reply.value == {"tags": 1, "kind": "a", "n": int64(7)}


def test_a_return_value_is_checked_against_its_validator(fresh):
    reply = fresh.call("query", "messages:badReturn", {}, None)
    assert reply.message.split("\n", 1)[1] == ("ReturnsValidationError: Value does not match validator.\n\n"
                                               "Value: 5.0\nValidator: v.string()")


# An independent reading of the `typed` validator, to check the runner's against.
def _typed_ok(a: object) -> bool:
    if not isinstance(a, dict) or set(a) - {"tags", "kind", "meta", "n", "ref"} or not {"tags", "kind", "meta", "n"} <= set(a):
        return False
    def num(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool)
    return (isinstance(a["tags"], list) and all(isinstance(t, str) for t in a["tags"])
            and a["kind"] in ("a", "b")
            and isinstance(a["meta"], dict) and all(num(v) for v in a["meta"].values())
            and isinstance(a["n"], dict) and set(a["n"]) == {"$integer"}
            and ("ref" not in a or a["ref"] == "10000messages"))


_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False, width=32),
                  st.sampled_from(["a", "b", "c", "10000messages", "10001users"]), st.just(int64(3)))
_json = st.recursive(_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.sampled_from(["k", "z"]), inner, max_size=2)),
                     max_leaves=6)
# Values of the fields' types and a few others, to put in the wrong field.
CONFUSING = [["x"], [1], [int64(2)], [], "a", "b", "c", "10000messages", "10001users", {"k": 1.5}, {"k": int64(2)},
             {"k": "x"}, {"k": None}, {}, int64(3), 3, 1.5, None, True]
VALID = {"tags": ["x"], "kind": "a", "meta": {"k": 1.5}, "n": int64(3)}


def _verdict(runner, args) -> bool:
    reply = runner.call("query", "messages:typed", args, None)
    if not reply.ok:  # always worded by the runner, never by convex-test ("Validator error: ...")
        assert reply.message.split("\n", 1)[1].startswith("ArgumentValidationError: "), reply.message
    return reply.ok


def test_every_value_in_every_field_is_judged_as_the_backend_would(runner):
    for name in ["tags", "kind", "meta", "n", "ref", "extra"]:
        for value in CONFUSING:
            args = {**VALID, name: value}
            assert _verdict(runner, args) == _typed_ok(args), args
        args = {k: v for k, v in VALID.items() if k != name}
        assert _verdict(runner, args) == _typed_ok(args), args


_args = st.fixed_dictionaries({}, optional={name: _json | st.sampled_from(CONFUSING)
                                            for name in ["tags", "kind", "meta", "n", "ref", "extra"]})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=_args)
def test_the_runner_accepts_exactly_the_valid_arguments(runner, args):
    assert _verdict(runner, args) == _typed_ok(args), args


def test_a_scheduled_function_runs_and_the_runner_says_it_wrote(fresh):
    fresh.writes.clear()
    assert fresh.call("mutation", "messages:sendLater", {"body": "later"}, None).ok
    assert fresh.writes.wait(10)
    assert fresh.call("query", "messages:list", {}, None).value == [{"body": "later", "author": "scheduler"}]


def test_a_function_that_never_ends_times_out_and_stops_the_runner(monkeypatch):
    monkeypatch.setitem(function_runner.LIMITS_S, "action", 1.0)
    with FunctionRunner(FUNCTIONS, env={"WORKOS_CLIENT_ID": "client_x"}) as r:
        reply = r.call("action", "messages:hang", {}, None)
        assert not reply.ok and reply.message == "Function execution timed out (maximum duration: 1s)"
        assert not r.running
        with pytest.raises(RunnerStopped, match="ran longer than 1 s"):
            r.call("query", "messages:list", {}, None)


def test_a_module_that_throws_stops_the_start_with_its_name_and_error():
    with pytest.raises(FunctionLoadError, match=r"bad\.ts: Error: this module cannot be loaded"):
        FunctionRunner(BROKEN).start()


def test_an_auth_config_reading_an_unset_variable_is_refused_as_convex_dev_refuses_it(monkeypatch):
    monkeypatch.delenv("WORKOS_CLIENT_ID", raising=False)
    with pytest.raises(FunctionLoadError, match="Environment variable WORKOS_CLIENT_ID is used in auth config file "
                                                "but its value was not set"):
        FunctionRunner(FUNCTIONS, env={}).start()


def test_a_folder_that_is_not_there_is_named(tmp_path):
    with pytest.raises(FunctionLoadError, match="not a folder"):
        FunctionRunner(tmp_path / "convex").start()


def test_without_convex_test_it_says_where_it_comes_from(tmp_path):
    app = tmp_path / "app" / "convex"
    app.mkdir(parents=True)
    (app / "f.ts").write_text("export const x = 1;\n")
    with pytest.raises(FunctionLoadError, match="npm install authtrace brings convex-test and tsx"):
        FunctionRunner(app, search=[]).start()
