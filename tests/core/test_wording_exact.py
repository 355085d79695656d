"""How findings say things, exactly: durations and times at their unit boundaries,
error names when bundles minify class names, and ``Name: message`` without its full stop."""

import pytest

from authtrace.diagnosis.wording import error_label, error_text, fmt_at, fmt_dur, quote


class _Tl:
    start = 1_800_000_000_000.0


@pytest.mark.parametrize("ms, text", [
    (0, "0 ms"), (999, "999 ms"), (-350, "350 ms"),
    (1000, "1.0 s"), (59_900, "59.9 s"),
    (60_000, "1 min"), (500_000, "8 min 20 s"), (3_599_000, "59 min 59 s"),
    # An hour is said in hours, not as 60 minutes.
    (3_600_000, "1 h"), (3_600_400, "1 h"), (7_500_000, "2 h 5 min"),
])
def test_durations_at_each_unit_boundary(ms, text):
    assert fmt_dur(ms) == text


@pytest.mark.parametrize("after_ms, text", [
    (0, "+0:00.0"), (-5_000, "+0:00.0"), (83_400, "+1:23.4"),
    (3_599_900, "+59:59.9"),
    # From one hour on, the hours are shown.
    (3_600_000, "+1:00:00.0"), (3_723_000, "+1:02:03.0"), (7_200_000, "+2:00:00.0"),
])
def test_times_in_the_trace_at_the_hour_boundary(after_ms, text):
    assert fmt_at(_Tl(), _Tl.start + after_ms) == text


def test_quote_collapses_whitespace_and_cuts_long_text():
    assert quote("  Token \n expired ") == '"Token expired"'
    assert quote(None) == '""'
    assert quote("x" * 121) == '"' + "x" * 120 + '…"'
    assert quote("x" * 120) == '"' + "x" * 120 + '"'


@pytest.mark.parametrize("name, error_class, label", [
    ("TypeError", "RefreshTimeoutError", "RefreshTimeoutError"),
    # A class name of four letters is kept; three or fewer, or a leading underscore, is a minified one.
    ("Error", "Oops", "Oops"),
    ("Error", "_abc", "Error"),
    ("TypeError", "Abc", "TypeError"),
    ("TypeError", None, "TypeError"),
    # No name either: the minified class is better than nothing, and "Error" is the last resort.
    (None, "_e", "_e"),
    ("", "Ab", "Ab"),
    (None, None, "Error"),
    ("", "", "Error"),
])
def test_error_label(name, error_class, label):
    assert error_label(name, error_class) == label


@pytest.mark.parametrize("payload, text", [
    ({"name": "TypeError", "message": "Failed to fetch."}, "TypeError: Failed to fetch"),
    ({"name": "TypeError", "message": "Load failed . "}, "TypeError: Load failed"),
    ({"name": "AbortError", "message": "  "}, "AbortError"),
    ({"name": "AbortError"}, "AbortError"),
    ({"message": "Timed out"}, "Error: Timed out"),
    ({}, "Error"),
])
def test_error_text(payload, text):
    assert error_text(payload) == text
