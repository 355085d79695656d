"""Replace secrets by stable fingerprints before anything is stored, printed or exported.

The guarantee (docs/redaction.md): a value that went through :func:`redact`
or a :class:`Redactor` holds no known secret shape (JWS/JWE, ``Bearer``/
``Basic`` credentials, the values of secret-named fields, headers and cookies,
``workos:refresh-token:*`` storage values, Convex ``Authenticate`` values,
codes in URLs and free text) and no random-looking token of 20 or more
characters outside an allow-listed field. Each secret becomes
``tok:``/``code:``/``cookie:`` plus 12 hex digits of its SHA-256
(:func:`fingerprint`): the same token is recognisable everywhere and cannot be
recovered. A JWT keeps its non-secret claims (:mod:`authtrace.jwt`) in the
``jwt`` map, keyed by fingerprint.

Redaction is idempotent (a fingerprint is never fingerprinted again), linear
in the input, and never raises on JSON-like input.

- :mod:`.names`: secret names and the allow-list of non-secret fields;
- :mod:`.tokens`: fingerprints and the entropy fallback;
- :mod:`.text`: secrets inside one string;
- :mod:`.walk`: the :class:`Redactor` over JSON-like structure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .names import (
    ALLOW_FIELDS, CODE_KEYS, HEADER_SECRETS, STORAGE_PREFIXES, STORAGE_VALUE_KEYS, TOKEN_KEYS, Names,
)
from .tokens import FINGERPRINT_RE, fingerprint, is_fingerprint, token_like
from .walk import Redactor

# The version of the rules: raise it whenever they replace something they did not before,
# so a file that says which rules redacted it (a report) can be judged later. 2: the
# entropy fallback, keys, event type/tab and the free-text shapes of issue 12.
RULES_VERSION = "2"


@dataclass
class Redacted:
    """A redacted value and the claims of the JWTs that were in it."""

    value: Any
    jwt: dict[str, dict[str, Any]] = field(default_factory=dict)


def redact(value: Any, *, allow_fields: Iterable[str] = (), secret_fields: Iterable[str] = ()) -> Redacted:
    """Redact any JSON-like value; returns the value and the JWT claims found."""
    r = Redactor(allow_fields, secret_fields)
    return Redacted(r.value(value), r.jwt)


__all__ = [
    "ALLOW_FIELDS", "CODE_KEYS", "FINGERPRINT_RE", "HEADER_SECRETS", "RULES_VERSION", "STORAGE_PREFIXES", "STORAGE_VALUE_KEYS",
    "TOKEN_KEYS", "Names", "Redacted", "Redactor", "fingerprint", "is_fingerprint", "redact", "token_like",
]
