"""Which field names hold secrets, and which hold ids that must stay readable.

A name is compared in a normalised form: lower case, with ``-``, ``_``, ``.``
and spaces removed, so ``refresh_token``, ``refreshToken`` and
``Refresh-Token`` are one name.

- **Secret names**: the value is fingerprinted whatever it looks like (also a
  list, an object or a short word). Exact names (``code``, ``authorization``,
  ``cookie``...) and any name containing ``token``, ``secret``, ``passw``,
  ``session``, ``cookie``, ``apikey``, ``authorization`` or
  ``signature``, unless it ends like a descriptor (``token_type``,
  ``session_id``, ``refresh_token_sent``: see ``_DESCRIPTOR_ENDS``).
- **Allow-listed names** (:data:`ALLOW_FIELDS`, and every name ending in
  ``id``/``ids``): ids, types and other non-secret descriptors. Their values
  skip only the entropy fallback; known secret shapes (a JWT, ``Bearer X``,
  ``refresh_token=X``) are still replaced.
- Everything else is plain: known shapes and the entropy fallback apply.

Users extend both lists per redactor (``Redactor(allow_fields=..., secret_fields=...)``,
``authtrace trace redact --allow-field NAME``); docs/redaction.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

SECRET, ALLOWED, PLAIN = "secret", "allowed", "plain"

# Kept for callers of the old module (the emulators' event log): raw lower-case names.
TOKEN_KEYS = frozenset({
    "access_token", "refresh_token", "id_token", "token", "accesstoken", "refreshtoken", "client_secret",
    "password", "session_token", "sealed_session",
})
CODE_KEYS = frozenset({"code", "code_verifier", "codeverifier"})
HEADER_SECRETS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
STORAGE_PREFIXES = ("workos:refresh-token",)
STORAGE_VALUE_KEYS = frozenset({"value", "oldValue", "newValue", "old_value", "new_value"})
COOKIE_ATTRS = frozenset({"domain", "path", "expires", "httpOnly", "httponly", "secure", "sameSite", "samesite",
                          "partitioned", "priority", "size", "session"})

_EXACT_SECRETS = frozenset({"code", "codeverifier", "authcode", "authorizationcode", "oauthcode", "otp",
                            "authorization", "proxyauthorization", "cookie", "cookies", "setcookie", "xapikey",
                            "apikey", "bearer", "privatekey", "clientsecret", "pass", "pwd", "credential"})
# ("credential" is not one: fetch's "credentials" is a mode such as "include".)
_SECRET_PARTS = ("token", "secret", "passw", "session", "cookie", "apikey", "authorization", "signature")
# A secret-sounding name that describes a secret instead of holding one.
_DESCRIPTOR_ENDS = ("id", "ids", "type", "types", "kind", "count", "sent", "fp", "fingerprint", "present", "name",
                    "names", "ttl", "expiresin", "expiresat", "exp", "iat", "ms", "len", "length", "size", "status",
                    "state", "method", "mode", "url", "changed", "attempted", "error", "errors", "reason", "at",
                    "endpoint", "path", "source", "refreshing", "enabled", "required", "valid", "version")

# Ids, types and descriptors whose values are not secret even when long and random-looking
# (the diagnosis matches on several of them). Compared normalised; any name ending in "id"/"ids"
# is allow-listed too.
ALLOW_FIELDS = frozenset({
    # JWT claims kept by authtrace.jwt, and JOSE header fields
    "sub", "sid", "jti", "kid", "iss", "aud", "alg", "enc", "typ", "iat", "exp", "nbf",
    # trace structure and event descriptors
    "tab", "tabs", "type", "kind", "event", "eventtype", "name", "level", "area", "key", "call", "seq",
    "socket", "request", "connection", "recordedby", "format", "source", "scenario", "adapter", "origin",
    # WorkOS and Convex fields that are ids or enums
    "granttype", "tokentype", "authenticationmethod", "udfpath", "querypath", "component",
    # URLs' paths, versions and browser strings
    "path", "pathname", "route", "version", "authtraceversion", "clientversion", "useragent", "httpversion",
    # HAR descriptors
    "pageref", "mimetype", "statustext", "resourcetype", "serveripaddress", "starteddatetime", "title",
    # request correlation ids
    "xrequestid", "requestid", "xcorrelationid", "correlationid", "traceparent", "tracestate", "xcloudtraceid",
    "cfray", "xamzcfid", "etag",
})


def normalise(name: str) -> str:
    return "".join(c for c in name.lower() if c not in "-_. ")


def _builtin_class(n: str) -> str:
    if n in _EXACT_SECRETS:
        return SECRET
    if any(part in n for part in _SECRET_PARTS) and not n.endswith(_DESCRIPTOR_ENDS):
        return SECRET
    if n in ALLOW_FIELDS or n.endswith(("id", "ids")):
        return ALLOWED
    return PLAIN


class Names:
    """Field-name classification with a user's additions; memoised (names repeat a lot)."""

    def __init__(self, allow_fields: Iterable[str] = (), secret_fields: Iterable[str] = ()) -> None:
        self._allow = frozenset(normalise(n) for n in allow_fields)
        self._secret = frozenset(normalise(n) for n in secret_fields)
        self._memo: dict[str, str] = {}

    def classify(self, name: str) -> str:
        got = self._memo.get(name)
        if got is None:
            n = normalise(name)
            if n in self._secret:
                got = SECRET
            elif n in self._allow:
                got = ALLOWED
            else:
                got = _builtin_class(n)
            if len(self._memo) < 4096:
                self._memo[name] = got
        return got

    def is_secret(self, name: str) -> bool:
        return self.classify(name) == SECRET


@lru_cache(maxsize=1024)
def prefix_for(name: str) -> str:
    """The fingerprint prefix of a secret field's value."""
    n = normalise(name)
    if "cookie" in n:
        return "cookie"
    if n == "code" or n.endswith("code") or n.startswith("codeverifier"):
        return "code"
    return "tok"


@lru_cache(maxsize=1024)
def header_kind(name: str) -> str | None:
    """How a secret header's value is structured: ``scheme`` (``Bearer X``), ``cookie``,
    ``set-cookie``, or None (the whole value is the secret)."""
    n = normalise(name)
    if n in ("authorization", "proxyauthorization"):
        return "scheme"
    if n.endswith("setcookie"):
        return "set-cookie"
    if n.endswith(("cookie", "cookies")):  # Cookie, cookies, document.cookie, documentCookie
        return "cookie"
    return None
