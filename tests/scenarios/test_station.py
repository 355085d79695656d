"""A worker's station keeps its emulators' ports between runs without holding them: they
come from below the ephemeral range, and a port taken meanwhile moves the station."""

from __future__ import annotations

import socket

from authtrace.host.pyodide_dist import project_root
from authtrace.host.scenarios import runner
from authtrace.host.scenarios.catalog import SCENARIOS
from authtrace.host.scenarios.station import Station, _ephemeral_low, station_port


def test_station_ports_are_never_ones_bind_zero_hands_out():
    low = _ephemeral_low()
    ports = {station_port() for _ in range(50)}
    assert all(1024 <= p < low for p in ports)
    with socket.socket() as s:  # and bind(0) stays in the ephemeral range
        s.bind(("127.0.0.1", 0))
        assert s.getsockname()[1] >= low


def test_a_port_taken_between_runs_moves_the_station():
    station = Station(project_root())
    try:
        before = (station.workos_port, station.convex_port, station.lab.url)
        with socket.socket() as squatter:  # another program takes the WorkOS emulator's port
            squatter.bind(("127.0.0.1", station.workos_port))
            squatter.listen()
            suite = runner._start_emulators(SCENARIOS["hidden-tab-resume-typeerror"], station)
            try:
                assert station.moves == 1
                assert (station.workos_port, station.convex_port, station.lab.url) != before
                station.check_config(suite)  # the new lab's configuration points at the running emulators
            finally:
                suite.stop()
        # A free port: no move.
        suite = runner._start_emulators(SCENARIOS["hidden-tab-resume-typeerror"], station)
        suite.stop()
        assert station.moves == 1
    finally:
        station.close()
