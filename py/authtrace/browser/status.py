"""The skeleton's in-page status view: proves authtrace runs in this page.

It records the page's own visibility and connectivity changes into a trace,
redacts a sample with a (fake, made-here) token in it, and shows both. The
flight recorder and the debug panel replace this in later work.
"""

from __future__ import annotations

import html
import json
import sys

from .. import __version__
from ..event import Event, Kind
from ..redaction import fingerprint
from ..trace import Trace
from . import IN_BROWSER, Page


class StatusView:
    def __init__(self, page: Page | None = None, root: str = "authtrace-status") -> None:
        self.page = page or Page()
        self.root = root
        self.tab = self.page.tab_id()
        mono, wall = self.page.now()
        self.trace = Trace({"origin": self.page.origin(), "user_agent": self.page.user_agent(),
                            "authtrace_version": __version__, "started_wall": wall})
        self.record(Kind.LIFECYCLE, "boot", {"visibility": self.page.visibility(), "online": self.page.online()})

    def record(self, kind: Kind, type: str, payload: dict) -> Event:
        mono, wall = self.page.now()
        return self.trace.add(Event(self.tab, mono, wall, kind, type, payload))

    def start(self) -> None:
        self.page.listen("document", "visibilitychange",
                         lambda _e: self._changed(Kind.VISIBILITY, "visibilitychange", {"state": self.page.visibility()}))
        self.page.listen("window", "online", lambda _e: self._changed(Kind.NETWORK, "online", {"online": True}))
        self.page.listen("window", "offline", lambda _e: self._changed(Kind.NETWORK, "offline", {"online": False}))
        self.render()

    def _changed(self, kind: Kind, type: str, payload: dict) -> None:
        self.record(kind, type, payload)
        self.render()

    def sample(self) -> dict:
        """A captured refresh request with a made-up secret, and what is stored of it."""
        secret = "rt_" + fingerprint(self.tab + str(self.page.now()[0]))[4:] + "demo"
        event = Event(self.tab, *self.page.now(), Kind.FETCH, "request", {
            "url": "/user_management/authenticate",
            "body": json.dumps({"grant_type": "refresh_token", "refresh_token": secret}),
        })
        stored = Trace(events=[event]).redacted().events[0].payload
        return {"secret_fingerprint": fingerprint(secret), "stored": stored, "leaked": secret in json.dumps(stored)}

    def render(self) -> None:
        sample = self.sample()
        rows = "".join(
            f"<tr><td>{e.id}</td><td>{e.mono:.0f}</td><td>{e.kind.value}</td><td>{html.escape(e.type)}</td>"
            f"<td><code>{html.escape(json.dumps(e.payload))}</code></td></tr>"
            for e in self.trace.events[-20:]
        )
        self.page.render(self.root, f"""
<p id="authtrace-ready" data-version="{__version__}" data-platform="{sys.platform}"
   data-in-browser="{str(IN_BROWSER).lower()}" data-leaked="{str(sample['leaked']).lower()}">
  authtrace {__version__} running in Python {sys.version.split()[0]} on <b>{sys.platform}</b>, tab <code>{self.tab}</code>.
</p>
<h3>Redaction at capture time</h3>
<p>A refresh request carrying a made-up refresh token is stored as:</p>
<pre id="authtrace-sample">{html.escape(json.dumps(sample['stored'], indent=2))}</pre>
<h3>This tab's trace ({len(self.trace.events)} events; hide or show the tab, go offline and back)</h3>
<table id="authtrace-events"><tr><th>id</th><th>ms</th><th>kind</th><th>type</th><th>payload</th></tr>{rows}</table>
""")


def main() -> StatusView:
    view = StatusView()
    view.start()
    return view
