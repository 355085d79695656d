"""Is this failure transient or terminal? The one answer the codebase gives (pure).

A token request can fail in two ways that must never be confused: *transient*
(the network, a timeout, a busy server: the session is fine, try again later) and
*terminal* (WorkOS refused the refresh token, AuthKit has no session: sign in
again). The resilient bridge decides with ``classifyError`` in
``web/bridge/policy.js``; the diagnosis and the panel decide with
:func:`classify` here. Both agree on ``tests/fixtures/transient-cases.json``
(a test runs the JS next to this).

An error is described as the recorder keeps it: ``name``, ``message``, the
constructor's name (``error_class``), and what AuthKit's ``RefreshError`` adds
(``status``, ``error``, ``is_transient``). Unknown errors are transient, as in
the bridge: a wrong "transient" costs a retry, a wrong "terminal" the session.
:attr:`Verdict.evident` tells a transient failure known by its shape (a network
``TypeError``, a lock timeout, a 503...) from one that is transient only because
nothing says otherwise; the diagnosis names only evident ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TRANSIENT = "transient"
TERMINAL = "terminal"

# What a failed fetch says in each engine (all TypeError), in polyfills and runtimes; matched
# anywhere in the message, so decorated ones such as Sentry's "Failed to fetch (host)" count too.
NETWORK_ERROR_MESSAGES = (
    "failed to fetch",  # Chromium
    "networkerror",  # Firefox: "NetworkError when attempting to fetch resource."
    "load failed",  # Safari 17+
    "network error",
    "network request failed",  # polyfills, React Native
    "fetch failed",  # undici (Node)
    "terminated",  # undici, a dropped connection
    "network connection was lost",  # Safari <= 16
    "network connection lost",
    "internet connection appears to be offline",
    "error sending request",  # Deno
    "err_network",
    "err_internet_disconnected",
)
# 408 timeout, 425 too early, 429 rate limited, any 5xx (Cloudflare's 520-530 included).
RETRYABLE_STATUS = frozenset({408, 425, 429}) | frozenset(range(500, 600))
LOCK_TIMEOUT_MESSAGE = "timed out waiting to refresh the session"  # RefreshTimeoutError, even minified
LOGIN_REQUIRED_MESSAGE = "No access token available"  # LoginRequiredError keeps name "Error"
# What a refused refresh says in its OAuth error or description.
TERMINAL_MESSAGE = re.compile(r"no access token available|invalid_grant|missing refresh token|"
                              r"refresh token (has been|already) (revoked|exchanged|used)|session (has )?(expired|ended)",
                              re.IGNORECASE)
# Reasons of a transient verdict that only mean "nothing says it is terminal".
_BY_DEFAULT = frozenset({"type-error", "bad-body", "unknown"})


@dataclass(frozen=True)
class Verdict:
    """``kind`` is :data:`TRANSIENT` or :data:`TERMINAL`; ``reason`` says why, in a word.

    Transient reasons: ``network``, ``abort``, ``lock-timeout``, ``http-<status>``,
    ``transient`` (AuthKit marked it so), and by default ``type-error``, ``bad-body``,
    ``unknown``. Terminal: ``login-required``, the OAuth error (``invalid_grant``...),
    ``http-<status>``, ``refresh-error``, ``message``.
    """

    kind: str
    reason: str

    @property
    def transient(self) -> bool:
        return self.kind == TRANSIENT

    @property
    def evident(self) -> bool:
        """Transient for a reason the error itself shows, not only by default."""
        return self.kind == TRANSIENT and self.reason not in _BY_DEFAULT


def _status(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def is_retryable_status(status: Any) -> bool:
    return _status(status) in RETRYABLE_STATUS


def is_network_message(message: Any) -> bool:
    msg = str(message or "").lower()
    return any(m in msg for m in NETWORK_ERROR_MESSAGES)


def classify(name: Any = None, message: Any = None, error_class: Any = None, status: Any = None,
             is_transient: Any = None, error: Any = None, *, login_required: bool = False) -> Verdict:
    """The verdict on one error (see the module docstring); ``login_required``: the caller
    recognised AuthKit's ``LoginRequiredError`` itself (``instanceof``)."""
    name, cls, text = str(name or ""), str(error_class or ""), str(message or "")
    msg = text.strip().lower()
    code = _status(status)
    if login_required or cls == "LoginRequiredError" or text == LOGIN_REQUIRED_MESSAGE:
        return Verdict(TERMINAL, "login-required")
    if "RefreshTimeoutError" in (name, cls) or msg.startswith(LOCK_TIMEOUT_MESSAGE):
        return Verdict(TRANSIENT, "lock-timeout")
    if name in ("AbortError", "TimeoutError"):
        return Verdict(TRANSIENT, "abort")
    retryable = code in RETRYABLE_STATUS
    if "RefreshError" in (name, cls) or isinstance(is_transient, bool):
        # AuthKit's own verdict (authkit-js >= 0.20.2), or its status when older.
        if retryable:
            return Verdict(TRANSIENT, f"http-{code}")
        if is_transient is True:
            return Verdict(TRANSIENT, "transient")
        return Verdict(TERMINAL, str(error) if error else f"http-{code}" if code is not None else "refresh-error")
    if retryable:
        return Verdict(TRANSIENT, f"http-{code}")
    if code in (400, 401) and TERMINAL_MESSAGE.search(f"{error or ''} {text}"):
        return Verdict(TERMINAL, str(error) if error else f"http-{code}")
    if name == "TypeError" or cls == "TypeError":
        return Verdict(TRANSIENT, "network" if is_network_message(msg) else "type-error")
    if name == "SyntaxError" or cls == "SyntaxError":
        return Verdict(TRANSIENT, "bad-body")
    if is_network_message(msg):
        return Verdict(TRANSIENT, "network")
    if TERMINAL_MESSAGE.search(text) and "timeout" not in msg and "timed out" not in msg:
        return Verdict(TERMINAL, "message")
    return Verdict(TRANSIENT, "unknown")


def classify_payload(p: Mapping[str, Any]) -> Verdict:
    """The verdict on an error as a recorded event's payload holds it."""
    return classify(p.get("name"), p.get("message"), p.get("error_class"), p.get("status"), p.get("is_transient"),
                    p.get("error"))


def transient_reason(name: Any = None, message: Any = None, error_class: Any = None, status: Any = None,
                     is_transient: Any = None, error: Any = None) -> str | None:
    """Why the failure is evidently transient (a :class:`Verdict` reason), or None."""
    v = classify(name, message, error_class, status, is_transient, error)
    return v.reason if v.evident else None
