"""What really happened on the wire during a run: counts from the recorder's trace
(every lab tab's events) and from the emulators' event log, never from the
adapter's own reports.

Pure: events in, numbers out. Trace events carry ``wall`` (ms since the epoch),
server events ``t`` (seconds since the epoch); windows are wall-clock ms.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

Window = tuple[float | None, float | None]  # wall ms; None = open

# An adapter's getAccessToken call sends its refresh request within a few ms (through
# the Web Lock); AuthKit's own timer sends its requests on a 1 s tick with no call
# before them. A request this soon after an unclaimed call is counted as the call's.
ATTRIBUTION_MS = 250


def _inside(wall: float, window: Window) -> bool:
    start, end = window
    return (start is None or wall >= start) and (end is None or wall <= end)


def _by_tab(events: Iterable[dict[str, Any]], kind: str, type_: str, window: Window, **where: Any) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        if e.get("kind") == kind and e.get("type") == type_ and _inside(e["wall"], window) \
                and all(e["payload"].get(k) == v for k, v in where.items()):
            out[e["tab"]].append(e)
    return out


def refresh_requests(events: list[dict], window: Window = (None, None)) -> dict[str, int]:
    """Refresh-token requests each tab sent (``fetch`` ``request`` with grant_type refresh_token)."""
    return {tab: len(es) for tab, es in _by_tab(events, "fetch", "request", window, grant_type="refresh_token").items()}


def authkit_calls(events: list[dict], window: Window = (None, None)) -> dict[str, int]:
    """getAccessToken calls the adapter made in each tab (the recorder's traceUseAuth wrapper)."""
    return {tab: len(es) for tab, es in _by_tab(events, "authkit", "getAccessToken-start", window).items()}


def adapter_refresh_requests(events: list[dict], window: Window = (None, None)) -> dict[str, int]:
    """The refresh requests each tab sent because of an adapter call: a request at most
    ``ATTRIBUTION_MS`` after a call that has not been matched to a request yet. The rest
    are AuthKit's own (its 1 s timer keeps refreshing a visible tab whose token is due)."""
    requests = _by_tab(events, "fetch", "request", window, grant_type="refresh_token")
    calls = _by_tab(events, "authkit", "getAccessToken-start", (window[0] - ATTRIBUTION_MS if window[0] else None, window[1]))
    out = {}
    for tab, reqs in requests.items():
        starts = sorted(e["wall"] for e in calls.get(tab, []))
        used: set[int] = set()
        n = 0
        for r in sorted(e["wall"] for e in reqs):
            candidates = [i for i, s in enumerate(starts) if i not in used and 0 <= r - s <= ATTRIBUTION_MS]
            if candidates:
                used.add(candidates[-1])
                n += 1
        out[tab] = n
    return out


def _spans(events: list[dict], kind: str, start_type: str, end_type: str, end_wall: float) -> dict[str, list[tuple[float, float]]]:
    """(start, end) of each call, by tab, matched on the wrapper's ``call`` number; a call
    that never settled lasts until ``end_wall``."""
    open_: dict[tuple[str, Any], float] = {}
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for e in sorted((e for e in events if e.get("kind") == kind and e.get("type") in (start_type, end_type)),
                    key=lambda e: e["wall"]):
        key = (e["tab"], e["payload"].get("call"))
        if e["type"] == start_type:
            open_[key] = e["wall"]
        elif key in open_:
            spans[e["tab"]].append((open_.pop(key), e["wall"]))
    for (tab, _), start in open_.items():
        spans[tab].append((start, max(start, end_wall)))
    return spans


def longest_token_wait_ms(events: list[dict], end_wall: float) -> float:
    """The longest time Convex waited for its adapter's token (fetchToken start → answer), any tab."""
    spans = _spans(events, "convex", "fetchToken-start", "fetchToken", end_wall)
    return round(max((b - a for ss in spans.values() for a, b in ss), default=0.0), 1)


def max_outstanding_calls(events: list[dict], window: Window, end_wall: float) -> int:
    """The most adapter getAccessToken calls pending at once in one tab, within ``window``."""
    best = 0
    for ss in _spans(events, "authkit", "getAccessToken-start", "getAccessToken", end_wall).values():
        edges = sorted([(a, 1) for a, b in ss] + [(b, -1) for a, b in ss], key=lambda x: (x[0], x[1]))
        level = 0
        for wall, step in edges:
            level += step
            if step > 0 and _inside(wall, window):
                best = max(best, level)
    return best


# -- the emulators' log --------------------------------------------------------------------

def _server(events: list[dict], source: str, type_: str, window: Window, **where: Any) -> list[dict]:
    return [e for e in events if e.get("source") == source and e.get("type") == type_
            and _inside(e["t"] * 1000, window) and all(e.get(k) == v for k, v in where.items())]


def rotations(server_events: list[dict], window: Window = (None, None)) -> int:
    """Refresh-token rotations WorkOS performed (each one retires a refresh token)."""
    return len(_server(server_events, "workos", "refresh", window, outcome="rotated"))


def reused_refresh_tokens(server_events: list[dict]) -> int:
    """Refresh tokens presented again after they were exchanged, outside the reuse grace:
    the invalid_grant of tabs (or calls) racing one refresh token."""
    return len(_server(server_events, "workos", "refresh", (None, None), outcome="reused"))


def replayed_refresh_tokens(server_events: list[dict]) -> int:
    """Refresh tokens presented again within the reuse grace (WorkOS answered with the same
    rotated pair): racing that the grace absorbed."""
    return len(_server(server_events, "workos", "refresh", (None, None), outcome="replayed"))


def invalid_grants(server_events: list[dict]) -> int:
    """Every invalid_grant answer to a refresh (reused, unknown, revoked, session ended)."""
    return sum(1 for e in _server(server_events, "workos", "refresh", (None, None)) if e.get("outcome") != "rotated"
               and e.get("outcome") not in ("replayed", "missing"))
