"""Local emulators of the WorkOS AuthKit API and a Convex deployment, with fault injection.

Import the concrete modules (``workos``, ``convex``, ``faults``, ``eventlog``,
``suite``) directly; this package does not import them so that using one
(e.g. the shared :mod:`.faults` board) does not pull in the servers.
"""
