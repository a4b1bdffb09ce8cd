"""A portfolio for one person or a team, chosen in the launchpad's run config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from achievement_pipeline.export.subjects import Subject, SubjectError, choose_subject, select_rows
from tests.pipeline_run import pipeline_environment

EVERYONE = Subject(login="octo-demo", kind="user")
ROWS = [{"pr_id": "a#1", "author": "octo-demo"}, {"pr_id": "a#2", "author": "Ada-Dev"}]


def test_nothing_chosen_keeps_everyone_collected():
    assert choose_subject("", "", [], default=EVERYONE) == EVERYONE
    assert select_rows(ROWS, EVERYONE, "January") == ROWS


def test_a_person_holds_only_their_prs_whatever_the_case_of_the_login():
    subject = choose_subject("@ada-dev", "", [], default=EVERYONE)
    assert subject.as_document() == {"login": "ada-dev", "kind": "user"}
    assert [r["pr_id"] for r in select_rows(ROWS, subject, "January")] == ["a#2"]


def test_a_team_names_its_members_in_the_document():
    subject = choose_subject("", "Platform", ["octo-demo", "ada-dev", "octo-demo"], default=EVERYONE)
    assert subject.as_document() == {"login": "Platform", "kind": "team", "members": ["octo-demo", "ada-dev"]}
    assert len(select_rows(ROWS, subject, "January")) == 2


@pytest.mark.parametrize(
    ("person", "team", "members", "says"),
    [
        ("ada-dev", "Platform", ["octo-demo"], "either person or team"),
        ("", "Platform", [], "has no members"),
        ("not a login!", "", [], "is not a GitHub login"),
        ("", "", ["ok", "-bad-"], "members entry '-bad-'"),
    ],
)
def test_a_choice_that_cannot_be_honoured_says_what_to_change(person, team, members, says):
    with pytest.raises(SubjectError, match=says):
        choose_subject(person, team, members, default=EVERYONE)


def test_a_person_with_no_pr_in_a_collected_window_is_refused_with_the_authors_seen():
    subject = choose_subject("octo-dmo", "", [], default=EVERYONE)
    with pytest.raises(SubjectError, match="authors collected there: Ada-Dev, octo-demo"):
        select_rows(ROWS, subject, "January")


def test_an_empty_window_gives_an_empty_portfolio_not_an_error():
    assert select_rows([], choose_subject("ada-dev", "", [], default=EVERYONE), "January") == []


# --- through Dagster, as the launchpad launches it -------------------------------------------

WEEK = ("2025-02-03", "2025-02-23")  # three weeks: enough labelled PRs to train on


@pytest.fixture(scope="module")
def fake_github_two_people() -> Iterator[object]:
    from achievement_pipeline.fakes.github.history import generate_history
    from achievement_pipeline.fakes.github.server import FakeGitHub

    server = FakeGitHub(generate_history(seed=42, users=("octo-demo", "ada-dev")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def two_people(
    tmp_path_factory: pytest.TempPathFactory, fake_github_two_people
) -> Iterator[tuple[object, DagsterInstance]]:
    """Three weeks collected for two people (two sources) through every stage, as the demo runs them."""
    from datetime import date

    from achievement_pipeline import definitions as code_location
    from achievement_pipeline.cli.demo import partition_range_tags, run_pipeline

    first, last = date.fromisoformat(WEEK[0]), date.fromisoformat(WEEK[1])
    with pipeline_environment(tmp_path_factory.mktemp("subject"), fake_github_two_people.base_url, "octo-demo,ada-dev"):
        defs = code_location.defs()
        job = defs.resolve_implicit_global_asset_job_def()
        tags = partition_range_tags(first, last)
        with DagsterInstance.ephemeral() as instance:
            run_pipeline(first, last, instance=instance, defs=defs)

            def export(config: dict) -> object:
                return job.execute_in_process(
                    instance=instance,
                    tags=tags,
                    asset_selection=[AssetKey("portfolio")],
                    run_config={"ops": {"portfolio": {"config": config}}},
                    raise_on_error=False,
                )

            yield export, instance


def _document(result) -> dict:
    event = next(m for m in result.get_asset_materialization_events() if m.asset_key == AssetKey("portfolio"))
    return json.loads(Path(str(event.materialization.metadata["json_location"].value)).read_text())


def _authors(document: dict) -> set[str]:
    return {a["author"] for a in document["achievements"]}


def test_the_launchpad_default_exports_everyone_collected(two_people):
    export, _ = two_people
    document = _document(export({}))
    assert document["subject"] == {"login": "octo-demo", "kind": "team"}
    assert {"octo-demo", "ada-dev"} <= _authors(document)


def test_the_launchpad_exports_one_persons_portfolio(two_people):
    export, _ = two_people
    document = _document(export({"person": "ada-dev"}))
    assert document["subject"] == {"login": "ada-dev", "kind": "user"}
    assert _authors(document) == {"ada-dev"}


def test_the_launchpad_exports_a_team_with_its_members(two_people):
    export, _ = two_people
    document = _document(export({"team": "Platform", "members": ["ada-dev", "octo-demo"]}))
    assert document["subject"] == {"login": "Platform", "kind": "team", "members": ["ada-dev", "octo-demo"]}


def test_a_misspelt_person_fails_the_run_naming_the_login(two_people):
    export, _ = two_people
    result = export({"person": "ada-dve"})
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "no merged PR by ada-dve" in failure.step_failure_data.error.to_string()
