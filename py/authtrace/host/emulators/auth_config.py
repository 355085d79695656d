"""The app's ``convex/auth.config.ts`` as the Convex emulator's trusted providers.

The function runner evaluates the file in Node, with the deployment's
environment (``WORKOS_CLIENT_ID`` and the like), and hands over its default
export; :func:`trusted_providers` turns its ``providers`` into what
:class:`~.convex_auth.JwtVerifier` checks tokens against, as a deployment does:

* ``customJwt`` entries as they are (``issuer``, ``jwks``, ``algorithm``,
  ``applicationID``: ``aud`` must then contain it);
* OIDC entries (``{domain, applicationID}``): the issuer is the domain, ``aud``
  must contain ``applicationID``, RS256, and the key set is the ``jwks_uri`` of
  ``<domain>/.well-known/openid-configuration`` (read once, at start; when it
  cannot be read, tokens fail to verify, as on a deployment that cannot reach it).

A file that a deployment push would refuse (no ``providers`` list, an entry of
neither kind, an OIDC entry without ``applicationID``) raises :class:`AuthConfigError`.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

from .convex_auth import CustomJwtProvider

DISCOVERY = "/.well-known/openid-configuration"


class AuthConfigError(ValueError):
    pass


def _oidc(entry: dict[str, Any], where: str) -> dict[str, Any]:
    domain, app_id = entry.get("domain"), entry.get("applicationID")
    if not isinstance(domain, str) or not domain:
        raise AuthConfigError(f"{where}: an OIDC provider needs a domain")
    if not isinstance(app_id, str) or not app_id:
        raise AuthConfigError(f"{where}: an OIDC provider needs an applicationID (the token's aud must contain it)")
    return {"type": "customJwt", "issuer": domain, "algorithm": "RS256", "applicationID": app_id,
            "jwks": domain.rstrip("/") + DISCOVERY, "oidc": True}


def providers_of(config: Any, source: str = "convex/auth.config.ts") -> list[dict[str, Any]]:
    """The providers of an ``auth.config.ts`` default export; OIDC entries still point at their discovery document."""
    if not isinstance(config, dict) or not isinstance(config.get("providers"), list):
        raise AuthConfigError(f"{source}: the default export must be an object with a `providers` list")
    out = []
    for i, entry in enumerate(config["providers"]):
        where = f"{source}: provider {i + 1}"
        if not isinstance(entry, dict):
            raise AuthConfigError(f"{where}: must be an object")
        if entry.get("type") == "customJwt":
            provider = {k: entry[k] for k in ("type", "issuer", "jwks", "algorithm", "applicationID") if k in entry}
        elif entry.get("type") in (None, "oidc") and "domain" in entry:
            provider = _oidc(entry, where)
        else:
            raise AuthConfigError(f"{where}: neither a customJwt entry nor an OIDC {{domain, applicationID}} entry")
        try:
            CustomJwtProvider.from_config({k: v for k, v in provider.items() if k != "oidc"})
        except ValueError as exc:
            raise AuthConfigError(f"{where}: {exc}") from None
        out.append(provider)
    return out


async def trusted_providers(config: Any, fetch: Callable[[str], Awaitable[bytes]],
                            source: str = "convex/auth.config.ts") -> list[dict[str, Any]]:
    """:func:`providers_of`, with each OIDC entry's key set found through its discovery document."""
    out = []
    for provider in providers_of(config, source):
        if provider.pop("oidc", False):
            try:
                document = json.loads(await fetch(provider["jwks"]))
                if isinstance(document, dict) and isinstance(document.get("jwks_uri"), str):
                    provider["jwks"] = document["jwks_uri"]
            except Exception:  # noqa: BLE001 - unreachable or not JSON: verification will fail, as it would there
                pass
        out.append(provider)
    return out
