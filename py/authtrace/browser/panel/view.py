"""What the dock shows, as data (pure): :class:`DockView` and the functions that
word it. The dock (:mod:`.dock`) only copies a DockView into the page; the
swimlanes have their own view model (:mod:`.swimlanes`).

Tones are the stylesheet's: ``ok`` (green), ``warn`` (amber), ``bad`` (red),
``muted``. States are stable words for tests and scripts (``data-state``).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from ...trace import Trace
from .badges import Badges, countdown
from .cause import Cause

BADGES: tuple[tuple[str, str], ...] = (("user", "AuthKit"), ("token", "access token"), ("refresh", "refresh token"),
                                       ("convex", "Convex"), ("socket", "socket"))
ZOOM_LABELS: dict[str, str] = {"1m": "1 min", "5m": "5 min", "15m": "15 min", "all": "all"}


@dataclass(frozen=True)
class Badge:
    key: str
    label: str
    text: str
    tone: str
    state: str


@dataclass(frozen=True)
class Alarm:
    """The split-brain alarm: AuthKit has a user, Convex is not authenticated."""

    on: bool
    user: str | None = None
    cause: Cause | None = None

    def html(self) -> str:
        if not self.on:
            return ""
        text = (f"<b>Split brain:</b> AuthKit has user <code>{escape(str(self.user))}</code>, "
                f"Convex is not authenticated.")
        if self.cause is None:
            return text + " No cause named yet."
        return text + (f" <b>Cause:</b> <code>{escape(self.cause.id)}</code> — {escape(self.cause.explanation)}"
                       f" <b>Fix:</b> {escape(self.cause.fix)}")


@dataclass(frozen=True)
class Line:
    """A status line: its text, a state word and a longer detail (the hover title)."""

    text: str
    state: str = "idle"
    detail: str = ""


@dataclass(frozen=True)
class DockView:
    open: bool
    zoom: str
    badges: tuple[Badge, ...]
    alarm: Alarm
    notice: Line | None  # what is viewed instead of the live recording, or why an import failed
    experiment: str
    replay: Line
    can_replay_imported: bool
    otlp: Line = Line("off")  # the OTLP export setting's status line
    console_open: bool = False
    stories: tuple[tuple[str, str], ...] = ()  # (name, summary) of the stories this page can play
    story: Line = Line("")  # the story being played, or its outcome

    @property
    def toggle(self) -> str:
        return "authtrace ▼" if self.open else "authtrace ▲"


def badges(b: Badges, now_wall_ms: float) -> tuple[Badge, ...]:
    """The five badges of one tab at ``now_wall_ms``."""
    if not b.user_known:
        user = ("–", "muted", "unknown")
    elif b.user_loading and not b.user:
        user = ("loading…", "warn", "loading")
    else:
        user = (b.user or "signed out", "ok" if b.user else "muted", "user" if b.user else "none")
    left = b.seconds_left(now_wall_ms)
    token = (countdown(left), "muted" if left is None else ("ok" if left > 60 else "warn" if left > 0 else "bad"),
             "none" if left is None else ("valid" if left > 0 else "expired"))
    refresh = ({"present": "in storage", "removed": "removed", "cookie": "cookie (httpOnly)"}.get(b.refresh_token, "–"),
               {"present": "ok", "removed": "bad", "cookie": "ok"}.get(b.refresh_token, "muted"), b.refresh_token)
    if b.convex_auth is None:
        convex = ("refreshing…" if b.convex_refreshing else "–", "muted", "unknown")
    else:
        convex = (("authenticated" if b.convex_auth else "not authenticated") + (" · refreshing" if b.convex_refreshing else ""),
                  "ok" if b.convex_auth else ("warn" if not b.user else "bad"),
                  "authenticated" if b.convex_auth else "unauthenticated")
    socket = ((b.socket or "–") + (" (paused)" if b.paused == "yes" else ""),
              {"ready": "ok", "connecting": "warn", "disconnected": "bad"}.get(b.socket or "", "muted"), b.socket or "unknown")
    return tuple(Badge(key, label, *values)
                 for (key, label), values in zip(BADGES, (user, token, refresh, convex, socket), strict=True))


def alarm(b: Badges, cause: Cause | None) -> Alarm:
    return Alarm(True, b.user, cause) if b.split_brain else Alarm(False)


def viewing(name: str, trace: Trace) -> Line:
    return Line(f"viewing {name} ({len(trace.events)} events, {len(trace.tabs())} tab(s)); read-only ", "imported")


def import_failed(name: str, exc: Exception) -> Line:
    return Line(f"could not import {name}: {exc}", "error")


def report_failed(exc: Exception) -> Line:
    return Line(f"could not make the report: {type(exc).__name__}: {exc}"[:300], "error")


def experiment_line(state: dict[str, Any] | None, result: Any = None) -> str:
    """What is armed or going on, after an experiment's action returned ``result``."""
    state = state or {}
    armed = ", ".join(f"{a['mode']} ×{a['left']}" for a in state.get("armed", []))
    bits = [f"armed: {armed}" if armed else "", "hidden" if state.get("hidden") else "",
            "offline" if state.get("offline") else "",
            f"closed {result} socket(s)" if isinstance(result, int) and not isinstance(result, bool) else ""]
    return " · ".join(b for b in bits if b) or "nothing armed"


def replay_line(st: dict[str, Any]) -> Line:
    """The replay's status line from :meth:`.replay.LiveReplay.state`; state is
    idle/error/armed/over/stopped, detail the skipped items' reasons (the line names
    only what was skipped)."""
    if st.get("error"):
        return Line(f"replay failed: {st['error']}", "error")
    summary = st.get("summary")
    if not st.get("loaded"):
        return Line("replay injector not loaded yet")
    if summary is None:
        return Line("")
    detail = "; ".join(summary.get("skipped") or [])
    applied = st.get("applied") or []
    kinds: dict[str, int] = {}
    for a in applied:
        kinds[str(a.get("kind"))] = kinds.get(str(a.get("kind")), 0) + 1
    done = f"applied {len(applied)}" + (" (" + ", ".join(f"{k} ×{n}" for k, n in kinds.items()) + ")" if kinds else "")
    if not st.get("installed"):
        return Line(f"stopped; {done}", "stopped", detail)
    name = (summary.get("source") or {}).get("name")
    text = f"armed {summary['injections']} injection(s) from {summary['faults']} fault(s)" + (f" of {name}" if name else "")
    text += f"; {done}"
    if st.get("over"):
        text += "; all windows over"
    elif summary.get("ends_ms") is not None and st.get("elapsed_ms") is not None:
        text += f"; windows end in {max(0.0, (summary['ends_ms'] - st['elapsed_ms']) / 1000):.0f} s"
    if summary.get("skipped"):
        text += "; not injected: " + ", ".join(s.split(":")[0] for s in summary["skipped"])
    return Line(text, "over" if st.get("over") else "armed", detail)


def story_line(st: dict[str, Any] | None) -> Line:
    """The in-page story's status line (:meth:`.stories.StoryPlayer.state`); state
    idle/playing/error/over, detail what the page simulates."""
    if not st or not st.get("story"):
        return Line("")
    detail = "simulated in this page: " + "; ".join(st.get("simulated") or [])
    if st.get("error"):
        return Line(f"{st['story']} stopped: {st['error']}", "error", detail)
    if st.get("playing"):
        return Line(f"playing {st['story']}: step {st['step'] + 1}/{st['of']} ({st['doing']}); some steps are simulated "
                    "(hover for which)", "playing", detail)
    return Line(f"{st['story']} in this tab: {st.get('summary') or ''}", "over", detail)


def otlp_line(state: dict[str, Any] | None, error: str | None = None) -> Line:
    """The OTLP export's status line (state: :meth:`authtrace.browser.exporter.OtlpExporter.state`);
    state word off/error/unsampled/on/failing."""
    if error:
        return Line(f"not started: {error}", "error")
    if not state or state.get("stopped"):
        return Line("off")
    if not state.get("sampled"):
        return Line(f"this session is not in the sample ({state['sample']:g}): nothing is sent", "unsampled")
    logs, traces = state["logs"], state["traces"]
    text = (f"to {state['endpoint']}: {logs['sent']} records, {traces['sent']} spans sent; "
            f"{logs['queued']} queued")
    if logs["dropped"] or logs["rejected"]:
        text += f"; {logs['dropped']} dropped, {logs['rejected']} refused"
    failing = bool(logs["retry_in_ms"] or traces["retry_in_ms"])
    if failing:
        text += f"; no answer or HTTP {logs['last_status']}, retrying in {logs['retry_in_ms'] / 1000:.0f} s"
    return Line(text, "failing" if failing else "on", f"session {state['session_id']}")
