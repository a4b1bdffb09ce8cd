"""Each configured service, asked once: a service that does not answer is named by its setting, in one line.

These are the checks the console scripts run before they start (``cli/preflight.py``) and the
errors a run fails with (retried first: ``ServiceUnavailable``). Real clients against closed
loopback ports and a real S3 (moto's server); nothing is mocked.
"""

from __future__ import annotations

import boto3
import pytest

from achievement_pipeline.core.settings import ServiceUnavailable, SettingError
from achievement_pipeline.resources.cache import CacheResource, CacheUnavailable
from achievement_pipeline.resources.mlflow import MlflowResource, MlflowUnavailable
from achievement_pipeline.resources.storage import ObjectStoreResource, ObjectStoreUnavailable
from achievement_pipeline.resources.warehouse import WarehouseResource
from tests.local_processes import free_port

CLOSED = free_port()


def test_every_outage_is_a_service_unavailable_so_runs_retry_it():
    for error in (CacheUnavailable, MlflowUnavailable, ObjectStoreUnavailable):
        assert issubclass(error, ServiceUnavailable)


def test_services_left_at_their_embedded_defaults_need_no_answer(pipeline_home):
    WarehouseResource().check_reachable()
    CacheResource().check_reachable()
    MlflowResource().check_reachable()
    ObjectStoreResource().check_reachable()
    assert (pipeline_home / "warehouse.db").is_file()  # the local warehouse is simply created


def test_an_unreachable_warehouse_is_named_by_its_setting_without_its_password():
    with pytest.raises(ServiceUnavailable, match=r"\(ACHIEVEMENT_WAREHOUSE_URL\) is unreachable") as failure:
        WarehouseResource(url=f"postgresql+psycopg2://reader:pw-hidden@127.0.0.1:{CLOSED}/w").check_reachable()
    assert "pw-hidden" not in str(failure.value)


def test_a_malformed_warehouse_url_is_a_setting_error_that_does_not_repeat_it():
    with pytest.raises(SettingError, match="ACHIEVEMENT_WAREHOUSE_URL is not a database URL") as failure:
        WarehouseResource(url="postgres//reader:pw-hidden@db").check_reachable()
    assert "pw-hidden" not in str(failure.value)


def test_an_unreachable_mlflow_server_is_named_by_its_setting_in_seconds():
    with pytest.raises(MlflowUnavailable, match=r"\(MLFLOW_TRACKING_URI\) is unreachable.*Start it"):
        MlflowResource(tracking_uri=f"http://127.0.0.1:{CLOSED}").check_reachable(timeout_seconds=2)


def test_an_unreachable_registry_server_is_named_by_its_own_setting():
    with pytest.raises(MlflowUnavailable, match=r"\(MLFLOW_REGISTRY_URI\)"):
        MlflowResource(registry_uri=f"https://127.0.0.1:{CLOSED}/mlflow").check_reachable(timeout_seconds=2)


def test_mlflow_credentials_in_the_uri_are_not_repeated():
    with pytest.raises(MlflowUnavailable) as failure:
        MlflowResource(tracking_uri=f"http://alice:pw-hidden@127.0.0.1:{CLOSED}").check_reachable(timeout_seconds=2)
    assert "pw-hidden" not in str(failure.value) and "alice" not in str(failure.value)


def test_a_redis_url_that_is_no_url_is_a_setting_error_that_does_not_repeat_it():
    with pytest.raises(SettingError, match="ACHIEVEMENT_REDIS_URL is not a Redis URL") as failure:
        CacheResource(redis_url="cache-host:6379/pw-hidden").check_reachable()
    assert "pw-hidden" not in str(failure.value)


def test_an_unreachable_s3_endpoint_is_named_by_its_settings(aws_credentials):
    store = ObjectStoreResource(bucket="portfolios", endpoint_url=f"http://127.0.0.1:{CLOSED}", region_name="us-east-1")
    with pytest.raises(ObjectStoreUnavailable, match="ACHIEVEMENT_S3_ENDPOINT_URL"):
        store.check_reachable()


def test_an_export_to_an_unreachable_s3_fails_with_the_same_message(aws_credentials):
    store = ObjectStoreResource(bucket="portfolios", endpoint_url=f"http://127.0.0.1:{CLOSED}", region_name="us-east-1")
    with pytest.raises(ObjectStoreUnavailable, match=r"bucket 'portfolios' \(ACHIEVEMENT_S3_BUCKET\)"):
        store.put("octo/portfolio.json", b"{}")


def test_a_missing_bucket_is_a_setting_error_naming_it(s3_endpoint, aws_credentials):
    store = ObjectStoreResource(bucket="no-such-bucket", endpoint_url=s3_endpoint, region_name="us-east-1")
    with pytest.raises(SettingError, match=r"'no-such-bucket' \(ACHIEVEMENT_S3_BUCKET\) does not exist"):
        store.check_reachable()


def test_an_existing_bucket_answers(s3_endpoint, aws_credentials):
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="answers")
    ObjectStoreResource(bucket="answers", endpoint_url=s3_endpoint, region_name="us-east-1").check_reachable()
