"""How findings say things: durations, times in the trace, quotes, error names."""

from __future__ import annotations

import re
from typing import Any, Protocol


class _HasStart(Protocol):
    start: float


def fmt_dur(ms: float) -> str:
    """``350 ms``, ``12.3 s``, ``8 min 20 s``, ``2 h 5 min``."""
    ms = abs(ms)
    if ms < 1000:
        return f"{ms:.0f} ms"
    s = ms / 1000
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        m, sec = divmod(int(round(s)), 60)
        return f"{m} min {sec} s" if sec else f"{m} min"
    h, rest = divmod(int(round(s)), 3600)
    return f"{h} h {rest // 60} min" if rest // 60 else f"{h} h"


def fmt_at(tl: _HasStart, wall: float) -> str:
    """Time since the trace (``tl.start``) started: ``+1:23.4`` or ``+1:02:03.0``."""
    rel = max(0.0, wall - tl.start) / 1000
    h, rest = divmod(rel, 3600)
    m, s = divmod(rest, 60)
    if h >= 1:
        return f"+{int(h)}:{int(m):02d}:{s:04.1f}"
    return f"+{int(m)}:{s:04.1f}"


_WS = re.compile(r"\s+")


def quote(text: Any, limit: int = 120) -> str:
    text = _WS.sub(" ", str(text or "")).strip()
    return f'"{text[:limit]}…"' if len(text) > limit else f'"{text}"'


def error_label(name: Any, error_class: Any) -> str:
    """The error's class as a person would name it: production bundles minify
    constructor names (``_e``), so fall back to ``error.name`` then."""
    cls = str(error_class or "")
    if len(cls) >= 4 and not cls.startswith("_"):
        return cls
    return str(name or cls or "Error")


def error_text(payload: dict) -> str:
    """``Name: message`` of a recorded error, without the message's closing full stop
    (so that a sentence can go on after it)."""
    message = str(payload.get("message") or "").rstrip(". ")
    name = str(payload.get("name") or "Error")
    return f"{name}: {message}" if message else name
