"""The dock: the panel's DOM binding, through the :class:`~authtrace.browser.page.Page`.

It mounts the dock's markup once, copies each :class:`~.view.DockView` into it
(only what changed since the last copy) and turns the user's clicks and keys
into calls on the :class:`~.controller.Panel`. It decides nothing.

Collapsed, the dock is one button in the bottom-right corner (red when the
split-brain alarm is on). Open, it is a bar along the bottom of the window (at
most 45% of its height; the page gets as much bottom padding, so nothing of
the app is out of reach) with the badges, the alarm, controls, experiments,
replay and the swimlanes. Every control is a real button/input (Tab reaches
them), the toggle has ``aria-expanded``, and Escape inside the dock collapses it.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from ..page import Page
from .experiments import REFRESH_MODES
from .style import CSS
from .view import BADGES, ZOOM_LABELS, DockView

if TYPE_CHECKING:
    from .controller import Panel

ROOT_ID = "authtrace-panel"
TIMELINE_ID = "authtrace-timeline"
CONSOLE_ID = "authtrace-console"  # filled by .console_dock when the console is first opened
CONSOLE_BUTTON = "authtrace-console-toggle"
PADDING = "min(45vh, 360px)"  # the open dock's height (style.py)


def _tag(name: str, attrs: dict[str, Any] | None = None, *children: str) -> str:
    """Markup of one element (``input`` has no end tag); ``children`` are markup already,
    attribute values are escaped here."""
    out = [name]
    for key, value in (attrs or {}).items():
        if value is True:
            out.append(key)
        elif value is not None and value is not False:
            out.append(f'{key}="{escape(str(value))}"')
    return f"<{' '.join(out)}>" if name == "input" else f"<{' '.join(out)}>{''.join(children)}</{name}>"


def _button(element_id: str, label: str, **attrs: Any) -> str:
    return _tag("button", {"type": "button", "id": element_id, **attrs}, escape(label))


def _label(text: str) -> str:
    return _tag("span", {"class": "at-label"}, escape(text))


def markup(zoom: str) -> str:
    """The dock as it starts: collapsed, nothing known yet."""
    badges = _tag("div", {"class": "at-row", "id": "authtrace-badges", "aria-live": "polite"}, *(
        _tag("span", {"class": "at-badge", "id": f"authtrace-badge-{key}", "data-tone": "muted"},
             _tag("b", None, escape(label)), _tag("span", {"class": "at-value", "id": f"authtrace-badge-{key}-value"}, "–"))
        for key, label in BADGES))
    timeline = _tag("div", {"class": "at-row", "role": "toolbar", "aria-label": "timeline"}, _label("zoom"), *(
        _button(f"authtrace-zoom-{z}", label, **{"data-zoom": z, "aria-pressed": str(z == zoom).lower()})
        for z, label in ZOOM_LABELS.items()), _label("trace"),
        _button("authtrace-export-json", "export JSON"), _button("authtrace-export-har", "export HAR"),
        _button("authtrace-export-report", "export report", title="download a self-contained HTML report of this recording"),
        _tag("input", {"type": "file", "id": "authtrace-import", "accept": ".json,.har,application/json", "class": "at-sr"}),
        _tag("label", {"for": "authtrace-import", "class": "at-file"}, "import…"), _button("authtrace-clear", "clear"))
    experiments = _tag("div", {"class": "at-row", "role": "group", "aria-label": "experiments"}, _label("experiment"),
        _tag("select", {"id": "authtrace-exp-mode", "aria-label": "refresh experiment"},
             *(_tag("option", {"value": mode}, escape(label)) for mode, label in REFRESH_MODES.items())),
        _tag("input", {"type": "number", "id": "authtrace-exp-count", "min": "1", "value": "1", "aria-label": "how many refreshes"}),
        _button("authtrace-exp-arm", "arm"), _label("for"),
        _tag("input", {"type": "number", "id": "authtrace-exp-seconds", "min": "1", "value": "10", "aria-label": "seconds"}),
        _tag("span", None, "s:"), _button("authtrace-exp-hide", "pretend hidden"), _button("authtrace-exp-offline", "offline"),
        _button("authtrace-exp-drop", "drop Convex socket"), _button("authtrace-exp-disarm", "disarm"),
        _tag("span", {"class": "at-status", "id": "authtrace-exp-status", "aria-live": "polite"}))
    replay = _tag("div", {"class": "at-row", "role": "group", "aria-label": "replay recorded refresh attempts"}, _label("replay"),
        _button("authtrace-replay-live", "Replay this trace",
                title="inject this tab's recorded refresh outcomes into the next refreshes"),
        _button("authtrace-replay-imported", "Replay imported", hidden=True,
                title="inject the imported trace's refresh outcomes into the next refreshes"),
        _button("authtrace-replay-stop", "Stop replay", title="stop injecting recorded outcomes"),
        _tag("span", {"class": "at-status", "id": "authtrace-replay-status", "aria-live": "polite"}))
    console = _tag("div", {"class": "at-row", "role": "group", "aria-label": "Python console and stories"}, _label("python"),
        _button(CONSOLE_BUTTON, "console", title="a Python console over the live trace (loaded when opened)",
                **{"aria-expanded": "false", "aria-controls": CONSOLE_ID}),
        _label("story"), _tag("select", {"id": "authtrace-story", "aria-label": "story to play in this tab"}),
        _button("authtrace-story-play", "play here", title="play the story in this tab (page-side simulations)"),
        _tag("span", {"class": "at-status", "id": "authtrace-story-status", "aria-live": "polite"}))
    export = _tag("div", {"class": "at-row", "role": "group", "aria-label": "OpenTelemetry export"}, _label("OTLP"),
        _tag("input", {"type": "url", "id": "authtrace-otlp-endpoint", "placeholder": "http://localhost:4318",
                       "aria-label": "OTLP/HTTP endpoint"}),
        _label("sample"),
        _tag("input", {"type": "number", "id": "authtrace-otlp-sample", "min": "0", "max": "1", "step": "0.1",
                       "value": "1", "aria-label": "share of sessions exported"}),
        _button("authtrace-otlp-start", "export", title="send this tab's events and findings to an OpenTelemetry Collector"),
        _button("authtrace-otlp-stop", "stop"),
        _tag("span", {"class": "at-status", "id": "authtrace-otlp-status", "aria-live": "polite"}))
    notice = _tag("div", {"class": "at-row at-view", "id": "authtrace-view", "hidden": True},
                  _tag("span", {"id": "authtrace-view-text"}), _button("authtrace-live", "back to live"))
    body = _tag("section", {"id": "authtrace-body", "class": "at-body", "role": "region", "aria-label": "authtrace debug panel",
                            "hidden": True},
                badges, _tag("div", {"id": "authtrace-alarm", "class": "at-alarm", "role": "alert", "hidden": True}),
                timeline, experiments, replay, console, export, notice,
                _tag("div", {"class": "at-console", "id": CONSOLE_ID, "hidden": True}),
                _tag("div", {"class": "at-scroll", "id": TIMELINE_ID, "tabindex": "0",
                             "aria-label": "timeline (hover a mark for its event)"}))
    toggle = _button("authtrace-toggle", "authtrace ▲", **{"class": "at-toggle", "aria-expanded": "false",
                                                          "aria-controls": "authtrace-body",
                                                          "title": "authtrace debug panel (Escape closes it)"})
    return _tag("div", {"id": ROOT_ID, "class": "at-dock", "data-open": "false"}, toggle, body)


def _count(text: str, default: float, least: float) -> float:
    try:
        return max(least, float(text))
    except ValueError:
        return default


class Dock:
    def __init__(self, page: Page, panel: Panel) -> None:
        self.page = page
        self._shown: dict[tuple[str, str], Any] = {}
        page.add_stylesheet("authtrace-panel-style", CSS)
        page.mount(ROOT_ID, markup(panel.zoom))

        def click(element_id: str, action) -> None:
            page.on(element_id, "click", lambda _e: action())

        click("authtrace-toggle", lambda: panel.set_open(not panel.is_open))
        for z in ZOOM_LABELS:
            click(f"authtrace-zoom-{z}", lambda z=z: panel.set_zoom(z))
        click("authtrace-export-json", panel.export_json)
        click("authtrace-export-har", panel.export_har)
        click("authtrace-export-report", panel.export_report)
        page.on("authtrace-import", "change", lambda _e: page.read_file("authtrace-import", lambda name, text:
                                                                         panel.import_text(text, name)))
        click("authtrace-clear", panel.clear)
        click("authtrace-exp-arm", lambda: panel.arm(page.value("authtrace-exp-mode"),
                                                     int(_count(page.value("authtrace-exp-count"), 1, 1))))
        click("authtrace-exp-hide", lambda: panel.hide(self._seconds()))
        click("authtrace-exp-offline", lambda: panel.offline(self._seconds()))
        click("authtrace-exp-drop", panel.drop_sockets)
        click("authtrace-exp-disarm", panel.disarm)
        click("authtrace-replay-live", panel.replay_live)
        click("authtrace-replay-imported", panel.replay_imported)
        click("authtrace-replay-stop", panel.replay_stop)
        click("authtrace-live", panel.show_live)
        click(CONSOLE_BUTTON, lambda: panel.set_console(not panel.console_open))
        click("authtrace-story-play", lambda: panel.play_story(page.value("authtrace-story")))
        click("authtrace-otlp-start", lambda: panel.otlp_start(page.value("authtrace-otlp-endpoint"),
                                                               _count(page.value("authtrace-otlp-sample"), 1.0, 0.0)))
        click("authtrace-otlp-stop", panel.otlp_stop)
        page.on(ROOT_ID, "keydown", lambda e: e.get("key") == "Escape" and self._escape(panel))

    def _seconds(self) -> float:
        return _count(self.page.value("authtrace-exp-seconds"), 10.0, 1.0)

    def _escape(self, panel: Panel) -> bool:
        if not panel.is_open:
            return False
        panel.set_open(False)
        self.page.focus("authtrace-toggle")
        return True

    # -- copying a view into the page (what did not change is not written) ------------------
    def _text(self, element_id: str, text: str) -> None:
        if self._shown.get((element_id, "#text")) != text:
            self._shown[(element_id, "#text")] = text
            self.page.set_text(element_id, text)

    def _html(self, element_id: str, markup: str) -> None:
        if self._shown.get((element_id, "#html")) != markup:
            self._shown[(element_id, "#html")] = markup
            self.page.set_html(element_id, markup)

    def _attrs(self, element_id: str, **attributes: Any) -> None:
        changed = {name.replace("_", "-"): value for name, value in attributes.items()
                   if self._shown.get((element_id, name), ...) != value}
        if changed:
            self._shown.update({(element_id, name.replace("-", "_")): value for name, value in changed.items()})
            self.page.set_attributes(element_id, changed)

    def show(self, view: DockView) -> None:
        open_ = str(view.open).lower()
        if self._shown.get((ROOT_ID, "data_open")) != open_:
            self.page.reserve_bottom(PADDING if view.open else None)
        self._attrs(ROOT_ID, data_open=open_)
        self._attrs("authtrace-toggle", aria_expanded=open_, data_alarm=str(view.alarm.on).lower())
        self._text("authtrace-toggle", view.toggle)
        self._attrs("authtrace-body", hidden=not view.open)
        for z in ZOOM_LABELS:
            self._attrs(f"authtrace-zoom-{z}", aria_pressed=str(z == view.zoom).lower())
        for b in view.badges:
            self._attrs(f"authtrace-badge-{b.key}", data_tone=b.tone, data_state=b.state)
            self._text(f"authtrace-badge-{b.key}-value", b.text)
        self._attrs("authtrace-alarm", hidden=not view.alarm.on, data_cause=view.alarm.cause.id if view.alarm.cause else None)
        self._html("authtrace-alarm", view.alarm.html())
        self._attrs("authtrace-view", hidden=view.notice is None, data_state=view.notice.state if view.notice else None)
        self._text("authtrace-view-text", view.notice.text if view.notice else "")
        self._text("authtrace-exp-status", view.experiment)
        self._text("authtrace-replay-status", view.replay.text)
        self._attrs("authtrace-replay-status", data_state=view.replay.state, title=view.replay.detail)
        self._attrs("authtrace-replay-imported", hidden=not view.can_replay_imported)
        self._attrs(CONSOLE_BUTTON, aria_expanded=str(view.console_open).lower())
        self._attrs(CONSOLE_ID, hidden=not view.console_open)
        self._html("authtrace-story", "".join(_tag("option", {"value": name, "title": title}, escape(name))
                                              for name, title in view.stories))
        self._text("authtrace-story-status", view.story.text)
        self._attrs("authtrace-story-status", data_state=view.story.state, title=view.story.detail)
        self._text("authtrace-otlp-status", view.otlp.text)
        self._attrs("authtrace-otlp-status", data_state=view.otlp.state, title=view.otlp.detail)

    def show_swimlanes(self, svg: str) -> None:
        self._html(TIMELINE_ID, svg)

    def show_renders(self, count: int) -> None:
        self._attrs(ROOT_ID, data_renders=str(count))

    def show_error(self, message: str) -> None:
        self._attrs(ROOT_ID, data_error=message)

    def swimlanes_width(self) -> int:
        return self.page.width(TIMELINE_ID)
