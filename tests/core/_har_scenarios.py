"""The HAR scenarios of issue 16, one story each, exported in Chrome's, Firefox's and Safari's shapes.

A story is written once, step by step (page loads, WorkOS refreshes and their
answers, Convex sockets with their frames); :func:`build` renders it per browser
(``_har_browsers``), one HAR per tab. Access tokens come from ``token(n, iat, exp)``:
JWTs minted at test time, or placeholders ``@@JWT:n:iat:exp@@`` in the committed
fixtures (``tests/fixtures/har``; ``mint`` replaces them). Refresh tokens are
obviously fake opaque strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone

from _har_browsers import SHAPES

T0_S = int(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc).timestamp())
T0_MS = T0_S * 1000.0
CLIENT = "client_01FAKEFAKEFAKEFAKE"
LIFETIME = 300
NETWORK_CHANGED = {"chrome": "net::ERR_NETWORK_CHANGED", "safari": "The network connection was lost."}
PLACEHOLDER = re.compile(r"@@JWT:(\d+):(\d+):(\d+)@@")

Token = Callable[[int, int, int], str]


def placeholder(n: int, iat: int, exp: int) -> str:
    return f"@@JWT:{n}:{iat}:{exp}@@"


def mint(text: str, make_jwt, signature: bytes | None = None) -> tuple[str, list[str]]:
    """The text with every placeholder replaced by a JWT (the same ``n``, the same JWT)."""
    minted: dict[str, str] = {}

    def one(m: re.Match) -> str:
        n, iat, exp = m.group(1), int(m.group(2)), int(m.group(3))
        if n not in minted:
            minted[n] = make_jwt({"iat": iat, "exp": exp, "jti": f"jti_har_{n}"}, signature=signature)
        return minted[n]

    return PLACEHOLDER.sub(one, text), list(minted.values())


class Story:
    """Steps per tab, in the order written (each carries its own time, seconds after T0)."""

    def __init__(self, token: Token) -> None:
        self.token = token
        self.steps: dict[str, list[tuple]] = {}
        self.minted: dict[int, float] = {}

    def at(self, n: int) -> str:
        iat = int(T0_S + self.minted[n])
        return self.token(n, iat, iat + LIFETIME)

    def page(self, tab: str, t: float) -> None:
        self.steps.setdefault(tab, []).append(("page", t))

    def refresh(self, tab: str, t: float, rt: str | None, grant: int | None = None, new_rt: str | None = None,
                refused: tuple[int, str, str] | None = None, failed: dict | None = None, took: float = 120.0) -> None:
        body = {"client_id": CLIENT, "grant_type": "refresh_token", **({"refresh_token": rt} if rt else {})}
        if grant is not None:
            self.minted[grant] = t + took / 1000
            answer = {"user": {"object": "user", "id": "user_01FAKEUSER", "email": "ada@example.test"},
                      "organization_id": None, "access_token": self.at(grant),
                      **({"refresh_token": new_rt} if new_rt else {}), "authentication_method": "Password"}
            self.steps.setdefault(tab, []).append(("auth", t, body, 200, answer, took, None))
        elif refused is not None:
            status, error, description = refused
            self.steps.setdefault(tab, []).append(("auth", t, body, status,
                                                   {"error": error, "error_description": description}, took, None))
        else:
            self.steps.setdefault(tab, []).append(("auth", t, body, 0, None, took, failed))

    def socket(self, tab: str, t: float, frames: list[tuple[float, str, dict]], closed_at: float | None) -> None:
        self.steps.setdefault(tab, []).append(("socket", t, frames, closed_at))


# -- Convex sync frames ---------------------------------------------------------------------
def connect(t: float, count: int, reason: str | None) -> tuple[float, str, dict]:
    return (t, "send", {"type": "Connect", "sessionId": "3f7c1a52-9d0e-4b8a-8c7e-2b1f0a6d9e41",
                        "connectionCount": count, "lastCloseReason": reason, "clientTs": int(T0_MS + t * 1000)})


def authenticate(t: float, token: str | None, base: int) -> tuple[float, str, dict]:
    if token is None:
        return (t, "send", {"type": "Authenticate", "tokenType": "None", "baseVersion": base})
    return (t, "send", {"type": "Authenticate", "tokenType": "User", "value": token, "baseVersion": base})


def queries(t: float, version: int) -> tuple[float, str, dict]:
    return (t, "send", {"type": "ModifyQuerySet", "baseVersion": version - 1, "newVersion": version,
                        "modifications": [{"type": "Add", "queryId": 0, "udfPath": "messages:list", "args": [{}]}]})


def transition(t: float, identity: tuple[int, int], query_set: tuple[int, int] = (1, 1)) -> tuple[float, str, dict]:
    return (t, "receive", {"type": "Transition", "startVersion": {"querySet": query_set[0], "identity": identity[0],
                                                                  "ts": "AAAAAAAAAAA="},
                           "endVersion": {"querySet": query_set[1], "identity": identity[1], "ts": "AAAAAAAAAAE="},
                           "modifications": []})


def auth_error(t: float, error: str, attempted: bool, base: int) -> tuple[float, str, dict]:
    return (t, "receive", {"type": "AuthError", "error": error, "baseVersion": base, "authUpdateAttempted": attempted})


# -- the stories ----------------------------------------------------------------------------
def seed_chain(token: Token) -> Story:
    """The seed's chain: hidden 20 min (no refresh), the socket reconnects with the expired
    token (AuthError), the forced refresh fails (TypeError), Convex reconnects without a token
    while WorkOS keeps granting every few minutes; the user reloads at the end."""
    s = Story(token)
    s.page("tab", 0)
    s.refresh("tab", 0.2, "FAKE-refresh-token-0", grant=1, new_rt="FAKE-refresh-token-1")
    s.socket("tab", 0.5, [connect(0.55, 0, "InitialConnect"), authenticate(0.56, s.at(1), 0), queries(0.57, 1),
                          transition(0.7, (0, 1), (0, 1))], closed_at=1199.9)
    s.socket("tab", 1200.0, [connect(1200.05, 1, "closed with code 1006"), authenticate(1200.06, s.at(1), 0),
                             queries(1200.07, 1),
                             auth_error(1200.2, "Token expired", True, 0)], closed_at=1200.25)
    s.refresh("tab", 1200.3, "FAKE-refresh-token-1", failed=NETWORK_CHANGED, took=35.0)
    s.socket("tab", 1200.5, [connect(1200.55, 2, None), queries(1200.56, 1), transition(1200.7, (0, 0), (0, 1))],
             closed_at=3600.0)
    rt = 1
    for k, t in enumerate([1202.0] + [1202.0 + 290 * i for i in range(1, 9)]):
        s.refresh("tab", t, f"FAKE-refresh-token-{rt}", grant=2 + k, new_rt=f"FAKE-refresh-token-{rt + 1}")
        rt += 1
    s.page("tab", 3600.0)
    s.refresh("tab", 3600.2, f"FAKE-refresh-token-{rt}", grant=20, new_rt=f"FAKE-refresh-token-{rt + 1}")
    s.socket("tab", 3600.5, [connect(3600.55, 0, "InitialConnect"), authenticate(3600.56, s.at(20), 0),
                             queries(3600.57, 1), transition(3600.7, (0, 1), (0, 1))], closed_at=None)
    return s


def devmode_missing_refresh_token(token: Token) -> Story:
    """devMode: refreshes send the token in the body, until one goes without (the stored one
    was removed) and WorkOS answers "Missing refresh token."."""
    s = Story(token)
    s.page("tab", 0)
    s.refresh("tab", 0.2, "FAKE-refresh-token-0", grant=1, new_rt="FAKE-refresh-token-1")
    s.refresh("tab", 290.0, "FAKE-refresh-token-1", grant=2, new_rt="FAKE-refresh-token-2")
    s.refresh("tab", 580.0, "FAKE-refresh-token-2", grant=3, new_rt="FAKE-refresh-token-3")
    s.refresh("tab", 870.0, None, refused=(400, "invalid_request", "Missing refresh token."))
    s.socket("tab", 0.5, [connect(0.55, 0, "InitialConnect"), authenticate(0.56, s.at(1), 0), queries(0.57, 1),
                          transition(0.7, (0, 1), (0, 1)), authenticate(290.3, s.at(2), 1),
                          transition(290.4, (1, 2)), authenticate(580.3, s.at(3), 2), transition(580.4, (2, 3)),
                          authenticate(870.4, None, 3), transition(870.5, (3, 4))], closed_at=None)
    return s


def cookie_missing_refresh_token(token: Token) -> Story:
    """Cookie mode: no refresh token in any body; two refreshes work on the cookie, the third
    arrives without it and WorkOS answers "Missing refresh token."."""
    s = Story(token)
    s.page("tab", 0)
    s.refresh("tab", 0.2, None, grant=1)
    s.refresh("tab", 290.0, None, grant=2)
    s.refresh("tab", 580.0, None, refused=(400, "invalid_request", "Missing refresh token."))
    s.socket("tab", 0.5, [connect(0.55, 0, "InitialConnect"), authenticate(0.56, s.at(1), 0), queries(0.57, 1),
                          transition(0.7, (0, 1), (0, 1)), authenticate(290.3, s.at(2), 1),
                          transition(290.4, (1, 2))], closed_at=None)
    return s


def rotation_race(token: Token) -> Story:
    """Two tabs in devMode share the refresh token: both refresh with it at once; WorkOS
    grants tab a and refuses tab b (already exchanged), whose AuthKit then removes the shared
    token, so tab a's next refresh goes without one ("Missing refresh token.")."""
    s = Story(token)
    s.page("a", 0)
    s.refresh("a", 0.2, "FAKE-refresh-token-0", grant=1, new_rt="FAKE-refresh-token-1")
    s.page("b", 60)
    s.refresh("b", 60.2, "FAKE-refresh-token-1", grant=2, new_rt="FAKE-refresh-token-2")
    s.refresh("a", 350.0, "FAKE-refresh-token-2", grant=3, new_rt="FAKE-refresh-token-3", took=150.0)
    s.refresh("b", 350.05, "FAKE-refresh-token-2", refused=(400, "invalid_grant", "Refresh token already exchanged."),
              took=130.0)
    s.refresh("a", 640.0, None, refused=(400, "invalid_request", "Missing refresh token."))
    s.socket("a", 0.5, [connect(0.55, 0, "InitialConnect"), authenticate(0.56, s.at(1), 0), queries(0.57, 1),
                        transition(0.7, (0, 1), (0, 1)), authenticate(350.3, s.at(3), 1), transition(350.4, (1, 2)),
                        authenticate(640.3, None, 2), transition(640.4, (2, 3))], closed_at=None)
    s.socket("b", 60.5, [connect(60.55, 0, "InitialConnect"), authenticate(60.56, s.at(2), 0), queries(60.57, 1),
                         transition(60.7, (0, 1), (0, 1)), authenticate(350.3, None, 1), transition(350.4, (1, 2))],
             closed_at=None)
    return s


def healthy_hour(token: Token) -> Story:
    """An hour of a healthy tab: a refresh every 290 s, Convex re-authenticated with each new
    token, one network blip at 30 min (the socket reconnects with the current, valid token)."""
    s = Story(token)
    s.page("tab", 0)
    grants = [0.2 + 290 * k for k in range(13)]
    for k, t in enumerate(grants, start=1):
        s.refresh("tab", t, f"FAKE-refresh-token-{k - 1}", grant=k, new_rt=f"FAKE-refresh-token-{k}")
    blip = 1800.0
    before = [n for n, t in enumerate(grants, start=1) if t < blip]
    first = [connect(0.55, 0, "InitialConnect"), authenticate(0.56, s.at(1), 0), queries(0.57, 1),
             transition(0.7, (0, 1), (0, 1))]
    for identity, n in enumerate(before[1:], start=1):
        t = grants[n - 1]
        first += [authenticate(t + 0.3, s.at(n), identity), transition(t + 0.4, (identity, identity + 1))]
    second = [connect(blip + 1.05, 1, "closed with code 1006"), authenticate(blip + 1.06, s.at(before[-1]), 0),
              queries(blip + 1.07, 1), transition(blip + 1.2, (0, 1), (0, 1))]
    for identity, n in enumerate(range(before[-1] + 1, len(grants) + 1), start=1):
        t = grants[n - 1]
        second += [authenticate(t + 0.3, s.at(n), identity), transition(t + 0.4, (identity, identity + 1))]
    s.socket("tab", 0.5, first, closed_at=blip)
    s.socket("tab", blip + 1.0, second, closed_at=None)
    return s


def unexplained_terminal_error(token: Token) -> Story:
    """Two good refreshes, then WorkOS refuses one with an error no cause explains."""
    s = Story(token)
    s.page("tab", 0)
    s.refresh("tab", 0.2, "FAKE-refresh-token-0", grant=1, new_rt="FAKE-refresh-token-1")
    s.refresh("tab", 290.0, "FAKE-refresh-token-1", grant=2, new_rt="FAKE-refresh-token-2")
    s.refresh("tab", 580.0, "FAKE-refresh-token-2",
              refused=(400, "invalid_request", "The request is missing the required parameter client_id."))
    s.socket("tab", 0.5, [connect(0.55, 0, "InitialConnect"), authenticate(0.56, s.at(1), 0), queries(0.57, 1),
                          transition(0.7, (0, 1), (0, 1)), authenticate(290.3, s.at(2), 1),
                          transition(290.4, (1, 2))], closed_at=None)
    return s


STORIES = {
    "seed-chain": seed_chain,
    "devmode-missing-refresh-token": devmode_missing_refresh_token,
    "cookie-missing-refresh-token": cookie_missing_refresh_token,
    "rotation-race": rotation_race,
    "healthy-hour": healthy_hour,
    "unexplained-terminal-error": unexplained_terminal_error,
}


def build(story: Story, browser: str) -> dict[str, dict]:
    """One HAR document per tab, in ``browser``'s shape (entries in start order, as exported)."""
    shape = SHAPES[browser](T0_MS)
    out = {}
    for tab, steps in story.steps.items():
        entries = []
        for step in sorted(steps, key=lambda s: s[1]):
            if step[0] == "page":
                entries.append(shape.page(step[1]))
            elif step[0] == "auth":
                _, t, body, status, answer, took, failed = step
                entries.append(shape.auth(t, body, status, answer, took, failed))
            else:
                _, t, frames, closed_at = step
                entry = shape.socket(t, frames, closed_at)
                if entry is not None:
                    entries.append(entry)
        out[tab] = shape.log(entries)
    return out
