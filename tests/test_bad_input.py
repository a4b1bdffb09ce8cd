"""Bad input fails with a message that names the input and what to do, and writes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from achievement_pipeline.fakes.github.server import FakeGitHub
from achievement_pipeline.resources.cache import CacheResource, CacheUnavailable
from achievement_pipeline.resources.github import GitHubResource
from achievement_pipeline.sources.github.collect import GitHubInputError, GitHubUnavailable

JAN = (date(2025, 1, 1), date(2025, 1, 8))


def _github(base_url: str, **overrides) -> GitHubResource:
    settings = {"base_url": base_url, "token": "test-token", "users": ["octo-demo"], "request_spacing_seconds": 0}
    settings.update(overrides)
    return GitHubResource(**settings)


def test_an_unknown_user_is_named_with_its_setting(fake_github):
    with pytest.raises(GitHubInputError, match=r"'no-such-user' \(ACHIEVEMENT_GITHUB_USER\) does not exist"):
        _github(fake_github.base_url, users=["no-such-user"]).collect(*JAN)


def test_an_unknown_repository_is_named_with_its_setting(fake_github):
    with pytest.raises(GitHubInputError, match=r"'acme/nope' \(ACHIEVEMENT_GITHUB_REPOS\) was not found"):
        _github(fake_github.base_url, users=[], repos=["acme/nope"]).collect(*JAN)


def test_a_bad_token_is_reported_without_echoing_it():
    with (
        FakeGitHub(tokens={"the-good-token"}) as server,
        pytest.raises(GitHubInputError, match="GITHUB_TOKEN") as failure,
    ):
        _github(server.base_url, token="ghp_wrongwrongwrongwrongwrong0000").collect(*JAN)
    assert "ghp_wrong" not in str(failure.value)


def test_a_reversed_window_is_refused_before_any_request(fake_github):
    before = fake_github.request_count()
    with pytest.raises(GitHubInputError, match="reversed"):
        _github(fake_github.base_url).collect(date(2025, 1, 8), date(2025, 1, 1))
    assert fake_github.request_count() == before


def test_no_source_configured_outside_the_demo_says_which_variables_to_set():
    with pytest.raises(GitHubInputError, match="ACHIEVEMENT_GITHUB_USER"):
        GitHubResource(token="t", base_url="http://127.0.0.1:9").sources()


def test_an_unreachable_github_names_the_url_setting():
    with pytest.raises(GitHubUnavailable, match="GITHUB_API_URL"):
        _github("http://127.0.0.1:9", retries=0).collect(*JAN)


def test_an_unreachable_redis_names_its_setting():
    with pytest.raises(CacheUnavailable, match="ACHIEVEMENT_REDIS_URL"):
        CacheResource(redis_url="redis://127.0.0.1:9/0").litellm_cache()


def test_a_malformed_partition_start_date_names_its_setting(monkeypatch):
    from achievement_pipeline.core import settings

    monkeypatch.setenv("ACHIEVEMENT_START_DATE", "01/02/2025")
    with pytest.raises(ValueError, match="ACHIEVEMENT_START_DATE"):
        settings.start_date()


def test_the_demo_refuses_a_malformed_date_range(capsys):
    from achievement_pipeline.cli.demo import main

    with pytest.raises(SystemExit):
        main(["--start", "2025-02-30"])
    assert "--start/--end must be dates as YYYY-MM-DD" in capsys.readouterr().err


def test_a_failing_source_fails_the_ingest_run_with_the_same_message(pipeline_home, fake_github, monkeypatch):
    from dagster import DagsterInstance, materialize

    from achievement_pipeline.core.warehouse import connect
    from achievement_pipeline.defs.ingest.assets import pull_requests
    from achievement_pipeline.resources.warehouse import WarehouseResource

    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [pull_requests],
            instance=instance,
            partition_key="2025-01-02",
            resources={
                "github": _github(fake_github.base_url, users=["no-such-user"]),
                "warehouse": WarehouseResource(),
            },
            raise_on_error=False,
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "ACHIEVEMENT_GITHUB_USER" in str(failure.step_failure_data.error)
    assert connect(WarehouseResource().resolved_url()).count("pull_requests") == 0


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"period": "2025-13"}, "period '2025-13' (the reporting period) is not a year, quarter or month"),
        ({"window_start": "2025-02-30"}, "use YYYY-MM-DD for window_start and window_end"),
        ({"window_start": "2025-03-01", "window_end": "2025-02-01"}, "swap window_start and window_end"),
    ],
    ids=["period", "malformed date", "reversed"],
)
def test_a_malformed_reporting_window_fails_the_export_with_a_dagster_failure_saying_what_to_do(
    pipeline_home, config, named
):
    from dagster import DagsterEventType, DagsterInstance, materialize

    from achievement_pipeline.defs.export.assets import portfolio
    from achievement_pipeline.resources.storage import ObjectStoreResource
    from achievement_pipeline.resources.warehouse import WarehouseResource

    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [portfolio],
            instance=instance,
            partition_key="2025-01-02",
            run_config={"ops": {"portfolio": {"config": config}}},
            resources={"warehouse": WarehouseResource(), "storage": ObjectStoreResource(), "github": GitHubResource()},
            raise_on_error=False,
        )
    assert not result.success
    retried = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    assert retried == []  # it would fail the same way again
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_failure_data.error.cls_name == "Failure"
    assert named in failure.step_failure_data.user_failure_data.description
