"""Replace secrets by stable fingerprints before anything is stored.

A fingerprint is a prefix plus the first 12 hex digits of the SHA-256 of the
secret, e.g. ``tok:3f2a9c0d1e7b``. The same token gives the same fingerprint in
every event, tab and on the emulator's side, so it can be followed through a
trace, but it cannot be turned back into the token. JWTs additionally keep
their decoded non-secret claims (see :mod:`authtrace.jwt`) in the ``jwt`` map
of the value that held them, keyed by fingerprint.

Redaction is idempotent: a fingerprint is never fingerprinted again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from .event import Event
from .jwt import JWT_RE, read_claims

FINGERPRINT_RE = re.compile(r"^(?:tok|code|cookie):[0-9a-f]{12}$")

# Keys whose value is a secret wherever they appear: JSON bodies, form bodies,
# URL query strings and fragments. Matched case-insensitively.
TOKEN_KEYS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "accesstoken",
        "refreshtoken",
        "client_secret",
        "password",
        "session_token",
        "sealed_session",
    }
)
CODE_KEYS = frozenset({"code", "code_verifier", "codeverifier"})
HEADER_SECRETS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
STORAGE_PREFIXES = ("workos:refresh-token",)
STORAGE_VALUE_KEYS = frozenset({"value", "oldValue", "newValue", "old_value", "new_value"})

_QUERY_KEYS = "|".join(sorted(re.escape(k) for k in TOKEN_KEYS | CODE_KEYS))
# key=value inside a URL query or fragment, a form body or a cookie-like list.
_PARAM_RE = re.compile(rf"(?i)(?P<pre>(?:^|[?&#;\s])(?:{_QUERY_KEYS})=)(?P<val>[^&#;\s\"']+)")
_BEARER_RE = re.compile(r"(?i)\b(?P<pre>(?:bearer|basic)\s+)(?P<val>[A-Za-z0-9._~+/=-]+)")


_SIGNIFICANT = ".= \t\n{["


def fingerprint(secret: str, prefix: str = "tok") -> str:
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}:{digest[:12]}"


@dataclass
class Redacted:
    """A redacted value and the claims of the JWTs that were in it."""

    value: Any
    jwt: dict[str, dict[str, Any]] = field(default_factory=dict)


class Redactor:
    """Walks JSON-like values and replaces every secret it recognises.

    It knows the shapes authtrace captures: header dicts and HAR header lists,
    JSON and form bodies (also as strings), URLs, cookies, localStorage entries
    of ``workos:refresh-token:*`` and Convex ``Authenticate`` frames; and, as a
    backstop anywhere, JWT-shaped strings and ``Bearer`` credentials.
    """

    def __init__(self) -> None:
        self.jwt: dict[str, dict[str, Any]] = {}

    # -- secrets -----------------------------------------------------------
    def secret(self, value: Any, prefix: str = "tok") -> Any:
        """Fingerprint a value known to be secret (keeps ``None`` and fingerprints)."""
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (dict, list)):
            return self.value(value)
        text = str(value)
        if text == "" or FINGERPRINT_RE.match(text):
            return text
        claims = read_claims(text)
        if claims is not None:
            fp = fingerprint(text, "tok")
            self.jwt[fp] = claims.to_json()
            return fp
        return fingerprint(unquote_plus(text) if prefix != "cookie" else text, prefix)

    def _jwt_sub(self, match: re.Match) -> str:
        return self.secret(match.group(0))

    def _param_sub(self, match: re.Match) -> str:
        key = match.group("pre").lstrip("?&#; \t\n").rstrip("=").lower()
        prefix = "code" if key in CODE_KEYS else "tok"
        return match.group("pre") + self.secret(unquote_plus(match.group("val")), prefix)

    def _bearer_sub(self, match: re.Match) -> str:
        return match.group("pre") + self.secret(match.group("val"))

    # -- strings -----------------------------------------------------------
    def string(self, text: str) -> str:
        # Every pattern below needs one of these characters; most captured
        # strings ("visible", "messages:send") have none and cost nothing.
        if not any(c in text for c in _SIGNIFICANT):
            return text
        if FINGERPRINT_RE.match(text):
            return text
        stripped = text.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                pass
            else:
                return json.dumps(self.value(parsed), separators=(",", ":"))
        text = JWT_RE.sub(self._jwt_sub, text)
        text = _PARAM_RE.sub(self._param_sub, text)
        text = _BEARER_RE.sub(self._bearer_sub, text)
        return text

    def cookie_header(self, text: str) -> str:
        """``a=1; b=2`` (Cookie) or ``name=v; Path=/; HttpOnly`` (Set-Cookie)."""
        parts = []
        first_only = False
        for i, part in enumerate(str(text).split(";")):
            name, eq, val = part.partition("=")
            is_attr = i > 0 and name.strip().lower() in {
                "path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "partitioned", "priority",
            }
            if i > 0 and is_attr:
                first_only = True
            if eq and not is_attr and not (first_only and i > 0):
                parts.append(f"{name}={self.secret(val.strip(), 'cookie')}")
            else:
                parts.append(part)
        return ";".join(parts)

    def header(self, name: str, value: Any) -> Any:
        """A named value: an HTTP header, a HAR query/form param or a storage entry."""
        lname = name.lower()
        if lname in TOKEN_KEYS or name.startswith(STORAGE_PREFIXES):
            return self.secret(value)
        if lname in CODE_KEYS:
            return self.secret(value, "code")
        if lname in ("cookie", "set-cookie"):
            if isinstance(value, list):
                return [self.cookie_header(v) for v in value]
            return self.cookie_header(value)
        if lname in HEADER_SECRETS:
            if isinstance(value, str):
                scheme, sep, cred = value.partition(" ")
                if sep and scheme.lower() in ("bearer", "basic", "token"):
                    return f"{scheme} {self.secret(cred.strip())}"
            return self.secret(value)
        return self.value(value)

    # -- structures --------------------------------------------------------
    def mapping(self, obj: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        msg_type = obj.get("type")
        storage_key = obj.get("key")
        is_storage = isinstance(storage_key, str) and storage_key.startswith(STORAGE_PREFIXES)
        pair_name = obj.get("name")
        is_header_pair = isinstance(pair_name, str) and "value" in obj and len(obj) <= 4
        for key, val in obj.items():
            lkey = key.lower() if isinstance(key, str) else key
            if msg_type == "Authenticate" and key == "value":
                out[key] = self.secret(val)
            elif is_storage and key in STORAGE_VALUE_KEYS:
                out[key] = self.secret(val)
            elif is_header_pair and key == "value":
                out[key] = self.header(pair_name, val)
            elif lkey in TOKEN_KEYS:
                out[key] = self.secret(val)
            elif lkey in CODE_KEYS:
                out[key] = self.secret(val, "code")
            elif lkey in ("headers", "requestheaders", "responseheaders", "request_headers", "response_headers") and isinstance(val, dict):
                out[key] = {hk: self.header(hk, hv) for hk, hv in val.items()}
            elif lkey == "cookies" and isinstance(val, list):
                out[key] = [
                    {**c, "value": self.secret(c.get("value"), "cookie")} if isinstance(c, dict) else self.value(c)
                    for c in val
                ]
            elif isinstance(key, str) and lkey in HEADER_SECRETS:
                out[key] = self.header(key, val)
            else:
                out[key] = self.value(val)
        return out

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, dict):
            return self.mapping(value)
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def event(self, event: Event) -> Event:
        """The event with its payload redacted; JWT claims go to ``payload["jwt"]``."""
        before = dict(self.jwt)
        self.jwt = {}
        payload = self.mapping(dict(event.payload))
        claims, self.jwt = self.jwt, {**before, **self.jwt}
        if claims:
            payload["jwt"] = {**payload.get("jwt", {}), **claims} if isinstance(payload.get("jwt"), dict) else claims
        return event.with_payload(payload)


def redact(value: Any) -> Redacted:
    """Redact any JSON-like value; returns the value and the JWT claims found."""
    r = Redactor()
    return Redacted(r.value(value), r.jwt)
