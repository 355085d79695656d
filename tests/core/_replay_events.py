"""A tiny builder of recorded traces for the replay tests: ``at`` in seconds after the start."""

T0 = 1_800_000_000_000.0
TAB = "tab-main"
AUTH = "http://127.0.0.1:8787/user_management/authenticate"


class Events:
    def __init__(self):
        self.events = []
        self.req = 0

    def ev(self, at, kind, type, tab=TAB, **payload):
        self.events.append({"id": len(self.events) + 1, "tab": tab, "mono": at * 1000, "wall": T0 + at * 1000,
                            "kind": kind, "type": type, "payload": payload})
