"""Read the claims of a JWT without verifying it, and without keeping the signature.

Only what a diagnosis needs is kept: who (``sub``, ``sid``, ``org_id``), which
token (``jti``, ``kid``, ``alg``), from where (``iss``) and for how long
(``iat``, ``exp``). Everything else in the payload is dropped on purpose: it is
app data the trace does not need to hold.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

# A JWS (3 segments) or JWE (5) in text: a base64url header that starts '{"' ("eyJ") or "{" and a
# blank ("eyA", "ewo", "ew0", "ewk"), then dot-separated segments (standard
# base64 "+" and "/" accepted after the header). Linear on any input: a match can only start where
# a run of base64url characters starts (or after a %XX escape), and the possessive quantifiers never
# give back, so no character is scanned twice (the old pattern took 16 s on 300 KB of "eyJ").
# Callers check the header decodes to a JSON object (see authtrace.redaction.text).
JWT_RE = re.compile(
    r"(?:(?<![A-Za-z0-9_-])|(?<=%[0-9A-Fa-f]{2}))(?:ey[JA]|ew[o0k])[A-Za-z0-9_-]*+(?:\.[A-Za-z0-9_+/-]*+={0,2}+){2,4}+"
)

_PAYLOAD_CLAIMS = ("iss", "sub", "sid", "jti", "iat", "exp", "org_id")
_HEADER_CLAIMS = ("kid", "alg")


@dataclass(frozen=True)
class Claims:
    iss: str | None = None
    sub: str | None = None
    sid: str | None = None
    jti: str | None = None
    iat: int | None = None
    exp: int | None = None
    org_id: str | None = None
    kid: str | None = None
    alg: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def lifetime(self) -> int | None:
        if self.iat is None or self.exp is None:
            return None
        return self.exp - self.iat

    def expired(self, now_s: float, leeway_s: float = 0) -> bool | None:
        """Whether the token is expired at ``now_s`` (seconds); the caller owns the clock."""
        if self.exp is None:
            return None
        return now_s >= self.exp + leeway_s


def lifetimes_in(claims_by_token: Any) -> list[float]:
    """The access-token lifetimes (s, ``exp - iat``, positive ones) in an event's ``payload.jwt``
    (claims keyed by token fingerprint). The diagnosis and the replay plan count these."""
    out: list[float] = []
    if isinstance(claims_by_token, dict):
        for c in claims_by_token.values():
            if isinstance(c, dict) and _number(c.get("iat")) and _number(c.get("exp")):
                life = c["exp"] - c["iat"]
                if life > 0:
                    out.append(life)
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _b64json(segment: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        if raw.count(b"[") + raw.count(b"{") > 256:  # deep nesting would exhaust Pyodide's stack
            return None
        obj = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _pick(obj: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in names:
        value = obj.get(name)
        if name in ("iat", "exp"):
            # seconds since the epoch; anything beyond what JavaScript can hold is not a time
            if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= 2**53:
                out[name] = int(value)
        elif isinstance(value, str):
            out[name] = value
    return out


def read_claims(token: str) -> Claims | None:
    """Decoded claims of a compact JWS (or, header only, a JWE), or ``None`` for anything else."""
    if not isinstance(token, str):
        return None
    parts = token.strip().split(".")
    if len(parts) == 5:  # JWE: the payload is encrypted
        header = _b64json(parts[0])
        return None if header is None or "enc" not in header else Claims(**_pick(header, _HEADER_CLAIMS))
    if len(parts) != 3:
        return None
    header, payload = _b64json(parts[0]), _b64json(parts[1])
    if header is None or payload is None:
        return None
    return Claims(**_pick(payload, _PAYLOAD_CLAIMS), **_pick(header, _HEADER_CLAIMS))
