"""Reading recorded payloads: any JSON value may be anywhere, so nothing is assumed."""

from __future__ import annotations

from typing import Any


def num(value: Any) -> float | None:
    """A JSON number as float; None for anything else (booleans included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def hkey(value: Any) -> Any:
    """A request or call id usable as a dict key, whatever JSON it is."""
    return value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)
