"""The rule registry: ``@rule`` files a rule under its cause in the confirmed or the
inferred table with what it needs, and ``missing`` says what an input lacks and how to
capture it next time."""

import pytest

from authtrace.diagnosis.finding import Missing
from authtrace.diagnosis.rules import CAPABILITIES, CAPTURE, INFERRED, RULES, Rule, missing, rule

CAUSE = "test-only-cause"


@pytest.fixture
def cleanup():
    yield
    RULES.pop(CAUSE, None)
    INFERRED.pop(CAUSE, None)


def _steps(tl):
    yield None


def test_a_confirmed_rule_is_filed_with_what_it_needs(cleanup):
    returned = rule(CAUSE, needs=("page", "fetch"), any_of=(("sync", "sockets"), ("convex-client",)))(_steps)
    assert returned is _steps  # the decorator leaves the function as it was
    assert CAUSE not in INFERRED
    r = RULES[CAUSE]
    assert r == Rule(CAUSE, frozenset({"page", "fetch"}), (frozenset({"sync", "sockets"}), frozenset({"convex-client"})),
                     _steps, False)
    assert r.id == CAUSE and r.needs == frozenset({"page", "fetch"}) and r.steps is _steps and r.inferred is False
    assert r.needs_any == (frozenset({"sync", "sockets"}), frozenset({"convex-client"}))


def test_an_inferred_rule_goes_to_the_fallback_table(cleanup):
    rule(CAUSE, needs=("fetch",), inferred=True)(_steps)
    assert CAUSE not in RULES
    r = INFERRED[CAUSE]
    assert r == Rule(CAUSE, frozenset({"fetch"}), (), _steps, True)
    assert r.inferred is True and r.needs_any == ()


def test_a_rule_without_needs_needs_nothing(cleanup):
    rule(CAUSE)(_steps)
    r = RULES[CAUSE]
    assert r.needs == frozenset() and r.needs_any == () and r.inferred is False


def test_check_keeps_the_findings_not_the_ticks(cleanup):
    def steps(tl):
        yield None
        yield "a"
        yield None
        yield "b"

    rule(CAUSE)(steps)
    assert RULES[CAUSE].check(object()) == ["a", "b"]


def test_every_registered_rule_is_filed_under_its_own_cause():
    assert RULES and INFERRED
    for table, inferred in ((RULES, False), (INFERRED, True)):
        for cause, r in table.items():
            assert r.id == cause and r.inferred is inferred and callable(r.steps)
            assert isinstance(r.needs, frozenset) and all(isinstance(a, frozenset) for a in r.needs_any)


def test_missing_says_what_and_how_to_capture_it():
    assert missing("page", "sync") == (Missing(CAPABILITIES["page"], CAPTURE["page"]),
                                       Missing(CAPABILITIES["sync"], CAPTURE["sync"]))
    assert missing("page")[0].what == "page visibility, lifecycle and online/offline events"
    assert missing("other-tabs") == (Missing("what the other tabs of the origin did at the time",
                                             CAPTURE["other-tabs"]),)
    assert missing() == ()


def test_missing_of_an_unknown_capability_names_it_and_points_at_the_recorder():
    (m,) = missing("something-new")
    assert m.what == "something-new"
    assert m.capture == ("the authtrace recorder (web/recorder/boot.js, exported from the debug panel or "
                         "globalThis.authtrace.exportTrace())")
