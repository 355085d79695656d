"""Builders for test data. Tokens are made at test time and are obviously fake
(the signature segment is random bytes, never a real key's)."""

from __future__ import annotations

import base64
import json
import os


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict | None = None, header: dict | None = None, signature: bytes | None = None) -> str:
    header = {"alg": "RS256", "kid": "key_test", "typ": "JWT", **(header or {})}
    claims = {
        "iss": "http://127.0.0.1:8787/user_management/client_local",
        "sub": "user_01TEST",
        "sid": "session_01TEST",
        "jti": "jti_" + os.urandom(4).hex(),
        "iat": 1_800_000_000,
        "exp": 1_800_000_300,
        "org_id": "org_01TEST",
        "email": "someone@example.com",
        **(claims or {}),
    }
    sig = signature if signature is not None else os.urandom(64)
    return ".".join(
        [b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), b64url(sig)]
    )


def opaque_token(n: int = 24) -> str:
    return b64url(os.urandom(n))
