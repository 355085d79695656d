"""The console's DOM binding (through the Page): imported only when the console is opened.

The dock has an empty ``authtrace-console`` region and a button; opening the console
imports this module (and :mod:`authtrace.browser.console`), fills the region with a
transcript and an input, and binds its keys: Enter runs the line, ArrowUp/ArrowDown walk
the history. A panel whose console is never opened imports neither module.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ..console import Console, Output

if TYPE_CHECKING:
    from .controller import Panel

REGION_ID = "authtrace-console"
OUT_ID = "authtrace-console-out"
INPUT_ID = "authtrace-console-input"
SHOWN = 60  # lines of the transcript shown

MARKUP = (f'<pre class="at-console-out" id="{OUT_ID}" aria-live="polite" tabindex="0">'
          "Python in the recorder's interpreter. Names: trace, events(kind, type, tab, last, since, until), count(...), "
          "table(events), findings(), experiments, replay(), stories(), play(name). await works.</pre>"
          f'<div class="at-row"><span class="at-label">&gt;&gt;&gt;</span><input type="text" id="{INPUT_ID}" '
          'class="at-console-in" autocomplete="off" spellcheck="false" aria-label="Python console input">'
          '<button type="button" id="authtrace-console-run">run</button></div>')


class ConsoleDock:
    def __init__(self, panel: Panel) -> None:
        self.page = panel.page
        self.console = Console(panel.recorder, panel.experiments, panel.replay_from_console,
                               extra=panel.console_names(), on_output=lambda _o: self.show())
        self.page.set_html(REGION_ID, MARKUP)
        self.page.on(INPUT_ID, "keydown", self._key)
        self.page.on("authtrace-console-run", "click", lambda _e: self.enter())

    def _key(self, e: dict) -> bool:
        key = e.get("key")
        if key == "Enter":
            self.enter()
        elif key in ("ArrowUp", "ArrowDown"):
            h = self.console.history
            self.page.set_value(INPUT_ID, h.back() if key == "ArrowUp" else h.forward())
        else:
            return False
        return True  # the page's own shortcuts do not see the console's keys

    def enter(self) -> Output:
        line = self.page.value(INPUT_ID)
        self.page.set_value(INPUT_ID, "")
        return self.run(line)

    def run(self, line: str) -> Output:
        out = self.console.run(line)
        self.show()
        return out

    def show(self) -> None:
        rows = []
        for o in self.console.transcript[-SHOWN:]:
            rows.append(f'<span class="at-console-line">&gt;&gt;&gt; {escape(o.line)}</span>')
            text = "…" if o.pending else o.text
            if text:
                rows.append(f'<span class="at-console-{"ok" if o.ok else "error"}">{escape(text)}</span>')
        self.page.set_html(OUT_ID, "\n".join(rows))
