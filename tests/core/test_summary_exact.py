"""The short timeline, line by line: each key event's exact words (what people read first),
and the events it leaves out."""

import pytest

from authtrace import Trace
from authtrace.diagnosis.summary import KeyEvent, describe, key_events
from authtrace.event import Event, Kind

T0 = 1_800_000_000_000.0


def ev(kind, type_, tab="t1", **payload):
    return Event(tab, 1.0, T0, kind, type_, payload)


# -- page --------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, text", [
    ({"visibility": "visible", "online": True}, "page loaded (visible, online)"),
    ({"visibility": "hidden", "online": False}, "page loaded (hidden, offline)"),
    ({"visibility": "visible"}, "page loaded (visible, online?)"),
    ({"visibility": "visible", "online": True, "was_discarded": True}, "page loaded (visible, online) after a discard"),
    ({"visibility": "visible", "online": True, "was_discarded": False}, "page loaded (visible, online)"),
])
def test_boot(payload, text):
    assert describe(ev(Kind.LIFECYCLE, "boot", **payload)) == text


@pytest.mark.parametrize("type_, payload, text", [
    ("freeze", {}, "page frozen"),
    ("resume", {}, "page resumed"),
    ("clock-jump", {"jumpMs": 500_000}, "machine slept ~8 min 20 s"),
    ("clock-jump", {}, "machine slept ~0 ms"),
    ("pageshow", {"persisted": True}, "restored from back/forward cache"),
    ("pageshow", {"persisted": False}, None),
    ("navigation", {"status": 200}, "page loaded (document request, 200)"),
    ("pagehide", {"persisted": True}, None),
])
def test_lifecycle(type_, payload, text):
    assert describe(ev(Kind.LIFECYCLE, type_, **payload)) == text


def test_visibility_and_network():
    assert describe(ev(Kind.VISIBILITY, "visibilitychange", state="hidden")) == "tab hidden"
    assert describe(ev(Kind.VISIBILITY, "focus", state="visible")) is None
    assert describe(ev(Kind.NETWORK, "offline")) == "browser offline"


# -- WorkOS -------------------------------------------------------------------------------

def auth(type_, **payload):
    return ev(Kind.FETCH, type_, auth=True, **payload)


@pytest.mark.parametrize("grant_type, text", [
    ("authorization_code", "WorkOS code exchange →"),
    ("password", "WorkOS password →"),  # an unknown grant is named as recorded
    (None, "WorkOS authenticate →"),  # a request whose body was not readable
])
def test_a_request_names_its_grant(grant_type, text):
    assert describe(auth("request", grant_type=grant_type)) == text


@pytest.mark.parametrize("payload, text", [
    ({"refresh_token": "tok:0123456789ab", "refresh_token_sent": True}, "WorkOS refresh → (tok:0123456789ab)"),
    ({"refresh_token": "tok:0123456789ab", "refresh_token_sent": True, "credentials": "include"},
     "WorkOS refresh → (tok:0123456789ab, credentials: include)"),
    # the cookie mode: no token in the body, the refresh cookie has to go with credentials: include
    ({"refresh_token_sent": False, "credentials": "include"}, "WorkOS refresh → (no refresh token, credentials: include)"),
    ({"refresh_token": "tok:0123456789ab", "refresh_token_sent": False}, "WorkOS refresh → (no refresh token)"),
    ({"credentials": "same-origin"}, "WorkOS refresh → (no refresh token)"),
])
def test_a_refresh_request_says_what_it_carried(payload, text):
    # which refresh token went (or none), the first thing to read when WorkOS says "Missing refresh token."
    assert describe(auth("request", grant_type="refresh_token", **payload)) == text


def test_a_refresh_answered_with_a_token():
    line = describe(auth("response", grant_type="refresh_token", status=200, ok=True,
                         access_token="tok:0123456789ab", expires_in_s=299.8))
    assert line == "WorkOS refresh ← 200 new token tok:0123456789ab, expires in 5 min"
    line = describe(auth("response", grant_type="refresh_token", status=200, ok=True))
    assert line == "WorkOS refresh ← 200 new token "


def test_ok_alone_says_a_token_came():
    # No status recorded, but the response was ok: a token, not "(no token)".
    line = describe(auth("response", grant_type="authorization_code", ok=True, access_token="tok:a"))
    assert line.startswith("WorkOS code exchange ← ") and line.endswith(" new token tok:a")


def test_a_workos_error_description_alone_is_still_the_error():
    line = describe(auth("response", grant_type="refresh_token", status=400, ok=False,
                         workos_error_description="Missing refresh token."))
    assert line.startswith("WorkOS refresh ← 400 ") and line.endswith(' "Missing refresh token."')
    assert "(no token)" not in line


def test_a_workos_error_in_full():
    line = describe(auth("response", grant_type="refresh_token", status=400, ok=False,
                         workos_error="invalid_grant", workos_error_description="Session has ended."))
    assert line == 'WorkOS refresh ← 400 invalid_grant "Session has ended."'


def test_a_failed_request():
    assert describe(auth("error", grant_type="refresh_token", name="TypeError", message="Failed to fetch")) == \
        "WorkOS refresh ✗ TypeError: Failed to fetch"
    assert describe(auth("error", grant_type="refresh_token", name="TypeError", message="Failed to fetch",
                         online=False, net_error="net::ERR_INTERNET_DISCONNECTED")) == \
        "WorkOS refresh ✗ TypeError: Failed to fetch (offline) [net::ERR_INTERNET_DISCONNECTED]"


def test_the_apps_own_fetches():
    assert describe(ev(Kind.FETCH, "error", name="TypeError", message="Load failed")) == \
        "fetch failed: TypeError: Load failed"
    assert describe(ev(Kind.FETCH, "response", status=500)) is None
    assert describe(auth("redirect", grant_type="refresh_token")) is None


# -- WebSocket, Convex ------------------------------------------------------------------------

@pytest.mark.parametrize("type_, payload, text", [
    ("close", {"sync": True, "code": 1006, "reason": ""}, "Convex socket closed 1006"),
    ("close", {"sync": True, "code": 1000, "reason": "going  away"}, 'Convex socket closed 1000 "going away"'),
    ("close", {"code": 1006}, None),  # not Convex's sync socket
    ("create", {"sync": True, "frames": False}, "Convex socket opened (the HAR has no frames)"),
    ("create", {"sync": True}, None),
    ("open", {"sync": True, "frames": False}, None),
])
def test_websocket(type_, payload, text):
    assert describe(ev(Kind.WEBSOCKET, type_, **payload)) == text


@pytest.mark.parametrize("type_, payload, text", [
    ("Connect", {"connection_count": 0, "last_close_reason": None}, "Convex Connect #0"),
    ("Connect", {"connection_count": 2, "last_close_reason": "closed with code 1006"},
     'Convex Connect #2, last close "closed with code 1006"'),
    ("Authenticate", {"token_type": "None"}, "Convex Authenticate (no token: auth cleared)"),
    ("Authenticate", {"token_type": "User", "token": "tok:a", "seconds_left": 299.4}, "Convex Authenticate tok:a 4 min 59 s left"),
    ("Authenticate", {"token_type": "User", "token": "tok:a", "seconds_left": 0.9}, "Convex Authenticate tok:a 900 ms left"),
    ("Authenticate", {"token_type": "User", "token": "tok:a", "seconds_left": 0}, "Convex Authenticate tok:a EXPIRED 0 ms ago"),
    ("Authenticate", {"token_type": "User", "token": "tok:a", "seconds_left": -0.9}, "Convex Authenticate tok:a EXPIRED 900 ms ago"),
    ("Authenticate", {"token_type": "User", "token": "tok:a", "seconds_left": -400.1}, "Convex Authenticate tok:a EXPIRED 6 min 40 s ago"),
    ("Authenticate", {"token_type": "User", "token": "tok:a"}, "Convex Authenticate tok:a"),
    ("AuthError", {"error": "Token expired", "auth_update_attempted": True},
     'Convex AuthError "Token expired" (authUpdateAttempted=True)'),
    ("FatalError", {"error": "Internal"}, 'Convex FatalError "Internal"'),
    ("Transition", {"identity_changed": True}, "Convex server confirmed the new auth identity"),
    ("Transition", {"identity_changed": False}, None),
    ("setAuth", {}, "Convex setAuth"),
    ("auth-change", {"is_authenticated": False}, "Convex isAuthenticated=false"),
    ("refresh-change", {"is_refreshing": True}, None),
])
def test_convex(type_, payload, text):
    assert describe(ev(Kind.CONVEX, type_, **payload)) == text


def state(tab="t1", **p):
    return ev(Kind.CONVEX, "state", tab=tab, **p)


def test_convex_state_says_only_what_changed():
    seen = {}
    opened = dict(socket="ready", auth="noAuth", is_websocket_connected=True, has_ever_connected=False,
                  paused="uninitialized")
    assert describe(state(**opened), seen) == \
        "Convex socket ready, auth noAuth, open, no Connect yet (paused uninitialized)"
    # Connected now: nothing a reader needs (the pause changed, but Convex has connected).
    connected = {**opened, "has_ever_connected": True, "paused": "no"}
    assert describe(state(**connected), seen) is None
    assert describe(state(**{**connected, "auth": "authenticated"}), seen) == "Convex auth authenticated"
    assert describe(state(**{**connected, "socket": "disconnected", "auth": None}), seen) == "Convex socket disconnected"
    # Each tab has its own last state.
    assert describe(state(tab="t2", **connected), seen) == "Convex socket ready, auth noAuth"


def test_convex_state_the_pause_of_a_socket_not_yet_connected():
    seen = {}
    base = dict(socket="ready", auth="noAuth", is_websocket_connected=True, has_ever_connected=False, paused="no")
    describe(state(**base), seen)
    assert describe(state(**base), seen) is None
    assert describe(state(**{**base, "paused": "yes"}), seen) == "Convex open, no Connect yet (paused yes)"
    # Not connected at all: no "open" part.
    assert describe(state(**{**base, "is_websocket_connected": False, "paused": "no"}), seen) is None


# -- AuthKit ------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, text", [
    ({"present": True, "user_id": "user_01", "is_loading": False}, "AuthKit user present (user_01)"),
    ({"present": True, "user_id": None}, "AuthKit user present"),
    ({"present": False, "user_id": None}, "AuthKit user absent"),
    ({"present": False, "user_id": "user_01"}, "AuthKit user absent"),
    ({"present": False, "is_loading": True}, None),
])
def test_authkit_user(payload, text):
    assert describe(ev(Kind.AUTHKIT, "user", **payload)) == text


@pytest.mark.parametrize("payload, text", [
    ({"force_refresh": False, "outcome": "token", "token": "tok:a", "seconds_left": 299.9},
     "getAccessToken() → tok:a (5 min left)"),
    ({"force_refresh": True, "outcome": "token", "token": "tok:a", "seconds_left": 12.34},
     "getAccessToken(force) → tok:a (12.3 s left)"),
    ({"force_refresh": True, "outcome": "token"}, "getAccessToken(force) → token"),
    ({"force_refresh": False, "outcome": "null"}, "getAccessToken() → null"),
    ({"force_refresh": True, "outcome": "error", "name": "TypeError", "message": "Failed to fetch",
      "error_class": "TypeError"}, "getAccessToken(force) ✗ TypeError: Failed to fetch (transient: network)"),
    ({"force_refresh": False, "outcome": "error", "name": "Error", "message": "No access token available",
      "error_class": "LoginRequiredError"}, "getAccessToken() ✗ LoginRequiredError: No access token available"),
])
def test_authkit_token_calls(payload, text):
    assert describe(ev(Kind.AUTHKIT, "getAccessToken", **payload)) == text


def test_a_token_call_start_is_left_out():
    assert describe(ev(Kind.AUTHKIT, "getAccessToken-start", force_refresh=True)) is None


# -- storage, locks, notes ------------------------------------------------------------------

@pytest.mark.parametrize("type_, payload, text", [
    ("removeItem", {"area": "local", "key": "workos:refresh-token"}, "removed workos:refresh-token from localStorage"),
    ("storage-event", {"change": "removed", "key": "k"}, "another tab removed k"),
    ("storage-event", {"change": "clear", "key": None}, "another tab removed all keys"),
    ("storage-event", {"change": "set", "key": "k"}, "another tab set k"),
    ("setItem", {"area": "local", "key": "k"}, None),
])
def test_storage(type_, payload, text):
    assert describe(ev(Kind.STORAGE, type_, **payload)) == text


@pytest.mark.parametrize("held, pending, text", [
    (1, 1, "refresh lock: 1 held, 1 waiting"),
    (1, 0, None),
    (1, None, None),
])
def test_lock(held, pending, text):
    assert describe(ev(Kind.LOCK, "state", held=held, pending=pending)) == text


def test_notes():
    assert describe(ev(Kind.NOTE, "unhandledrejection", name="TypeError", message="x")) == \
        "unhandled rejection TypeError: x"
    assert describe(ev(Kind.NOTE, "console", name="TypeError", message="x")) is None


# -- the list ---------------------------------------------------------------------------------

def test_key_events_keeps_described_events_in_order_and_cuts_at_the_limit():
    trace = Trace({})
    trace.add(Event("A", 0.0, T0, Kind.LIFECYCLE, "boot", {"visibility": "visible", "online": True}))
    trace.add(Event("A", 10.0, T0 + 10, Kind.VISIBILITY, "focus", {}))
    trace.add(Event("A", 20.0, T0 + 20, Kind.CONVEX, "setAuth", {}))
    trace.add(Event("A", 30.0, T0 + 30, Kind.NETWORK, "offline", {}))
    events = key_events(trace)
    assert [(k.tab, k.wall, k.rel_ms, k.text) for k in events] == [
        ("A", T0, 0.0, "page loaded (visible, online)"),
        ("A", T0 + 20, 20.0, "Convex setAuth"),
        ("A", T0 + 30, 30.0, "browser offline")]
    assert all(isinstance(k, KeyEvent) and k.id is not None for k in events)
    assert [k.text for k in key_events(trace, limit=2)] == ["page loaded (visible, online)", "Convex setAuth"]
    assert len(key_events(trace, limit=3)) == 3
