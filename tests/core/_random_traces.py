"""Random traces in the event catalog's kinds and types, with payload values of any JSON type,
for the diagnosis tests (hypothesis strategies)."""

from hypothesis import strategies as st

from authtrace import Event, Kind, Trace

TYPES = [
    (Kind.LIFECYCLE, "boot"), (Kind.LIFECYCLE, "freeze"), (Kind.LIFECYCLE, "resume"), (Kind.LIFECYCLE, "clock-jump"),
    (Kind.VISIBILITY, "visibilitychange"), (Kind.NETWORK, "online"), (Kind.NETWORK, "offline"),
    (Kind.FETCH, "request"), (Kind.FETCH, "request-body"), (Kind.FETCH, "response"), (Kind.FETCH, "error"),
    (Kind.WEBSOCKET, "create"), (Kind.WEBSOCKET, "close"), (Kind.CONVEX, "Connect"), (Kind.CONVEX, "Authenticate"),
    (Kind.CONVEX, "AuthError"), (Kind.CONVEX, "Transition"), (Kind.CONVEX, "setAuth"), (Kind.CONVEX, "auth-change"),
    (Kind.CONVEX, "state"), (Kind.AUTHKIT, "getAccessToken-start"), (Kind.AUTHKIT, "getAccessToken"),
    (Kind.AUTHKIT, "user"), (Kind.STORAGE, "removeItem"), (Kind.STORAGE, "storage-event"), (Kind.LOCK, "state"),
    (Kind.NOTE, "unhandledrejection"),
]
FIELDS = ["request", "auth", "grant_type", "refresh_token", "refresh_token_sent", "credentials", "status", "ok",
          "workos_error", "workos_error_description", "name", "message", "online", "visibility", "state", "socket",
          "connection_count", "last_close_reason", "token", "token_type", "seconds_left", "expired_when_sent",
          "error", "identity_changed", "is_authenticated", "paused", "auth", "is_websocket_connected",
          "has_ever_connected", "call", "force_refresh", "outcome", "error_class", "is_transient", "present",
          "is_loading", "key", "change", "pending", "held", "jumpMs", "jwt", "duration_ms"]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-1e3, 1e3, allow_nan=False),
                   st.sampled_from(["", "hidden", "visible", "refresh_token", "invalid_grant", "stopped", "ready",
                                    "notRefetching", "error", "token", "Failed to fetch", "tok:000000000001",
                                    "workos:refresh-token:x", "removed", "Missing refresh token.", "include"]),
                   st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))

event = st.tuples(st.sampled_from(["A", "B"]), st.floats(0, 2_000_000), st.sampled_from(TYPES),
                  st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8))


def trace_of(events) -> Trace:
    t = Trace()
    for tab, ms, (kind, type_), payload in events:
        t.add(Event(tab, ms, 1_800_000_000_000 + ms, kind, type_, payload))
    return t
