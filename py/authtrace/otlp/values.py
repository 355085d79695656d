"""OTLP/JSON values: Python data to ``AnyValue`` and ``KeyValue`` lists, and back (pure).

The OTLP/JSON encoding is the protobuf JSON mapping of the OTLP messages, with
lowerCamelCase keys, 64-bit integers as decimal strings, and (unlike the
protobuf mapping) trace and span ids as hex. ``None`` becomes an empty
``AnyValue`` in lists and is left out of attribute lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

INT64 = 1 << 63


def any_value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)} if -INT64 <= v < INT64 else {"stringValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v} if v == v and v not in (float("inf"), float("-inf")) else {"stringValue": str(v)}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, Mapping):
        return {"kvlistValue": {"values": [{"key": str(k), "value": any_value(x)} for k, x in v.items()]}}
    if isinstance(v, (list, tuple)):
        return {"arrayValue": {"values": [any_value(x) for x in v]}}
    if v is None:
        return {}
    return {"stringValue": str(v)}


def attributes(pairs: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[dict[str, Any]]:
    """``[{"key": k, "value": AnyValue}]``, in order, without the ``None`` values."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return [{"key": str(k), "value": any_value(v)} for k, v in items if v is not None]


def from_any(av: Any) -> Any:
    """The Python value of an ``AnyValue`` (ints from strings or numbers; unknown shapes are None)."""
    if not isinstance(av, dict):
        return None
    for key, value in av.items():
        if key == "stringValue":
            return value
        if key in ("boolValue", "doubleValue"):
            return value
        if key == "intValue":
            return int(value)
        if key == "arrayValue":
            return [from_any(x) for x in (value or {}).get("values") or []]
        if key == "kvlistValue":
            return attribute_map((value or {}).get("values") or [])
        if key == "bytesValue":
            return value
    return None


def attribute_map(attrs: Any) -> dict[str, Any]:
    """A ``KeyValue`` list as a dict (the last of a repeated key wins; malformed entries are skipped)."""
    out: dict[str, Any] = {}
    if isinstance(attrs, list):
        for kv in attrs:
            if isinstance(kv, dict) and isinstance(kv.get("key"), str):
                out[kv["key"]] = from_any(kv.get("value"))
    return out
