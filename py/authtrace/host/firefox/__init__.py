"""Headless Firefox ESR for tests and stories, through ``driver.mjs`` (puppeteer-core over
WebDriver BiDi; Debian packages no geckodriver, Firefox speaks BiDi itself).

A minimal interface of its own, not the scenario runner's Chromium ``Context`` (which
is built on CDP: freezing, network emulation, window states). Here a story gets pages
it can load, evaluate JavaScript in, bring to the front and close; a second page in
front is what makes a tab really ``hidden`` in Firefox. What each engine can and
cannot do is in docs/engines.md.

    with Firefox.launch() as ff:
        page = ff.new_page()
        page.goto(url)
        page.evaluate("document.visibilityState")
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

DRIVER = Path(__file__).with_name("driver.mjs")
EXECUTABLES = ("firefox-esr", "firefox")


class FirefoxError(RuntimeError):
    """Firefox or its driver refused a request (the message is the driver's)."""


def find_firefox() -> str | None:
    """The Firefox executable on PATH (Debian's ``firefox-esr`` first), or None."""
    for name in EXECUTABLES:
        path = shutil.which(name)
        if path:
            return path
    return None


def unavailable_reason(root: Path) -> str | None:
    """Why Firefox cannot be driven here (for a test's skip), or None when it can."""
    if find_firefox() is None:
        return "Firefox is not installed (.ci/setup installs Debian's firefox-esr)"
    if shutil.which("node") is None:
        return "node is not installed"
    if not (root / "node_modules" / "puppeteer-core").is_dir():
        return "puppeteer-core is not installed (npm ci)"
    return None


class Page:
    def __init__(self, firefox: Firefox, pid: int):
        self._ff, self.id = firefox, pid

    def goto(self, url: str, timeout_s: float = 60) -> str:
        return self._ff.call("goto", page=self.id, url=url, timeoutMs=int(timeout_s * 1000))

    def evaluate(self, expression: str, timeout_s: float = 120) -> Any:
        """The value of a JavaScript expression (awaited when a promise), as JSON gives it."""
        return self._ff.call("evaluate", timeout_s=timeout_s, page=self.id, expression=expression)

    def add_init_script(self, source: str) -> None:
        """Run ``source`` in every new document of this page before the page's own scripts."""
        self._ff.call("addInitScript", page=self.id, source=source)

    def bring_to_front(self) -> None:
        self._ff.call("bringToFront", page=self.id)

    def close(self) -> None:
        self._ff.call("close", page=self.id)

    def console(self) -> list[str]:
        """The page's last console errors and warnings (for failure messages)."""
        return self._ff.call("console", page=self.id)


class Firefox:
    """One headless Firefox and its driver process; requests are answered in order."""

    def __init__(self, proc: subprocess.Popen, version: str):
        self._proc, self.version = proc, version
        self._lock = threading.Lock()
        self._next = 1

    @classmethod
    def launch(cls, executable: str | None = None, timeout_s: float = 60) -> Firefox:
        executable = executable or find_firefox()
        if executable is None:
            raise FirefoxError("Firefox is not installed")
        proc = subprocess.Popen(["node", str(DRIVER), executable], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=DRIVER.parent)
        ready = _read_line(proc, timeout_s)
        if not ready or not ready.get("ok"):
            proc.kill()
            raise FirefoxError(f"Firefox did not start: {proc.stderr.read()[-2000:]}")
        return cls(proc, ready["value"])

    def call(self, op: str, timeout_s: float = 120, **args: Any) -> Any:
        with self._lock:
            rid, self._next = self._next, self._next + 1
            self._proc.stdin.write(json.dumps({"id": rid, "op": op, **args}) + "\n")
            self._proc.stdin.flush()
            answer = _read_line(self._proc, timeout_s)
        if answer is None:  # the driver is out of step now: end it
            self._proc.kill()
            raise FirefoxError(f"{op}: no answer from the Firefox driver within {timeout_s:.0f} s")
        if not answer.get("ok"):
            raise FirefoxError(f"{op}: {answer.get('error')}")
        return answer.get("value")

    def new_page(self) -> Page:
        return Page(self, self.call("newPage"))

    def quit(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()  # the driver closes Firefox when its input ends
                self._proc.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()

    def __enter__(self) -> Firefox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.quit()


def _read_line(proc: subprocess.Popen, timeout_s: float) -> dict[str, Any] | None:
    """The driver's next answer line, or None when it stays silent ``timeout_s`` (or exits)."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    if not box or not box[0]:
        return None
    return json.loads(box[0])
