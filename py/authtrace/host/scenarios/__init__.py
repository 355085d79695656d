"""Scenario runner: the reported failure chains, reproduced with the real
clients in headless Chromium against the emulators (CPython only)."""
