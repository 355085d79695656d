"""A recorded session as a replay plan (pure): :func:`build_plan` reads the trace (or a
HAR) through the diagnosis's :class:`~authtrace.diagnosis.Timeline` and lays out the
recorded tab's page states, every refresh attempt's outcome, the Convex server events,
the token lifetimes and the user's mutations, in ms from the session start."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..event import Kind
from ..inputs import PLAN, TRACE, kind_of, to_trace
from ..jwt import lifetimes_in
from ..trace import Trace, TraceFormatError
from .faults import faults_from_attempts, server_faults
from .format import FORMAT, HANG_MS, PAGE_STATES, NothingToReplay, PlanError, r as _r
from .outcome import failure_signature
from .validate import validate_plan


# -- reading the input ----------------------------------------------------------------
def _as_trace(source: Any) -> tuple[Trace, str]:
    from ..diagnosis.har import HarFormatError

    kind = TRACE if isinstance(source, Trace) else kind_of(source)
    if kind == PLAN:
        raise PlanError("this is already a replay plan; replay it as it is")
    if kind is None:
        raise PlanError('neither an authtrace trace ({"format": "authtrace/1", ...}), a HAR export nor a replay plan')
    try:
        return to_trace(source), kind
    except HarFormatError as exc:
        raise PlanError(f"not a usable HAR export: {exc}") from None
    except TraceFormatError as exc:
        raise PlanError(str(exc)) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"bad {kind}: {exc}") from None



def _main_tab(trace: Trace, tabs: list[str]) -> str:
    by = (trace.meta or {}).get("recorded_by")
    if by in tabs:
        return by
    counts: dict[str, int] = {}
    for e in trace.events:
        counts[e.tab] = counts.get(e.tab, 0) + 1
    return max(tabs, key=lambda t: (counts.get(t, 0), t))


def _outcome(ex: Any, trace_end: float) -> dict[str, Any] | None:
    end = ex.end
    if end is None:
        left = trace_end - ex.start_wall
        return {"type": "hang", "ms": _r(left)} if left >= 1000 else None
    p = end.payload
    took = p.get("duration_ms")
    if end.type == "error":
        name = str(p.get("name") or "Error")
        if isinstance(took, (int, float)) and took >= HANG_MS:
            return {"type": "hang", "ms": _r(took), "then": {"type": name, "message": p.get("message")}}
        if name == "TypeError":
            return {"type": "TypeError", "message": p.get("message") or "Failed to fetch"}
        return {"type": "error", "name": name, "message": p.get("message")}
    if p.get("ok"):
        return {"type": "token"}
    out: dict[str, Any] = {"type": "http", "status": p.get("status")}
    if p.get("workos_error"):
        out["error"] = p.get("workos_error")
    if p.get("workos_error_description"):
        out["description"] = p.get("workos_error_description")
    return out


def _offline_at(intervals: list[Any], wall: float) -> bool:
    return any(iv.start <= wall <= (iv.end if iv.end is not None else math.inf) for iv in intervals)


@dataclass(frozen=True)
class _Recording:
    """What every part of the plan is read from: the timeline, the replayed tab, the span."""

    tl: Any  # the diagnosis's Timeline
    main: str  # the replayed tab
    duration: float  # ms

    def rel(self, wall: float) -> float:
        """A wall time as ms from the session start, inside the recording."""
        return _r(min(max(wall - self.tl.start, 0.0), self.duration))

    def offline_at(self, wall: float) -> bool:
        return _offline_at(self.tl.offline.get(self.main, []), wall)


def build_plan(source: Any) -> dict[str, Any]:
    """The replay plan of a trace (a :class:`Trace`, its JSON, or a Chrome HAR export).

    Raises :class:`NothingToReplay` when the recording has nothing to replay."""
    from ..diagnosis.timeline import Timeline

    trace, kind = _as_trace(source)
    tl = Timeline(trace)
    if not tl.events:
        raise NothingToReplay("nothing to replay: the trace has no events")
    rec = _Recording(tl, _main_tab(trace, tl.tabs), max(_r(tl.end - tl.start), 1.0))
    meta = trace.meta or {}
    page = _page(rec)
    attempts, injected = _attempts(rec)
    server = _server(rec)
    signed_in = _signed_in(tl, rec.main)
    plan: dict[str, Any] = {
        "format": FORMAT,
        "source": {"kind": kind, "scenario": meta.get("scenario"), "adapter": meta.get("adapter"),
                   "tab": rec.main, "tabs": len(tl.tabs), "events": len(trace.events)},
        "app": {"cookie_mode": any(x.credentials == "include" for x in tl.exchanges)},
        "duration_ms": rec.duration,
        "signed_in_ms": signed_in if signed_in is not None else 0.0,
        "tokens": _tokens(trace, tl),
        "page": page,
        "attempts": attempts,
        "server": server,
        "mutations": _mutations(rec),
        "faults": [],
        "recorded": failure_signature(trace),
        "notes": _notes(rec, injected),
    }
    plan["faults"] = faults_from_attempts(attempts, rec.duration) + server_faults(server, page)
    plan["faults"].sort(key=lambda f: (f["start_ms"], f["target"]))
    for i, f in enumerate(plan["faults"], 1):
        f["id"] = f"f{i}"
    if not (page or attempts or server):
        raise NothingToReplay("nothing to replay: the trace has no refresh attempt, no hidden/frozen/offline "
                              "interval and no Convex AuthError or socket close")
    return validate_plan(plan)


def _page(rec: _Recording) -> list[dict[str, Any]]:
    """The replayed tab's hidden, frozen and offline intervals."""
    tl = rec.tl
    page: list[dict[str, Any]] = []
    for state, table in (("hidden", tl.hidden), ("frozen", tl.frozen), ("offline", tl.offline)):
        for iv in table.get(rec.main, []):
            end = iv.end if iv.end is not None else tl.end
            if end - iv.start > 0:
                page.append({"state": state, "start_ms": rec.rel(iv.start), "end_ms": rec.rel(end)})
    page.sort(key=lambda p: (p["start_ms"], PAGE_STATES.index(p["state"])))
    return page


def _attempts(rec: _Recording) -> tuple[list[dict[str, Any]], int]:
    """Every tab's WorkOS refresh attempts with their outcomes, and how many an earlier replay answered."""
    tl, main = rec.tl, rec.main
    attempts: list[dict[str, Any]] = []
    injected = 0
    for ex in tl.exchanges:
        if not ex.is_refresh:
            continue
        if any(e is not None and e.payload.get("replayed") for e in (ex.start, ex.end)):
            injected += 1  # an earlier in-tab replay's answer, not what WorkOS said
            continue
        outcome = _outcome(ex, tl.end)
        if outcome is None:
            continue
        at = ex.start_wall
        pay = (ex.start or ex.end).payload
        cause = None
        if outcome["type"] != "token" and (pay.get("online") is False or (ex.tab == main and rec.offline_at(at))):
            cause = "offline"  # the replayed offline interval fails it by itself
        item: dict[str, Any] = {"at_ms": rec.rel(at), "tab": ex.tab, "other_tab": ex.tab != main,
                                "grant_type": ex.grant_type, "outcome": outcome}
        if ex.end is not None and isinstance(ex.end.payload.get("duration_ms"), (int, float)):
            item["duration_ms"] = _r(ex.end.payload["duration_ms"])
        if ex.refresh_token_sent is not None:
            item["refresh_token_sent"] = ex.refresh_token_sent
        if cause:
            item["cause"] = cause
        attempts.append(item)
    return attempts, injected


def _server(rec: _Recording) -> list[dict[str, Any]]:
    """The replayed tab's Convex AuthErrors and sync-socket closes, and who replays each."""
    tl, main = rec.tl, rec.main
    server: list[dict[str, Any]] = []
    auth_errors: list[float] = []
    resumes = [e.wall for e in tl.of(main, Kind.LIFECYCLE, "resume")]
    boots = [e.wall for e in tl.of(main, Kind.LIFECYCLE, "boot")]
    for e in tl.by_tab.get(main, []):
        if e.kind is Kind.CONVEX and e.type == "AuthError":
            error = str(e.payload.get("error") or "")
            natural = "expired" in error.lower()
            auth_errors.append(e.wall)
            server.append({"at_ms": rec.rel(e.wall), "type": "auth-error", "error": error,
                           "replayed_by": "token expiry" if natural else "injected"})
        elif e.kind is Kind.WEBSOCKET and e.type == "close" and e.payload.get("sync"):
            code = e.payload.get("code")
            if any(0 <= e.wall - w <= 500 for w in auth_errors):
                by = "the client, after the AuthError"
            elif e.payload.get("online") is False or rec.offline_at(e.wall):
                by = "the offline interval"
            elif any(0 <= b - e.wall <= 1500 for b in boots):
                by = "the page's navigation"
            elif e.payload.get("was_clean") and code in (1000, 1005):
                by = "the client"
            else:
                by = "injected"
            item = {"at_ms": rec.rel(e.wall), "type": "socket-close", "code": code, "replayed_by": by}
            # A close delivered at a resume happened while the tab was frozen: replay it just before.
            if by == "injected" and any(0 <= e.wall - w <= 250 for w in resumes):
                item["while_frozen"] = True
            server.append(item)
    return server


def _tokens(trace: Trace, tl: Any) -> dict[str, Any]:
    """The access-token lifetimes seen; the most common (the longer on a tie) is the replay's."""
    lifetimes: dict[float, int] = {}
    for e in trace.events:
        for life in lifetimes_in(e.payload.get("jwt")):
            life = round(float(life), 3)
            lifetimes[life] = lifetimes.get(life, 0) + 1
    ttl = max(lifetimes, key=lambda k: (lifetimes[k], k)) if lifetimes else tl.lifetime_ms / 1000.0
    return {"access_token_ttl_s": round(float(ttl), 3), "lifetimes_s": sorted(lifetimes) or [round(float(ttl), 3)]}


def _mutations(rec: _Recording) -> list[dict[str, Any]]:
    """The user's own Convex mutations (each request once), to send again at the same moments."""
    mutations: list[dict[str, Any]] = []
    seen_requests: set[Any] = set()
    for e in rec.tl.of(rec.main, Kind.CONVEX, "Mutation"):
        rid = e.payload.get("request_id")
        if e.payload.get("direction") not in (None, "send") or rid in seen_requests:
            continue
        seen_requests.add(rid)
        mutations.append({"at_ms": rec.rel(e.wall), "udf_path": e.payload.get("udf_path")})
    return mutations


def _notes(rec: _Recording, injected: int) -> list[str]:
    """What the plan leaves out or replays differently, for the person reading it."""
    tl = rec.tl
    notes: list[str] = []
    for e in tl.of(rec.main, Kind.STORAGE, "storage-event"):
        if e.payload.get("change") in ("removed", "clear") and "refresh-token" in str(e.payload.get("key") or ""):
            notes.append(f"another tab removed the refresh token at {rec.rel(e.wall) / 1000:.1f} s: not replayed as such; "
                         "the refresh failure it caused is injected")
    if injected:
        notes.append(f"{injected} refresh attempt(s) answered by an earlier in-tab replay left out")
    other = sorted(t for t in tl.tabs if t != rec.main)
    if other:
        notes.append(f"{len(other)} other tab(s) recorded; their refresh outcomes are injected into the replayed tab, "
                     "their page states are not replayed")
    return notes


def _signed_in(tl: Any, main: str) -> float | None:
    for e in tl.by_tab.get(main, []):
        if e.kind is Kind.AUTHKIT and e.type == "getAccessToken" and e.payload.get("outcome") == "token":
            return _r(e.wall - tl.start)
        if e.kind is Kind.CONVEX and e.type == "auth-change" and e.payload.get("is_authenticated") is True:
            return _r(e.wall - tl.start)
    for ex in tl.exchanges:
        if ex.tab == main and ex.ok:
            return _r(ex.start_wall - tl.start)
    return None
