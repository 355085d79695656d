"""The emulator's built-in Convex app: a tiny in-memory database and three functions.

* query ``auth:whoami`` → the caller's ``UserIdentity`` or ``null``;
* query ``messages:list {limit?}`` → the newest messages (oldest first);
* mutation ``messages:send {body}`` → stores ``{body, author, authorTokenIdentifier}``;
  unauthenticated callers get the error a Convex function's ``throw new
  Error("Not authenticated")`` gives.

Functions report which tables they read so that the sync layer re-runs a
subscription only when one of them changes, like Convex's read sets.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

from .convex_protocol import canonicalize_udf_path

# Standard OIDC claims are exposed to functions camel-cased (UserIdentity in
# convex/server); registered JWT claims other than iss/sub are not exposed.
_OIDC_CLAIMS = {
    "name": "name",
    "given_name": "givenName",
    "family_name": "familyName",
    "nickname": "nickname",
    "preferred_username": "preferredUsername",
    "profile": "profileUrl",
    "picture": "pictureUrl",
    "email": "email",
    "email_verified": "emailVerified",
    "gender": "gender",
    "birthdate": "birthday",
    "zoneinfo": "timezone",
    "locale": "language",
    "phone_number": "phoneNumber",
    "phone_number_verified": "phoneNumberVerified",
    "address": "address",
    "updated_at": "updatedAt",
}
_REGISTERED = {"iss", "sub", "aud", "exp", "iat", "nbf", "jti"}
MAX_DOCUMENT_BYTES = 1 << 20  # Convex's limit
MAX_READ_BYTES = 8 << 20  # what one query may read here (Convex fails a function that reads too much)
PREVIEW_CHARS = 2000  # of a value quoted in an error message


def _json_chunks(value: Any):
    # The pure-Python encoder yields as it goes, so a caller can stop early
    # (the C one would first serialize everything, holding the event loop).
    return json.JSONEncoder(ensure_ascii=False).iterencode(value)


def _json_size(value: Any, limit: int) -> int:
    """The UTF-8 size of ``value`` as JSON, counted up to a little past ``limit``."""
    size = 0
    for chunk in _json_chunks(value):
        size += len(chunk.encode("utf-8", "surrogatepass"))
        if size > limit:
            break
    return size


def _preview(value: Any) -> str:
    """``value`` as JSON for an error message, cut after PREVIEW_CHARS characters."""
    out, size = [], 0
    for chunk in _json_chunks(value):
        out.append(chunk)
        size += len(chunk)
        if size > PREVIEW_CHARS:
            return "".join(out)[:PREVIEW_CHARS] + "…"
    return "".join(out)


@dataclass(frozen=True)
class Identity:
    """A verified user: what ``ctx.auth.getUserIdentity()`` returns, plus ``exp``."""

    attributes: dict[str, Any]
    exp: float

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Identity":
        attrs: dict[str, Any] = {
            "tokenIdentifier": f"{claims['iss']}|{claims['sub']}",
            "subject": claims["sub"],
            "issuer": claims["iss"],
        }
        for key, value in claims.items():
            if key in _REGISTERED:
                continue
            attrs[_OIDC_CLAIMS.get(key, key)] = value
        exp = claims["exp"]
        return cls(attrs, float(exp) if abs(exp) < 1e300 else (math.inf if exp > 0 else -math.inf))

    @property
    def token_identifier(self) -> str:
        return self.attributes["tokenIdentifier"]

    def expired(self, now: float) -> bool:
        # UserIdentity::is_expired: now >= exp, no leeway.
        return now >= self.exp


class FunctionError(Exception):
    """A function threw: becomes ``QueryFailed`` / a failed ``MutationResponse``."""

    def __init__(self, message: str, error_data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_data = error_data


def _server_error(detail: str) -> FunctionError:
    # What a dev deployment sends for an uncaught error in a function.
    return FunctionError(f"[Request ID: {secrets.token_hex(8)}] Server Error\n{detail}")


@dataclass
class Outcome:
    value: Any = None
    error: FunctionError | None = None
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    uses_identity: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None



@dataclass
class _Ctx:
    app: "ConvexApp"
    identity: Identity | None
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    ts_ms: float = 0.0
    used_identity: bool = False

    def user(self) -> dict[str, Any] | None:
        self.used_identity = True
        return dict(self.identity.attributes) if self.identity else None

    def table(self, name: str) -> list[dict[str, Any]]:
        self.reads.add(name)
        return self.app.tables.setdefault(name, [])

    def insert(self, name: str, doc: dict[str, Any]) -> str:
        size = _json_size(doc, MAX_DOCUMENT_BYTES)
        if size > MAX_DOCUMENT_BYTES:  # Convex's document size limit
            raise _server_error(f"Uncaught Error: Document is too large (more than {MAX_DOCUMENT_BYTES} bytes)")
        self.writes.add(name)
        doc_id = self.app.new_id()
        self.app.tables.setdefault(name, []).append({"_id": doc_id, "_creationTime": self.ts_ms, **doc})
        return doc_id


Handler = Callable[[_Ctx, dict[str, Any]], Any]


class ConvexApp:
    """The functions and the data; one instance per emulator."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}
        self._id_counter = 0
        self.queries: dict[str, Handler] = {
            "auth:whoami": _whoami,
            "messages:list": _list_messages,
        }
        self.mutations: dict[str, Handler] = {
            "messages:send": _send_message,
        }
        self.actions: dict[str, Handler] = {}

    def new_id(self) -> str:
        self._id_counter += 1
        return f"k{self._id_counter:08d}{secrets.token_hex(6)}"

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.tables.get("messages", []))

    def reset(self) -> None:
        self.tables.clear()

    def _run(self, registry: dict[str, Handler], path: str, args: dict[str, Any],
             identity: Identity | None, ts_ms: float) -> Outcome:
        name = canonicalize_udf_path(path)
        handler = registry.get(name)
        if handler is None:
            return Outcome(error=_server_error(
                f"Could not find public function for '{name}'. "
                "Did you forget to run `npx convex dev` or `npx convex deploy`?"))
        ctx = _Ctx(self, identity, ts_ms=ts_ms)
        try:
            value = handler(ctx, args)
        except FunctionError as exc:
            return Outcome(error=exc, reads=frozenset(ctx.reads), uses_identity=ctx.used_identity)
        return Outcome(value=value, reads=frozenset(ctx.reads), writes=frozenset(ctx.writes),
                       uses_identity=ctx.used_identity)

    def query(self, path: str, args: dict[str, Any], identity: Identity | None) -> Outcome:
        return self._run(self.queries, path, args, identity, 0.0)

    def mutation(self, path: str, args: dict[str, Any], identity: Identity | None, ts_ms: float) -> Outcome:
        # Writes of a failing mutation are rolled back: handlers validate before inserting.
        return self._run(self.mutations, path, args, identity, ts_ms)

    def action(self, path: str, args: dict[str, Any], identity: Identity | None) -> Outcome:
        return self._run(self.actions, path, args, identity, 0.0)


# -- the functions ------------------------------------------------------------


def _validate(args: dict[str, Any], fields: dict[str, tuple[type, bool]], validator: str) -> None:
    for key, (kind, required) in fields.items():
        if key not in args:
            if required:
                raise _server_error(
                    f"ArgumentValidationError: Object is missing the required field `{key}`. "
                    "Consider wrapping the field validator in `v.optional(...)` if this is expected.\n\n"
                    f"Object: {_preview(args)}\nValidator: {validator}")
            continue
        if not isinstance(args[key], kind) or isinstance(args[key], bool) and kind is not bool:
            raise _server_error(
                f"ArgumentValidationError: Value does not match validator.\nPath: .{key}\n"
                f"Value: {_preview(args[key])}\nValidator: {validator}")
    for key in args:
        if key not in fields:
            raise _server_error(
                f"ArgumentValidationError: Object contains extra field `{key}` that is not in the validator.\n\n"
                f"Object: {_preview(args)}\nValidator: {validator}")


def _whoami(ctx: _Ctx, args: dict[str, Any]) -> Any:
    _validate(args, {}, "v.object({})")
    return ctx.user()


def _list_messages(ctx: _Ctx, args: dict[str, Any]) -> Any:
    _validate(args, {"limit": ((int, float), False)}, "v.object({limit: v.optional(v.number())})")
    limit = int(min(max(args.get("limit", 100), 0), 10_000))
    rows = ctx.table("messages")[-limit:] if limit > 0 else []
    read = 0
    for row in rows:
        read += _json_size(row, MAX_READ_BYTES - read)
        if read > MAX_READ_BYTES:
            raise _server_error(f"Uncaught Error: Too many bytes read in a single function execution (limit: {MAX_READ_BYTES} bytes)")
    return [dict(row) for row in rows]


def _send_message(ctx: _Ctx, args: dict[str, Any]) -> Any:
    _validate(args, {"body": (str, True)}, "v.object({body: v.string()})")
    user = ctx.user()
    if user is None:
        raise _server_error("Uncaught Error: Not authenticated\n    at handler (../convex/messages.ts)")
    author = user.get("name") or user.get("email") or user["subject"]
    return ctx.insert("messages", {
        "body": args["body"],
        "author": author,
        "authorTokenIdentifier": user["tokenIdentifier"],
    })
