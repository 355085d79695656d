"""The panel's Python console, without its DOM: evaluation, names bound, history, notes.

A line typed in the console runs in the recorder's own interpreter, in a namespace
with:

- ``trace``: the live recording of all tabs, a core :class:`~authtrace.trace.Trace`
  (rebound before every line, so it is always the recording as it is now);
- ``events(kind=, type=, tab=, last=, since=, until=)``, ``count(...)``, ``table(events)``:
  filters over it (``last``: the last so many seconds; ``since``/``until``: wall ms);
- ``findings()``: the diagnosis of the recording now (the engine is imported on first use);
- ``experiments``: the panel's page-side experiments, each awaitable (``await
  experiments.hide(5)`` returns when the 5 s are over);
- ``replay(trace=None, speed=1)``: the panel's replay in this tab (None: this tab's recording);
- ``stories()``/``play(name)`` when the panel gives them (:mod:`authtrace.stories`).

``await`` works at the top level: the console drives the coroutine itself (a
:class:`Sleep` waits on the page's clock; an asyncio future, such as a JS promise in
Pyodide, resumes it when done), so it runs the same on a detached page.

Fail-open: whatever a line raises (``SystemExit`` and ``KeyboardInterrupt`` included)
becomes the output, never reaches the page or the recorder. Every output is redacted
(:class:`~authtrace.redaction.Redactor`) and truncated; each line and its result are
recorded as a ``note/console`` event through the boot shim, as the page's own notes are.
"""

from __future__ import annotations

import ast
import traceback
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..event import Event, Kind
from ..redaction import Redactor
from ..trace import Trace

if TYPE_CHECKING:
    from .recorder import Recorder

MAX_OUTPUT = 4000  # characters shown of one result
MAX_NOTE = 500  # characters of the line and of the result kept in the note event
HISTORY = 200  # lines remembered
_RESULT = "__console_result__"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Sleep:
    """Awaited in a console line: resume after ``ms`` on the page's clock."""

    ms: float

    def __await__(self) -> Generator[Sleep, None, None]:
        yield self


@dataclass
class Output:
    """One line's outcome as the console shows it (``text`` already redacted and truncated)."""

    line: str
    text: str = ""
    ok: bool = True
    pending: bool = False


class History:
    """The lines typed, newest last; ``back()``/``forward()`` walk it like a shell's."""

    def __init__(self, keep: int = HISTORY) -> None:
        self.lines: list[str] = []
        self.keep = keep
        self.at = 0

    def add(self, line: str) -> None:
        if line.strip() and (not self.lines or self.lines[-1] != line):
            self.lines.append(line)
            del self.lines[: max(0, len(self.lines) - self.keep)]
        self.at = len(self.lines)

    def back(self) -> str:
        self.at = max(0, self.at - 1)
        return self.lines[self.at] if self.lines else ""

    def forward(self) -> str:
        self.at = min(len(self.lines), self.at + 1)
        return self.lines[self.at] if self.at < len(self.lines) else ""


class Action:
    """What an experiment returned (its state), awaitable: awaiting waits ``ms`` first."""

    def __init__(self, result: Any, ms: float = 0.0) -> None:
        self.result, self.ms = result, ms

    def __await__(self) -> Generator[Any, None, Any]:
        if self.ms > 0:
            yield from Sleep(self.ms).__await__()
        return self.result

    def __repr__(self) -> str:
        return repr(self.result)


class Until:
    """Shown as ``shown``; awaiting it waits (``every_ms`` at a time) until ``done()``, then
    gives ``value()`` (a story played from the console: ``await play(...)``)."""

    def __init__(self, shown: Any, done: Callable[[], bool], value: Callable[[], Any], every_ms: float = 250.0) -> None:
        self.shown, self.done, self.value, self.every_ms = shown, done, value, every_ms

    def __await__(self) -> Generator[Any, None, Any]:
        while not self.done():
            yield from Sleep(self.every_ms).__await__()
        return self.value()

    def __repr__(self) -> str:
        return repr(self.shown)


class ConsoleExperiments:
    """The panel's :class:`~.panel.experiments.Experiments`, awaitable in the console."""

    def __init__(self, experiments: Any) -> None:
        self._x = experiments

    def arm(self, mode: str, n: int = 1) -> Action:
        return Action(self._x.arm(mode, n))

    def hide(self, s: float) -> Action:
        return Action(self._x.hide(s), float(s) * 1000)

    def offline(self, s: float) -> Action:
        return Action(self._x.offline(s), float(s) * 1000)

    def drop_sockets(self) -> Action:
        return Action(self._x.drop_sockets())

    def disarm(self) -> Action:
        return Action(self._x.disarm())

    def state(self) -> Any:
        return self._x.state()

    def __repr__(self) -> str:
        return "experiments: arm(mode, n), hide(s), offline(s), drop_sockets(), disarm(), state(); all awaitable"


def select(events: list[Event], kind: str | Kind | None = None, type: str | None = None, tab: str | None = None,
           since: float | None = None, until: float | None = None) -> list[Event]:
    """The events of that kind (``"fetch"`` or ``"fetch/response"``), type and tab, with
    ``since <= wall <= until`` (wall ms); None: any."""
    if isinstance(kind, str) and "/" in kind and type is None:
        kind, type = kind.split("/", 1)
    k = Kind(kind) if kind is not None else None
    return [e for e in events if (k is None or e.kind is k) and (type is None or e.type == type)
            and (tab is None or e.tab == tab) and (since is None or e.wall >= since)
            and (until is None or e.wall <= until)]


def table(events: list[Event], limit: int = 40) -> str:
    """One line an event (the newest ``limit``): time (s before the last), tab, kind/type, payload."""
    if not events:
        return "(no events)"
    end = events[-1].wall
    rows = [f"{(e.wall - end) / 1000:8.1f}s  {e.tab[:12]:12}  {e.kind.value}/{e.type}  {_truncate(str(e.payload), 120)}"
            for e in events[-limit:]]
    return "\n".join(([f"… {len(events) - limit} earlier"] if len(events) > limit else []) + rows)


@dataclass
class Console:
    recorder: Recorder
    experiments: Any = None  # the panel's Experiments
    replay: Callable[..., Any] | None = None  # replay(trace_or_None, speed)
    extra: dict[str, Any] = field(default_factory=dict)  # more names (the stories)
    on_output: Callable[[Output], None] | None = None  # a line that awaited has finished

    def __post_init__(self) -> None:
        self.page = self.recorder.page
        self.redactor = Redactor()
        self.history = History()
        self.transcript: list[Output] = []
        self.namespace: dict[str, Any] = {"__name__": "__console__", **self._names(), **self.extra}

    # -- the names bound -----------------------------------------------------------------
    def _names(self) -> dict[str, Any]:
        rec = self.recorder

        def events(kind=None, type=None, tab=None, last=None, since=None, until=None) -> list[Event]:
            if last is not None:
                since = self.page.now()[1] - float(last) * 1000
            return select(rec.events(), kind, type, tab, since, until)

        def count(*args, **kwargs) -> int:
            return len(events(*args, **kwargs))

        def findings():
            from ..diagnosis import diagnose  # the engine on first use

            return diagnose(rec.trace()).findings

        def replay(trace: Trace | str | None = None, speed: float = 1.0):
            if self.replay is None:
                raise RuntimeError("replay is not available on this page")
            return self.replay(trace, speed)

        names: dict[str, Any] = {"events": events, "count": count, "table": table, "findings": findings,
                                 "replay": replay, "Sleep": Sleep, "Kind": Kind}
        if self.experiments is not None:
            names["experiments"] = ConsoleExperiments(self.experiments)
        return names

    # -- running a line --------------------------------------------------------------------
    def run(self, line: str) -> Output:
        """Run ``line``; the Output now (``pending`` while it awaits: ``on_output`` gets it when done)."""
        out = Output(line)
        self.history.add(line)
        self.transcript.append(out)
        if not line.strip():
            return out
        try:
            self.namespace["trace"] = self.recorder.trace()
            code = self._compile(line)
            value = eval(code, self.namespace)  # noqa: S307 (the console's purpose)
            if isinstance(value, Coroutine):
                out.pending = True
                self._drive(value, out)
            else:
                self._done(out, self.namespace.pop(_RESULT, None))
        except BaseException as exc:  # fail-open: SystemExit too stays in the console
            self._failed(out, exc)
        return out

    @staticmethod
    def _compile(line: str):
        """Statements, the last expression's value kept (as the REPL shows it); top-level await allowed."""
        tree = ast.parse(line, "<console>", "exec")
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body[-1]
            tree.body[-1] = ast.copy_location(ast.Assign([ast.Name(_RESULT, ast.Store())], last.value), last)
            ast.fix_missing_locations(tree)
        return compile(tree, "<console>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    def _drive(self, coro: Coroutine, out: Output) -> None:
        """One step of an awaiting line; the next when what it waits for is there."""
        try:
            waited = coro.send(None)
        except StopIteration:
            self._done(out, self.namespace.pop(_RESULT, None))
            return
        except BaseException as exc:
            self._failed(out, exc)
            return
        try:
            if isinstance(waited, Sleep):
                self.page.later(float(waited.ms), lambda: self._drive(coro, out))
            elif hasattr(waited, "add_done_callback"):  # an asyncio future (a JS promise in Pyodide)
                waited.add_done_callback(lambda _f: self._drive(coro, out))
            else:
                raise RuntimeError(f"the console cannot wait for {type(waited).__name__}")
        except Exception as exc:
            coro.close()
            self._failed(out, exc)

    def _done(self, out: Output, value: Any) -> None:
        if value is not None:
            self.namespace["_"] = value
            text = value if isinstance(value, str) and "\n" in value else repr(value)
        else:
            text = ""
        self._finish(out, text, True)

    def _failed(self, out: Output, exc: BaseException) -> None:
        lines = traceback.format_exception_only(type(exc), exc)
        self._finish(out, "".join(lines).rstrip(), False)

    def _finish(self, out: Output, text: str, ok: bool) -> None:
        try:
            out.text = _truncate(self._redact(text), MAX_OUTPUT)
        except Exception:  # the redactor never raises on text, but the console must not either
            out.text = "(output withheld: it could not be redacted)"
        out.ok = ok
        was_pending, out.pending = out.pending, False
        try:
            self.page.emit("note", "console", {"line": _truncate(self._redact(out.line), MAX_NOTE),
                                               "result": _truncate(out.text, MAX_NOTE), "ok": ok})
        except Exception:
            self.recorder.errors += 1
        if was_pending and self.on_output is not None:
            try:
                self.on_output(out)
            except Exception:
                self.recorder.errors += 1

    def _redact(self, text: str) -> str:
        value = self.redactor.value(text)
        return value if isinstance(value, str) else str(value)
