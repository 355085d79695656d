"""Convex sync protocol: message codec, version bookkeeping and protocol errors.

Everything here is pure (no I/O) so it can be tested on its own. The shapes
follow the ``convex`` 1.48.0 client (``src/browser/sync/protocol.ts``):

* u64 timestamps travel as base64 of 8 little-endian bytes;
* a ``StateVersion`` is ``{querySet, identity, ts}`` and every Transition's
  ``startVersion`` must equal the previous ``endVersion`` of the connection;
* ``args`` is an array holding one object.

Errors carry the class the real backend gives them, because the class decides
what the client sees before the socket closes (see :class:`ProtocolError`).

A frame the real backend's deserializer (serde) would refuse is a
``WSMessageInvalidJson`` bad request here too: not JSON, ``NaN``/``Infinity``
or an out-of-range number, a lone surrogate (``"\ud800"``), nesting deeper
than :data:`MAX_DEPTH`, a missing field or one of the wrong type, an id or
version beyond u32, or an identifier longer than its limit in :data:`MAX_LENGTH`.
"""

from __future__ import annotations

import base64
import functools
import json
import struct
from dataclasses import dataclass
from typing import Any, Callable

from .inputs import BadInput, parse_json

ZERO_TS = "AAAAAAAAAAA="

CLIENT_MESSAGE_TYPES = ("Connect", "Authenticate", "ModifyQuerySet", "Mutation", "Action", "Event")
MAX_DEPTH = 64  # of a whole client message, arguments included
MAX_U32 = (1 << 32) - 1  # query ids, request ids, versions, connection counts
MAX_SAFE_INT = (1 << 53) - 1  # clientTs (ms)
# Longest accepted strings; the client sends a UUID session id and short paths.
MAX_LENGTH = {"sessionId": 128, "lastCloseReason": 1024, "udfPath": 1024, "componentPath": 1024,
              "eventType": 128, "journal": 65_536}


# -- u64 ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)  # a fan-out encodes the same few timestamps for every connection
def encode_u64(value: int) -> str:
    """``int`` → base64 of 8 little-endian bytes (the wire form of a Convex ts)."""
    if not 0 <= value < 1 << 64:
        raise ValueError(f"u64 out of range: {value}")
    return base64.b64encode(struct.pack("<Q", value)).decode("ascii")


def decode_u64(text: str) -> int:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 8:
        raise ValueError(f"expected 8 bytes, got {len(raw)}")
    return struct.unpack("<Q", raw)[0]


# -- versions ----------------------------------------------------------------


@dataclass(frozen=True, order=True)
class StateVersion:
    """The per-connection version; starts at zero on every new WebSocket."""

    query_set: int = 0
    identity: int = 0
    ts: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"querySet": self.query_set, "identity": self.identity, "ts": encode_u64(self.ts)}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "StateVersion":
        return cls(obj["querySet"], obj["identity"], decode_u64(obj["ts"]))


def to_ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


class Timestamps:
    """Strictly increasing commit timestamps in nanoseconds, from the injected clock.

    Seeded from wall-clock time so that a client that saw an earlier emulator
    never reports a ``maxObservedTimestamp`` ahead of this one.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.latest = to_ns(clock())

    def next(self) -> int:
        self.latest = max(self.latest + 1, to_ns(self.clock()))
        return self.latest


# -- errors ------------------------------------------------------------------


class ProtocolError(Exception):
    """A condition that ends the connection, classified like the backend does.

    ``kind`` decides what happens next:

    * ``"bad_request"``: ``FatalError{error: msg}`` then a close frame with no
      status code (the client terminates for good);
    * ``"auth_update_failed"``: ``AuthError{authUpdateAttempted: true}`` then
      a code-less close;
    * ``"unauthenticated"``: ``AuthError{authUpdateAttempted: false}`` then a
      code-less close;
    * ``"internal"``: close 1011 with reason ``InternalServerError``.
    """

    def __init__(self, kind: str, short: str, msg: str) -> None:
        super().__init__(msg)
        self.kind = kind
        self.short = short
        self.msg = msg


def bad_request(short: str, msg: str) -> ProtocolError:
    return ProtocolError("bad_request", short, msg)


def internal(msg: str) -> ProtocolError:
    return ProtocolError("internal", "InternalServerError", msg)


def auth_update_failed(short: str, msg: str) -> ProtocolError:
    return ProtocolError("auth_update_failed", short, msg)


def unauthenticated(short: str, msg: str) -> ProtocolError:
    return ProtocolError("unauthenticated", short, msg)


def token_expired() -> ProtocolError:
    return unauthenticated("TokenExpired", "Convex token identity expired")


# -- client → server ---------------------------------------------------------


def _invalid(detail: str) -> ProtocolError:
    return bad_request("WSMessageInvalidJson", f"Received Invalid JSON on websocket: {detail}")


def _need(msg: dict, key: str, kinds: type | tuple[type, ...], *, optional: bool = False,
          max_int: int = MAX_U32) -> Any:
    if key not in msg or msg[key] is None:
        if optional:
            return None
        raise _invalid(f"missing field `{key}`")
    value = msg[key]
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise _invalid(f"invalid type for `{key}`")
    if not isinstance(value, kinds):
        raise _invalid(f"invalid type for `{key}`")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not 0 <= value <= max_int:
        raise _invalid(f"`{key}` out of range")
    if isinstance(value, str) and len(value) > MAX_LENGTH.get(key, len(value)):
        raise _invalid(f"`{key}` is longer than {MAX_LENGTH[key]} characters")
    return value


def _args(msg: dict) -> dict:
    args = _need(msg, "args", list)
    if len(args) != 1 or not isinstance(args[0], dict):
        raise _invalid("`args` must be an array holding one object")
    return args[0]


def parse_client_message(text: str | bytes, *, interruptible: bool = False) -> dict[str, Any]:
    """Parse and check one client frame; returns the decoded dict.

    ``maxObservedTimestamp`` is decoded to an ``int`` in place, and each
    ``Add`` modification gets ``argsKey``, the canonical JSON of its arguments
    (the query cache's key), so that all the work proportional to the frame's
    size happens here, where the driver can run it off the event loop
    (``interruptible``: see :func:`~.inputs.parse_json`). Anything the real
    server's deserializer would refuse raises a ``bad_request``
    :class:`ProtocolError` (``WSMessageInvalidJson``).
    """
    if isinstance(text, (bytes, bytearray)):
        raise internal("Unexpected message type: Binary")
    try:
        msg = parse_json(text, max_depth=MAX_DEPTH, what="message", interruptible=interruptible)
    except BadInput as exc:
        raise _invalid(str(exc)) from None
    if not isinstance(msg, dict):
        raise _invalid("expected a JSON object")
    kind = msg.get("type")
    if kind not in CLIENT_MESSAGE_TYPES:
        raise _invalid(f"unknown variant `{kind}`")
    if kind == "Connect":
        _need(msg, "sessionId", str)
        _need(msg, "connectionCount", int)
        if msg.get("lastCloseReason") is not None:
            _need(msg, "lastCloseReason", str)
        if msg.get("clientTs") is not None:
            _need(msg, "clientTs", (int, float), max_int=MAX_SAFE_INT)
        mot = msg.get("maxObservedTimestamp")
        if mot is not None:
            if not isinstance(mot, str) or len(mot) > 16:
                raise _invalid("invalid type for `maxObservedTimestamp`")
            try:
                msg["maxObservedTimestamp"] = decode_u64(mot)
            except ValueError as exc:
                raise _invalid(f"bad `maxObservedTimestamp`: {exc}") from None
    elif kind == "Authenticate":
        token_type = _need(msg, "tokenType", str)
        if token_type not in ("User", "Admin", "None"):
            raise _invalid(f"unknown tokenType `{token_type}`")
        _need(msg, "baseVersion", int)
        if token_type != "None":
            _need(msg, "value", str)
    elif kind == "ModifyQuerySet":
        _need(msg, "baseVersion", int)
        _need(msg, "newVersion", int)
        mods = _need(msg, "modifications", list)
        for mod in mods:
            if not isinstance(mod, dict) or mod.get("type") not in ("Add", "Remove"):
                raise _invalid("bad query set modification")
            _need(mod, "queryId", int)
            if mod["type"] == "Add":
                _need(mod, "udfPath", str)
                mod["argsKey"] = args_key(_args(mod), interruptible=interruptible)
                if mod.get("journal") is not None:
                    _need(mod, "journal", str)
                if mod.get("componentPath") is not None:
                    _need(mod, "componentPath", str)
    elif kind in ("Mutation", "Action"):
        _need(msg, "requestId", int)
        _need(msg, "udfPath", str)
        _args(msg)
        if msg.get("componentPath") is not None:
            _need(msg, "componentPath", str)
    elif kind == "Event":
        _need(msg, "eventType", str)
    return msg


def args_key(args: dict[str, Any], *, interruptible: bool = False) -> str:
    """Canonical JSON of a query's arguments; ``interruptible`` uses the pure-Python encoder
    (slower, but it does not hold the interpreter for the whole value)."""
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
    return "".join(encoder.iterencode(args)) if interruptible else encoder.encode(args)


def canonicalize_udf_path(path: str) -> str:
    """``auth.js:whoami`` → ``auth:whoami``; ``auth`` → ``auth:default``."""
    module, sep, name = path.rpartition(":")
    if not sep:
        module, name = path, "default"
    if module.endswith(".js"):
        module = module[:-3]
    return f"{module}:{name}"


# -- server → client ---------------------------------------------------------


def transition(
    start: StateVersion,
    end: StateVersion,
    modifications: list[dict[str, Any]],
    *,
    client_clock_skew: int | None = None,
    server_ts: int | None = None,
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "type": "Transition",
        "startVersion": start.to_json(),
        "endVersion": end.to_json(),
        "modifications": modifications,
    }
    if client_clock_skew is not None:
        msg["clientClockSkew"] = client_clock_skew
    if server_ts is not None:
        msg["serverTs"] = server_ts
    return msg


def transition_json(start: StateVersion, end: StateVersion, modifications: list[str], *,
                    client_clock_skew: int | None = None, server_ts: int | None = None) -> str:
    """A Transition as JSON text, its modifications given as JSON text already.

    Each query result is serialized once for all the connections subscribed to
    it (see ``QueryResult.modification_json``), and the envelope, the same few
    numbers on every connection, is written out directly: the very text
    ``dumps(transition(...))`` gives, at a fraction of the cost of a fan-out to
    a thousand connections.
    """
    text = (f'{{"type":"Transition","startVersion":{_version_json(start)},"endVersion":{_version_json(end)},'
            f'"modifications":[{",".join(modifications)}]')
    if client_clock_skew is not None:
        text += f',"clientClockSkew":{_number(client_clock_skew)}'
    if server_ts is not None:
        text += f',"serverTs":{_number(server_ts)}'
    return text + "}"


def _version_json(v: StateVersion) -> str:
    return f'{{"querySet":{_number(v.query_set)},"identity":{_number(v.identity)},"ts":"{encode_u64(v.ts)}"}}'


def _number(value: int) -> str:
    return str(value) if type(value) is int else dumps(value)


def query_updated(query_id: int, value: Any, journal: str | None = None) -> dict[str, Any]:
    return {"type": "QueryUpdated", "queryId": query_id, "value": value, "logLines": [], "journal": journal}


def query_failed(query_id: int, message: str, error_data: Any = None, journal: str | None = None) -> dict[str, Any]:
    mod = {"type": "QueryFailed", "queryId": query_id, "errorMessage": message, "logLines": [], "journal": journal}
    if error_data is not None:
        mod["errorData"] = error_data
    return mod


def query_removed(query_id: int) -> dict[str, Any]:
    return {"type": "QueryRemoved", "queryId": query_id}


def mutation_success(request_id: int, result: Any, ts: int) -> dict[str, Any]:
    return {"type": "MutationResponse", "requestId": request_id, "success": True, "result": result,
            "ts": encode_u64(ts), "logLines": []}


def mutation_failure(request_id: int, message: str, error_data: Any = None) -> dict[str, Any]:
    msg = {"type": "MutationResponse", "requestId": request_id, "success": False, "result": message,
           "ts": None, "logLines": []}
    if error_data is not None:
        msg["errorData"] = error_data
    return msg


def action_response(request_id: int, *, success: bool, result: Any, error_data: Any = None) -> dict[str, Any]:
    msg = {"type": "ActionResponse", "requestId": request_id, "success": success, "result": result, "logLines": []}
    if not success and error_data is not None:
        msg["errorData"] = error_data
    return msg


def auth_error(error: str, base_version: int, auth_update_attempted: bool) -> dict[str, Any]:
    return {"type": "AuthError", "error": error, "baseVersion": base_version, "authUpdateAttempted": auth_update_attempted}


def fatal_error(error: str) -> dict[str, Any]:
    return {"type": "FatalError", "error": error}


PING = {"type": "Ping"}


def dumps(msg: dict[str, Any]) -> str:
    return json.dumps(msg, separators=(",", ":"), ensure_ascii=False)
