"""What each scenario must show: the resilient bridge's targets, and what the stock
adapter (the control) must still reproduce.

The targets are issue 11's, judged per run from what really happened (the samples
of every lab tab, the recorder's trace, the emulators' log): no split brain over
1 s, no wedge, no lost or duplicated mutation, a consistent sign-out when the
session really ended, Convex serving again within its bound after the fault ends
(1 s after a signal that says "it may work now": `online`, visible/resume, a
remount; the backoff ceiling + 2 s after a silent return), and the fleet bounds:
refresh requests in a 10-minute outage, rotations, invalid_grant, AuthKit calls
after unmount, the `misconfigured` state with one console error.

Pure: run dicts (runner.py) in, verdicts out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CEILING_MS = 30_000  # the bridge's backoff ceiling for a visible tab (issue 11 §1)
AFTER_SIGNAL_MS = 1_000
AFTER_SILENCE_MS = CEILING_MS + 2_000
AFTER_SETTLE_MS = 2_000  # "recover as soon as AuthKit's flight settles": one retry through the lock
# Convex reconnects a socket the server closed after 1 s ± 50 % (web_socket_manager.ts,
# nextBackoff): where the sockets dropped while the tabs were away, that comes first.
CONVEX_RECONNECT_MS = 1_500
MAX_SPLIT_BRAIN_MS = 1_000
OUTAGE_REQUESTS = 40  # per visible tab in a 10-minute outage
MAX_WAIT_WHILE_ONLINE_MS = AFTER_SILENCE_MS  # navigator.onLine is a hint, with a maximum wait
MAX_REJECTED_ROTATIONS = 5

# Where the session really ended: the right outcome is both signed out.
SIGN_OUT = {"laptop-sleep", "missing-refresh-token-other-tab", "missing-refresh-cookie", "rotation-race"}
# When the fault ends with a signal the bridge listens to (online, visible/resume, mount).
SIGNALLED = {"offline-at-refresh", "online-lies", "unmount-during-retry", "same-token-reauth"}


@dataclass(frozen=True)
class Target:
    id: str
    text: str
    check: Callable[[dict[str, Any]], tuple[Any, bool]]  # run → (figure, met)


def _split_brain(r):
    v = round(float(r.get("split_brain_longest_ms", r["split_brain_ms"])), 1)
    return v, v <= MAX_SPLIT_BRAIN_MS


def _wedge(r):
    return r["wedged"], not r["wedged"]


def _mutations(r):
    v = r["lost_mutations"] + r["duplicated_mutations"]
    return v, v == 0


def _sign_out(r):
    ok = r["authkit_user_at_end"] is False and r["convex_authenticated_at_end"] is False
    return ("both signed out" if ok else f"AuthKit user {r['authkit_user_at_end']}, Convex {r['convex_authenticated_at_end']}"), ok


def _recovery(bound_ms: float):
    def check(r):
        v = r.get("serving_ms")
        return v, v is not None and v <= bound_ms
    return check


def recovery_bound_ms(name: str, run: dict[str, Any]) -> float:
    if name == "workos-outage":
        return AFTER_SIGNAL_MS if (run.get("params") or {}).get("variant") == "network" else AFTER_SILENCE_MS
    if name == "hung-refresh":
        return AFTER_SETTLE_MS
    if name == "multi-tab-resume":
        return AFTER_SIGNAL_MS + CONVEX_RECONNECT_MS
    return AFTER_SIGNAL_MS if name in SIGNALLED else AFTER_SILENCE_MS


def _at_most(key: str, bound: int | Callable[[dict], int]):
    def check(r):
        limit = bound(r) if callable(bound) else bound
        return r.get(key), r.get(key) is not None and r[key] <= limit
    return check


def _misconfigured(r):
    return r.get("bridge_state_at_end"), r.get("bridge_state_at_end") == "misconfigured"


def _one_console_error(r):
    return r.get("console_errors"), r.get("console_errors") == 1


def targets_for(name: str) -> list[Target]:
    """The targets of the resilient adapter in scenario ``name``."""
    out: list[Target] = []
    if name != "convex-rejects-tokens":  # a backend that rejects every token: Convex cannot be authenticated
        out.append(Target("split-brain", "no split brain longer than 1 s", _split_brain))
    out += [Target("no-wedge", "no wedged Convex socket", _wedge),
            Target("mutations", "no lost or duplicated mutation", _mutations)]
    if name in SIGN_OUT:
        out.append(Target("sign-out", "consistent sign-out: AuthKit and Convex both signed out at the end", _sign_out))
    elif name not in ("convex-rejects-tokens", "healthy-hour"):
        out.append(Target("recovery", "Convex serving again within its bound after the fault ends "
                          "(1 s after online/visible/remount, + 1.5 s when Convex must reconnect first, 2 s after a hung refresh "
                          "settles, ceiling + 2 s after a silent return)",
                          lambda r, n=name: _recovery(recovery_bound_ms(n, r))(r)))
    if name == "workos-outage":
        out.append(Target("outage-requests", f"at most {OUTAGE_REQUESTS} refresh requests per visible tab during the "
                          "10-minute outage (the adapter's; AuthKit's own 1 s timer is reported apart)",
                          _at_most("adapter_refresh_requests_per_tab_max", OUTAGE_REQUESTS)))
    if name == "online-lies":
        out.append(Target("bounded-wait", "Convex never waits for a token longer than ceiling + 2 s while the network works",
                          _at_most("token_wait_longest_ms", MAX_WAIT_WHILE_ONLINE_MS)))
    if name == "hung-refresh":
        out.append(Target("one-call", "at most one AuthKit call outstanding per tab", _at_most("authkit_calls_outstanding_max", 1)))
    if name == "multi-tab-resume":
        out.append(Target("no-race", "no invalid_grant from tabs racing one refresh token", _at_most("refresh_tokens_reused", 0)))
    if name == "healthy-hour":
        out.append(Target("rotations", "at most 13 rotations per hour of 5-minute tokens (scaled: 1 per AuthKit refresh cycle + 1)",
                          _at_most("rotations", lambda r: (r.get("params") or {}).get("max_rotations", 13))))
    if name == "convex-rejects-tokens":
        out += [Target("rotations", f"at most {MAX_REJECTED_ROTATIONS} rotations once Convex rejects every token",
                       _at_most("rotations", MAX_REJECTED_ROTATIONS)),
                Target("misconfigured", "the bridge ends in its `misconfigured` state", _misconfigured),
                Target("one-error", "exactly one console.error (besides the Convex client's own)", _one_console_error)]
    if name == "unmount-during-retry":
        out.append(Target("no-calls-after-unmount", "0 AuthKit calls after unmount", _at_most("authkit_calls_after_unmount", 0)))
    return out


# -- the stock control ---------------------------------------------------------------------

@dataclass(frozen=True)
class Control:
    text: str
    reproduced: Callable[[dict[str, Any]], bool] | None  # None: the stock adapter is not expected to fail


def _open_split_brain(r):
    return bool(r["split_brain_open"] and r["authkit_user_at_end"] and not r["convex_authenticated_at_end"])


_SPLIT = Control("split brain open at the end (AuthKit has a user, Convex signed out)", _open_split_brain)
CONTROLS: dict[str, Control] = {
    "throw-wedge": Control("the Convex socket wedged", lambda r: bool(r["wedged"])),
    "unmount-during-retry": Control("split brain over 1 s before the remount", lambda r: _split_brain(r)[1] is False),
    "online-lies": Control("none: the stock adapter never reads navigator.onLine", None),
    "multi-tab-resume": Control("none: AuthKit serialises refreshes across tabs with a Web Lock, and WorkOS's reuse "
                                "grace absorbs what still races", None),
    "healthy-hour": Control("none: a healthy tab (its rotations are the baseline)", None),
}


def control_for(name: str) -> Control:
    return CONTROLS.get(name, _SPLIT)
