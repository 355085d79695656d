"""ExchangeTable and CallTable pairing, event by event: which event opens, joins or is ignored,
and ``hkey`` (the ids they key on)."""

from __future__ import annotations

from authtrace.diagnosis.exchanges import CallTable, ExchangeTable
from authtrace.diagnosis.payload import hkey
from authtrace.event import Event, Kind

T = 1.8e12


def fetch(type_: str, request, t: float, tab: str = "a", **payload) -> Event:
    return Event(tab, t, T + t, Kind.FETCH, type_, {"request": request, **payload})


def rows(table: ExchangeTable) -> list[tuple]:
    return [(x.tab, x.request, x.start and x.start.wall - T, x.body and x.body.wall - T, x.end and x.end.wall - T)
            for x in table.order]


def test_interleaved_requests_each_get_their_own_answer():
    table = ExchangeTable()
    for e in [fetch("request", 1, 0, auth=True), fetch("request", 2, 1, auth=True),
              fetch("request-body", 2, 2), fetch("response", 2, 3, auth=True, status=200),
              fetch("error", 1, 4, auth=True, name="TypeError"),
              fetch("request", 1, 5, tab="b", auth=True), fetch("response", 1, 6, tab="b", auth=True)]:
        table.feed(e)
    assert rows(table) == [("a", 1, 0, None, 4), ("a", 2, 1, 2, 3), ("b", 1, 5, None, 6)]


def test_the_first_answer_ends_an_exchange_and_later_ones_do_not_replace_it():
    table = ExchangeTable()
    for e in [fetch("request", 1, 0, auth=True), fetch("progress", 1, 1), fetch("response", 1, 2, auth=True),
              fetch("error", 1, 3, auth=True), fetch("response", 1, 4, auth=True)]:
        table.feed(e)
    assert rows(table) == [("a", 1, 0, None, 2)]
    assert table.order[0].end.type == "response"


def test_an_orphan_answer_is_an_exchange_that_keeps_its_request_id_and_later_answers_join_it():
    table = ExchangeTable()
    for e in [fetch("error", 9, 0, auth=True, name="TypeError"), fetch("response", 9, 1, auth=True),
              fetch("response", 10, 2, status=200),  # no auth key: the app's own
              fetch("response", 11, 3, auth=False)]:
        table.feed(e)
    assert rows(table) == [("a", 9, None, None, 0)]
    x = table.order[0]
    assert (x.end.type, x.failed, x.start_wall - T, x.evidence()) == ("error", True, 0, [])


def test_an_orphan_response_with_auth_is_an_exchange():
    table = ExchangeTable()
    table.feed(fetch("response", 4, 0, auth=True, status=401, ok=False))
    assert rows(table) == [("a", 4, None, None, 0)]
    assert (table.order[0].status, table.order[0].ok) == (401, False)


def test_events_of_other_kinds_or_without_a_request_id_are_ignored():
    table = ExchangeTable()
    table.feed(Event("a", 0, T, Kind.CONVEX, "request", {"request": 1, "auth": True}))
    table.feed(Event("a", 0, T, Kind.FETCH, "request", {"auth": True}))
    assert table.order == []


def call(kind: Kind, type_: str, call_id, t: float, **payload) -> Event:
    return Event("a", t, T + t, kind, type_, {"call": call_id, **payload})


def test_a_call_table_reads_only_its_kind_and_its_two_types():
    table = CallTable()
    for e in [call(Kind.AUTHKIT, "user", 1, 0, present=True),
              call(Kind.CONVEX, "getAccessToken", 1, 1, outcome="token"),
              call(Kind.AUTHKIT, "getAccessToken-start", 1, 2),
              call(Kind.AUTHKIT, "getAccessToken", 1, 3, outcome="token")]:
        table.feed(e)
    assert [(c.call, c.start.wall - T, c.end.wall - T, c.outcome) for c in table.order] == [(1, 2, 3, "token")]


def test_hkey_keeps_scalars_and_spells_out_the_rest():
    assert [hkey(v) for v in (5, 2.5, "r1", True, None)] == [5, 2.5, "r1", True, None]
    assert hkey([1, 2]) == "[1, 2]" and hkey({"a": 1}) == "{'a': 1}"
    assert hkey([None]) != hkey(None)
