"""Numbers in generated text that no evidence supports are flagged."""

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.enrich.number_check import evidence_numbers, flag_numbers, numbers_in


def test_a_number_from_the_pr_is_not_flagged():
    allowed = evidence_numbers({"body": "p95 latency from 420 ms to 180 ms"})
    assert flag_numbers(["Cut p95 latency from 420 ms to 180 ms."], allowed) == []


def test_an_invented_figure_is_flagged_as_written():
    allowed = evidence_numbers({"body": "p95 latency from 420 ms to 180 ms"})
    assert flag_numbers(["Cut latency by 57% and saved $1,200,000."], allowed) == ["57", "1,200,000"]


def test_thousands_separators_and_trailing_zeros_do_not_make_a_new_number():
    assert numbers_in("1,250 requests, 2.50 s") == numbers_in("1250 requests, 2.5 s") == {"1250", "2.5"}


def test_figures_of_the_value_ledger_are_evidence_too():
    ledger = load_ledger().entries
    assert flag_numbers(["Valued at 95 USD per hour."], evidence_numbers({}, ledger)) == []
