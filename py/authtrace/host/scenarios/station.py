"""A worker's reusable browser and lab origin, for many scenario runs in a row.

Most of a run's CPU is booting Pyodide, and most of that is compiling it: Chromium
keeps the compiled code in its cache, keyed by the script's URL, so a second boot
in the same browser from the same origin costs about a third of the first
(measured: 6.8 CPU-s cold, 2.6-3.0 warm). A station keeps one Chromium and one lab
server on fixed ports (and fixed ports for the emulators, so the lab's configuration
stays the same) for all the runs of one worker process.

What must not leak from one run to the next is cleared between them: every tab of the
previous run is closed (its sessionStorage, Web Locks, BroadcastChannels, frozen or
offline state and injected scripts go with it), and the cookies and the lab origin's
storage (localStorage, IndexedDB, ...) are wiped. The HTTP cache and the compiled code
stay: they are the point. The emulators still start fresh for every run.

The emulators' ports stay unbound between runs, so they are drawn below the kernel's
ephemeral range: no ``bind(0)`` (another worker's servers, the emulators of a run
without a station) and no outgoing connection of Chromium's is ever given one. Should
one be taken anyway (another program, or two stations drawing the same port), the
station moves: new ports and a new lab server (:meth:`Station.rehome`).
"""

from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any

from ..background import BackgroundServer, free_port
from ..cdp import CDP
from ..chromium import new_driver
from ..lab import create_app

HOST = "127.0.0.1"


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def station_port(host: str = HOST) -> int:
    """A free port below the ephemeral range (bind(0) elsewhere may hand out any of those)."""
    high = _ephemeral_low()
    rng = random.SystemRandom()
    for _ in range(64):
        port = rng.randrange(max(1024, high - 12_000), high)
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        return port
    return free_port(host)


class Station:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.driver: Any = None
        self.runs = 0
        self.moves = 0
        self._home()

    def _home(self) -> None:
        self.workos_port = station_port(HOST)
        self.convex_port = station_port(HOST)
        while self.convex_port == self.workos_port:
            self.convex_port = station_port(HOST)
        # devMode here; a cookie-mode story asks for it with ?cookie=1 (main.jsx).
        config = {"workos": {"clientId": "client_local", "apiHostname": HOST, "port": self.workos_port,
                             "https": False, "devMode": True},
                  "convexUrl": f"http://{HOST}:{self.convex_port}"}
        self.lab = BackgroundServer(create_app(self.root, config)).start()

    def rehome(self) -> None:
        """An emulator port was taken between runs: new ports and a new lab server (its
        origin changes, so the next boot compiles Pyodide again)."""
        self.lab.stop()
        self.moves += 1
        self._home()

    def emulator_ports(self) -> dict[str, int]:
        return {"workos_port": self.workos_port, "convex_port": self.convex_port}

    def check_config(self, suite: Any) -> None:
        """The emulators must be where the lab's fixed configuration says they are."""
        props = suite.authkit_props(dev_mode=True)
        if props["port"] != self.workos_port or props["clientId"] != "client_local" or \
                suite.convex_url != f"http://{HOST}:{self.convex_port}":
            raise RuntimeError(f"the emulators do not match the station's lab config: {props}, {suite.convex_url}")

    def fresh_driver(self) -> Any:
        """The station's Chromium with one blank tab and nothing left of earlier runs."""
        if self.driver is None:
            self.driver = new_driver()
            self.driver.set_script_timeout(30)
        else:
            self._clean()
        self.runs += 1
        return self.driver

    def _clean(self) -> None:
        d = self.driver
        old = list(d.window_handles)
        d.switch_to.window(old[0])
        d.switch_to.new_window("window")
        keep = d.current_window_handle
        cdp = CDP.for_driver(d)
        try:
            for handle in old:
                cdp.send("Target.closeTarget", {"targetId": handle})
            cdp.send("Storage.clearCookies")
            session = cdp.session(keep)  # the Storage domain answers "Internal error" to the browser target
            for origin in (self.lab.url, f"http://{HOST}:{self.workos_port}"):
                # "all" is the origin's storage (local, IndexedDB, Cache API, service workers...);
                # the HTTP cache and its compiled code are not storage and stay.
                cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}, session=session)
        finally:
            cdp.close()
        d.switch_to.window(keep)

    def close(self) -> None:
        if self.driver is not None:
            try:
                self.driver.quit()
            finally:
                self.driver = None
        self.lab.stop()
