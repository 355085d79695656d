"""The redactor: walks JSON-like values and sends every key and string through the text rules.

Structure adds what a string alone cannot tell:

- a secret-named field (see :mod:`.names`) is fingerprinted whatever its value
  is: a string, a list, an object (every leaf), a header with a scheme
  (``Authorization: Bearer X`` keeps ``Bearer``), cookies (each value);
- a ``{name, value}`` pair (HAR headers, query params, cookies) and a
  ``[name, value]`` pair (headers as a list of pairs) give the value the
  pair's name as its field; a cookie object (``{name, value, domain…}`` or
  anything under ``cookies``) always has its value fingerprinted;
- ``{"type": "Authenticate", "value": X}`` (a Convex frame) and
  ``{"key": "workos:refresh-token:…", "value"/"newValue"/"oldValue": X}``
  (storage) hold secrets, as does any key starting with
  ``workos:refresh-token``;
- ``{"encoding": "base64", "text": X}`` (HAR bodies): decoded, redacted,
  re-encoded when something changed;
- allow-listed fields skip the entropy fallback.

The walk keeps its own stack, so any depth is fine (no recursion), and it
never changes its input.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from ..event import Event
from ..jwt import read_claims
from .names import COOKIE_ATTRS, STORAGE_PREFIXES, STORAGE_VALUE_KEYS, Names, header_kind, prefix_for
from .text import _MAYBE, TextRedaction
from .tokens import MIN_TOKEN, fingerprint, is_fingerprint

_SCALARS = (str, int, float, bool, type(None))
_BASE64_MAX = 64 << 20  # larger base64 bodies are fingerprinted whole
_CONTEXT_KEYS = frozenset({"text"}) | STORAGE_VALUE_KEYS


class Context:
    """What an object's members tell about each other (see the module docstring)."""

    __slots__ = ("authenticate", "storage", "pair_name", "cookie", "base64")

    def __init__(self, obj: Mapping[str, Any], field: str | None) -> None:
        self.authenticate = obj.get("type") == "Authenticate"
        name = obj.get("name")
        self.pair_name = name if isinstance(name, str) and "value" in obj else None
        # the storage key (or a {name, value} pair named like it) makes the values secret,
        # whatever the client id after the prefix ends with
        key = obj.get("key") if self.pair_name is None else self.pair_name
        self.storage = isinstance(key, str) and key.startswith(STORAGE_PREFIXES)
        self.cookie = self.pair_name is not None and (
            (field is not None and header_kind(field) == "cookie") or not COOKIE_ATTRS.isdisjoint(obj))
        self.base64 = obj.get("encoding") == "base64"


class Redactor(TextRedaction):
    """Replaces every secret it finds in JSON-like values by a fingerprint.

    ``jwt`` collects the non-secret claims of the JWTs it replaced, keyed by
    fingerprint. ``allow_fields``/``secret_fields`` extend the built-in lists
    (:mod:`authtrace.redaction.names`).
    """

    def __init__(self, allow_fields: Iterable[str] = (), secret_fields: Iterable[str] = ()) -> None:
        self.jwt: dict[str, dict[str, Any]] = {}
        self.names = Names(allow_fields, secret_fields)

    # -- secrets ---------------------------------------------------------------------
    def secret(self, value: Any, prefix: str = "tok") -> Any:
        """Fingerprint a value known to be secret: a string, or every string in a list/object."""
        if isinstance(value, str):
            return self._secret_text(value, prefix)
        if isinstance(value, (dict, list, tuple)):
            return self.value(value, None, prefix)
        return value  # None, booleans and numbers are not secrets

    def _secret_text(self, text: str, prefix: str) -> str:
        if text == "" or is_fingerprint(text):
            return text
        claims = read_claims(text)
        if claims is not None:
            fp = fingerprint(text.strip(), "tok")
            self.jwt[fp] = claims.to_json()
            return fp
        if "%" in text and prefix != "cookie":  # a URL-encoded token: the same fingerprint as the raw one
            text = unquote(text)
        return fingerprint(text, prefix)

    # -- structure --------------------------------------------------------------------
    def value(self, value: Any, field: str | None = None, secret: str | None = None) -> Any:
        """A redacted copy of ``value``; ``field`` is the name it was found under, ``secret`` a
        fingerprint prefix when the whole value is secret."""
        if isinstance(value, str):
            return self._secret_text(value, secret) if secret else self.string(value, field)
        if isinstance(value, _SCALARS):
            return value
        box: list[Any] = [None]
        stack: list[Iterator] = [iter(((value, field, secret, box, 0),))]
        while stack:
            for v, f, p, out, slot in stack[-1]:
                if isinstance(v, str):
                    out[slot] = self._secret_text(v, p) if p else self.string(v, f)
                elif isinstance(v, dict):
                    new: dict = {}
                    out[slot] = new
                    stack.append(self._members(v, f, p, new))
                    break
                elif isinstance(v, (list, tuple)):
                    items: list = [None] * len(v)
                    out[slot] = items
                    stack.append(self._elements(v, f, p, items))
                    break
                else:
                    out[slot] = v
            else:
                stack.pop()
        return box[0]

    def key(self, key: Any) -> Any:
        if not isinstance(key, str) or (len(key) < MIN_TOKEN and not _MAYBE.search(key)):
            return key
        return self.string(key)

    def _members(self, obj: dict, field: str | None, secret: str | None, out: dict) -> Iterator:
        if secret is None and field is not None and self.names.is_secret(field):
            if header_kind(field) != "cookie" or not isinstance(obj.get("name"), str):
                secret = prefix_for(field)
        if secret:
            for k, v in obj.items():
                nk = self.key(k)
                out[nk] = None
                yield v, None, secret, out, nk
            return
        # Most objects have no member whose meaning depends on its siblings.
        ctx = Context(obj, field) if not _CONTEXT_KEYS.isdisjoint(obj) else None
        key = self.key
        for k, v in obj.items():
            nk = key(k)
            if ctx is None:
                if isinstance(k, str) and k.startswith(STORAGE_PREFIXES):
                    out[nk] = None
                    yield v, None, "tok", out, nk
                else:
                    out[nk] = None
                    yield v, k if isinstance(k, str) else None, None, out, nk
                continue
            f, p, special = self.member(k, v, ctx)
            if special is not None:
                out[nk] = special
                continue
            out[nk] = None
            yield v, f, p, out, nk

    def member(self, key: Any, value: Any, ctx: Context) -> tuple[str | None, str | None, Any]:
        """How the member ``key`` of an object with context ``ctx`` is redacted:
        (field, secret prefix, ready value or None)."""
        if not isinstance(key, str):
            return None, None, None
        if key == "value":
            if ctx.authenticate or ctx.storage:
                return None, "tok", None
            if ctx.pair_name is not None:
                return (None, "cookie", None) if ctx.cookie else (ctx.pair_name, None, None)
        elif ctx.storage and key in STORAGE_VALUE_KEYS:
            return None, "tok", None
        elif key == "text" and ctx.base64 and isinstance(value, str):
            return None, None, self.base64_text(value)
        if key.startswith(STORAGE_PREFIXES):
            return None, "tok", None
        return key, None, None

    def _elements(self, seq: list | tuple, field: str | None, secret: str | None, out: list) -> Iterator:
        if secret is None and len(seq) == 2 and isinstance(seq[0], str) and len(seq[0]) <= 128 and not (
                field is not None and self.names.is_secret(field)):
            yield seq[0], None, None, out, 0  # [name, value]: a header or parameter as a pair
            yield seq[1], seq[0], "tok" if seq[0].startswith(STORAGE_PREFIXES) else None, out, 1
            return
        for i, v in enumerate(seq):
            yield v, field, secret, out, i

    def base64_text(self, text: str) -> str:
        """A base64 body (HAR ``content.encoding``): decoded, redacted, encoded again if changed."""
        if len(text) > _BASE64_MAX:
            return self._secret_text(text, "tok")
        try:
            raw = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return self.string(text)
        try:
            decoded, codec = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            decoded, codec = raw.decode("latin-1"), "latin-1"
        red = self.string(decoded)
        if red == decoded:
            return text
        # strictly decoded text plus ASCII fingerprints: it always encodes back
        return base64.b64encode(red.encode(codec)).decode()

    # -- compatibility with the old flat API ---------------------------------------------
    def mapping(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.value(obj)

    def header(self, name: str, value: Any) -> Any:
        """A named value: an HTTP header, a HAR query/form param or a storage entry."""
        if name.startswith(STORAGE_PREFIXES):
            return self.secret(value)
        return self.value(value, name)

    # -- events ------------------------------------------------------------------------
    def event(self, event: Event) -> Event:
        """The event with its tab, type and payload redacted; JWT claims go to ``payload["jwt"]``."""
        before = self.jwt
        self.jwt = {}
        payload = self.value(dict(event.payload))
        claims, self.jwt = self.jwt, {**before, **self.jwt}
        if claims:
            old = payload.get("jwt")
            payload["jwt"] = {**old, **claims} if isinstance(old, dict) else claims
        tab = self.string(event.tab, "tab") if isinstance(event.tab, str) else event.tab
        type_ = self.string(event.type, "type") if isinstance(event.type, str) else event.type
        return Event(tab, event.mono, event.wall, event.kind, type_, payload, event.id)
