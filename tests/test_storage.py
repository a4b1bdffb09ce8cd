"""Exports land in a local folder by default and in S3 (through dagster-aws) by configuration."""

from __future__ import annotations

import boto3
import pytest

from achievement_pipeline.resources.storage import ObjectStoreResource
from tests.local_processes import free_port


def test_local_exports_are_written_under_the_prefix(tmp_path):
    store = ObjectStoreResource(local_dir=str(tmp_path))
    where = store.put("octo/2025-01-01_2025-01-31/portfolio.json", b"{}")
    assert where == str(tmp_path / "portfolio" / "octo/2025-01-01_2025-01-31/portfolio.json")
    assert (tmp_path / "portfolio/octo/2025-01-01_2025-01-31/portfolio.json").read_bytes() == b"{}"


def test_rewriting_a_local_export_replaces_it_whole(tmp_path):
    store = ObjectStoreResource(local_dir=str(tmp_path))
    store.put("a/portfolio.html", b"old version, longer")
    store.put("a/portfolio.html", b"new")
    assert (tmp_path / "portfolio/a/portfolio.html").read_bytes() == b"new"
    assert not list(tmp_path.rglob("*.tmp"))


def test_s3_exports_are_uploaded_with_their_content_type(s3_endpoint, aws_credentials):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="portfolios")
    store = ObjectStoreResource(bucket="portfolios", endpoint_url=s3_endpoint, region_name="us-east-1")
    where = store.put("octo/2025-01-01_2025-01-31/portfolio.html", b"<html></html>")
    assert where == "s3://portfolios/portfolio/octo/2025-01-01_2025-01-31/portfolio.html"
    stored = s3.get_object(Bucket="portfolios", Key="portfolio/octo/2025-01-01_2025-01-31/portfolio.html")
    assert stored["Body"].read() == b"<html></html>"
    assert stored["ContentType"] == "text/html"


def test_a_local_export_is_read_back_and_a_missing_one_is_none(tmp_path):
    store = ObjectStoreResource(local_dir=str(tmp_path))
    store.put("octo/w/portfolio.json", b"{}")
    assert (store.read("octo/w/portfolio.json"), store.exists("octo/w/portfolio.json")) == (b"{}", True)
    assert (store.read("octo/w/cv.md"), store.exists("octo/w/cv.md")) == (None, False)
    assert store.location("octo/w/cv.md") == str(tmp_path / "portfolio/octo/w/cv.md")


def test_an_s3_export_is_read_back_and_a_missing_key_is_none(s3_endpoint, aws_credentials):
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="readback")
    store = ObjectStoreResource(bucket="readback", endpoint_url=s3_endpoint, region_name="us-east-1")
    where = store.put("octo/w/portfolio.json", b"{}")
    assert (store.read("octo/w/portfolio.json"), store.exists("octo/w/portfolio.json")) == (b"{}", True)
    assert (store.read("octo/w/cv.md"), store.exists("octo/w/cv.md")) == (None, False)
    assert store.location("octo/w/portfolio.json") == where


def test_a_local_export_links_to_the_export_server(tmp_path):
    store = ObjectStoreResource(local_dir=str(tmp_path))
    where = store.put("Platform team/2025-01-01_2025-01-31/portfolio.html", b"<html></html>")
    assert (
        store.browser_url(where)
        == "http://127.0.0.1:3001/portfolio/Platform%20team/2025-01-01_2025-01-31/portfolio.html"
    )


def test_a_configured_base_url_replaces_the_default_link(tmp_path):
    store = ObjectStoreResource(local_dir=str(tmp_path), public_base_url="https://reports.example.com/achievements/")
    where = store.put("octo/w/portfolio.pdf", b"%PDF")
    assert store.browser_url(where) == "https://reports.example.com/achievements/portfolio/octo/w/portfolio.pdf"


def test_an_s3_export_links_to_the_console_never_to_a_presigned_url():
    store = ObjectStoreResource(bucket="exports", region_name="eu-west-1")
    url = store.browser_url("s3://exports/portfolio/octo/w/portfolio.html")
    assert (
        url
        == "https://s3.console.aws.amazon.com/s3/object/exports?region=eu-west-1&prefix=portfolio/octo/w/portfolio.html"
    )
    assert "Signature" not in url and "Credential" not in url


def test_an_s3_compatible_store_without_a_base_url_has_no_link():
    store = ObjectStoreResource(bucket="exports", endpoint_url="http://minio:9000")
    assert store.browser_url("s3://exports/portfolio/octo/w/portfolio.html") is None


def test_the_export_server_serves_the_folder_read_only(tmp_path):
    import urllib.error
    import urllib.request

    from achievement_pipeline.cli.export_server import serve_exports

    store = ObjectStoreResource(local_dir=str(tmp_path))
    where = store.put("octo/w/portfolio.html", b"<html>ok</html>")
    port = free_port()
    server = serve_exports(tmp_path, port=port)
    try:
        link = store.browser_url(where).replace(":3001", f":{port}")
        with urllib.request.urlopen(link, timeout=10) as response:
            assert response.read() == b"<html>ok</html>"
            assert response.headers["Content-Type"] == "text/html"
        put = urllib.request.Request(link, data=b"x", method="PUT")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(put, timeout=10)
        assert refused.value.code == 501
    finally:
        server.shutdown()
