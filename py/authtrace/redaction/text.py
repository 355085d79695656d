"""Secrets inside one string: JSON in text, URLs, headers, log lines, form and multipart bodies.

:meth:`TextRedaction.string` runs, in order:

1. JSON: text that starts with ``{`` or ``[`` (after a BOM or blanks) is
   parsed as a sequence of JSON values (one document, NDJSON, frames back to
   back) and redacted as structure; what does not parse (truncated JSON)
   goes through the passes below.
2. JWS and JWE (3 or 5 base64url segments, the first decoding to a JSON
   object; standard base64 ``+``/``/`` accepted after the header).
3. Multipart parts whose ``name`` is a secret name.
4. ``key=value``, ``key: value``, ``"key":"value"``, ``key%3Dvalue``
   (also escaped quotes and ``Authorization: Token X``): the value of a
   secret name is fingerprinted.
5. ``Bearer X``/``Basic X`` anywhere (any blank between, NBSP included), and
   ``code 'X'``, ``token "X"`` (WorkOS echoes a code so in ``error_description``).
6. URLs and every other run of token characters (:mod:`.urls`: the entropy
   fallback).

Linear time: every pattern can only start a match at the beginning of a run
(lookbehind) and uses possessive quantifiers, so no character is scanned
more than a bounded number of times; the passes never re-read their own
output. 1 MB of adversarial text takes well under a second
(tests/core/test_redaction_linear.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import unquote

from .names import SECRET, header_kind, prefix_for
from .tokens import MIN_TOKEN, is_fingerprint
from .urls import _FP_AT, _PADDING, UrlRedaction

# Strings shorter than MIN_TOKEN without any of these cannot hold a secret shape.
_MAYBE = re.compile(r"[=:%{\[\"'`]|(?i:bearer|basic)")
_JSON_START = re.compile(r"[ \t\r\n\ufeff]*+[{\[]")
_JSON_WS = re.compile(r"[ \t\r\n\ufeff]*+")
_DECODER = json.JSONDecoder()
# JSON nested deeper than this stays text (the text passes still apply): the C parser recurses per
# level, and inside Pyodide the WebAssembly stack runs out long before Python's recursion limit.
MAX_JSON_DEPTH = 200
_DEPTH_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')

# A run of base64url characters followed by 2-4 dotted segments: JWT_RE's shape, but the header may
# be glued to a prefix ("tab-eyJ…", "%3DeyJ…"), which _jwt_sub looks for. As linear as JWT_RE.
_JWT_RUN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]++(?:\.[A-Za-z0-9_+/-]*+={0,2}+){2,4}+")
_HEADER_STARTS = ("eyJ", "eyA", "ewo", "ew0", "ewk")  # '{"', and "{" then a blank (as in jwt.JWT_RE)
_QUOTE = r"(?:\\{0,8}+[\"'`]|%22|&quot;)"
_KV_RE = re.compile(
    r"(?:(?<![A-Za-z0-9_.-])|(?<=%[0-9A-Fa-f]{2}))"
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,63}+)"
    rf"{_QUOTE}?+[ \t]{{0,16}}+(?:[:=]|%3[ADad]|%253[ADad])[ \t]{{0,16}}+{_QUOTE}?+"
)
# The pieces of JSON text (also cut off): strings (terminated or not), brackets, anything else.
_JSON_PIECE = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]|[^"\[\]{}]++')
_VALUE_RE = re.compile(
    r"(?P<fp>(?:tok|code|cookie):[0-9a-f]{12}(?![0-9a-zA-Z]))"
    r"|(?:(?i:bearer|basic|token|digest)(?:[^\S\r\n]|%20|\+)++)?+"
    r"(?P<val>(?:[A-Za-z0-9_.~+/!$*@:-]|%(?!2[26Cc]|3[BbDd]|25)[0-9A-Fa-f]{2}|\\/)++" + _PADDING + ")"
)
_SCHEME_RE = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?:bearer|basic)(?:[^\S\r\n]|%20|\+)++"
    r"(?P<val>(?:[A-Za-z0-9_.~+/-]|%[0-9A-Fa-f]{2})++" + _PADDING + ")"
)
_QUOTED_RE = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(?P<key>code|token|refresh[ _]token|access[ _]token|password|secret)"
    r"[ \t]{1,4}+[\"'`\u2018\u201c](?P<val>[^\"'`\u2018\u2019\u201c\u201d\s]{4,256}+)[\"'`\u2019\u201d]"
)
_MULTIPART_RE = re.compile(r"(?i)content-disposition:")
_PART_NAME_RE = re.compile(r"""(?i)\bname\s*=\s*"?([^";\r\n]{1,128})""")
# Words that follow "Bearer"/"Basic" in prose ("bearer token expired"), not credentials.
_PROSE = frozenset({"token", "tokens", "auth", "authentication", "authorization", "scheme", "schemes", "header",
                    "headers", "realm", "error", "required", "missing", "invalid", "expired", "is", "was", "and",
                    "or", "the", "a", "an", "in", "for", "of", "to", "with", "credentials", "credential", "access"})


class TextRedaction(UrlRedaction):
    """Mixed into :class:`~authtrace.redaction.walk.Redactor` (``secret``, ``value``, ``names``)."""

    names: Any
    jwt: dict[str, dict[str, Any]]

    def secret(self, value: Any, prefix: str = "tok") -> Any:  # pragma: no cover - the Redactor's
        raise NotImplementedError

    def value(self, value: Any, field: str | None = None) -> Any:  # pragma: no cover - the Redactor's
        raise NotImplementedError

    # -- entry point --------------------------------------------------------------
    def string(self, text: str, field: str | None = None) -> str:
        """``text`` with every secret in it replaced; ``field`` is the name it was found under."""
        entropy = True
        if field is not None:
            kind = self.names.classify(field)
            if kind == SECRET:
                return self.secret_field(field, text)
            entropy = kind == "plain"
        if len(text) < MIN_TOKEN and not _MAYBE.search(text):
            return text
        if is_fingerprint(text):
            return text
        if _JSON_START.match(text):
            out = self._json_text(text, entropy)
            if out is not None:
                return out
        return self._passes(text, entropy)

    def secret_field(self, name: str, text: str) -> str:
        """The string value of a secret-named field (or header)."""
        kind = header_kind(name)
        if kind == "scheme":
            scheme, sep, cred = text.strip().partition(" ")
            if sep and cred and scheme.isalpha() and len(scheme) <= 16:
                return f"{scheme} {self.secret(cred.strip())}"
            return self.secret(text)
        if kind == "cookie":
            return self.cookie_header(text)
        if kind == "set-cookie":
            return "\n".join(self.set_cookie(line) for line in text.split("\n"))
        return self.secret(text, prefix_for(name))

    def cookie_header(self, text: str) -> str:
        """``a=1; b=2`` (a Cookie header or ``document.cookie``): every value is fingerprinted."""
        parts = []
        for part in str(text).split(";"):
            name, eq, val = part.partition("=")
            if eq:
                parts.append(f"{name}={self.secret(val.strip(), 'cookie')}")
            else:  # a nameless cookie ("Cookie: abc") is a value too
                lead = part[: len(part) - len(part.lstrip())]
                parts.append(lead + self.secret(part.strip(), "cookie") if part.strip() else part)
        return ";".join(parts)

    def set_cookie(self, line: str) -> str:
        """``name=v; Path=/; HttpOnly``: the first pair is the cookie, the rest are attributes."""
        first, semi, attrs = line.partition(";")
        name, eq, val = first.partition("=")
        if eq:
            first = f"{name}={self.secret(val.strip(), 'cookie')}"
        elif first.strip():
            first = self.secret(first.strip(), "cookie")
        return first + semi + (self._passes(attrs, True) if attrs else "")

    # -- JSON inside text ---------------------------------------------------------------
    def _json_text(self, text: str, entropy: bool) -> str | None:
        """JSON values back to back (one document, NDJSON, frames), redacted as structure."""
        if not shallow_json(text):
            return None
        out: list[str] = []
        i = _JSON_WS.match(text).end()
        out.append(text[:i])
        parsed = 0
        n = len(text)
        while i < n:
            try:
                obj, end = _DECODER.raw_decode(text, i)
            except (ValueError, RecursionError):
                break
            parsed += 1
            red = self.value(obj)
            out.append(text[i:end] if red == obj else json.dumps(red, separators=(",", ":"), ensure_ascii=False))
            j = _JSON_WS.match(text, end).end()
            out.append(text[end:j])
            i = j
        if not parsed:
            return None
        if i < n:
            out.append(self._passes(text[i:], entropy))
        return "".join(out)

    # -- the passes ---------------------------------------------------------------------
    def _passes(self, text: str, entropy: bool) -> str:
        if "e" in text and "." in text:
            text = _JWT_RUN.sub(self._jwt_sub, text)
        text = self._multipart(text)
        if "=" in text or ":" in text or "%" in text:
            text = self._key_values(text)
        text = _SCHEME_RE.sub(self._scheme_sub, text)
        if "'" in text or '"' in text or "`" in text or "\u2018" in text or "\u201c" in text:
            text = _QUOTED_RE.sub(self._quoted_sub, text)
        return self.urls_and_runs(text, entropy)

    def _jwt_sub(self, m: re.Match) -> str:
        run = m.group(0)
        first = run[: run.index(".")]
        # where the header may start: the run's start, after a %XX escape, after "-" or "_"
        starts = [0]
        if m.start() > 0 and m.string[m.start() - 1] == "%":
            starts.append(2)
        starts += [i + 1 for i, c in enumerate(first) if c in "-_" and i + 1 < len(first)][:8]
        for a in starts:
            if not first.startswith(_HEADER_STARTS, a):
                continue
            header = _header_of(first[a:])
            if header is None:
                continue
            parts = run[a:].split(".")
            keep = 5 if "enc" in header and len(parts) >= 5 else 3
            token, rest = ".".join(parts[:keep]), ""
            if len(parts) > keep:
                rest = "." + ".".join(parts[keep:])
            return run[:a] + self.secret(token) + rest
        return run

    def _multipart(self, text: str) -> str:
        """Form-data parts named like a secret: the body up to the next boundary line."""
        starts = [m.start() for m in _MULTIPART_RE.finditer(text)]
        if not starts:
            return text
        out, last = [], 0
        for k, start in enumerate(starts):
            limit = starts[k + 1] if k + 1 < len(starts) else len(text)
            line_end = text.find("\n", start, limit)
            if line_end < 0:
                continue
            name = _PART_NAME_RE.search(text, start, line_end)
            if name is None or not self.names.is_secret(name.group(1).strip()):
                continue
            blank = text.find("\n\n", start, limit)
            blank_crlf = text.find("\r\n\r\n", start, limit)
            if blank_crlf >= 0 and (blank < 0 or blank_crlf < blank):
                body = blank_crlf + 4
            elif blank >= 0:
                body = blank + 2
            else:
                continue
            end = text.find("\n--", body, limit)
            end = limit if end < 0 else end
            if end > body and text[end - 1] == "\r":
                end -= 1
            if end <= body:
                continue
            out.append(text[last:body])
            out.append(self.secret(text[body:end], prefix_for(name.group(1))))
            last = end
        out.append(text[last:])
        return "".join(out)

    def _key_values(self, text: str) -> str:
        out, last = [], 0
        authenticate = "Authenticate" in text
        for m in _KV_RE.finditer(text):
            if m.start() < last or _FP_AT.match(text, m.start()):
                continue  # ...or a fingerprint ("code:1a2b3c4d5e6f"), not a key and its value
            key = m.group("key")
            secret = self.names.is_secret(key)
            if secret and header_kind(key) in ("cookie", "set-cookie") and not text.startswith(("[", "{"), m.end()):
                continue  # "Cookie: a=1; b=2": each pair is judged by its own name
            if not secret and key == "value" and authenticate:
                secret = True
            if secret and text.startswith("workos:", m.start() - 7):
                continue  # the storage key workos:refresh-token:<client id>; its value is the secret
            if not secret and m.start() >= 21 and text.startswith("workos:refresh-token:", m.start() - 21):
                secret = True
            if not secret:
                continue
            if text.startswith(("[", "{"), m.end()):  # a list or object: every string in it is secret
                end, replaced = self._secret_container(text, m.end(), prefix_for(key))
                out.append(text[last:m.end()])
                out.append(replaced)
                last = end
                continue
            v = _VALUE_RE.match(text, m.end())
            if v is None or v.group("fp") is not None:
                continue
            val = v.group("val")
            prefix = prefix_for(key)
            if key.lower() == "code" and not _code_like(val):  # "status code: 500", "code=invalid_grant"
                continue
            if _FP_AT.match(text, v.start("val")):
                continue
            secret_text = unquote(val.replace("\\/", "/")) if ("%" in val or "\\" in val) else val
            out.append(text[last:v.start("val")])
            out.append(self.secret(secret_text, prefix))
            last = v.end("val")
        if not out:
            return text
        out.append(text[last:])
        return "".join(out)

    def _secret_container(self, text: str, start: int, prefix: str) -> tuple[int, str]:
        """The JSON list or object at ``start`` (perhaps cut off) with its string values
        fingerprinted and its keys kept; returns where it ends and its replacement."""
        out, depth, end = [], 0, len(text)
        for m in _JSON_PIECE.finditer(text, start):
            piece = m.group(0)
            if piece in "[{":
                depth += 1
            elif piece in "]}":
                depth -= 1
            elif piece.startswith('"'):
                after = text[m.end():m.end() + 32].lstrip()
                if not after.startswith(":"):  # a value, not a key
                    closed = len(piece) > 1 and piece.endswith('"') and not piece.endswith('\\"')
                    inner = piece[1:-1] if closed else piece[1:]
                    try:
                        inner = json.loads(f'"{inner}"')
                    except ValueError:
                        pass
                    piece = '"' + self.secret(inner, prefix) + ('"' if closed else "")
            out.append(piece)
            if depth <= 0:
                end = m.end()
                break
        return end, "".join(out)

    def _scheme_sub(self, m: re.Match) -> str:
        val = m.group("val")
        if _FP_AT.match(m.string, m.start("val")) or val.lower() in _PROSE:
            return m.group(0)
        head = m.group(0)[: m.start("val") - m.start()]
        return head + self.secret(val)  # secret() decodes a URL-encoded value once

    def _quoted_sub(self, m: re.Match) -> str:
        val = m.group("val")
        if _FP_AT.match(val) or (m.group("key").lower() == "code" and not _code_like(val)):
            return m.group(0)
        prefix = "code" if m.group("key").lower() == "code" else "tok"
        a, b = m.start("val") - m.start(), m.end("val") - m.start()
        whole = m.group(0)
        return whole[:a] + self.secret(val, prefix) + whole[b:]

def shallow_json(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests at most ``limit`` levels (strings skipped; linear)."""
    if text.count("[") + text.count("{") <= limit:
        return True
    depth = 0
    for m in _DEPTH_TOKENS.finditer(text):
        c = m.group(0)
        if c in "[{":
            depth += 1
            if depth > limit:
                return False
        elif c in "]}":
            depth -= 1
    return True


def _code_like(val: str) -> bool:
    """An authorization code, not an HTTP status, a close code or an error name."""
    if len(val) < 6 or val.isdigit():
        return False
    return not (val.replace("_", "").isalpha() and val.islower())


def _header_of(segment: str) -> dict | None:
    """The JOSE header of a token's first segment, or None when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        if raw.count(b"[") + raw.count(b"{") > 64:  # no JOSE header nests; see MAX_JSON_DEPTH
            return None
        obj = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None

