"""The report numbers the CLI and the TUI both show."""

from __future__ import annotations

from pqa_tui.formatting import count, interval, num, p_value, pct


def test_numbers_and_missing_values():
    assert pct(2 / 3) == "66.7%" and pct(None) == "–"
    assert num(1.5) == "1.50" and num(0.04321, 4) == "0.0432" and num(None) == "–"


def test_intervals_need_both_ends():
    assert interval([0.25, 0.5], pct) == "25.0%–50.0%"
    assert interval([1.0, 2.25]) == "1.00–2.25"
    assert interval([None, 2.0]) == interval(None) == interval([]) == "–"


def test_counts_get_separators_and_tiny_p_values_say_less_than():
    assert count(2000) == "2,000" and count(None) == "–"
    assert p_value(0.0) == "p<0.0001" and p_value(0.00004, "") == "<0.0001"
    assert p_value(0.0312) == "p=0.0312" and p_value(0.5, "") == "0.5000"
    assert p_value(None) == "–"
