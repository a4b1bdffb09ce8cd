"""A window whose inputs did not change is not computed again (``defs/unchanged.py``), and says so.

Enrich with the offline summariser stands for every stage: its window's PRs (by the digest of their
rows), the code and the ledger are its inputs. A check that would read the same rows with the same
code gives its last verdict again. With an LLM provider, enrich asks again (the LLM cache answers):
tests/test_llm_enrich.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance, materialize

from achievement_pipeline.core.ledger import DEFAULT_LEDGER
from achievement_pipeline.defs.enrich.assets import enriched_prs
from achievement_pipeline.defs.enrich.checks import enriched_prs_expectations
from achievement_pipeline.resources.cache import CacheResource
from achievement_pipeline.resources.llm import LLMResource
from achievement_pipeline.resources.warehouse import WarehouseResource
from tests.factories import make_pr

DAY, NEXT_DAY = date(2025, 1, 3), date(2025, 1, 4)  # make_pr's merge day
CHECK = AssetCheckKey(AssetKey("enriched_prs"), "enriched_prs_expectations")


def _enrich(instance: DagsterInstance, **resources: object) -> tuple[dict, dict]:
    """Materialize enriched_prs and its check for DAY: the materialization's and the check's metadata."""
    result = materialize(
        [enriched_prs, enriched_prs_expectations],
        partition_key=DAY.isoformat(),
        instance=instance,
        resources={"llm": LLMResource(), "cache": CacheResource(), "warehouse": WarehouseResource(), **resources},
    )
    (materialization,) = result.asset_materializations_for_node("enriched_prs")
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed
    return (
        {k: v.value for k, v in materialization.metadata.items()},
        {k: v.value for k, v in evaluation.metadata.items()},
    )


def _collected(prs: list) -> None:
    WarehouseResource().get().replace_window("pull_requests", DAY, NEXT_DAY, prs)


def test_an_unchanged_window_is_not_enriched_again(pipeline_home):
    _collected([make_pr(1), make_pr(2)])
    with DagsterInstance.ephemeral() as instance:
        first, _ = _enrich(instance)
        before = WarehouseResource().get().read_all("enriched_prs")
        again, _ = _enrich(instance)
    assert "unchanged" not in first and first["row_count"] == 2
    assert (again["unchanged"], again["row_count"]) == (True, 2)
    assert (again["llm_calls"], again["cache_hits"], again["cache_misses"]) == (0, 0, 0)  # nothing was asked for
    assert WarehouseResource().get().read_all("enriched_prs") == before


def test_a_changed_pr_makes_the_window_enriched_again(pipeline_home):
    _collected([make_pr(1), make_pr(2)])
    with DagsterInstance.ephemeral() as instance:
        _enrich(instance)
        _collected([make_pr(1), make_pr(2, title="fix(cart): keep cart quantities in sync")])
        again, _ = _enrich(instance)
    assert "unchanged" not in again
    rows = {row["pr_id"]: row for row in WarehouseResource().get().read_all("enriched_prs")}
    assert "cart" in rows["acme/web-app#2"]["achievement"].lower()


def test_another_ledger_makes_the_window_enriched_again(pipeline_home, monkeypatch: pytest.MonkeyPatch):
    _collected([make_pr(1)])
    with DagsterInstance.ephemeral() as instance:
        _enrich(instance)
        custom = Path(pipeline_home) / "assumptions.yaml"
        custom.write_text(DEFAULT_LEDGER.read_text().replace("currency: USD", "currency: EUR"))
        monkeypatch.setenv("ACHIEVEMENT_ASSUMPTIONS", str(custom))
        again, _ = _enrich(instance)
    assert "unchanged" not in again


def test_a_check_of_the_same_rows_gives_its_last_verdict_again_without_reading_them(pipeline_home):
    _collected([make_pr(1), make_pr(2)])
    with DagsterInstance.ephemeral() as instance:
        _, checked = _enrich(instance)
        _, again = _enrich(instance)
    assert "unchanged" not in checked
    assert again["unchanged"] is True
    assert {k: v for k, v in again.items() if k != "unchanged"} == checked


def test_a_check_of_changed_rows_reads_them(pipeline_home):
    _collected([make_pr(1), make_pr(2)])
    with DagsterInstance.ephemeral() as instance:
        _enrich(instance)
        _collected([make_pr(1)])
        _, again = _enrich(instance)
    assert "unchanged" not in again and again["rows"] == 1


def test_an_edit_of_a_stages_code_is_another_fingerprint(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """No version number to remember to bump: the source itself is fingerprinted."""
    from achievement_pipeline.core import fingerprints

    for folder, text in (("core", "x = 1"), ("value", "y = 1"), ("enrich", "z = 1")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "module.py").write_text(text)
    monkeypatch.setattr(fingerprints, "PACKAGE", tmp_path)
    fingerprints.code_fingerprint.cache_clear()
    try:
        before = fingerprints.code_fingerprint("value")
        (tmp_path / "enrich" / "module.py").write_text("z = 2")  # another stage's code
        fingerprints.code_fingerprint.cache_clear()
        assert fingerprints.code_fingerprint("value") == before
        (tmp_path / "value" / "module.py").write_text("y = 2")
        fingerprints.code_fingerprint.cache_clear()
        assert fingerprints.code_fingerprint("value") != before
    finally:
        fingerprints.code_fingerprint.cache_clear()
