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

JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")

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


def _b64json(segment: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        obj = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return obj if isinstance(obj, dict) else None


def _pick(obj: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in names:
        value = obj.get(name)
        if name in ("iat", "exp"):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[name] = int(value)
        elif isinstance(value, str):
            out[name] = value
    return out


def read_claims(token: str) -> Claims | None:
    """Decoded claims of a compact JWS, or ``None`` when ``token`` is not one."""
    if not isinstance(token, str):
        return None
    parts = token.strip().split(".")
    if len(parts) != 3:
        return None
    header, payload = _b64json(parts[0]), _b64json(parts[1])
    if header is None or payload is None:
        return None
    return Claims(**_pick(payload, _PAYLOAD_CLAIMS), **_pick(header, _HEADER_CLAIMS))
