"""Money and hours at the precision an estimate has: two significant figures."""

import pytest

from achievement_pipeline.core import figures


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (75206, "$75k"),
        (3578, "$3,600"),
        (47.5, "$48"),
        (12345, "$12k"),
        (1_234_567, "$1.2M"),
        (9990, "$10k"),
        (0, "$0"),
    ],
)
def test_money_is_shown_at_two_significant_figures(value, shown):
    assert figures.money(value, "USD") == shown


def test_a_currency_without_a_symbol_follows_the_amount():
    assert figures.money(1234, "SEK") == "1,200\u00a0SEK"


def test_hours_and_ranges_are_shown_at_two_significant_figures():
    assert figures.hours(686.4) == "690\u00a0h"
    assert figures.hours(1.46) == "1.5\u00a0h"
    assert figures.money_range(37_603, 150_412) == "$38k–150k"
    assert figures.hours_range(343, 1372) == "340–1,400\u00a0h"


def test_rounding_is_half_up():
    assert figures.significant(2450) == 2500 and figures.significant(0.125) == 0.13


def test_a_money_range_writes_its_currency_once():
    assert figures.money_range(1234, 3456, "SEK") == "1,200–3,500\u00a0SEK"
    assert figures.money_range(1500, 3000, "EUR") == "€1,500–3,000"


def test_a_money_range_across_zero_keeps_each_end_whole():
    assert figures.money_range(-500, 2000, "USD") == "−$500–$2,000"
