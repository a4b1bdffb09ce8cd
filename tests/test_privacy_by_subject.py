"""Privacy by subject: a portfolio holds its subject's work only, and private repositories only for readers who
could see them; it says what was left out and what the GitHub token could see."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from achievement_pipeline.core.token_visibility import SourceVisibility
from achievement_pipeline.core.warehouse import connect
from achievement_pipeline.export import privacy
from achievement_pipeline.export.subjects import Subject, choose_subject, select_rows
from tests.factories import make_pr

EVERYONE = Subject(login="acme", kind="organization")


def pr(number: int, author: str, repo: str = "acme/web-app", *, private: bool = False, reviewers=()) -> dict:
    reviews = [{"author": r, "state": "APPROVED", "body": "", "submitted_at": ""} for r in reviewers]
    return dict(
        make_pr(number, pr_id=f"{repo}#{number}", repo=repo, author=author, reviews=reviews, review_comments=[]),
        repo_is_private=private,
    )


# octo-demo and ada-dev both work in the private payments-api; only octo-demo works in the private infra.
ROWS = [
    pr(1, "octo-demo"),
    pr(2, "octo-demo", "acme/payments-api", private=True, reviewers=["ada-dev"]),
    pr(3, "octo-demo", "acme/infra", private=True),
    pr(4, "ada-dev"),
    pr(5, "ada-dev", "acme/payments-api", private=True),
]
PEOPLE = privacy.repository_people(ROWS)


def kept(subject: Subject, rows=ROWS) -> privacy.PrivateWork:
    return privacy.keep_visible(select_rows(rows, subject, "January"), subject, PEOPLE)


def ids(work: privacy.PrivateWork) -> list[str]:
    return [row["pr_id"] for row in work.rows]


def test_a_persons_portfolio_holds_only_their_prs_with_another_authors_prs_present():
    work = kept(choose_subject("ada-dev", "", [], default=EVERYONE))
    assert ids(work) == ["acme/web-app#4", "acme/payments-api#5"]


def test_a_persons_own_private_work_is_in_their_portfolio():
    work = kept(choose_subject("octo-demo", "", [], default=EVERYONE))
    assert ids(work) == ["acme/web-app#1", "acme/payments-api#2", "acme/infra#3"]
    assert (work.included, work.left_out_prs) == (["acme/infra", "acme/payments-api"], 0)


def test_another_persons_portfolio_never_holds_someone_elses_private_pr():
    work = kept(choose_subject("ada-dev", "", [], default=EVERYONE))
    assert "acme/infra#3" not in ids(work)
    assert work.left_out_prs == 0  # not theirs to begin with: the subject left it out, nothing to count


def test_a_team_keeps_a_private_repository_every_member_worked_in():
    work = kept(choose_subject("", "Platform", ["octo-demo", "ada-dev"], default=EVERYONE))
    assert {"acme/payments-api#2", "acme/payments-api#5"} <= set(ids(work))
    assert "acme/payments-api" in work.included


def test_a_team_leaves_out_a_private_repository_one_member_could_not_see_and_counts_it():
    work = kept(choose_subject("", "Platform", ["octo-demo", "ada-dev"], default=EVERYONE))
    assert "acme/infra#3" not in ids(work)
    assert (work.left_out_prs, work.left_out_repositories) == (1, 1)


def test_a_team_holds_only_its_members_prs():
    rows = [*ROWS, pr(6, "mallory"), pr(7, "mallory", "acme/payments-api", private=True)]
    work = kept(choose_subject("", "Platform", ["octo-demo", "ada-dev"], default=EVERYONE), rows)
    assert {row["author"] for row in work.rows} == {"octo-demo", "ada-dev"}


def test_a_portfolio_of_everyone_collected_is_read_by_every_author_in_it():
    assert privacy.readers(EVERYONE, ROWS) == {"octo-demo", "ada-dev"}
    work = kept(EVERYONE)
    assert "acme/infra#3" not in ids(work) and "acme/payments-api#5" in ids(work)


def test_who_could_see_a_repository_is_read_from_every_collected_pr_not_only_the_window(tmp_path: Path):
    warehouse = connect(f"sqlite:///{tmp_path / 'warehouse.db'}")
    old = pr(8, "octo-demo", "acme/infra", private=True, reviewers=["ada-dev"])
    old.update(merge_date="2024-06-03", merged_at="2024-06-03T10:00:00Z")
    warehouse.replace_window("pull_requests", date(2024, 6, 3), date(2024, 6, 4), [old])
    people = privacy.read_repository_people(warehouse, ["acme/infra"])
    assert people == {"acme/infra": {"octo-demo", "ada-dev"}}
    team = choose_subject("", "Platform", ["octo-demo", "ada-dev"], default=EVERYONE)
    assert "acme/infra#3" in ids(privacy.keep_visible(ROWS, team, people))


def test_the_sentence_says_what_was_included_left_out_and_what_the_token_could_see():
    team = choose_subject("", "Platform", ["octo-demo", "ada-dev"], default=EVERYONE)
    seen = [
        SourceVisibility("user:octo-demo", visible=True),
        SourceVisibility("org:acme", visible=True, listed=True, private_repositories=("acme/payments-api",)),
        SourceVisibility("org:northwind", visible=True, listed=True),
        SourceVisibility("repo:globex/api", visible=False, listed=True),
    ]
    assert privacy.statement(kept(team), team, seen) == (
        "1 private repository included; 1 PR from private repositories left out (not every member of the team "
        "could see them); the token saw 1 private repository of acme; the token saw no private repository of "
        "northwind; repository globex/api not visible to the token."
    )


def test_the_document_counts_what_was_left_out_without_naming_it():
    team = choose_subject("", "Platform", ["octo-demo", "ada-dev"], default=EVERYONE)
    section = privacy.document(kept(team), team, [])
    assert section["private_prs_left_out"] == 1 and section["private_repositories_left_out"] == 1
    assert "acme/infra" not in str(section)


def test_the_portfolio_records_what_the_token_saw_but_not_when_so_an_unchanged_one_stays_the_same():
    person = choose_subject("octo-demo", "", [], default=EVERYONE)

    def section(checked_at: str) -> dict:
        acme = SourceVisibility("org:acme", True, True, ("acme/payments-api",), checked_at)
        return privacy.document(kept(person), person, [acme])

    assert section("2025-02-01T02:00:00Z") == section("2025-02-02T02:00:00Z")
    assert section("2025-02-01T02:00:00Z")["token"] == [
        {"source": "org:acme", "visible": True, "private_repositories_visible": 1}
    ]
