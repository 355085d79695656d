"""A recorded session as a replay plan (``authtrace-replay/1``), and its validator.

The plan is JSON people read, edit and keep as a regression case. Times are ms
relative to the session start (the trace's first event). It holds:

* ``page``: the recorded tab's hidden / frozen / offline intervals;
* ``attempts``: every WorkOS refresh attempt (any tab) with its recorded outcome:
  ``token``; ``http`` (status + WorkOS error); ``TypeError`` (message); ``hang`` (ms);
  ``cause: "offline"`` marks a failure the replayed offline interval produces by itself;
* ``server``: Convex ``AuthError`` frames and sync-socket closes, each with whether the
  replay reproduces it by itself (an expired token, the page's own close) or injects it;
* ``tokens``: the access-token lifetimes seen (``payload.jwt`` iat/exp);
* ``faults``: what the executor arms, derived from the above (matched by method, path and
  grant type, never by bytes) -- the part people usually edit;
* ``mutations``: the user's own messages (sent again at the same moments);
* ``recorded``: the recorded outcome (split brain open at the end, wedge, diagnosis causes).

Faults are windows, not single requests: a run of attempts that failed the same way is
one fault over the run (from just before the first to halfway to the next different
attempt); a terminal answer (``invalid_grant``, ``Missing refresh token.``) holds until
the recording shows a successful refresh, else to the end.
"""

from __future__ import annotations

import math
from typing import Any

from ..event import Kind
from ..trace import Trace, TraceFormatError

FORMAT = "authtrace-replay/1"
AUTH_PATH = "/user_management/authenticate"
HANG_MS = 10_000.0  # a refresh that took this long before failing was hanging
LEAD_MS = 1_000.0  # a fault is armed at most this long before its first recorded attempt
TAIL_MS = 2_000.0  # a transient fault at the end of the recording lasts this long after its last attempt
PAGE_STATES = ("hidden", "frozen", "offline")
OUTCOMES = ("token", "http", "TypeError", "hang", "error")
WORKOS_ACTIONS = ("drop", "status", "invalid-grant", "missing-refresh-token", "hang", "delay", "lost-response",
                  "no-cors", "non-json", "garbage-200", "bad-token")
CONVEX_ACTIONS = ("close", "auth-error", "refuse-upgrade", "stall")
ACTIONS = {"workos": WORKOS_ACTIONS, "convex": CONVEX_ACTIONS}
MAX_WAIT_S = 300.0


class PlanError(ValueError):
    """A plan (or the trace it would come from) that cannot be replayed; the message says why."""


class NothingToReplay(PlanError):
    """The input has no refresh attempt, fault, page-state change or server event to replay."""


# -- reading the input ----------------------------------------------------------------
def _as_trace(source: Any) -> tuple[Trace, str]:
    from ..diagnosis.har import HarFormatError, har_to_trace, is_har

    if isinstance(source, Trace):
        return source, "trace"
    if is_har(source):
        try:
            return har_to_trace(source), "har"
        except HarFormatError as exc:
            raise PlanError(f"not a usable HAR export: {exc}") from None
    if isinstance(source, dict) and source.get("format") == FORMAT:
        raise PlanError("this is already a replay plan; replay it as it is")
    if isinstance(source, dict) and "format" in source:
        try:
            return Trace.from_json(source), "trace"
        except TraceFormatError as exc:
            raise PlanError(str(exc)) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"bad trace: {exc}") from None
    raise PlanError('neither an authtrace trace ({"format": "authtrace/1", ...}), a HAR export nor a replay plan')


def _r(x: float) -> float:
    return round(float(x), 1)


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


def build_plan(source: Any) -> dict[str, Any]:
    """The replay plan of a trace (a :class:`Trace`, its JSON, or a Chrome HAR export).

    Raises :class:`NothingToReplay` when the recording has nothing to replay."""
    from ..diagnosis.timeline import Timeline

    trace, kind = _as_trace(source)
    tl = Timeline(trace)
    if not tl.events:
        raise NothingToReplay("nothing to replay: the trace has no events")
    t0 = tl.start
    duration = max(_r(tl.end - t0), 1.0)
    main = _main_tab(trace, tl.tabs)
    meta = trace.meta or {}

    def rel(wall: float) -> float:
        return _r(min(max(wall - t0, 0.0), duration))

    page: list[dict[str, Any]] = []
    for state, table in (("hidden", tl.hidden), ("frozen", tl.frozen), ("offline", tl.offline)):
        for iv in table.get(main, []):
            end = iv.end if iv.end is not None else tl.end
            if end - iv.start > 0:
                page.append({"state": state, "start_ms": rel(iv.start), "end_ms": rel(end)})
    page.sort(key=lambda p: (p["start_ms"], PAGE_STATES.index(p["state"])))

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
        if outcome["type"] != "token" and (pay.get("online") is False or
                                           (ex.tab == main and _offline_at(tl.offline.get(main, []), at))):
            cause = "offline"  # the replayed offline interval fails it by itself
        item: dict[str, Any] = {"at_ms": rel(at), "tab": ex.tab, "other_tab": ex.tab != main,
                                "grant_type": ex.grant_type, "outcome": outcome}
        if ex.end is not None and isinstance(ex.end.payload.get("duration_ms"), (int, float)):
            item["duration_ms"] = _r(ex.end.payload["duration_ms"])
        if ex.refresh_token_sent is not None:
            item["refresh_token_sent"] = ex.refresh_token_sent
        if cause:
            item["cause"] = cause
        attempts.append(item)

    server: list[dict[str, Any]] = []
    auth_errors: list[float] = []
    resumes = [e.wall for e in tl.of(main, Kind.LIFECYCLE, "resume")]
    boots = [e.wall for e in tl.of(main, Kind.LIFECYCLE, "boot")]
    for e in tl.by_tab.get(main, []):
        if e.kind is Kind.CONVEX and e.type == "AuthError":
            error = str(e.payload.get("error") or "")
            natural = "expired" in error.lower()
            auth_errors.append(e.wall)
            server.append({"at_ms": rel(e.wall), "type": "auth-error", "error": error,
                           "replayed_by": "token expiry" if natural else "injected"})
        elif e.kind is Kind.WEBSOCKET and e.type == "close" and e.payload.get("sync"):
            code = e.payload.get("code")
            if any(0 <= e.wall - w <= 500 for w in auth_errors):
                by = "the client, after the AuthError"
            elif e.payload.get("online") is False or _offline_at(tl.offline.get(main, []), e.wall):
                by = "the offline interval"
            elif any(0 <= b - e.wall <= 1500 for b in boots):
                by = "the page's navigation"
            elif e.payload.get("was_clean") and code in (1000, 1005):
                by = "the client"
            else:
                by = "injected"
            item = {"at_ms": rel(e.wall), "type": "socket-close", "code": code, "replayed_by": by}
            # A close delivered at a resume happened while the tab was frozen: replay it just before.
            if by == "injected" and any(0 <= e.wall - w <= 250 for w in resumes):
                item["while_frozen"] = True
            server.append(item)

    lifetimes: dict[float, int] = {}
    for e in trace.events:
        claims = e.payload.get("jwt")
        if isinstance(claims, dict):
            for c in claims.values():
                if isinstance(c, dict) and isinstance(c.get("iat"), (int, float)) and isinstance(c.get("exp"), (int, float)):
                    life = round(float(c["exp"]) - float(c["iat"]), 3)
                    if life > 0:
                        lifetimes[life] = lifetimes.get(life, 0) + 1
    ttl = max(lifetimes, key=lambda k: (lifetimes[k], k)) if lifetimes else tl.lifetime_ms / 1000.0

    mutations: list[dict[str, Any]] = []
    seen_requests: set[Any] = set()
    for e in tl.of(main, Kind.CONVEX, "Mutation"):
        rid = e.payload.get("request_id")
        if e.payload.get("direction") not in (None, "send") or rid in seen_requests:
            continue
        seen_requests.add(rid)
        mutations.append({"at_ms": rel(e.wall), "udf_path": e.payload.get("udf_path")})

    signed_in = _signed_in(tl, main)
    notes: list[str] = []
    for e in tl.of(main, Kind.STORAGE, "storage-event"):
        if e.payload.get("change") in ("removed", "clear") and "refresh-token" in str(e.payload.get("key") or ""):
            notes.append(f"another tab removed the refresh token at {rel(e.wall) / 1000:.1f} s: not replayed as such; "
                         "the refresh failure it caused is injected")
    if injected:
        notes.append(f"{injected} refresh attempt(s) answered by an earlier in-tab replay left out")
    other = sorted(t for t in tl.tabs if t != main)
    if other:
        notes.append(f"{len(other)} other tab(s) recorded; their refresh outcomes are injected into the replayed tab, "
                     "their page states are not replayed")
    cookie_mode = any(x.credentials == "include" for x in tl.exchanges)

    plan: dict[str, Any] = {
        "format": FORMAT,
        "source": {"kind": kind, "scenario": meta.get("scenario"), "adapter": meta.get("adapter"),
                   "tab": main, "tabs": len(tl.tabs), "events": len(trace.events)},
        "app": {"cookie_mode": cookie_mode},
        "duration_ms": duration,
        "signed_in_ms": signed_in if signed_in is not None else 0.0,
        "tokens": {"access_token_ttl_s": round(float(ttl), 3),
                   "lifetimes_s": sorted(lifetimes) or [round(float(ttl), 3)]},
        "page": page,
        "attempts": attempts,
        "server": server,
        "mutations": mutations,
        "faults": [],
        "recorded": failure_signature(trace),
        "notes": notes,
    }
    plan["faults"] = faults_from_attempts(attempts, duration) + _server_faults(server, page)
    plan["faults"].sort(key=lambda f: (f["start_ms"], f["target"]))
    for i, f in enumerate(plan["faults"], 1):
        f["id"] = f"f{i}"
    if not (page or attempts or server):
        raise NothingToReplay("nothing to replay: the trace has no refresh attempt, no hidden/frozen/offline "
                              "interval and no Convex AuthError or socket close")
    return validate_plan(plan)


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


# -- faults ----------------------------------------------------------------------------
def _fault_of(attempt: dict[str, Any]) -> tuple[str, dict[str, Any], bool] | None:
    """(action, params, terminal) that reproduces this attempt's outcome; None = nothing to inject."""
    o = attempt.get("outcome") or {}
    t = o.get("type")
    if t == "token" or attempt.get("cause") == "offline":
        return None
    if t == "TypeError":
        return "drop", {}, False
    if t == "hang":
        return "hang", {"max_s": round(min(MAX_WAIT_S, max(0.1, float(o.get("ms") or 0) / 1000.0)), 1)}, False
    if t == "error":
        return ("garbage-200", {}, False) if o.get("name") == "SyntaxError" else ("drop", {}, False)
    if t == "http":
        status = o.get("status")
        error = str(o.get("error") or "")
        desc = str(o.get("description") or "")
        if "missing refresh token" in desc.lower():
            return "missing-refresh-token", {}, True
        if error == "invalid_grant":
            return "invalid-grant", ({"message": desc} if desc else {}), True
        if isinstance(status, int) and 400 <= status <= 599:
            return "status", {"status": status}, status in (400, 401, 403)
    return None


def faults_from_attempts(attempts: list[dict[str, Any]], duration_ms: float) -> list[dict[str, Any]]:
    """WorkOS faults that give the next refresh attempts the recorded outcomes (pure).

    Consecutive attempts that failed the same way are one fault window (count unlimited
    inside it; a hang counts each hung attempt); a terminal answer holds until the next
    recorded success, else to the end; a transient one until halfway to the next
    different attempt, else ``TAIL_MS`` after its last attempt."""
    ordered = sorted((a for a in attempts if isinstance(a, dict)), key=lambda a: a["at_ms"])
    faults: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    key: tuple | None = None
    prev_end = 0.0

    def close(next_at: float | None, next_ok_at: float | None) -> None:
        nonlocal run, key
        if not run:
            return
        action, params, terminal = key[0], dict(key[1]), key[2]
        first, last = run[0], run[-1]
        lead = min(LEAD_MS, max(0.0, (first["at_ms"] - run_prev_end[0]) / 2))
        start = max(0.0, first["at_ms"] - lead)
        if action == "hang":
            end = last["at_ms"] + float(params["max_s"]) * 1000.0
            count: int | None = len(run)
        elif terminal:
            end = (next_ok_at + last["at_ms"]) / 2 if next_ok_at is not None else duration_ms
            count = None
        else:
            end = (next_at + last["at_ms"]) / 2 if next_at is not None else last["at_ms"] + TAIL_MS
            count = None
        end = min(max(end, last["at_ms"] + 1.0), duration_ms + TAIL_MS)
        grant = first.get("grant_type") or "refresh_token"
        faults.append({"target": "workos", "action": action, "start_ms": _r(start), "end_ms": _r(end),
                       "count": count, "match": {"method": "POST", "path": AUTH_PATH, "grant_type": grant},
                       "params": params, "attempts": [ordered.index(a) for a in run], "terminal": terminal})
        run, key = [], None

    run_prev_end = [0.0]
    for i, a in enumerate(ordered):
        f = _fault_of(a)
        k = (f[0], tuple(sorted(f[1].items())), f[2], a.get("grant_type")) if f else None
        if k is None or k != key:
            nxt_ok = next((b["at_ms"] for b in ordered[i:] if (b.get("outcome") or {}).get("type") == "token"), None)
            close(a["at_ms"], nxt_ok)
            if k is not None:
                run_prev_end[0] = prev_end
                key = (f[0], tuple(sorted(f[1].items())), f[2], a.get("grant_type"))
                run = [a]
        else:
            run.append(a)
        prev_end = a["at_ms"] + float(a.get("duration_ms") or 0.0)
    close(None, None)
    for f in faults:
        f["params"] = dict(f["params"]) if not isinstance(f["params"], dict) else f["params"]
    return faults


def _server_faults(server: list[dict[str, Any]], page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, s in enumerate(server):
        if s.get("replayed_by") != "injected":
            continue
        at = s["at_ms"]
        if s["type"] == "socket-close":
            if s.get("while_frozen"):
                ends = [p["end_ms"] for p in page if p["state"] == "frozen" and abs(p["end_ms"] - at) <= 250]
                at = max(0.0, (min(ends) if ends else at) - 200.0)
            code = s.get("code")
            code = code if isinstance(code, int) and 1000 <= code <= 4999 and code not in (1005, 1006, 1015) else 1001
            out.append({"target": "convex", "action": "close", "start_ms": _r(at), "end_ms": _r(at), "count": 1,
                        "match": {}, "params": {"code": code}, "server": [i]})
        elif s["type"] == "auth-error":
            out.append({"target": "convex", "action": "auth-error", "start_ms": _r(max(0.0, at - LEAD_MS)),
                        "end_ms": _r(at + LEAD_MS), "count": 1, "match": {"type": "Authenticate"},
                        "params": {"message": s.get("error") or "authtrace replay"}, "server": [i]})
    return out


# -- the recorded outcome ---------------------------------------------------------------
def failure_signature(trace: Trace) -> dict[str, Any]:
    """How the recorded session ended: split brain still open, a wedge, the diagnosis causes."""
    from ..diagnosis import diagnose

    d = diagnose(trace)
    causes: list[str] = []
    for c in d.ids():
        if c not in causes:
            causes.append(c)
    return {"split_brain_open_at_end": any(s.open for s in d.split_brain),
            "wedged": "throw-wedge" in causes, "causes": causes}


def compare(recorded: dict[str, Any], replayed: dict[str, Any]) -> dict[str, Any]:
    """Did the replay reproduce the recorded failure? ``replayed`` has the runner's
    ``split_brain_open`` / ``wedged`` and the replay trace's diagnosis ``causes``."""
    rec_causes = [c for c in recorded.get("causes", [])]
    rep_causes = set(replayed.get("causes") or [])
    failures = []
    if recorded.get("split_brain_open_at_end"):
        failures.append("split-brain-open")
    if recorded.get("wedged"):
        failures.append("wedged")
    seen = {"split-brain-open": bool(replayed.get("split_brain_open")),
            "wedged": bool(replayed.get("wedged")) or "throw-wedge" in rep_causes}
    recurred = bool(failures) and any(seen[f] for f in failures)
    return {
        "recorded_failure": failures,
        "recurred": recurred,
        "failure_in_replay": [f for f, v in seen.items() if v],
        "causes_reproduced": [c for c in rec_causes if c in rep_causes],
        "causes_missing": [c for c in rec_causes if c not in rep_causes],
        "causes_new": sorted(rep_causes - set(rec_causes)),
    }


# -- validation ------------------------------------------------------------------------
def _num(obj: dict, key: str, where: str, lo: float = 0.0, hi: float = math.inf, required: bool = True) -> float | None:
    if key not in obj:
        if required:
            raise PlanError(f"{where}.{key}: missing")
        return None
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise PlanError(f"{where}.{key}: must be a number, got {v!r}")
    if v < lo or v > hi:
        raise PlanError(f"{where}.{key}: {v} is outside {lo:g}..{hi:g}")
    return float(v)


def _list(plan: dict, key: str) -> list:
    v = plan.get(key, [])
    if not isinstance(v, list):
        raise PlanError(f"{key}: must be a list, got {type(v).__name__}")
    for i, item in enumerate(v):
        if not isinstance(item, dict):
            raise PlanError(f"{key}[{i}]: must be an object, got {type(item).__name__}")
    return v


def validate_plan(plan: Any) -> dict[str, Any]:
    """``plan`` if the executor can replay it as written; else :class:`PlanError` with the reason."""
    if not isinstance(plan, dict):
        raise PlanError(f"a replay plan is a JSON object, got {type(plan).__name__}")
    fmt = plan.get("format")
    if fmt != FORMAT:
        if isinstance(fmt, str) and fmt.startswith("authtrace-replay/"):
            raise PlanError(f"format {fmt!r} is not supported (this authtrace reads {FORMAT!r})")
        raise PlanError(f'not a replay plan: "format" must be {FORMAT!r}, got {fmt!r}')
    duration = _num(plan, "duration_ms", "plan", lo=1.0, hi=7 * 24 * 3600 * 1000.0)
    _num(plan, "signed_in_ms", "plan", hi=duration)
    tokens = plan.get("tokens")
    if not isinstance(tokens, dict):
        raise PlanError("tokens: must be an object with access_token_ttl_s")
    _num(tokens, "access_token_ttl_s", "tokens", lo=0.001, hi=24 * 3600.0)
    app = plan.get("app", {})
    if not isinstance(app, dict):
        raise PlanError("app: must be an object")
    if "cookie_mode" in app and not isinstance(app["cookie_mode"], bool):
        raise PlanError("app.cookie_mode: must be true or false")

    page = _list(plan, "page")
    for i, p in enumerate(page):
        w = f"page[{i}]"
        if p.get("state") not in PAGE_STATES:
            raise PlanError(f"{w}.state: must be one of {', '.join(PAGE_STATES)}, got {p.get('state')!r}")
        s = _num(p, "start_ms", w, hi=duration)
        e = _num(p, "end_ms", w, hi=duration)
        if e < s:
            raise PlanError(f"{w}: end_ms {e:g} is before start_ms {s:g}")
    for state in PAGE_STATES:
        ivs = sorted((p["start_ms"], p["end_ms"], i) for i, p in enumerate(page) if p["state"] == state)
        for (s1, e1, i1), (s2, _e2, i2) in zip(ivs, ivs[1:]):
            if s2 < e1:
                raise PlanError(f"page[{i2}]: overlaps page[{i1}] (both {state})")

    for i, a in enumerate(_list(plan, "attempts")):
        w = f"attempts[{i}]"
        _num(a, "at_ms", w, hi=duration)
        o = a.get("outcome")
        if not isinstance(o, dict) or o.get("type") not in OUTCOMES:
            raise PlanError(f"{w}.outcome.type: must be one of {', '.join(OUTCOMES)}")
        if o["type"] == "http":
            _num(o, "status", f"{w}.outcome", lo=100, hi=599)
        if o["type"] == "hang":
            _num(o, "ms", f"{w}.outcome", lo=0)

    for i, s in enumerate(_list(plan, "server")):
        w = f"server[{i}]"
        _num(s, "at_ms", w, hi=duration)
        if s.get("type") not in ("auth-error", "socket-close"):
            raise PlanError(f"{w}.type: must be auth-error or socket-close, got {s.get('type')!r}")

    for i, m in enumerate(_list(plan, "mutations")):
        _num(m, "at_ms", f"mutations[{i}]", hi=duration)

    for i, f in enumerate(_list(plan, "faults")):
        _check_fault(f, f"faults[{i}]", duration)

    rec = plan.get("recorded", {})
    if not isinstance(rec, dict):
        raise PlanError("recorded: must be an object")
    if not isinstance(rec.get("causes", []), list) or not all(isinstance(c, str) for c in rec.get("causes", [])):
        raise PlanError("recorded.causes: must be a list of cause ids")
    for k in ("split_brain_open_at_end", "wedged"):
        if k in rec and not isinstance(rec[k], bool):
            raise PlanError(f"recorded.{k}: must be true or false")
    if not (page or plan.get("faults") or plan.get("attempts") or plan.get("server") or plan.get("mutations")):
        raise NothingToReplay("nothing to replay: the plan has no page interval, fault, refresh attempt, "
                              "server event or mutation")
    return plan


def _check_fault(f: dict, w: str, duration: float) -> None:
    target = f.get("target")
    if target not in ACTIONS:
        raise PlanError(f"{w}.target: must be workos or convex, got {target!r}")
    action = f.get("action")
    if action not in ACTIONS[target]:
        raise PlanError(f"{w}.action: {action!r} is not a {target} action the replay can arm "
                        f"({', '.join(ACTIONS[target])})")
    s = _num(f, "start_ms", w, hi=duration)
    e = _num(f, "end_ms", w, hi=duration + TAIL_MS)
    if e < s:
        raise PlanError(f"{w}: end_ms {e:g} is before start_ms {s:g}")
    count = f.get("count", 1)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise PlanError(f"{w}.count: must be a positive integer or null (every matching request in the window)")
    if count is None and e <= s and not (target == "convex" and action == "close"):
        raise PlanError(f"{w}: unbounded (count null and an empty window): give a count or end_ms after start_ms")
    match = f.get("match", {})
    if not isinstance(match, dict):
        raise PlanError(f"{w}.match: must be an object")
    params = f.get("params", {})
    if not isinstance(params, dict):
        raise PlanError(f"{w}.params: must be an object")
    if action == "status":
        st = params.get("status")
        if isinstance(st, bool) or not isinstance(st, int) or not 400 <= st <= 599:
            raise PlanError(f"{w}.params.status: must be an HTTP error status 400..599, got {st!r}")
    for key in ("max_s", "seconds"):
        if key in params:
            _num(params, key, f"{w}.params", lo=0.0, hi=MAX_WAIT_S)
    if action == "close" and "code" in params:
        c = params["code"]
        if isinstance(c, bool) or not isinstance(c, int) or not 1000 <= c <= 4999 or c in (1005, 1006, 1015):
            raise PlanError(f"{w}.params.code: must be a WebSocket close code a server can send, got {c!r}")


def load_plan(obj: Any) -> dict[str, Any]:
    """A plan from JSON: a replay plan is validated; a trace or HAR becomes its plan."""
    if isinstance(obj, dict) and isinstance(obj.get("format"), str) and obj["format"].startswith("authtrace-replay/"):
        return validate_plan(obj)
    return build_plan(obj)
