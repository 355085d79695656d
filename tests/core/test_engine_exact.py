"""The engine's exact words and bookkeeping: what an input captured, why a cause was not
judged, what was read, and a rule that breaks. Pure: tiny hand-built traces."""

from authtrace import Event, Kind, Trace
from authtrace.diagnosis import diagnose
from authtrace.diagnosis import finding as F
from authtrace.diagnosis.engine import captured
from authtrace.diagnosis.finding import InputInfo, Missing, NotJudged
from authtrace.diagnosis.rules import RULES, Rule

CONVEX_CLIENT = "Convex client events (setAuth, auth changes, socket state)"
AUTHKIT_CLIENT = "AuthKit client events (getAccessToken calls, the user)"
TRANSIENT = F.TRANSIENT_REFRESH_REPORTED_AS_SIGNOUT


def test_an_authkit_event_that_is_not_a_client_event_does_not_count_as_the_wrapper():
    t = Trace({})
    t.add(Event("A", 0, 0, Kind.AUTHKIT, "other", {}))
    assert captured(t) == {"page", "storage", "locks", "fetch", "sync", "sockets", "net-errors"}
    t.add(Event("A", 1, 1, Kind.AUTHKIT, "user", {}))
    assert "authkit-client" in captured(t)


def test_a_har_that_declares_sync_also_had_sockets_and_net_errors():
    assert captured(Trace({"source": "har", "captured": ["sync"]})) == {"sync", "sockets", "net-errors"}
    assert captured(Trace({"source": "trace", "captured": ["sync"]})) == {"sync"}
    assert captured(Trace({"source": "har", "captured": ["sync", "sockets"]})) == {"sync", "sockets"}


def test_the_reason_names_what_the_rule_needs_first_and_where_it_is_missing():
    # The rule needs convex-client and one of authkit-client / fetch: lacking the first, it is named.
    har = diagnose(Trace({"source": "har", "captured": ["fetch"]}), rules=[TRANSIENT, F.THROW_WEDGE])
    assert [n.to_json() for n in har.not_judged] == [
        {"id": TRANSIENT, "reason": f"needs {CONVEX_CLIENT}, which a HAR export does not contain"},
        {"id": F.THROW_WEDGE, "reason": f"needs {AUTHKIT_CLIENT}; {CONVEX_CLIENT}, which a HAR export does not contain"},
    ]
    trace = diagnose(Trace({"captured": ["fetch"]}), rules=[TRANSIENT])
    assert trace.not_judged == [NotJudged(TRANSIENT, f"needs {CONVEX_CLIENT}, which this trace does not contain")]


def test_when_only_an_alternative_is_missing_the_shortest_one_is_named():
    d = diagnose(Trace({"source": "live", "captured": ["convex-client"]}), rules=[TRANSIENT])
    assert d.not_judged == [NotJudged(TRANSIENT, f"needs {AUTHKIT_CLIENT}, which this input does not contain")]
    assert d.source == "live"
    assert [i.kind for i in d.inputs] == ["live"]


def test_the_input_read_is_described_by_meta_inputs_or_by_the_source():
    d = diagnose(Trace({"source": "har", "captured": ["fetch"]}), rules=[])
    assert [(i.kind, i.tabs, i.name, i.browser) for i in d.inputs] == [("har", [], None, None)]
    described = {"inputs": [{"kind": "har", "tabs": ["A", 2], "name": "a.har", "browser": "firefox",
                             "lacks": ["storage", 3]},
                            {"tabs": ["B"], "name": 5, "browser": None},
                            {"kind": "har", "tabs": "A"}]}
    d = diagnose(Trace(described), rules=[])
    assert d.inputs == [InputInfo("har", ["A", "2"], "a.har", "firefox", ["storage"]),
                        InputInfo("trace", ["B"], None, None, [])]


def test_a_rule_that_raises_is_reported_not_judged_with_the_error(monkeypatch):
    def broken(tl):
        yield None
        raise RuntimeError("boom")

    monkeypatch.setitem(RULES, F.ROTATION_RACE, Rule(F.ROTATION_RACE, frozenset(), (), broken))
    d = diagnose(Trace({}), rules=[F.ROTATION_RACE])
    assert d.not_judged == [NotJudged(F.ROTATION_RACE, "rule failed on this input: RuntimeError: boom")]
    assert d.findings == []


def test_the_json_of_what_was_missing_and_not_judged():
    m = Missing("the storage events", "record every tab")
    assert m.to_json() == {"what": "the storage events", "capture": "record every tab"}
    assert str(m) == "the storage events (to capture it: record every tab)"
    assert NotJudged("x", "because").to_json() == {"id": "x", "reason": "because"}
