"""The WorkOS emulator standing in for ``https://api.workos.com``.

An unmodified app (the official template) gives ``AuthKitProvider`` only a
``clientId`` and a ``redirectUri``, so authkit-js talks to
``https://api.workos.com``, and its ``convex/auth.config.ts`` trusts tokens whose
issuer is that host. To run such an app against the emulator with no change:

* the test browser resolves ``api.workos.com`` to the emulator's HTTPS port
  (Chromium's ``--host-resolver-rules``) and trusts a certificate made here for
  that name, by the hash of its public key (``--ignore-certificate-errors-spki-list``),
  so the page still talks to the origin ``https://api.workos.com``: cookies
  (``Secure``, ``SameSite``, third-party rules), CORS preflights and
  ``credentials: "include"`` behave exactly as against the real host, and the
  emulator's faults (a dropped connection, a hang) happen on a real socket;
* the emulator names ``https://api.workos.com/user_management/<clientId>`` as the
  tokens' issuer and ``https://api.workos.com/sso/jwks/<clientId>`` as the JWKS,
  as that host does;
* the Convex emulator fetches a JWKS under ``https://api.workos.com/`` from the
  emulator itself (:func:`routed_fetch`).

Why not CDP request interception (``Fetch.requestPaused``)? The paused request
has no ``Cookie`` header yet (the network stack adds it later), every request
including preflights and the authorize navigation would be answered by the test
process, and a fault such as "drop the connection" would have to be translated
into ``Fetch.failRequest``: cookies and CORS would be ours, not the browser's.

The key never leaves memory; the certificate lives for a day.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ssl
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

WORKOS_API = "https://api.workos.com"
WORKOS_API_HOST = "api.workos.com"


@dataclass(frozen=True)
class LocalCertificate:
    """A self-signed certificate for one host name, and its key (in memory)."""

    host: str
    cert_pem: bytes
    _key_pem: bytes

    @classmethod
    def generate(cls, host: str = WORKOS_API_HOST) -> "LocalCertificate":
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "authtrace (local test certificate)")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return cls(host, cert.public_bytes(serialization.Encoding.PEM), key_pem)

    @property
    def spki_sha256(self) -> str:
        """base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo (what Chromium pins)."""
        cert = x509.load_pem_x509_certificate(self.cert_pem)
        spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # load_cert_chain reads files; the key is written for the moment it takes, readable by us only.
        with tempfile.TemporaryDirectory(prefix="authtrace-tls-") as tmp:
            cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
            cert.write_bytes(self.cert_pem)
            key.touch(0o600)
            key.write_bytes(self._key_pem)
            ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx


def chromium_flags(host: str, port: int, cert: LocalCertificate) -> tuple[str, ...]:
    """The flags that send the browser's requests for ``cert.host`` to ``host:port`` and trust ``cert``."""
    return (f"--host-resolver-rules=MAP {cert.host} {host}:{port}",
            f"--ignore-certificate-errors-spki-list={cert.spki_sha256}")


def routed_fetch(public_url: str, local_url: str,
                 fetch: Callable[[str], Awaitable[bytes]]) -> Callable[[str], Awaitable[bytes]]:
    """``fetch`` with URLs under ``public_url`` (``https://api.workos.com``) sent to ``local_url`` instead."""
    prefix = public_url.rstrip("/") + "/"

    async def routed(url: str) -> bytes:
        if url.startswith(prefix):
            parts = urllib.parse.urlsplit(url)
            url = local_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
        return await fetch(url)

    return routed
