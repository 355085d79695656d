"""The dock: the panel's DOM, built by Python through ``js.document`` (Pyodide only).

Collapsed, it is one button in the bottom-right corner (red when the
split-brain alarm is on). Open, it is a bar along the bottom of the window (at
most 45% of its height; the page gets as much bottom padding, so nothing of
the app is out of reach) with the badges, the alarm, controls, experiments and
the timeline. Every control is a real button/input (Tab reaches them), the
toggle has ``aria-expanded``, and Escape inside the dock collapses it.
"""

from __future__ import annotations

import html

import js
from pyodide.ffi import create_once_callable, create_proxy

from ...har_export import dumps as har_dumps
from ...trace import Trace
from ..recorder import Recorder
from . import experiments, files, replay, timeline
from .badges import Badges, compute, countdown
from .cause import CauseFinder
from .style import CSS
from .throttle import Throttle

ROOT_ID = "authtrace-panel"


def _missing(value) -> bool:
    """JS ``null`` arrives as ``pyodide.ffi.jsnull`` (not None); ``undefined`` as None."""
    return value is None or type(value).__name__ == "JsNull"


def _el(tag: str, attrs: dict | None = None, text: str | None = None, children: list | None = None):
    node = js.document.createElement(tag)
    for name, value in (attrs or {}).items():
        if value is True:
            node.setAttribute(name, "")
        elif value is not None and value is not False:
            node.setAttribute(name, str(value))
    if text is not None:
        node.textContent = text
    for child in children or []:
        node.appendChild(child)
    return node


class Panel:
    def __init__(self, recorder: Recorder, *, open: bool = False, zoom: str = "5m", render_interval_ms: float = 500.0,
                 diagnose_interval_ms: float = 4000.0, experiments_src: str | None = None,
                 replay_src: str | None = None) -> None:
        self.recorder = recorder
        self.page = recorder.page
        self.tab = recorder.tab
        self.zoom = zoom
        self.is_open = False
        self.imported: Trace | None = None
        self.imported_name = ""
        self.badges = Badges()
        self.throttle = Throttle(render_interval_ms)
        self.finder = CauseFinder(diagnose_interval_ms)
        self.renders = 0
        self._proxies: list = []
        self._saved_padding = ""
        self._build()
        experiments.ensure_loaded(experiments_src)
        replay.ensure_loaded(replay_src)
        recorder.subscribe(lambda _events: self.changed())
        self._interval = js.setInterval(self._proxy(lambda *_: self.tick()), 1000)
        self.render()
        if open:
            self.set_open(True)

    # -- plumbing ----------------------------------------------------------------
    def _proxy(self, fn):
        p = create_proxy(fn)
        self._proxies.append(p)
        return p

    def _on(self, node, event: str, fn) -> None:
        node.addEventListener(event, self._proxy(fn))

    def now(self) -> float:
        return self.page.now()[1]

    # -- DOM ------------------------------------------------------------------------
    def _build(self) -> None:
        doc = js.document
        old = doc.getElementById(ROOT_ID)
        if not _missing(old):
            old.remove()
        self._install_style()

        self.toggle = _el("button", {"type": "button", "id": "authtrace-toggle", "class": "at-toggle",
                                     "aria-expanded": "false", "aria-controls": "authtrace-body",
                                     "title": "authtrace debug panel (Escape closes it)"}, "authtrace ▲")
        self._on(self.toggle, "click", lambda _e: self.set_open(not self.is_open))

        def badge(key: str, label: str):
            node = _el("span", {"class": "at-badge", "id": f"authtrace-badge-{key}", "data-tone": "muted"})
            node.appendChild(_el("b", None, label))
            value = _el("span", {"class": "at-value"}, "–")
            node.appendChild(value)
            return node, value

        self.badge_nodes = {}
        badges_row = _el("div", {"class": "at-row", "id": "authtrace-badges", "aria-live": "polite"})
        for key, label in (("user", "AuthKit"), ("token", "access token"), ("refresh", "refresh token"),
                           ("convex", "Convex"), ("socket", "socket")):
            node, value = badge(key, label)
            self.badge_nodes[key] = (node, value)
            badges_row.appendChild(node)

        self.alarm = _el("div", {"id": "authtrace-alarm", "class": "at-alarm", "role": "alert", "hidden": True})

        controls = _el("div", {"class": "at-row", "role": "toolbar", "aria-label": "timeline"})
        controls.appendChild(_el("span", {"class": "at-label"}, "zoom"))
        self.zoom_buttons = {}
        for z, label in (("1m", "1 min"), ("5m", "5 min"), ("15m", "15 min"), ("all", "all")):
            b = _el("button", {"type": "button", "data-zoom": z, "aria-pressed": str(z == self.zoom).lower()}, label)
            self._on(b, "click", lambda _e, z=z: self.set_zoom(z))
            self.zoom_buttons[z] = b
            controls.appendChild(b)
        controls.appendChild(_el("span", {"class": "at-label"}, "trace"))
        for bid, label, fn in (("authtrace-export-json", "export JSON", self.export_json),
                               ("authtrace-export-har", "export HAR", self.export_har)):
            b = _el("button", {"type": "button", "id": bid}, label)
            self._on(b, "click", lambda _e, fn=fn: fn())
            controls.appendChild(b)
        self.file_input = _el("input", {"type": "file", "id": "authtrace-import", "accept": ".json,.har,application/json",
                                        "class": "at-sr"})
        self._on(self.file_input, "change", lambda _e: self._import_selected())
        file_label = _el("label", {"for": "authtrace-import", "class": "at-file"}, "import…")
        controls.appendChild(self.file_input)
        controls.appendChild(file_label)
        clear = _el("button", {"type": "button", "id": "authtrace-clear"}, "clear")
        self._on(clear, "click", lambda _e: self.clear())
        controls.appendChild(clear)

        exp = _el("div", {"class": "at-row", "role": "group", "aria-label": "experiments"})
        exp.appendChild(_el("span", {"class": "at-label"}, "experiment"))
        self.exp_select = _el("select", {"id": "authtrace-exp-mode", "aria-label": "refresh experiment"})
        for mode, label in experiments.REFRESH_MODES.items():
            self.exp_select.appendChild(_el("option", {"value": mode}, label))
        self.exp_count = _el("input", {"type": "number", "id": "authtrace-exp-count", "min": "1", "value": "1",
                                       "aria-label": "how many refreshes"})
        arm = _el("button", {"type": "button", "id": "authtrace-exp-arm"}, "arm")
        self._on(arm, "click", lambda _e: self._arm())
        self.exp_seconds = _el("input", {"type": "number", "id": "authtrace-exp-seconds", "min": "1", "value": "10",
                                         "aria-label": "seconds"})
        hide = _el("button", {"type": "button", "id": "authtrace-exp-hide"}, "pretend hidden")
        self._on(hide, "click", lambda _e: self._run(lambda: experiments.hide(self._seconds())))
        off = _el("button", {"type": "button", "id": "authtrace-exp-offline"}, "offline")
        self._on(off, "click", lambda _e: self._run(lambda: experiments.offline(self._seconds())))
        drop = _el("button", {"type": "button", "id": "authtrace-exp-drop"}, "drop Convex socket")
        self._on(drop, "click", lambda _e: self._run(experiments.drop_sockets))
        disarm = _el("button", {"type": "button", "id": "authtrace-exp-disarm"}, "disarm")
        self._on(disarm, "click", lambda _e: self._run(experiments.disarm))
        self.exp_status = _el("span", {"class": "at-status", "id": "authtrace-exp-status", "aria-live": "polite"})
        for node in (self.exp_select, self.exp_count, arm, _el("span", {"class": "at-label"}, "for"), self.exp_seconds,
                     _el("span", None, "s:"), hide, off, drop, disarm, self.exp_status):
            exp.appendChild(node)

        rep = _el("div", {"class": "at-row", "role": "group", "aria-label": "replay recorded refresh attempts"})
        rep.appendChild(_el("span", {"class": "at-label"}, "replay"))
        self.replay_buttons = {}
        for key, label, title, fn in (
                ("live", "Replay this trace", "inject this tab's recorded refresh outcomes into the next refreshes",
                 lambda: replay.start(self.recorder.trace(), name="this tab's recording")),
                ("imported", "Replay imported", "inject the imported trace's refresh outcomes into the next refreshes",
                 lambda: replay.start(self.imported, name=self.imported_name)),
                ("stop", "Stop replay", "stop injecting recorded outcomes", replay.stop)):
            b = _el("button", {"type": "button", "id": f"authtrace-replay-{key}", "title": title,
                               "hidden": key == "imported"}, label)
            self._on(b, "click", lambda _e, fn=fn: self._replay(fn))
            self.replay_buttons[key] = b
            rep.appendChild(b)
        self.replay_status = _el("span", {"class": "at-status", "id": "authtrace-replay-status", "aria-live": "polite"})
        rep.appendChild(self.replay_status)

        self.view_note = _el("div", {"class": "at-row at-view", "id": "authtrace-view", "hidden": True})
        self.view_text = _el("span")
        live = _el("button", {"type": "button", "id": "authtrace-live"}, "back to live")
        self._on(live, "click", lambda _e: self.show_live())
        self.view_note.appendChild(self.view_text)
        self.view_note.appendChild(live)

        self.timeline_box = _el("div", {"class": "at-scroll", "id": "authtrace-timeline", "tabindex": "0",
                                        "aria-label": "timeline (hover a mark for its event)"})
        self.body = _el("section", {"id": "authtrace-body", "class": "at-body", "role": "region",
                                    "aria-label": "authtrace debug panel", "hidden": True},
                        None, [badges_row, self.alarm, controls, exp, rep, self.view_note, self.timeline_box])
        self.root = _el("div", {"id": ROOT_ID, "class": "at-dock", "data-open": "false"}, None, [self.toggle, self.body])
        self._on(self.root, "keydown", self._keydown)
        js.document.body.appendChild(self.root)

    def _install_style(self) -> None:
        """A constructed stylesheet (not subject to CSP ``style-src``); a <style> element where unsupported."""
        doc = js.document
        if not _missing(doc.getElementById("authtrace-panel-style")) or getattr(js.globalThis, "__authtracePanelSheet", None):
            return
        try:
            sheet = js.CSSStyleSheet.new()
            sheet.replaceSync(CSS)
            doc.adoptedStyleSheets = js.Array.prototype.concat.call(doc.adoptedStyleSheets, js.Array.of(sheet))
            js.globalThis.__authtracePanelSheet = sheet
        except Exception:
            doc.head.appendChild(_el("style", {"id": "authtrace-panel-style"}, CSS))

    def _keydown(self, e) -> None:
        if str(e.key) == "Escape" and self.is_open:
            e.stopPropagation()
            self.set_open(False)
            self.toggle.focus()

    # -- state ------------------------------------------------------------------------
    def set_open(self, value: bool) -> None:
        self.is_open = bool(value)
        self.root.setAttribute("data-open", str(self.is_open).lower())
        self.toggle.setAttribute("aria-expanded", str(self.is_open).lower())
        self.toggle.textContent = "authtrace ▼" if self.is_open else "authtrace ▲"
        body_style = js.document.body.style
        if self.is_open:
            self.body.removeAttribute("hidden")
            self._saved_padding = str(body_style.paddingBottom or "")
            body_style.paddingBottom = "min(45vh, 360px)"
        else:
            self.body.setAttribute("hidden", "")
            body_style.paddingBottom = self._saved_padding
        self.render()

    def set_zoom(self, zoom: str) -> None:
        if zoom in timeline.ZOOMS:
            self.zoom = zoom
            for z, b in self.zoom_buttons.items():
                b.setAttribute("aria-pressed", str(z == zoom).lower())
            self.render()

    def changed(self) -> None:
        """New events: render now or within the throttle interval."""
        wait = self.throttle.request(self.now())
        if wait is None:
            return
        js.setTimeout(create_once_callable(lambda *_: self.render()), int(wait))

    def tick(self) -> None:
        """Once a second: the token countdown, and the alarm's cause when the engine is due."""
        try:
            self._render_badges()
            self._render_replay()
        except Exception:  # the panel must never break the page
            self.recorder.errors += 1

    # -- rendering -----------------------------------------------------------------------
    def render(self) -> None:
        try:
            self.badges = compute(self.recorder.events(), self.tab)
            self._render_badges()
            self._render_replay()
            if self.is_open:
                events = self.imported.events if self.imported is not None else self.recorder.events()
                now = self.now() if self.imported is None else max([e.wall for e in events] or [self.now()])
                width = int(self.timeline_box.clientWidth or 1000) - 2
                self.timeline_box.innerHTML = timeline.render(events, zoom=self.zoom, now=now, width=max(400, width),
                                                              own_tab=self.tab if self.imported is None else None)
            self.renders += 1
            self.root.setAttribute("data-renders", str(self.renders))
        except Exception as exc:
            self.recorder.errors += 1
            self.root.setAttribute("data-error", f"{type(exc).__name__}: {exc}"[:300])
        finally:
            self.throttle.done(self.now())

    def _set_badge(self, key: str, text: str, tone: str, state: str) -> None:
        node, value = self.badge_nodes[key]
        value.textContent = text
        node.setAttribute("data-tone", tone)
        node.setAttribute("data-state", state)

    def _render_badges(self) -> None:
        b, now = self.badges, self.now()
        if not b.user_known:
            self._set_badge("user", "–", "muted", "unknown")
        elif b.user_loading and not b.user:
            self._set_badge("user", "loading…", "warn", "loading")
        else:
            self._set_badge("user", b.user or "signed out", "ok" if b.user else "muted", "user" if b.user else "none")
        left = b.seconds_left(now)
        self._set_badge("token", countdown(left), "muted" if left is None else ("ok" if left > 60 else "warn" if left > 0 else "bad"),
                        "none" if left is None else ("valid" if left > 0 else "expired"))
        self._set_badge("refresh", {"present": "in storage", "removed": "removed", "cookie": "cookie (httpOnly)"}.get(
            b.refresh_token, "–"), {"present": "ok", "removed": "bad", "cookie": "ok"}.get(b.refresh_token, "muted"), b.refresh_token)
        if b.convex_auth is None:
            self._set_badge("convex", "refreshing…" if b.convex_refreshing else "–", "muted", "unknown")
        else:
            text = ("authenticated" if b.convex_auth else "not authenticated") + (" · refreshing" if b.convex_refreshing else "")
            self._set_badge("convex", text, "ok" if b.convex_auth else ("warn" if not b.user else "bad"),
                            "authenticated" if b.convex_auth else "unauthenticated")
        sock = (b.socket or "–") + (" (paused)" if b.paused == "yes" else "")
        self._set_badge("socket", sock, {"ready": "ok", "connecting": "warn", "disconnected": "bad"}.get(b.socket or "", "muted"),
                        b.socket or "unknown")
        self._render_alarm(now)

    def _render_alarm(self, now: float) -> None:
        b = self.badges
        self.toggle.setAttribute("data-alarm", str(b.split_brain).lower())
        if not b.split_brain:
            self.alarm.setAttribute("hidden", "")
            self.alarm.removeAttribute("data-cause")
            self.finder.reset()
            return
        cause = self.finder.update(self.recorder.trace, now, self.tab) if self.finder.due(now) else self.finder.cause
        text = (f"<b>Split brain:</b> AuthKit has user <code>{html.escape(str(b.user))}</code>, "
                f"Convex is not authenticated.")
        if cause is not None:
            text += (f" <b>Cause:</b> <code>{html.escape(cause.id)}</code> — {html.escape(cause.explanation)}"
                     f" <b>Fix:</b> {html.escape(cause.fix)}")
            self.alarm.setAttribute("data-cause", cause.id)
        elif self.finder.available is False:
            text += " (install authtrace.diagnosis to name the cause)"
        else:
            text += " No cause named yet."
        self.alarm.innerHTML = text
        self.alarm.removeAttribute("hidden")

    # -- actions ----------------------------------------------------------------------------
    def export_json(self) -> str:
        text = self.recorder.trace().dumps()
        files.download(files.filename(self.tab, self.now(), "json"), text, "application/json")
        return text

    def export_har(self) -> str:
        text = har_dumps(self.recorder.trace())
        files.download(files.filename(self.tab, self.now(), "har"), text, "application/json")
        return text

    def _import_selected(self) -> None:
        fs = self.file_input.files
        if _missing(fs) or fs.length == 0:
            return
        f = fs.item(0)
        name = str(f.name)

        def loaded(text) -> None:
            self.import_text(str(text), name)

        f.text().then(create_once_callable(loaded))
        self.file_input.value = ""

    def import_text(self, text: str, name: str = "imported trace") -> bool:
        try:
            trace = files.load_text(text)
        except Exception as exc:
            self.view_text.textContent = f"could not import {name}: {exc}"
            self.view_note.removeAttribute("hidden")
            self.view_note.setAttribute("data-state", "error")
            return False
        self.imported, self.imported_name = trace, name
        self.view_text.textContent = f"viewing {name} ({len(trace.events)} events, {len(trace.tabs())} tab(s)); read-only "
        self.view_note.removeAttribute("hidden")
        self.view_note.setAttribute("data-state", "imported")
        self.set_zoom("all")
        return True

    def show_live(self) -> None:
        self.imported = None
        self.view_note.setAttribute("hidden", "")
        self.view_note.removeAttribute("data-state")
        self.render()

    def clear(self) -> None:
        async def run():
            await self.recorder.clear()
            self.finder.reset()
            self.render()

        import asyncio

        asyncio.ensure_future(run())

    def _seconds(self) -> float:
        try:
            return max(1.0, float(str(self.exp_seconds.value)))
        except ValueError:
            return 10.0

    def _arm(self) -> None:
        mode = str(self.exp_select.value)
        try:
            count = max(1, int(str(self.exp_count.value)))
        except ValueError:
            count = 1
        self._run(lambda: experiments.arm(mode, count))

    def _run(self, action) -> None:
        try:
            result = action()
            state = experiments.state() or {}
            armed = ", ".join(f"{a['mode']} ×{a['left']}" for a in state.get("armed", []))
            bits = [f"armed: {armed}" if armed else "", "hidden" if state.get("hidden") else "",
                    "offline" if state.get("offline") else "",
                    f"closed {result} socket(s)" if isinstance(result, int) else ""]
            self.exp_status.textContent = " · ".join(b for b in bits if b) or "nothing armed"
        except Exception as exc:
            self.exp_status.textContent = f"failed: {exc}"

    def _replay(self, action) -> None:
        """Start/stop a replay; its errors (clear RuntimeError messages) land in the status line."""
        try:
            action()
        except Exception:  # replay keeps the message for the status line
            pass
        self._render_replay()

    def _render_replay(self) -> None:
        self.replay_buttons["imported"].hidden = self.imported is None
        text, state, detail = replay.status(replay.state())
        self.replay_status.textContent = text
        self.replay_status.setAttribute("data-state", state)
        self.replay_status.setAttribute("title", detail)
