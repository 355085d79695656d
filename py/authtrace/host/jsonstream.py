"""Read a large JSON file a piece at a time, with the standard library's parser.

The file is decoded in windows (1 MiB, growing only while one value is
larger), so the whole text never sits in memory: the outer containers (a
trace's ``events``, a HAR's ``log.entries``) are walked here member by member,
and each piece is parsed by :meth:`json.JSONDecoder.raw_decode`, which does
the real work in C. Numbers follow the CLI's rules (finite, at most 20
digits). Every problem is a :class:`BadJson` with a one-line message that
says where.

Why not ijson: its number and string handling differ from ``json``'s (which
everything else here uses), and the outer walk is a few lines.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from typing import IO, Any

WINDOW = 1 << 20
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*+")
MAX_DIGITS = 20
_WS = " \t\r\n"


class BadJson(ValueError):
    """The file is not JSON this CLI accepts; the message says why and where."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BadJson(f"a number with {len(text.lstrip('-'))} digits (at most {MAX_DIGITS})")
    return int(text)


def finite(text: str, error: type[ValueError] = BadJson) -> float:
    """A JSON float, refused (``error``) when it overflows to infinity (``1e400``)."""
    value = float(text)
    if not math.isfinite(value):
        raise error(f"the number {text[:30]} is out of range")
    return value


def not_a_number(name: str, error: type[ValueError] = BadJson) -> float:
    """``NaN``/``Infinity``, which Python's json accepts and JSON does not."""
    raise error(f"{name} is not a JSON number")


DECODER = json.JSONDecoder(parse_int=_int, parse_float=finite, parse_constant=not_a_number)


def loads(text: str) -> Any:
    """``json.loads`` with the CLI's number rules; errors as :class:`BadJson`."""
    try:
        obj, end = DECODER.raw_decode(text, len(text) - len(text.lstrip(_WS + "\ufeff")))
    except json.JSONDecodeError as exc:
        raise BadJson(_decode_error(exc, text)) from None
    except RecursionError:
        raise BadJson("nested too deeply") from None
    except ValueError as exc:
        raise BadJson(str(exc).split("\n")[0]) from None
    if text[end:].strip(_WS):
        raise BadJson(f"extra data after the JSON value at line {text.count(chr(10), 0, end) + 1}")
    return obj


def _decode_error(exc: json.JSONDecodeError, text: str) -> str:
    if exc.pos >= len(text.rstrip()) - 1:
        return (f"truncated: the JSON ends early at line {exc.lineno}, column {exc.colno} "
                "(was the file cut off while being written or copied?)")
    return f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"


class Source:
    """A JSON file decoded a window at a time; ``value()`` parses the next complete value."""

    def __init__(self, stream: IO[bytes], window: int = WINDOW) -> None:
        self._stream = stream
        self._window = window
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._lines_before = 0  # line breaks in text already dropped from the buffer
        self._first = True

    # -- buffer -------------------------------------------------------------------------
    def _more(self, at_least: int) -> None:
        if self.eof:
            return
        if self.pos > len(self.buf) // 2:  # drop what was consumed
            self._lines_before += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos:]
            self.pos = 0
        try:
            raw = self._stream.read(max(self._window, at_least))
            text = self._decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise BadJson(f"not UTF-8 text ({exc.reason})") from None
        if not raw:
            self.eof = True
        if self._first and text:
            self._first = False
            text = text.removeprefix("\ufeff")
        self.buf += text

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            n = len(self.buf)
            while self.pos < n and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < n or self.eof:
                return self.buf[self.pos] if self.pos < n else ""
            self._more(self._window)

    def expect(self, chars: str) -> str:
        ch = self.peek()
        if not ch:
            raise BadJson(f"truncated: the JSON ends early at line {self.line()} (expected {chars!r}; "
                          "was the file cut off while being written or copied?)")
        if ch not in chars:
            raise BadJson(f"invalid JSON at line {self.line()}: expected {' or '.join(repr(c) for c in chars)}, "
                          f"found {ch!r}")
        self.pos += 1
        return ch

    def line(self, pos: int | None = None) -> int:
        return self._lines_before + self.buf.count("\n", 0, self.pos if pos is None else pos) + 1

    def value(self) -> Any:
        """Parse the next complete JSON value (any size: the window grows as needed)."""
        self.peek()
        while True:
            try:
                obj, end = DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof:
                    self._more(len(self.buf))  # double: parsing again costs O(size) in total
                    continue
                if exc.pos >= len(self.buf.rstrip()) - 1:
                    raise BadJson(f"truncated: the JSON ends early at line {self.line(exc.pos)} "
                                  "(was the file cut off while being written or copied?)") from None
                raise BadJson(f"invalid JSON at line {self.line(exc.pos)}: {exc.msg}") from None
            except RecursionError:
                raise BadJson(f"nested too deeply (line {self.line()})") from None
            except BadJson as exc:
                raise BadJson(f"{exc} (line {self.line()})") from None
            except ValueError as exc:
                raise BadJson(f"{str(exc).splitlines()[0]} (line {self.line()})") from None
            if not self.eof and isinstance(obj, (int, float)) and _NUMBER_TAIL.fullmatch(self.buf, end):
                self._more(len(self.buf))  # a number cut by the window ("0." of "0.5") goes on
                continue
            self.pos = end
            return obj

    def end(self) -> None:
        """Check that nothing but blanks follows the document."""
        if self.peek():
            raise BadJson(f"extra data after the JSON value at line {self.line()}")

    # -- containers, a member at a time ---------------------------------------------------
    def members(self) -> Iterator[str]:
        """After ``{``: yields each key; the caller consumes its value before asking for the next."""
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                self.expect('"')
            key = self.value()
            self.expect(":")
            yield key
            if self.expect(",}") == "}":
                return

    def elements(self) -> Iterator[None]:
        """After ``[``: yields once per element; the caller consumes it before asking for the next."""
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield None
            if self.expect(",]") == "]":
                return


def read(stream: IO[bytes], depth: int = 3) -> Any:
    """The whole document as Python values, walking the outer ``depth`` levels a piece at a time
    (so the text of a large file is never held whole)."""
    src = Source(stream)
    if not src.peek():
        raise BadJson("the file is empty")
    obj = _read(src, depth)
    src.end()
    return obj


def _read(src: Source, depth: int) -> Any:
    ch = src.peek()
    if depth <= 0 or ch not in "{[":
        return src.value()
    src.pos += 1
    if ch == "{":
        out: dict = {}
        for key in src.members():
            out[key] = _read(src, depth - 1)
        return out
    items = []
    for _ in src.elements():
        items.append(_read(src, depth - 1))
    return items
