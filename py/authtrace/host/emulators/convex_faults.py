"""What a fired Convex fault does to a connection, decided without I/O.

The board (:class:`~.faults.FaultBoard`) says which fault fires; this says
what it means for the connection: a :class:`~.sync_connection.Close` to carry
out, or a stall of some seconds. The driver (:mod:`.convex`) acts on it.
``refuse-upgrade`` happens before there is a connection; the driver answers
the HTTP upgrade itself.
"""

from __future__ import annotations

from .convex_protocol import ProtocolError
from .faults import Fault
from .sync_connection import Close, SyncConnection

# What can happen on an open socket, at a client frame or before a Transition.
ON_CONNECTION = ("close", "auth-error", "stall")


def outcome(fault: Fault, sync: SyncConnection, *, during_auth: bool = False) -> Close | float:
    """``close``: a close frame with ``params.code`` and ``params.reason``.
    ``auth-error``: ``AuthError{error: params.message}`` then a close without a status
    code; ``authUpdateAttempted`` is ``params.authUpdateAttempted``, by default true
    when it replaces an ``Authenticate`` and false otherwise (like a lazily noticed
    expiry). ``stall``: the seconds (``params.max_s``) during which nothing is
    processed or sent on the connection, Pings included.
    """
    params = fault.params
    if fault.action == "close":
        return Close(params["code"], params.get("reason") or "", why="fault")
    if fault.action == "auth-error":
        attempted = bool(params.get("authUpdateAttempted", during_auth))
        error = params.get("message") or ("Could not verify the token (injected fault)" if attempted
                                          else "Convex token identity expired")
        return sync.fail(ProtocolError("auth_update_failed" if attempted else "unauthenticated", "InjectedFault", error))
    if fault.action == "stall":
        return float(params["max_s"])
    raise AssertionError(f"{fault.action} cannot act on a connection")  # the board was asked for ON_CONNECTION only
