"""A person's choices about their portfolio: checked, kept in the warehouse, applied to every export."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from achievement_pipeline.export.curation import (
    EXCLUDE,
    FROM_FILE,
    FROM_UI,
    PIN,
    PRIVATE,
    STATEMENT,
    TITLE,
    WITHHELD,
    CurationError,
    CurationStore,
    apply_curation,
    choice,
    choices_from_file,
    removal,
)


def _row(pr_id: str, **overrides: object) -> dict[str, object]:
    repo = pr_id.split("#")[0]
    row: dict[str, object] = {
        "pr_id": pr_id,
        "repo": repo,
        "title": f"title of {pr_id}",
        "clean_title": f"title of {pr_id}",
        "achievement": f"Statement of {pr_id}.",
        "merged_at": "2025-02-03T10:00:00Z",
    }
    return {**row, **overrides}


ROWS = [_row("acme/web#1"), _row("acme/web#2"), _row("octo/dotfiles#3")]


@pytest.fixture
def store(tmp_path: Path) -> CurationStore:
    return CurationStore(sa.create_engine(f"sqlite:///{tmp_path / 'warehouse.db'}"))


def test_a_choice_records_who_made_it_when_and_from_where():
    made = choice(PIN, "acme/web#1", by="ada", source=FROM_UI)
    assert (made.set_by, made.source) == ("ada", FROM_UI) and made.set_at.endswith("Z")


def test_an_unknown_kind_of_choice_is_refused_naming_the_kinds():
    with pytest.raises(CurationError, match="use one of exclude, private, pin, title, statement"):
        choice("hide", "acme/web#1", by="ada", source=FROM_UI)


def test_only_exclude_takes_a_whole_repository():
    assert choice(EXCLUDE, "octo/dotfiles", by="ada", source=FROM_UI).target == "octo/dotfiles"
    with pytest.raises(CurationError, match=r"is not a PR id \(owner/name#123\)"):
        choice(PIN, "octo/dotfiles", by="ada", source=FROM_UI)


def test_a_reworded_statement_must_have_words_and_fit_a_line():
    with pytest.raises(CurationError, match="3 to 300 characters"):
        choice(STATEMENT, "acme/web#1", text=" ", by="ada", source=FROM_UI)
    with pytest.raises(CurationError, match="3 to 300 characters"):
        choice(STATEMENT, "acme/web#1", text="x" * 301, by="ada", source=FROM_UI)


def test_a_removal_is_kind_colon_target():
    assert removal("exclude:octo/dotfiles") == ("exclude", "octo/dotfiles")
    with pytest.raises(CurationError, match="write kind:target"):
        removal("octo/dotfiles")


def test_the_curation_file_lists_each_kind_of_choice(tmp_path: Path):
    path = tmp_path / "curation.yaml"
    path.write_text(
        "exclude: [octo/dotfiles]\nprivate: ['acme/web#2']\npin: ['acme/web#1']\n"
        "titles: {'acme/web#1': Checkout retries}\nstatements: {'acme/web#1': Made checkout retry safely.}\n"
    )
    found = {(c.kind, c.target, c.text, c.source) for c in choices_from_file(path)}
    assert found == {
        (EXCLUDE, "octo/dotfiles", "", FROM_FILE),
        (PRIVATE, "acme/web#2", "", FROM_FILE),
        (PIN, "acme/web#1", "", FROM_FILE),
        (TITLE, "acme/web#1", "Checkout retries", FROM_FILE),
        (STATEMENT, "acme/web#1", "Made checkout retry safely.", FROM_FILE),
    }


def test_a_missing_curation_file_means_no_choices(tmp_path: Path):
    assert choices_from_file(tmp_path / "curation.yaml") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [("exclude: [unclosed", "is not valid YAML"), ("- a list", "must map"), ("hide: [x]", "unknown keys hide")],
)
def test_a_broken_curation_file_is_refused_naming_the_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "curation.yaml"
    path.write_text(text)
    with pytest.raises(CurationError, match=message) as error:
        choices_from_file(path)
    assert str(path) in str(error.value)


def test_choices_outlive_the_store_that_wrote_them(store: CurationStore):
    store.set([choice(PIN, "acme/web#1", by="ada", source=FROM_UI)])
    again = CurationStore(store.engine)
    assert [(c.kind, c.target, c.set_by) for c in again.all()] == [(PIN, "acme/web#1", "ada")]


def test_setting_a_choice_again_replaces_it(store: CurationStore):
    store.set([choice(TITLE, "acme/web#1", text="First words", by="ada", source=FROM_UI)])
    store.set([choice(TITLE, "acme/web#1", text="Better words", by="ada", source=FROM_UI)])
    assert [c.text for c in store.all()] == ["Better words"]


def test_the_file_is_the_truth_for_its_own_choices_and_leaves_the_uis_alone(store: CurationStore, tmp_path: Path):
    path = tmp_path / "curation.yaml"
    path.write_text("pin: ['acme/web#1', 'acme/web#2']\n")
    store.set([choice(EXCLUDE, "octo/dotfiles", by="ada", source=FROM_UI)])
    store.sync_file(path)
    path.write_text("pin: ['acme/web#2']\n")
    now = store.sync_file(path)
    assert {(c.kind, c.target, c.source) for c in now} == {
        (EXCLUDE, "octo/dotfiles", FROM_UI),
        (PIN, "acme/web#2", FROM_FILE),
    }


def test_a_choice_can_be_undone(store: CurationStore):
    store.set([choice(PIN, "acme/web#1", by="ada", source=FROM_UI)])
    assert store.remove(PIN, "acme/web#1") is True and store.all() == []
    assert store.remove(PIN, "acme/web#1") is False


def test_excluding_a_repository_leaves_out_all_its_prs():
    curated = apply_curation(ROWS, [choice(EXCLUDE, "octo/dotfiles", by="ada", source=FROM_UI)])
    assert [r["pr_id"] for r in curated.rows] == ["acme/web#1", "acme/web#2"] and curated.excluded == 1


def test_a_private_pr_is_out_of_the_rows_and_listed_only_by_merge_day():
    curated = apply_curation(ROWS, [choice(PRIVATE, "acme/web#2", by="ada", source=FROM_UI)])
    assert "acme/web#2" not in [r["pr_id"] for r in curated.rows]
    assert curated.document()["private_prs"] == [{"merged_on": "2025-02-03"}]


def test_the_portfolio_record_of_choices_names_nothing_left_out_or_private():
    chosen = [
        choice(EXCLUDE, "octo/dotfiles", by="ada", source=FROM_UI),
        choice(PRIVATE, "acme/web#2", by="ada", source=FROM_UI),
        choice(PIN, "acme/web#1", by="ada", source=FROM_UI),
    ]
    recorded = apply_curation(ROWS, chosen).document()["choices"]
    assert [(c["kind"], c["target"]) for c in recorded] == [
        (EXCLUDE, WITHHELD),
        (PRIVATE, WITHHELD),
        (PIN, "acme/web#1"),
    ]
    assert all(c["set_by"] == "ada" for c in recorded)


def test_rewording_replaces_the_title_and_statement_and_says_so():
    chosen = [
        choice(TITLE, "acme/web#1", text="Checkout retries", by="ada", source=FROM_UI),
        choice(STATEMENT, "acme/web#1", text="Made checkout retry safely.", by="ada", source=FROM_UI),
    ]
    row = apply_curation(ROWS, chosen).rows[0]
    assert (row["title"], row["clean_title"], row["achievement"]) == (
        "Checkout retries",
        "Checkout retries",
        "Made checkout retry safely.",
    )
    assert row["rewritten"] == [TITLE, STATEMENT]


def test_curation_copies_rows_and_leaves_its_input_alone():
    before = [dict(r) for r in ROWS]
    apply_curation(ROWS, [choice(TITLE, "acme/web#1", text="New words", by="ada", source=FROM_UI)])
    assert before == ROWS


def test_only_chosen_prs_are_pinned():
    rows = apply_curation(ROWS, [choice(PIN, "acme/web#2", by="ada", source=FROM_UI)]).rows
    assert [r["pinned"] for r in rows] == [False, True, False]
