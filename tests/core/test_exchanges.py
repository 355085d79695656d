"""ExchangeTable keeps WorkOS exchanges only: a fetch the recorder did not mark ``auth`` (the
app's own API calls, whose payload has no ``auth`` key at all) opens none, and its answer joins
none."""

from __future__ import annotations

from authtrace.diagnosis.exchanges import ExchangeTable
from authtrace.event import Event, Kind


def fetch(type_: str, request: int, t: float, **payload) -> Event:
    return Event("tab-a", t, 1.8e12 + t, Kind.FETCH, type_, {"request": request, **payload})


def test_only_auth_requests_open_exchanges_and_their_answers_join_them():
    table = ExchangeTable()
    for e in [fetch("request", 1, 0, method="GET", url="https://app.example/api/items"),  # no auth key
              fetch("response", 1, 5, status=200),
              fetch("request", 2, 10, method="POST", auth=False),
              fetch("error", 2, 11, name="TypeError"),
              fetch("request", 3, 20, method="POST", auth=True, grant_type="refresh_token"),
              fetch("response", 3, 30, auth=True, status=200)]:
        table.feed(e)
    assert [(ex.request, ex.start.wall - 1.8e12, ex.end.wall - 1.8e12) for ex in table.order] == [(3, 20, 30)]


def test_an_auth_answer_whose_request_was_not_kept_is_an_exchange_of_its_own():
    table = ExchangeTable()
    table.feed(fetch("response", 7, 3, status=400))  # not auth: nothing
    table.feed(fetch("error", 8, 4, auth=True, name="TypeError"))
    assert [(ex.request, ex.start, ex.end.type) for ex in table.order] == [(8, None, "error")]
