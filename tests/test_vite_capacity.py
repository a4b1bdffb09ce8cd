"""A real engineer's busiest quarter, through the whole pipeline: hours within the calendar, the scaling said.

Needs ../shared/data/vite-prs.jsonl beside the repository (present on CI); without it the test skips.
The full figures are committed by ``bench/vite_capacity.py`` (bench/results/vite_capacity.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "vite-prs.jsonl"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS.is_file(), reason=f"no vite corpus at {CORPUS}"),
]


@pytest.fixture(scope="module")
def busiest(tmp_path_factory: pytest.TempPathFactory):
    sys.path.insert(0, str(ROOT / "bench"))
    from vite_capacity import busiest_quarter, run_quarter

    quarter, history = busiest_quarter(CORPUS)
    return quarter, run_quarter(quarter, history, tmp_path_factory.mktemp("vite"))


def test_the_most_prolific_authors_busiest_quarter_stays_within_capacity(busiest):
    quarter, document = busiest
    totals, capacity = document["totals"], document["totals"]["capacity"]
    assert document["subject"]["login"] == quarter.author and capacity["people"] == 1
    assert totals["hours"]["expected"] <= capacity["available_hours"] + 0.01
    assert totals["hours"]["high"] <= capacity["available_hours"] + 0.01


def test_the_portfolio_says_how_the_estimate_was_scaled(busiest):
    _, document = busiest
    capacity = document["totals"]["capacity"]
    assert capacity["scaled"] and capacity["estimated_hours"] > capacity["available_hours"]
    assert capacity["statement"].startswith("estimated ") and "rescaled to the" in capacity["statement"]
