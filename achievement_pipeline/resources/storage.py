"""The object store for exports: a local folder by default, S3 (through dagster-aws) by bucket."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline import settings


class ObjectStoreResource(ConfigurableResource):
    """Writes export files and says where they are (a file path or an s3:// URI)."""

    bucket: str = Field(default="", description="S3 bucket; empty means the local folder")
    prefix: str = Field(default="portfolio", description="Key prefix (S3) or subfolder (local)")
    endpoint_url: str = Field(default="", description="S3-compatible endpoint, e.g. MinIO; empty for AWS")
    region_name: str = Field(default="", description="AWS region of the bucket")
    local_dir: str = Field(default="", description="Local export folder; empty means ACHIEVEMENT_HOME/exports")

    def _local_root(self) -> Path:
        return Path(self.local_dir).expanduser().resolve() if self.local_dir else settings.home() / "exports"

    def put(self, relative_key: str, data: bytes) -> str:
        """Store ``data`` under prefix/relative_key and return where it landed."""
        key = f"{self.prefix.strip('/')}/{relative_key}" if self.prefix else relative_key
        if self.bucket:
            from dagster_aws.s3 import S3Resource

            client = S3Resource(
                endpoint_url=self.endpoint_url or None, region_name=self.region_name or None
            ).get_client()
            content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
            return f"s3://{self.bucket}/{key}"
        path = self._local_root() / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # readers never see a half-written portfolio
        return str(path)
