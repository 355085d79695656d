"""The timeline's index and intervals answer like a plain scan of the events would,
built at once or grown by extension (queries asked before an extension included)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authtrace import Event, Kind, Trace
from authtrace.diagnosis.intervals import Interval, Spans, overlaps
from authtrace.diagnosis.timeline import Timeline, order

from _random_traces import TYPES, trace_of

T0 = 1_800_000_000_000

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Few distinct times, so that ties (same millisecond, several tabs) are common.
events = st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.sampled_from([0, 1, 1, 2, 5, 8, 13, 21]),
                            st.sampled_from(TYPES), st.fixed_dictionaries({}, optional={
                                "flag": st.booleans(), "visibility": st.sampled_from(["visible", "hidden"])})),
                  max_size=50)
bound = st.one_of(st.none(), st.sampled_from([T0 - 1, T0, T0 + 1, T0 + 2, T0 + 4, T0 + 13, T0 + 30]))
query = st.tuples(st.sampled_from([None, "A", "B", "Z"]), st.sampled_from([None, *{k for k, _ in TYPES}]),
                  st.sampled_from([None, "boot", "state", "Connect", "nope"]), bound, bound, bound)


def flagged(e: Event) -> bool:
    return e.payload.get("flag") is True


def naive(tl, tab, kind, type_, after, before, later_than):
    return [e for e in tl.events if (tab is None or e.tab == tab) and (kind is None or e.kind is kind)
            and (type_ is None or e.type == type_) and (after is None or e.wall >= after)
            and (before is None or e.wall <= before) and (later_than is None or e.wall > later_than)]


def check_queries(tl, queries):
    for tab, kind, type_, after, before, later_than in queries:
        want = naive(tl, tab, kind, type_, after, before, later_than)
        s = tl.series(tab, kind, type_)
        span = s.span(after, before, later_than)
        assert list(span) == want
        assert len(span) == len(want) == s.count(after, before, later_than)
        assert list(reversed(span)) == want[::-1] and span[-2:] == want[-2:]
        if want:
            assert span[0] is want[0] and span[-1] is want[-1]
        assert s.first(after, before, later_than) is (want[0] if want else None)
        assert s.last(after, before, later_than) is (want[-1] if want else None)
        assert list(s.where(flagged).span(after, before, later_than)) == [e for e in want if flagged(e)]
        if later_than is None:
            assert list(tl.of(tab, kind, type_, after, before)) == want


@SETTINGS
@given(events, st.lists(query, min_size=1, max_size=8))
def test_range_queries_are_a_filtered_scan(evs, queries):
    tl = Timeline(trace_of([(tab, ms, kt, p) for tab, ms, kt, p in evs]))
    assert tl.events == sorted(tl.events, key=order)
    check_queries(tl, queries)


@SETTINGS
@given(events, st.lists(query, min_size=1, max_size=8), st.data())
def test_a_grown_timeline_answers_like_one_built_at_once(evs, queries, data):
    trace = trace_of(evs)
    whole = Timeline(trace)
    grown = Timeline(Trace(trace.meta))
    ordered = list(whole.events)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(ordered)), min_size=1, max_size=4)))
    queries = [(None, None, None, None, None, None), *queries]
    for lo, hi in zip([0, *cuts], [*cuts, len(ordered)]):
        check_queries(grown, queries)  # views made now must catch up with what comes next
        assert grown.extend(ordered[lo:hi])
    check_queries(grown, queries)
    assert grown.events == whole.events and grown.tabs == whole.tabs and grown.by_id == whole.by_id
    for name in ("hidden", "frozen", "offline", "asleep", "user"):
        assert getattr(grown, name) == getattr(whole, name), name
    assert [(x.tab, x.start, x.body, x.end) for x in grown.exchanges] == \
        [(x.tab, x.start, x.body, x.end) for x in whole.exchanges]
    assert [(c.tab, c.start, c.end) for c in grown.calls] == [(c.tab, c.start, c.end) for c in whole.calls]
    assert grown.lifetime_ms == whole.lifetime_ms and (grown.start, grown.end) == (whole.start, whole.end)


def test_an_older_event_is_refused_and_changes_nothing():
    trace = trace_of([("A", 10, (Kind.LIFECYCLE, "boot"), {}), ("A", 20, (Kind.NETWORK, "offline"), {})])
    tl = Timeline(trace)
    before = (list(tl.events), tl.end, list(tl.offline["A"]))
    late = Event("B", 0, T0 + 15, Kind.LIFECYCLE, "boot", {}, 99)
    assert tl.extend([late]) is False
    assert (list(tl.events), tl.end, list(tl.offline["A"])) == before
    assert tl.extend([Event("B", 0, T0 + 20, Kind.LIFECYCLE, "boot", {}, 99)]) is True  # a tie is not older
    assert tl.tabs == ["A", "B"]


def spans_of(pairs):
    """Sorted, non-overlapping intervals from (gap, length, open?) triples."""
    s, t = Spans(), 0.0
    for n, (gap, length, still_open) in enumerate(pairs):
        t += gap
        s.open(Interval("A", t, None, n))
        if still_open and n == len(pairs) - 1:
            break
        t += length
        s.close(t, n)
    return s


spans = st.lists(st.tuples(st.sampled_from([0, 0, 1, 3]), st.sampled_from([0, 1, 2, 5]), st.booleans()), max_size=6)
walls = st.lists(st.sampled_from([-1, 0, 0.5, 1, 2, 3, 4, 6, 9, 20, 40]), min_size=1, max_size=6)


@SETTINGS
@given(spans, spans, walls)
def test_spans_answer_like_a_scan(a_pairs, b_pairs, ws):
    a, b = spans_of(a_pairs), spans_of(b_pairs)
    end = 50.0
    for w in ws:
        assert a.containing(w, end) is next((iv for iv in a if iv.contains(w, end)), None)
        assert a.starting_within(w, w + 3) == [iv for iv in a if w <= iv.start <= w + 3]
        assert a.first_ending_within(w, w + 3) is next((iv for iv in a if iv.end is not None and w <= iv.end <= w + 3),
                                                       None)
        lengths = [min(iv.end_or(w), w) - iv.start for iv in a if iv.start < w]
        assert a.longest_before(w) == (max(lengths) if lengths else None)
    pairs = [(x, y) for x in a for y in b
             if y.start <= (x.end if x.end is not None else float("inf"))
             and x.start <= (y.end if y.end is not None else float("inf"))]
    assert overlaps(a, b) == pairs
