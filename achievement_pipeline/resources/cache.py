"""The cache resource: where litellm keeps LLM answers, Redis when configured, a local folder otherwise.

LLM answers live in litellm's own response cache (:meth:`CacheResource.litellm_cache`), so a
re-run of unchanged PRs makes no provider call. This resource only chooses and checks the
backend, so a missing Redis fails the run with a message naming the setting.
"""

from __future__ import annotations

from typing import Any

from dagster import ConfigurableResource
from pydantic import Field

from achievement_pipeline.core import settings


class CacheUnavailable(settings.ServiceUnavailable):
    """The configured Redis does not answer (the message names ACHIEVEMENT_REDIS_URL)."""


class CacheResource(ConfigurableResource):
    """Redis URL and key namespace of the LLM answer cache; empty URL means the local disk cache."""

    redis_url: str = Field(default="", description="redis://host:port/db; empty means the local disk cache")
    namespace: str = Field(default="achievement-pipeline", description="Key prefix shared by all entries")
    llm_ttl_seconds: float = Field(
        default=0, ge=0, description="How long an LLM answer is kept, on Redis and on disk; 0 keeps it until deleted"
    )

    def check_reachable(self) -> None:
        """Ping the configured Redis; raise CacheUnavailable naming ACHIEVEMENT_REDIS_URL if it does not answer."""
        if not self.redis_url:
            return
        import redis

        try:
            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=5)
        except ValueError:  # the URL itself is wrong; it may hold a password, so it is not repeated
            raise settings.SettingError(
                "ACHIEVEMENT_REDIS_URL is not a Redis URL: use redis://host:6379/0 (rediss:// for TLS), "
                "or unset it to use the local cache"
            ) from None
        where = client.connection_pool.connection_kwargs
        try:
            client.ping()
        except redis.AuthenticationError:
            raise settings.SettingError(
                f"Redis at {where.get('host')}:{where.get('port')} refused the credentials in ACHIEVEMENT_REDIS_URL: "
                "fix the password (redis://:password@host:6379/0) or unset it to use the local cache"
            ) from None
        except redis.RedisError as exc:
            raise CacheUnavailable(
                f"Redis at {where.get('host')}:{where.get('port')} (ACHIEVEMENT_REDIS_URL) is unreachable: "
                f"{str(exc).strip().rstrip('.')}. Start Redis or unset ACHIEVEMENT_REDIS_URL to use the local cache"
            ) from exc
        finally:
            client.close()

    def litellm_cache(self) -> Any:
        """litellm's response cache: this Redis (keys ``{namespace}:llm:*``), else ACHIEVEMENT_HOME/llm-cache."""
        from achievement_pipeline.enrich.llm.cache import build_cache

        self.check_reachable()  # fail early, with the message that names ACHIEVEMENT_REDIS_URL
        return build_cache(
            redis_url=self.redis_url,
            namespace=self.namespace,
            disk_folder=settings.home() / "llm-cache",
            ttl_seconds=self.llm_ttl_seconds,
        )

    @property
    def backend(self) -> str:
        return "redis" if self.redis_url else "disk"
