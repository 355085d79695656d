"""Text taken from an input, made safe to print on a terminal.

A trace or HAR is someone else's data: an ``ESC[2J`` in a WebSocket frame, an
OSC title sequence in an error message or a right-to-left override in a URL
must not reach the terminal. :func:`safe` removes escape sequences and
control characters (C0 but tab and newline, DEL, C1), bidirectional
overrides, and replaces lone surrogates; :func:`one_line` also folds line
breaks, for messages that promise one line. :func:`json_safe` escapes the
same characters inside JSON text (where they can only be in strings), so
``--json`` output stays valid JSON and round-trips exactly.
"""

from __future__ import annotations

import re

# ESC [ ... final (CSI), ESC ] ... BEL/ST (OSC), ESC P/X/^/_ ... ST (DCS, SOS, PM, APC), ESC + one char;
# the 8-bit CSI/OSC/DCS forms; then any other control character.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*+[ -/]*+[@-~]?"
    r"|\x1b\][^\x07\x1b\x9c]*+(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[PX^_][^\x1b\x9c]*+(?:\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*+[ -/]*+[@-~]?"
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*+(?:\x07|\x1b\\|\x9c)?"
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_BREAKS = re.compile(r"[\t\n]+")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _replace(m: re.Match) -> str:
    ch = m.group(0)
    return "\ufffd" if "\ud800" <= ch <= "\udfff" else ""


def safe(text: object) -> str:
    """``text`` without escape sequences or control characters (tab and newline kept)."""
    s = text if isinstance(text, str) else str(text)
    if s.isascii() and s.isprintable():
        return s
    return _CONTROLS.sub(_replace, _SEQUENCES.sub("", s))


def one_line(text: object) -> str:
    """:func:`safe`, with tabs and line breaks folded into single spaces."""
    return _BREAKS.sub(" ", safe(text)).strip()


def json_safe(text: str) -> str:
    """JSON text with DEL, C1 controls, bidi overrides and lone surrogates written as ``\\uXXXX``."""
    if text.isascii():
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
