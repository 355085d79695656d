"""Fixtures of the WorkOS emulator tests: a fake clock, an emulator on it, a client of what the suite serves."""

from __future__ import annotations

import pytest

from authtrace.host.emulators.workos import WorkOSConfig, WorkOSEmulator

from ._workos import FakeClock, TestClient, client_for


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock) -> WorkOSEmulator:
    return WorkOSEmulator(WorkOSConfig(), clock=clock)


@pytest.fixture
def client(emu) -> TestClient:
    return client_for(emu)
