"""A small warehouse filled by the pipeline's own stages, and the tokens of the people and the team asking about it.

Two people of the team Platform (octo-demo, ada-dev) and one outsider (mallory-dev) merged PRs in January
and February 2025. octo-demo left one out and made one private (``curation.yaml``), one of theirs is a PR
the row rules set aside (rejected), one title carries a GitHub token that no answer may show, and ada-dev
worked alone in a private repository. The stages after ingest run as the demo runs them (enrich, predict,
value, validate as one range run), so the rows are the pipeline's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_pr

FIRST, LAST = date(2025, 1, 1), date(2025, 2, 28)
PERIOD = "2025-Q1"
PLANTED = "ghp_" + "Zq8Yt2Lm4Nx6Pv0Rs3Tw5Ub7Kc9Jd1Hf2Ga4"  # a GitHub token's shape, in a title
TOKENS = {
    "octo": "octo-token-0123456789abcdefghijklmnop",
    "ada": "ada-token-0123456789abcdefghijklmnopqr",
    "team": "team-token-0123456789abcdefghijklmnopq",
    "mallory": "mallory-token-0123456789abcdefghijklmn",
}
TOKENS_JSON = (
    f'{{"{TOKENS["octo"]}": "octo-demo", "{TOKENS["ada"]}": "ada-dev", '
    f'"{TOKENS["team"]}": {{"team": "Platform", "members": ["octo-demo", "ada-dev"]}}, '
    f'"{TOKENS["mallory"]}": "mallory-dev"}}'
)
VAULT_PR = "acme/vault#12"  # ada-dev's PR in a private repository no other member of the team worked in
EXCLUDED, PRIVATE, PINNED, SET_ASIDE = "acme/web-app#4", "acme/web-app#5", "acme/web-app#2", "acme/web-app#6"
CURATION = f"exclude: [{EXCLUDED}]\nprivate: [{PRIVATE}]\npin: [{PINNED}]\n"


def _pr(number: int, author: str, day: str, title: str, **more: Any) -> dict[str, Any]:
    return dict(
        make_pr(
            number,
            author=author,
            title=title,
            created_at=f"{day}T08:00:00Z",
            merged_at=f"{day}T15:00:00Z",
            merge_date=day,
            head_ref=f"work/{number}",
            **more,
        )
    )


def pull_requests() -> list[dict[str, Any]]:
    return [
        _pr(1, "octo-demo", "2025-01-06", "perf(api): cache session lookups"),
        _pr(2, "octo-demo", "2025-01-10", "fix(cart): keep cart quantities in sync", labels=[], linked_issues=[21]),
        _pr(3, "octo-demo", "2025-02-03", f"fix(auth): stop logging the token {PLANTED}", labels=[], body=""),
        _pr(4, "octo-demo", "2025-02-05", "feat(secret-project): launch codename bluebird", labels=[]),
        _pr(5, "octo-demo", "2025-02-06", "feat(billing): private pricing experiment", labels=[]),
        _pr(6, "octo-demo", "2025-02-07", "fix: ", labels=[], body=""),
        _pr(10, "ada-dev", "2025-01-15", "feat(search): add fuzzy product search", labels=[], linked_issues=[30]),
        _pr(11, "ada-dev", "2025-02-10", "fix(search): handle empty search queries", labels=[], linked_issues=[31]),
        # A private repository only ada-dev (and reviewers outside the team) worked in: her own portfolio holds it,
        # the team's does not (not every member could see that repository).
        _pr(
            12,
            "ada-dev",
            "2025-02-12",
            "feat(vault): rotate the signing keys",
            labels=[],
            linked_issues=[],
            pr_id=VAULT_PR,
            repo="acme/vault",
            url="https://github.com/acme/vault/pull/12",
            repo_is_private=True,
        ),
        _pr(20, "mallory-dev", "2025-01-20", "feat(admin): add the admin dashboard", labels=[], linked_issues=[40]),
    ]


@dataclass
class Filled:
    home: Path
    warehouse_url: str
    instance: Any

    def export(self, config: dict[str, Any]) -> dict[str, Any]:
        """The portfolio asset's exported JSON for ``config`` over the fixture's window, as a run writes it."""
        import json

        from dagster import AssetKey, materialize

        from achievement_pipeline.cli.demo import partition_range_tags, succeeded
        from achievement_pipeline.defs.export.assets import portfolio
        from achievement_pipeline.defs.resources import build_resources

        result = succeeded(
            materialize(
                [portfolio],
                instance=self.instance,
                tags=partition_range_tags(FIRST, LAST),
                resources=build_resources(),
                run_config={"ops": {"portfolio": {"config": config}}},
                raise_on_error=False,
            )
        )
        event = next(m for m in result.get_asset_materialization_events() if m.asset_key == AssetKey("portfolio"))
        return json.loads(Path(str(event.materialization.metadata["json_location"].value)).read_text())


@contextmanager
def filled_warehouse(home: Path) -> Iterator[Filled]:
    """The settings of a fresh home with the fixture's tokens, its PRs collected and every later stage run.

    The stage assets run as one range run (their expectation checks left out: they judge the stages, not
    what the read API reads).
    """
    from dagster import DagsterInstance, materialize

    from achievement_pipeline.cli.demo import partition_range_tags, succeeded
    from achievement_pipeline.core.warehouse import connect
    from achievement_pipeline.defs.enrich.assets import enriched_prs
    from achievement_pipeline.defs.predict.assets import predictions
    from achievement_pipeline.defs.resources import build_resources
    from achievement_pipeline.defs.validate.assets import validated_achievements
    from achievement_pipeline.defs.value.assets import valuations
    from tests.conftest import PIPELINE_VARIABLES

    with pytest.MonkeyPatch.context() as env:
        for name in PIPELINE_VARIABLES:
            env.delenv(name, raising=False)
        env.setenv("ACHIEVEMENT_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        env.setenv("ACHIEVEMENT_API_TOKENS", TOKENS_JSON)
        (home / "dagster").mkdir(parents=True)
        (home / "curation.yaml").write_text(CURATION)
        url = f"sqlite:///{home / 'warehouse.db'}"
        connect(url).replace_window("pull_requests", FIRST, date(2025, 3, 1), pull_requests())
        with DagsterInstance.ephemeral() as instance:
            succeeded(
                materialize(
                    [enriched_prs, predictions, valuations, validated_achievements],
                    instance=instance,
                    tags=partition_range_tags(FIRST, LAST),
                    resources=build_resources(),
                    raise_on_error=False,
                )
            )
            yield Filled(home=home, warehouse_url=url, instance=instance)
