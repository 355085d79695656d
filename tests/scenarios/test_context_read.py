"""Context.read: a read of the page survives a navigation in flight (the bridge reloads the tab
on a sign-out), and nothing else is retried."""

from __future__ import annotations

import pytest

from authtrace.host.cdp import CDPError
from authtrace.host.scenarios.context import Context


class FlakyCDP:
    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

    def evaluate(self, handle, expression):
        self.calls += 1
        if self.errors:
            raise CDPError(self.errors.pop(0))
        return f"{handle}:{expression}"


def context(cdp) -> Context:
    ctx = object.__new__(Context)  # no browser: only the page reads
    ctx.cdp = cdp
    return ctx


def test_a_read_is_evaluated_again_while_the_page_navigates():
    cdp = FlakyCDP(["Runtime.evaluate: Inspected target navigated or closed",
                    "Runtime.evaluate: Execution context was destroyed."])
    assert context(cdp).read("tab", "1 + 1") == "tab:1 + 1"
    assert cdp.calls == 3


def test_other_errors_are_not_retried():
    cdp = FlakyCDP(["Runtime.evaluate: Internal error"])
    with pytest.raises(CDPError, match="Internal error"):
        context(cdp).read("tab", "x")
    assert cdp.calls == 1


def test_a_navigation_that_never_ends_is_reported():
    cdp = FlakyCDP(["Runtime.evaluate: Inspected target navigated or closed"] * 1000)
    with pytest.raises(CDPError, match="navigated"):
        context(cdp).read("tab", "x", timeout=0.6)
    assert 2 <= cdp.calls <= 5
