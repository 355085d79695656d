"""The RSA key the WorkOS emulator signs access tokens with, and its JWKS.

WorkOS signs AuthKit access tokens with RS256 and publishes the public key at
``/sso/jwks/<clientId>``; Convex picks the key by the token's ``kid``. A fresh
key per emulator run is enough (sessions do not outlive the process), but a
PEM can be loaded to keep tokens verifiable across restarts.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

ALGORITHM = "RS256"


class SigningKey:
    """One RS256 key with a ``kid``; signs JWTs and describes itself as a JWKS."""

    def __init__(self, key: RSAKey, kid: str):
        self._key = key
        self.kid = kid

    @classmethod
    def generate(cls, kid: str | None = None, bits: int = 2048) -> "SigningKey":
        kid = kid or f"key_{secrets.token_hex(8)}"
        key = RSAKey.generate_key(bits, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM}, private=True)
        return cls(key, kid)

    @classmethod
    def from_pem(cls, pem: bytes | str, kid: str) -> "SigningKey":
        key = RSAKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
        if not key.is_private:
            raise ValueError("a signing key needs the private part")
        return cls(key, kid)

    def private_pem(self) -> bytes:
        return self._key.as_pem(private=True)

    def public_jwk(self) -> dict[str, Any]:
        jwk = self._key.as_dict(private=False)
        # The order WorkOS shows; only cosmetic, JSON objects are unordered.
        return {k: jwk[k] for k in ("kty", "kid", "use", "alg", "n", "e")}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def jwks_data_uri(self) -> str:
        """The JWKS as a ``data:`` URI, which Convex accepts as ``jwks`` (no fetch needed)."""
        raw = json.dumps(self.jwks(), separators=(",", ":")).encode()
        return "data:application/json;base64," + base64.b64encode(raw).decode()

    def sign(self, claims: dict[str, Any]) -> str:
        # Convex requires kid, alg and typ in the header.
        header = {"alg": ALGORITHM, "typ": "JWT", "kid": self.kid}
        return jwt.encode(header, claims, self._key)

    def verify(self, token: str) -> dict[str, Any]:
        """Check the signature only (not exp/iss); returns the claims. For tests and tools."""
        keyset = KeySet.import_key_set(self.jwks())
        return dict(jwt.decode(token, keyset, algorithms=[ALGORITHM]).claims)
