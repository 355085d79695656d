"""Build synthetic traces in the event catalog's shapes (docs/trace-events.md).

Times are seconds since the start of the trace (``t``); each builder method
appends one event and returns it with its id. Tokens are named ("at1", "rt2")
and stored as fingerprints of their names, like the recorder's redaction
would: nothing here looks like a real token. Scenario functions at the end
build the healthy sessions and one trace per cause.
"""

from __future__ import annotations

from authtrace import Event, Kind, Trace, fingerprint

T0 = 1_800_000_000_000.0  # wall ms at t=0
LIFETIME_S = 300
USER = "user_01TEST"
RT_KEY = "workos:refresh-token:client_local"
CONVEX_URL = "ws://127.0.0.1:8765/api/1.48.0/sync"
AUTH_URL = "http://127.0.0.1:8787/user_management/authenticate"

NETWORK = {"name": "TypeError", "message": "Failed to fetch", "error_class": "TypeError"}
FIREFOX_NETWORK = {"name": "TypeError", "message": "NetworkError when attempting to fetch resource.",
                   "error_class": "TypeError"}
LOCK_TIMEOUT = {"name": "RefreshTimeoutError", "message": "Timed out waiting to refresh the session.",
                "error_class": "RefreshTimeoutError", "is_transient": True}
LOGIN_REQUIRED = {"name": "Error", "message": "No access token available", "error_class": "LoginRequiredError"}


def tok(name: str) -> str:
    return fingerprint("fake-token-" + name)


class Builder:
    def __init__(self, lifetime_s: int = LIFETIME_S) -> None:
        self.trace = Trace({"origin": "http://127.0.0.1:5173"})
        self.lifetime_s = lifetime_s
        self.minted: dict[str, float] = {}  # token name -> t it was minted
        self._request = 0
        self._call = 0
        self._socket: dict[str, int] = {}
        self._page: dict[str, dict] = {}

    # -- plumbing -----------------------------------------------------------------
    def ev(self, tab: str, t: float, kind: Kind, type_: str, **payload) -> Event:
        return self.trace.add(Event(tab, t * 1000.0, T0 + t * 1000.0, kind, type_, payload))

    def page(self, tab: str) -> dict:
        return dict(self._page.setdefault(tab, {"visibility": "visible", "online": True}))

    def mint(self, name: str, t: float) -> str:
        self.minted.setdefault(name, t)
        return tok(name)

    def claims(self, name: str) -> dict:
        iat = int(T0 / 1000 + self.minted[name])
        return {tok(name): {"sub": USER, "sid": "session_01TEST", "iat": iat, "exp": iat + self.lifetime_s}}

    def seconds_left(self, name: str, t: float) -> float:
        return round(self.minted[name] + self.lifetime_s - t, 1)

    def socket(self, tab: str) -> int:
        return self._socket.get(tab, 0)

    # -- page -----------------------------------------------------------------------
    def boot(self, tab: str, t: float, visibility: str = "visible", online: bool = True, cookie: bool | None = None):
        self._page[tab] = {"visibility": visibility, "online": online}
        return self.ev(tab, t, Kind.LIFECYCLE, "boot", visibility=visibility, online=online, was_discarded=False,
                       path="/", has_session_cookie=cookie, user_agent="test")

    def hide(self, tab: str, t: float):
        self._page.setdefault(tab, {})["visibility"] = "hidden"
        return self.ev(tab, t, Kind.VISIBILITY, "visibilitychange", state="hidden")

    def show(self, tab: str, t: float):
        self._page.setdefault(tab, {})["visibility"] = "visible"
        return self.ev(tab, t, Kind.VISIBILITY, "visibilitychange", state="visible")

    def freeze(self, tab: str, t: float):
        return self.ev(tab, t, Kind.LIFECYCLE, "freeze", visibility="hidden")

    def resume(self, tab: str, t: float):
        return self.ev(tab, t, Kind.LIFECYCLE, "resume", visibility="hidden")

    def offline(self, tab: str, t: float):
        self._page.setdefault(tab, {})["online"] = False
        return self.ev(tab, t, Kind.NETWORK, "offline", online=False)

    def online(self, tab: str, t: float):
        self._page.setdefault(tab, {})["online"] = True
        return self.ev(tab, t, Kind.NETWORK, "online", online=True)

    def clock_jump(self, tab: str, t: float, seconds: float):
        return self.ev(tab, t, Kind.LIFECYCLE, "clock-jump", jumpMs=int(seconds * 1000), visibility="visible")

    def focus(self, tab: str, t: float):
        return self.ev(tab, t, Kind.VISIBILITY, "focus", visibility=self.page(tab).get("visibility"))

    # -- AuthKit --------------------------------------------------------------------
    def user(self, tab: str, t: float, present: bool = True):
        return self.ev(tab, t, Kind.AUTHKIT, "user", present=present, user_id=USER if present else None,
                       is_loading=False, **self.page(tab))

    def call_start(self, tab: str, t: float, force: bool = False) -> int:
        self._call += 1
        self.ev(tab, t, Kind.AUTHKIT, "getAccessToken-start", call=self._call, force_refresh=force, **self.page(tab))
        return self._call

    def call_end(self, tab: str, t: float, call: int, started: float, force: bool = False, token: str | None = None,
                 error: dict | None = None, null: bool = False):
        p = {"call": call, "force_refresh": force, "duration_ms": round((t - started) * 1000, 1), **self.page(tab)}
        if error is not None:
            p.update({"outcome": "error", "name": error.get("name"), "message": error.get("message"),
                      "error_class": error.get("error_class"), "is_transient": error.get("is_transient"),
                      "status": error.get("status"), "error": error.get("error")})
        elif null or token is None:
            p["outcome"] = "null"
        else:
            p.update({"outcome": "token", "token": tok(token), "seconds_left": self.seconds_left(token, t),
                      "jwt": self.claims(token)})
        return self.ev(tab, t, Kind.AUTHKIT, "getAccessToken", **p)

    # -- WorkOS refresh -------------------------------------------------------------
    def refresh_request(self, tab: str, t: float, rt: str | None = "rt1", credentials: str | None = None,
                        cookie: bool | None = None) -> tuple[int, Event]:
        self._request += 1
        p = {"request": self._request, "method": "POST", "url": AUTH_URL, **self.page(tab), "auth": True,
             "credentials": credentials, "has_session_cookie": cookie, "grant_type": "refresh_token",
             "client_id": "client_local", "refresh_token_sent": rt is not None}
        if rt is not None:
            p["refresh_token"] = tok(rt)
        return self._request, self.ev(tab, t, Kind.FETCH, "request", **p)

    def refresh_ok(self, tab: str, t: float, request: int, started: float, access: str, new_rt: str):
        self.mint(access, t)
        return self.ev(tab, t, Kind.FETCH, "response", request=request, status=200, ok=True,
                       duration_ms=round((t - started) * 1000, 1), **self.page(tab), auth=True,
                       grant_type="refresh_token", access_token=tok(access), expires_in_s=float(self.lifetime_s),
                       refresh_token=tok(new_rt), user_id=USER, organization_id=None,
                       authentication_method="Password", jwt=self.claims(access))

    def refresh_refused(self, tab: str, t: float, request: int, started: float, status: int = 400,
                        error: str = "invalid_grant", description: str = "Session has ended."):
        return self.ev(tab, t, Kind.FETCH, "response", request=request, status=status, ok=False,
                       duration_ms=round((t - started) * 1000, 1), **self.page(tab), auth=True,
                       grant_type="refresh_token", workos_error=error, workos_error_description=description)

    def refresh_failed(self, tab: str, t: float, request: int, started: float, error: dict = NETWORK):
        return self.ev(tab, t, Kind.FETCH, "error", request=request, name=error["name"], message=error["message"],
                       duration_ms=round((t - started) * 1000, 1), **self.page(tab), auth=True,
                       grant_type="refresh_token")

    def refresh(self, tab: str, t: float, rt: str, access: str, new_rt: str, took: float = 0.12,
                credentials: str | None = None):
        req_id, req = self.refresh_request(tab, t, rt, credentials)
        return req, self.refresh_ok(tab, t + took, req_id, t, access, new_rt)

    def token_call_refreshing(self, tab: str, t: float, rt: str, access: str, new_rt: str, force: bool = True):
        """A getAccessToken call that refreshes successfully: start, request, response, end."""
        call = self.call_start(tab, t, force)
        req, resp = self.refresh(tab, t + 0.01, rt, access, new_rt)
        end = self.call_end(tab, t + 0.15, call, t, force, token=access)
        return req, resp, end

    # -- Convex ---------------------------------------------------------------------
    def set_auth(self, tab: str, t: float):
        return self.ev(tab, t, Kind.CONVEX, "setAuth")

    def ws_create(self, tab: str, t: float):
        self._socket[tab] = self.socket(tab) + 1
        return self.ev(tab, t, Kind.WEBSOCKET, "create", socket=self.socket(tab), url=CONVEX_URL, sync=True,
                       **self.page(tab))

    def ws_open(self, tab: str, t: float):
        return self.ev(tab, t, Kind.WEBSOCKET, "open", socket=self.socket(tab), sync=True, **self.page(tab))

    def ws_close(self, tab: str, t: float, code: int = 1006, reason: str = ""):
        return self.ev(tab, t, Kind.WEBSOCKET, "close", socket=self.socket(tab), sync=True, code=code, reason=reason,
                       was_clean=code == 1000, **self.page(tab))

    def connect(self, tab: str, t: float, count: int = 0, last_close: str | None = None):
        return self.ev(tab, t, Kind.CONVEX, "Connect", socket=self.socket(tab), direction="send",
                       connection_count=count, last_close_reason=last_close, session_id="sess-1")

    def authenticate(self, tab: str, t: float, token: str, base_version: int = 0):
        left = self.seconds_left(token, t)
        claims = self.claims(token)[tok(token)]
        return self.ev(tab, t, Kind.CONVEX, "Authenticate", socket=self.socket(tab), direction="send",
                       token_type="User", base_version=base_version, token=tok(token), iat=claims["iat"],
                       exp=claims["exp"], seconds_left=left, expired_when_sent=left <= 0, jwt=self.claims(token))

    def auth_error(self, tab: str, t: float, error: str = "Token expired", attempted: bool = True):
        return self.ev(tab, t, Kind.CONVEX, "AuthError", socket=self.socket(tab), direction="receive", error=error,
                       base_version=1, auth_update_attempted=attempted)

    def transition(self, tab: str, t: float, frm: int = 0, to: int = 1, first: bool = False):
        return self.ev(tab, t, Kind.CONVEX, "Transition", socket=self.socket(tab), identity_from=frm, identity_to=to,
                       identity_changed=frm != to, query_set=1, first=first, queries=1)

    def auth_change(self, tab: str, t: float, value: bool):
        return self.ev(tab, t, Kind.CONVEX, "auth-change", is_authenticated=value, **self.page(tab))

    def refresh_change(self, tab: str, t: float, value: bool):
        return self.ev(tab, t, Kind.CONVEX, "refresh-change", is_refreshing=value, **self.page(tab))

    def state(self, tab: str, t: float, socket: str = "ready", paused: str = "no",
              auth: str = "waitingForScheduledRefetch", connected: bool = True, ever: bool = True, count: int = 1,
              retries: int = 0):
        return self.ev(tab, t, Kind.CONVEX, "state", socket=socket, paused=paused, auth=auth,
                       is_websocket_connected=connected, has_ever_connected=ever, connection_count=count,
                       connection_retries=retries, inflight_mutations=0)

    def rejection(self, tab: str, t: float, name: str = "TypeError", message: str = "Failed to fetch"):
        return self.ev(tab, t, Kind.NOTE, "unhandledrejection", name=name, message=message)

    # -- storage / locks ------------------------------------------------------------------
    def storage_set(self, tab: str, t: float, rt: str):
        return self.ev(tab, t, Kind.STORAGE, "setItem", area="local", key=RT_KEY, value=tok(rt))

    def storage_remove(self, tab: str, t: float):
        return self.ev(tab, t, Kind.STORAGE, "removeItem", area="local", key=RT_KEY, existed=True)

    def storage_event(self, tab: str, t: float, old: str | None, new: str | None):
        change = "removed" if new is None else "set"
        return self.ev(tab, t, Kind.STORAGE, "storage-event", key=RT_KEY, from_other_tab=True, change=change,
                       oldValue=tok(old) if old else None, newValue=tok(new) if new else None)

    def lock(self, tab: str, t: float, at: str, request: int, held: int, pending: int):
        return self.ev(tab, t, Kind.LOCK, "state", name="WORKOS_REFRESH_SESSION", at=at, request=request,
                       held=held, pending=pending)


# -- scenarios ------------------------------------------------------------------------
def load(b: Builder, tab: str = "A", t: float = 0.0, rt: str = "rt0", access: tuple[str, str] = ("at0", "at1"),
         new_rt: tuple[str, str] = ("rt1", "rt2"), honour_force: bool = True, dev_mode: bool = True) -> dict:
    """A page load that signs in: AuthKit's initial refresh, setAuth, the double fetch, a confirmed socket.

    With ``honour_force`` the adapter passes forceRefresh and Convex gets a
    fresh token on its second fetch (``waitingForScheduledRefetch``);
    without it, the stock adapter hands back the same token (``notRefetching``).
    """
    ids: dict = {}
    b.boot(tab, t)
    # AuthKit's initial refresh at page load (devMode: refresh token from localStorage).
    _, ids["initial_refresh"] = b.refresh(tab, t + 0.05, rt, access[0], new_rt[0])
    if dev_mode:
        b.storage_set(tab, t + 0.2, new_rt[0])
    ids["user"] = b.user(tab, t + 0.25)
    ids["setAuth"] = b.set_auth(tab, t + 0.3)
    b.ws_create(tab, t + 0.3)
    call = b.call_start(tab, t + 0.31, False)
    b.call_end(tab, t + 0.32, call, t + 0.31, False, token=access[0])
    b.ws_open(tab, t + 0.35)
    b.state(tab, t + 0.36, socket="ready", paused="uninitialized", auth="noAuth", connected=True, ever=False,
            count=0)
    b.connect(tab, t + 0.4, 0)
    ids["first_authenticate"] = b.authenticate(tab, t + 0.41, access[0])
    b.state(tab, t + 0.42, socket="ready", paused="no", auth="waitingForServerConfirmationOfCachedToken", count=1)
    b.transition(tab, t + 0.5, 0, 1, first=True)
    if honour_force:
        b.token_call_refreshing(tab, t + 0.51, new_rt[0], access[1], new_rt[1])
        if dev_mode:
            b.storage_set(tab, t + 0.7, new_rt[1])
        b.authenticate(tab, t + 0.7, access[1], 1)
        b.transition(tab, t + 0.8, 1, 2)
        ids["auth_true"] = b.auth_change(tab, t + 0.81, True)
        b.state(tab, t + 0.82, auth="waitingForScheduledRefetch", count=1)
    else:
        ids["auth_true"] = b.auth_change(tab, t + 0.52, True)
        call = b.call_start(tab, t + 0.53, False)
        ids["same_token_call"] = b.call_end(tab, t + 0.54, call, t + 0.53, False, token=access[0])
        ids["notRefetching"] = b.state(tab, t + 0.6, auth="notRefetching", count=1)
    return ids


def scheduled_refresh(b: Builder, tab: str, t: float, rt: str, access: str, new_rt: str, base: int = 2,
                      dev_mode: bool = True) -> None:
    """Convex's refetch timer, 10 s before expiry: a forced fetch, a new token, confirmed."""
    b.token_call_refreshing(tab, t, rt, access, new_rt)
    if dev_mode:
        b.storage_set(tab, t + 0.2, new_rt)
    b.authenticate(tab, t + 0.2, access, base)
    b.transition(tab, t + 0.3, base, base + 1)
    b.auth_change(tab, t + 0.31, True)


def healthy_refresh_cycle() -> Builder:
    b = Builder()
    load(b)
    scheduled_refresh(b, "A", 290.5, "rt2", "at2", "rt3", base=2)
    scheduled_refresh(b, "A", 580.5, "rt3", "at3", "rt4", base=3)
    b.focus("A", 700)
    return b


def healthy_short_hidden() -> Builder:
    b = Builder()
    load(b)
    b.hide("A", 100)
    b.show("A", 160)
    scheduled_refresh(b, "A", 290.5, "rt2", "at2", "rt3", base=2)
    b.focus("A", 400)
    return b


def healthy_transient_recovered() -> Builder:
    """A refresh fails with a network TypeError; the bridge retries a second later; Convex never notices."""
    b = Builder()
    load(b)
    call = b.call_start("A", 290.5, True)
    req_id, _ = b.refresh_request("A", 290.51, "rt2")
    b.refresh_failed("A", 290.6, req_id, 290.51, NETWORK)
    b.call_end("A", 290.61, call, 290.5, True, error=NETWORK)
    scheduled_refresh(b, "A", 291.6, "rt2", "at2", "rt3", base=2)
    b.focus("A", 400)
    return b


def healthy_long_hidden_refreshed_on_return() -> Builder:
    """Hidden and frozen past the token lifetime; the bridge refreshes on visibilitychange before Convex notices."""
    b = Builder()
    load(b)
    b.hide("A", 60)
    b.freeze("A", 70)
    b.resume("A", 900)
    b.show("A", 900.1)
    scheduled_refresh(b, "A", 900.2, "rt2", "at2", "rt3", base=2)
    b.focus("A", 1000)
    return b


def healthy_sign_out() -> Builder:
    """The user signs out: AuthKit drops the user, then Convex follows."""
    b = Builder()
    load(b)
    b.user("A", 100, present=False)
    b.storage_remove("A", 100.01)
    b.auth_change("A", 100.2, False)
    b.focus("A", 200)
    return b


# -- one trace per cause ------------------------------------------------------------------
def stale_token_on_reconnect() -> tuple[Builder, dict]:
    """The laptop sleeps with the tab visible; the socket reconnects with the expired token, then recovers."""
    b = Builder()
    load(b)
    ids = {}
    b.clock_jump("A", 700, 600)
    b.ws_close("A", 700.1, 1006)
    b.state("A", 700.2, socket="disconnected", connected=False)
    b.ws_create("A", 701)
    b.ws_open("A", 701.05)
    ids["connect"] = b.connect("A", 701.1, 1, "closed with code 1006")
    ids["authenticate"] = b.authenticate("A", 701.11, "at1", 2)
    ids["auth_error"] = b.auth_error("A", 701.2, "Token expired 400 s ago", True)
    b.refresh_change("A", 701.21, True)
    b.state("A", 701.22, socket="stopped", connected=False)
    b.token_call_refreshing("A", 701.3, "rt2", "at2", "rt3")
    b.storage_set("A", 701.45, "rt3")
    b.ws_create("A", 701.5)
    b.ws_open("A", 701.55)
    b.connect("A", 701.6, 2, None)
    b.authenticate("A", 701.61, "at2", 2)
    b.transition("A", 701.7, 2, 3)
    b.refresh_change("A", 701.71, False)
    ids["recovered"] = b.auth_change("A", 701.72, True)
    b.state("A", 701.8, count=3)
    b.focus("A", 760)
    return b, ids


def hidden_tab_refresh_paused() -> tuple[Builder, dict]:
    """Hidden and frozen for 8 minutes; on return the next query meets an expired token; reauth recovers."""
    b = Builder()
    load(b)
    ids = {}
    ids["hide"] = b.hide("A", 10)
    b.freeze("A", 20)
    b.resume("A", 499.9)
    ids["show"] = b.show("A", 500)
    ids["auth_error"] = b.auth_error("A", 505, "Convex token identity expired", False)
    b.ws_close("A", 505.01, 1005)
    b.refresh_change("A", 505.02, True)
    b.state("A", 505.03, socket="stopped", connected=False)
    b.token_call_refreshing("A", 505.1, "rt2", "at2", "rt3")
    b.storage_set("A", 505.3, "rt3")
    b.ws_create("A", 505.4)
    b.ws_open("A", 505.45)
    b.connect("A", 505.5, 1, None)
    b.authenticate("A", 505.51, "at2", 2)
    b.transition("A", 505.6, 2, 3)
    b.auth_change("A", 505.61, True)
    b.focus("A", 600)
    return b, ids


def transient_refresh_reported_as_signout() -> tuple[Builder, dict]:
    """Stock adapter: a network TypeError on the forced refetch becomes null and a sticky Convex sign-out."""
    b = Builder()
    load(b)
    ids = {}
    call = b.call_start("A", 290.5, True)
    req_id, ids["request"] = b.refresh_request("A", 290.51, "rt2")
    ids["fetch_error"] = b.refresh_failed("A", 290.6, req_id, 290.51, NETWORK)
    ids["call_error"] = b.call_end("A", 290.61, call, 290.5, True, error=NETWORK)
    b.ev("A", 290.62, Kind.CONVEX, "Authenticate", socket=1, direction="send", token_type="None", base_version=2)
    ids["auth_false"] = b.auth_change("A", 290.63, False)
    # AuthKit's own 1-s loop refreshes fine a second later; Convex never asks again.
    b.refresh("A", 291.6, "rt2", "at2", "rt3")
    b.storage_set("A", 291.8, "rt3")
    b.focus("A", 400)
    return b, ids


def throw_wedge() -> tuple[Builder, dict]:
    """A throwing adapter: the reauth after the server's AuthError rejects, the socket stays stopped."""
    b = Builder()
    load(b)
    ids = {}
    # The scheduled refetch throws first: unhandled, nothing rescheduled, the socket stays up.
    call = b.call_start("A", 290.5, True)
    req_id, _ = b.refresh_request("A", 290.51, "rt2")
    b.refresh_failed("A", 290.6, req_id, 290.51, NETWORK)
    b.call_end("A", 290.61, call, 290.5, True, error=NETWORK)
    b.rejection("A", 290.62)
    # Then the server notices the expired token.
    ids["auth_error"] = b.auth_error("A", 305, "Convex token identity expired", False)
    b.refresh_change("A", 305.01, True)
    ids["stopped"] = b.state("A", 305.05, socket="stopped", connected=False)
    call = b.call_start("A", 305.1, True)
    req_id, _ = b.refresh_request("A", 305.11, "rt2")
    b.refresh_failed("A", 305.3, req_id, 305.11, NETWORK)
    ids["call_error"] = b.call_end("A", 305.31, call, 305.1, True, error=NETWORK)
    ids["rejection"] = b.rejection("A", 305.32)
    b.focus("A", 340)
    return b, ids


def pause_overwrite_wedge() -> tuple[Builder, dict]:
    """setAuth twice while the first (slow) token fetch runs: Authenticate only, never Connect."""
    b = Builder()
    ids = {}
    b.boot("A", 0)
    b.refresh("A", 0.05, "rt0", "at0", "rt1")
    b.user("A", 0.25)
    ids["set_auth_1"] = b.set_auth("A", 1.0)
    b.ws_create("A", 1.0)
    c1 = b.call_start("A", 1.0, False)
    b.ws_open("A", 1.1)
    ids["state"] = b.state("A", 1.1, socket="ready", paused="uninitialized", auth="noAuth", connected=True,
                           ever=False, count=0)
    ids["set_auth_2"] = b.set_auth("A", 1.5)
    b.state("A", 1.5, socket="ready", paused="yes", auth="noAuth", connected=True, ever=False, count=0)
    c2 = b.call_start("A", 1.5, False)
    b.call_end("A", 2.0, c1, 1.0, False, token="at0")
    ids["call_end"] = b.call_end("A", 2.0, c2, 1.5, False, token="at0")
    b.authenticate("A", 2.01, "at0", 0)
    b.state("A", 2.02, socket="ready", paused="no", auth="waitingForServerConfirmationOfCachedToken",
            connected=True, ever=False, count=0)
    b.focus("A", 10)
    return b, ids


def same_token_reauth() -> tuple[Builder, dict]:
    """The stock adapter ignores forceRefreshToken: the second fetch returns the token Convex has."""
    b = Builder()
    ids = load(b, honour_force=False)
    b.focus("A", 100)
    # No refresh is scheduled: the server has to reject the expired token when a query re-runs.
    ids["expired"] = b.auth_error("A", 305, "Convex token identity expired", False)
    return b, ids


def refresh_token_removed_by_other_tab() -> tuple[Builder, dict]:
    """devMode, two tabs: A signs out and removes the shared refresh token; B's next refresh has none."""
    b = Builder()
    load(b, "A", 0.0, "rt0", ("a-at0", "a-at1"), ("rt1", "rt2"))
    b.storage_event("B", 0.7, "rt1", "rt2")
    load(b, "B", 1.0, "rt2", ("b-at0", "b-at1"), ("rt3", "rt4"))
    ids = {}
    b.user("A", 100, present=False)
    ids["remove"] = b.storage_remove("A", 100.01)
    ids["storage_event"] = b.storage_event("B", 100.02, "rt4", None)
    req_id, ids["request"] = b.refresh_request("B", 291.0, None)
    ids["response"] = b.refresh_refused("B", 291.1, req_id, 291.0, 400, "invalid_request", "Missing refresh token.")
    b.focus("B", 300)
    return b, ids


def refresh_cookie_missing() -> tuple[Builder, dict]:
    """Cookie mode: the HttpOnly refresh cookie does not reach WorkOS (third-party cookie blocked)."""
    b = Builder()
    ids = {}
    b.boot("A", 0, cookie=True)
    req_id, ids["request"] = b.refresh_request("A", 0.05, None, credentials="include", cookie=True)
    ids["response"] = b.refresh_refused("A", 0.2, req_id, 0.05, 400, "invalid_request", "Missing refresh token.")
    b.focus("A", 5)
    return b, ids


def rotation_race() -> tuple[Builder, dict]:
    """Two tabs refresh with the same refresh token; WorkOS refuses the second."""
    b = Builder()
    load(b, "A", 0.0, "rt0", ("a-at0", "a-at1"), ("rt1", "rt2"))
    ids = {}
    ids["a_request"], ids["a_response"] = b.refresh("A", 290.0, "rt2", "a-at2", "rt3", took=0.2)
    req_id, ids["b_request"] = b.refresh_request("B", 290.05, "rt2")
    ids["b_response"] = b.refresh_refused("B", 290.3, req_id, 290.05, 400, "invalid_grant",
                                          "Refresh token already exchanged.")
    b.focus("A", 300)
    return b, ids


def refresh_lock_starvation() -> tuple[Builder, dict]:
    """Tab A's refresh hangs while A is frozen; tab B times out waiting for the lock."""
    b = Builder()
    load(b, "A", 0.0, "rt0", ("a-at0", "a-at1"), ("rt1", "rt2"))
    ids = {}
    b.hide("A", 99)
    _, ids["a_request"] = b.refresh_request("A", 100.0, "rt2")
    b.freeze("A", 100.5)
    b.boot("B", 101)
    call = b.call_start("B", 101.0, False)
    ids["b_timeout"] = b.call_end("B", 121.1, call, 101.0, False, error=LOCK_TIMEOUT)
    b.focus("B", 130)
    return b, ids


def offline_at_refresh() -> tuple[Builder, dict]:
    """The browser is offline when the forced refresh runs; the bridge retries once online."""
    b = Builder()
    load(b)
    ids = {}
    ids["offline"] = b.offline("A", 280)
    call = b.call_start("A", 290.5, True)
    req_id, ids["request"] = b.refresh_request("A", 290.51, "rt2")
    ids["fetch_error"] = b.refresh_failed("A", 290.52, req_id, 290.51, NETWORK)
    ids["call_error"] = b.call_end("A", 290.53, call, 290.5, True, error=NETWORK)
    b.online("A", 295)
    scheduled_refresh(b, "A", 295.5, "rt2", "at2", "rt3", base=2)
    b.focus("A", 400)
    return b, ids


def session_ended() -> tuple[Builder, dict]:
    """Frozen for hours; WorkOS says the session is over; the app signs the user out."""
    b = Builder()
    load(b)
    ids = {}
    b.hide("A", 10)
    b.freeze("A", 20)
    b.resume("A", 20_000)
    b.show("A", 20_000.1)
    call = b.call_start("A", 20_000.2, True)
    req_id, ids["request"] = b.refresh_request("A", 20_000.21, "rt2")
    ids["response"] = b.refresh_refused("A", 20_000.4, req_id, 20_000.21, 400, "invalid_grant", "Session has ended.")
    b.storage_remove("A", 20_000.41)
    b.call_end("A", 20_000.42, call, 20_000.2, True, error=LOGIN_REQUIRED)
    ids["user_gone"] = b.user("A", 20_000.5, present=False)
    b.focus("A", 20_010)
    return b, ids


def readme_story() -> tuple[Builder, dict]:
    """The README's chain: hidden past the token, reconnect with the expired token, the forced refresh
    fails with Failed to fetch because the network is not back, the stock adapter says null."""
    b = Builder()
    load(b)
    ids = {}
    ids["hide"] = b.hide("A", 30)
    b.freeze("A", 40)
    b.resume("A", 629.9)
    ids["show"] = b.show("A", 630)
    b.ws_close("A", 630.1, 1006)
    b.ws_create("A", 631)
    b.ws_open("A", 631.1)
    ids["connect"] = b.connect("A", 631.2, 1, "closed with code 1006")
    ids["authenticate"] = b.authenticate("A", 631.21, "at1", 2)
    ids["auth_error"] = b.auth_error("A", 631.3, "Token expired", True)
    b.refresh_change("A", 631.31, True)
    b.state("A", 631.32, socket="stopped", connected=False)
    call = b.call_start("A", 631.4, False)
    req_id, ids["request"] = b.refresh_request("A", 631.41, "rt2")
    ids["fetch_error"] = b.refresh_failed("A", 631.5, req_id, 631.41, NETWORK)
    ids["call_error"] = b.call_end("A", 631.51, call, 631.4, False, error=NETWORK)
    ids["auth_false"] = b.auth_change("A", 631.52, False)
    b.state("A", 631.6, socket="ready", auth="noAuth", count=3)
    b.refresh("A", 632.6, "rt2", "at2", "rt3")
    b.focus("A", 700)
    return b, ids
