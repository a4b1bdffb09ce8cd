"""The object store for exports: a local folder by default, S3 (through dagster-aws) by bucket."""

from __future__ import annotations

import contextlib
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline.core import settings


def _missing(error: Any) -> bool:
    """A botocore ClientError saying nothing is stored there (head_object says only 404; a missing bucket too,
    which the next put then reports)."""
    return str(error.response.get("Error", {}).get("Code", "")) in ("NoSuchKey", "NotFound", "404")


class ObjectStoreUnavailable(settings.ServiceUnavailable):
    """The configured S3 endpoint does not answer (the message names its variables)."""


class ObjectStoreResource(ConfigurableResource):
    """Writes export files and says where they are (a file path or an s3:// URI)."""

    bucket: str = Field(default="", description="S3 bucket; empty means the local folder")
    prefix: str = Field(default="portfolio", description="Key prefix (S3) or subfolder (local)")
    endpoint_url: str = Field(default="", description="S3-compatible endpoint, e.g. MinIO; empty for AWS")
    region_name: str = Field(default="", description="AWS region of the bucket")
    local_dir: str = Field(default="", description="Local export folder; empty means ACHIEVEMENT_HOME/exports")
    public_base_url: str = Field(
        default="",
        description="Where people open the exports (a web server or CDN in front of the folder or bucket); "
        "empty: the local export server (make ui) for a folder, the AWS console for a bucket",
    )

    def local_root(self) -> Path:
        return Path(self.local_dir).expanduser().resolve() if self.local_dir else settings.home() / "exports"

    def _key(self, relative_key: str) -> str:
        return f"{self.prefix.strip('/')}/{relative_key}" if self.prefix else relative_key

    def _client(self) -> Any:
        from dagster_aws.s3 import S3Resource

        return S3Resource(endpoint_url=self.endpoint_url or None, region_name=self.region_name or None).get_client()

    def location(self, relative_key: str) -> str:
        """Where ``put`` stores prefix/relative_key: an s3:// URI or a file path."""
        key = self._key(relative_key)
        return f"s3://{self.bucket}/{key}" if self.bucket else str(self.local_root() / key)

    def put(self, relative_key: str, data: bytes) -> str:
        """Store ``data`` under prefix/relative_key and return where it landed."""
        key = self._key(relative_key)
        if self.bucket:
            content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            with self._said_plainly():
                self._client().put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)
            return self.location(relative_key)
        path = self.local_root() / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # readers never see a half-written portfolio
        return str(path)

    def read(self, relative_key: str) -> bytes | None:
        """What prefix/relative_key holds, or None when nothing is stored there."""
        key = self._key(relative_key)
        if not self.bucket:
            path = self.local_root() / key
            return path.read_bytes() if path.is_file() else None
        from botocore import exceptions as aws

        with self._said_plainly():
            try:
                return self._client().get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except aws.ClientError as exc:
                if _missing(exc):
                    return None
                raise

    def exists(self, relative_key: str) -> bool:
        """Whether something is stored under prefix/relative_key."""
        key = self._key(relative_key)
        if not self.bucket:
            return (self.local_root() / key).is_file()
        from botocore import exceptions as aws

        with self._said_plainly():
            try:
                self._client().head_object(Bucket=self.bucket, Key=key)
            except aws.ClientError as exc:
                if _missing(exc):
                    return False
                raise
        return True

    def check_reachable(self, timeout_seconds: float = 5) -> None:
        """Ask S3 for the configured bucket (one request, no retries to speak of); nothing to check for a folder."""
        if not self.bucket:
            return
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint_url or None,
            region_name=self.region_name or None,
            config=Config(connect_timeout=timeout_seconds, read_timeout=timeout_seconds, retries={"max_attempts": 1}),
        )
        with self._said_plainly():
            client.head_bucket(Bucket=self.bucket)

    @contextlib.contextmanager
    def _said_plainly(self) -> Iterator[None]:
        """botocore's errors as one line naming the setting to fix (the bucket and endpoint are no secrets)."""
        from botocore import exceptions as aws

        where = f"S3 at {self.endpoint_url}" if self.endpoint_url else "S3"
        try:
            yield
        except (aws.EndpointConnectionError, aws.ConnectTimeoutError, aws.ReadTimeoutError) as exc:
            raise ObjectStoreUnavailable(
                f"{where} is unreachable ({exc}) for the bucket {self.bucket!r} (ACHIEVEMENT_S3_BUCKET): start it, "
                "fix ACHIEVEMENT_S3_ENDPOINT_URL (or AWS_REGION), or unset ACHIEVEMENT_S3_BUCKET to write to the "
                "local folder"
            ) from exc
        except aws.NoCredentialsError:
            raise settings.SettingError(
                f"no AWS credentials for the bucket {self.bucket!r} (ACHIEVEMENT_S3_BUCKET): set AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY (or use a profile or role), or unset ACHIEVEMENT_S3_BUCKET"
            ) from None
        except aws.ClientError as exc:
            error: dict[str, Any] = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code in ("404", "NoSuchBucket"):
                raise settings.SettingError(
                    f"the bucket {self.bucket!r} (ACHIEVEMENT_S3_BUCKET) does not exist on {where}: create it or "
                    "fix ACHIEVEMENT_S3_BUCKET"
                ) from None
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise settings.SettingError(
                    f"{where} refused the AWS credentials for the bucket {self.bucket!r} (ACHIEVEMENT_S3_BUCKET, "
                    f"{code}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the bucket's policy"
                ) from None
            raise

    def browser_url(self, location: str) -> str | None:
        """A link a person can open from the Dagster UI for what ``put`` returned, if there is one.

        No presigned S3 URLs: they would put a working credential into the event log that
        everyone with UI access reads, for as long as it lasts.
        """
        if location.startswith("s3://"):
            key = location.removeprefix(f"s3://{self.bucket}/")
            if self.public_base_url:
                return f"{self.public_base_url.rstrip('/')}/{quote(key)}"
            if self.endpoint_url:
                return None  # an S3-compatible store has no console we know the address of
            region = f"?region={self.region_name}&" if self.region_name else "?"
            return f"https://s3.console.aws.amazon.com/s3/object/{self.bucket}{region}prefix={quote(key)}"
        relative = Path(location).resolve().relative_to(self.local_root())
        base = self.public_base_url or settings.export_server_url()
        return f"{base.rstrip('/')}/{quote(relative.as_posix())}"
