"""Who the work serves, from GitHub's facts about the repository, as a factor on value."""

from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.value.reach import estimate_reach
from tests.factories import valuation_input

LEDGER = load_ledger()


def reach(**facts):
    return estimate_reach(valuation_input(**facts), LEDGER)


def test_an_organisations_repository_has_full_reach():
    assert reach().factor == 1.0 and reach().kind == "organization"


def test_the_authors_own_repository_serves_mostly_its_owner():
    own = reach(repo="octo-demo/dotfiles", repo_owner_type="User")
    assert own.kind == "personal" and own.factor == LEDGER.number("reach_factors", "personal")
    assert "author's own repository" in own.reason


def test_someone_elses_personal_repository_is_between_the_two():
    other = reach(repo="ada-dev/tools", repo_owner_type="User")
    own = reach(repo="octo-demo/dotfiles", repo_owner_type="User")
    assert other.kind == "personal_of_others" and own.factor < other.factor < 1.0


def test_a_fork_serves_its_owner_until_the_work_goes_upstream():
    assert reach(repo_is_fork=True).kind == "fork" and reach(repo_is_fork=True).factor < 1.0


def test_stars_add_a_little_to_a_public_repository_and_nothing_to_a_private_one():
    public = reach(repo_is_private=False, repo_stars=10_000)
    assert 1.0 < public.factor <= 1.0 + LEDGER.number("popularity_bonus", "max")
    assert reach(repo_is_private=True, repo_stars=10_000).factor == 1.0


def test_a_popular_personal_repository_still_ranks_below_production_work():
    popular = reach(repo="octo-demo/dotfiles", repo_owner_type="User", repo_is_private=False, repo_stars=5_000)
    assert popular.factor < 0.5


def test_facts_that_were_not_collected_count_as_an_organisations_and_say_so():
    unknown = reach(repo_owner_type="")
    assert unknown.kind == "unknown" and unknown.factor == 1.0 and "not collected" in unknown.reason
