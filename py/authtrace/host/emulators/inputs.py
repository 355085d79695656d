"""Untrusted input: JSON with bounded depth, finite numbers and valid Unicode (pure).

Every body or frame the emulators accept passes here first, so that what they
store, log and send back is plain JSON that ``json.dumps`` and UTF-8 can always
encode. Python's ``json`` alone accepts ``NaN``/``Infinity`` literals, turns
``1e400`` into ``inf``, keeps escaped lone surrogates (``"\\ud800"``) and raises
``RecursionError`` on very deep nesting; each of those became a 500 or a wedged
connection somewhere downstream.
"""

from __future__ import annotations

import json
import json.scanner
import math
import re
from functools import partial
from typing import Any

from ..jsonstream import finite, not_a_number

MAX_DEPTH = 32  # nesting of an HTTP body


class BadInput(ValueError):
    """Input refused; the message says why in one line."""


_constant = partial(not_a_number, error=BadInput)
_finite = partial(finite, error=BadInput)


def is_text(value: str) -> bool:
    """True if ``value`` encodes as UTF-8 (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_SCALARS = frozenset({int, bool, type(None)})  # never need a look
# A \uD800-\uDFFF escape: only JSON text holding one can decode to a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def check_plain(value: Any, *, max_depth: int, what: str = "value", strings: bool = True) -> None:
    """Refuse anything but plain JSON: bounded depth, finite numbers, valid Unicode.

    Iterative, and it only looks at each item of a container whose items are
    not all ints, booleans or nulls. ``strings=False`` skips the Unicode check
    (for decoded JSON text that held no surrogate escape).
    """
    if isinstance(value, (dict, list)):
        stack: list[tuple[Any, int]] = [(value, 1)]
    else:
        stack, value = [({"": value}, 0)], None  # a lone scalar: look at it as an item
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise BadInput(f"{what} is nested deeper than {max_depth} levels")
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    raise BadInput(f"{what} has a key that is not a string")
                if strings and not is_text(key):
                    raise BadInput(f"{what} holds a string that is not valid Unicode (a lone surrogate)")
            children: Any = item.values()
        else:
            children = item
        if set(map(type, children)) <= _SCALARS:
            continue
        for sub in children:
            kind = type(sub)
            if kind is dict or kind is list:
                stack.append((sub, depth + 1))
            elif kind is str:
                if strings and not is_text(sub):
                    raise BadInput(f"{what} holds a string that is not valid Unicode (a lone surrogate)")
            elif kind is float:
                if not math.isfinite(sub):
                    raise BadInput(f"{what} holds a number that is not finite")
            elif kind not in _SCALARS:
                raise BadInput(f"{what} holds a {kind.__name__}, not JSON")


def _decoder(interruptible: bool) -> json.JSONDecoder:
    decoder = json.JSONDecoder(parse_constant=_constant, parse_float=_finite)
    if interruptible:
        # The C scanner holds the GIL for the whole text (56 ms for 1 MB of numbers); the
        # Python one lets other threads, the event loop among them, run every few ms.
        decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder


def parse_json(raw: str | bytes, *, max_depth: int = MAX_DEPTH, what: str = "body", interruptible: bool = False) -> Any:
    """Decode JSON text, refusing what plain JSON does not allow; raises :class:`BadInput`.

    ``interruptible``: decode with the pure-Python scanner, slower but sharing
    the interpreter with other threads (for large input parsed off the event loop).
    """
    if isinstance(raw, (bytes, bytearray)):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise BadInput(f"{what} is not UTF-8") from None
    try:
        value = _decoder(interruptible).decode(raw)
    except BadInput:
        raise
    except RecursionError:
        raise BadInput(f"{what} is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4300 digits
        raise BadInput(f"{what} is not valid JSON: {str(exc)[:120]}") from None
    check_plain(value, max_depth=max_depth, what=what, strings=bool(_SURROGATE_ESCAPE.search(raw)))
    return value
