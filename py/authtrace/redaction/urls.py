"""Pass 6 of :mod:`.text`: URLs, and the entropy fallback on every other run of token characters.

A URL keeps its scheme, host and path (paths are on the allow-list); user
info, and query and fragment values that are secret-named or look like
tokens, are fingerprinted. Any other run of 20 or more token characters that
looks like a random token (:func:`.tokens.token_like`) is fingerprinted,
unless the field it is in is allow-listed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from .names import SECRET, prefix_for
from .tokens import MIN_TOKEN, token_like

_FP_AT = re.compile(r"(?:tok|code|cookie):[0-9a-f]{12}(?![0-9a-zA-Z])")
_FP_HEAD = re.compile(r"(?:tok|code|cookie)\Z")
# Base64 padding ends a token only where the token ends ("a=b" is a pair, not "a=" and "b").
_PADDING = r"(?:={1,3}+(?![A-Za-z0-9_.~+/!$*@:%-]))?+"
# Matches start only where a run of token characters starts (lookbehind) and take the whole run
# (possessive), so each character is looked at a bounded number of times; runs shorter than
# MIN_TOKEN (20) fail at once and cost nothing.
_RUN_CHAR = r"(?:[A-Za-z0-9_+/~.-]|%[0-9A-Fa-f]{2}|\\/)"
_URL_OR_RUN = re.compile(
    r"(?<![A-Za-z0-9_+/~.%-])(?:"
    r"(?P<url>[A-Za-z][A-Za-z0-9+.-]{0,15}+://[^\s\"'<>\\^`{|}]*+)"
    rf"|(?P<run>{_RUN_CHAR}{{20,}}+{_PADDING}))"
)


class UrlRedaction:
    """Mixed into the text redaction (needs ``secret`` and ``names``)."""

    names: Any

    def secret(self, value: Any, prefix: str = "tok") -> Any:  # pragma: no cover - the Redactor's
        raise NotImplementedError

    def urls_and_runs(self, text: str, entropy: bool) -> str:
        return _URL_OR_RUN.sub(self._url_sub if entropy else self._url_sub_allowed, text)

    def _url_sub(self, m: re.Match) -> str:
        if m.group("url") is not None:
            return self._url(m.group("url"), True)
        return self._run(m)

    def _url_sub_allowed(self, m: re.Match) -> str:
        if m.group("url") is not None:
            return self._url(m.group("url"), False)
        return m.group(0)

    def _run(self, m: re.Match) -> str:
        run = m.group("run")
        head = _FP_HEAD.search(run)  # "…%3Dcode" glued to ":<12 hex>": that tail begins a fingerprint
        if head is not None and _FP_AT.match(m.string, m.end() - len(head.group(0))):
            return self._run_text(run[:head.start()]) + head.group(0)
        return self._run_text(run)

    def _run_text(self, run: str) -> str:
        core = run.strip("./")
        if len(core) < MIN_TOKEN:
            return run
        secret = core.replace("\\/", "/")
        if "%" in secret:  # URL-encoded: judge the decoded text (its own runs)
            secret = unquote(secret)
            if not _has_token(secret):
                return run
        elif not token_like(secret):
            return run
        a = run.index(core)
        return run[:a] + self.secret(secret) + run[a + len(core):]

    def _url(self, url: str, entropy: bool) -> str:
        scheme, _, rest = url.partition("://")
        cut = len(rest)
        for ch in "/?#":
            i = rest.find(ch)
            if 0 <= i < cut:
                cut = i
        authority, tail = rest[:cut], rest[cut:]
        if "@" in authority:
            userinfo, _, host = authority.rpartition("@")
            user, colon, password = userinfo.partition(":")
            if colon:
                userinfo = f"{user}:{self.secret(unquote(password))}"
            elif token_like(user) or not entropy:
                userinfo = self.secret(unquote(user))
            authority = f"{userinfo}@{host}"
        path, hash_, fragment = tail.partition("#")
        path, q, query = path.partition("?")
        out = [scheme, "://", authority, path]
        if q:
            out += ["?", self._query(query, entropy)]
        if hash_:
            out += ["#", self._query(fragment, entropy) if "=" in fragment else
                    (_URL_OR_RUN.sub(self._url_sub, fragment) if entropy else fragment)]
        return "".join(out)

    def _query(self, query: str, entropy: bool) -> str:
        parts = re.split(r"([&;])", query)
        for i in range(0, len(parts), 2):
            name, eq, val = parts[i].partition("=")
            if entropy and _has_token(unquote(name)):  # "#<token>", "<token>=": the whole part goes
                parts[i] = quote(self.secret(unquote(parts[i])), safe=":")
                continue
            if not eq or not val or _FP_AT.fullmatch(unquote(val)):
                continue
            kind = self.names.classify(unquote_plus(name))
            if kind == SECRET:
                parts[i] = f"{name}={quote(self.secret(unquote(val), prefix_for(unquote_plus(name))), safe=':')}"
            elif kind == "plain" and entropy and _has_token(unquote(val)):
                parts[i] = f"{name}={quote(self.secret(unquote(val)), safe=':')}"
        return "".join(parts)



def _has_token(text: str) -> bool:
    return any(token_like(m.group(0).strip("./")) for m in _URL_OR_RUN.finditer(text) if m.group("run") is not None)
