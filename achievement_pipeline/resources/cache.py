"""The cache: Redis when configured, a local disk cache otherwise.

LLM answers live in litellm's own response cache, which this resource configures
(:meth:`CacheResource.litellm_cache`); the plain string get/set is for other stages.
"""

from __future__ import annotations

from typing import Any

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from achievement_pipeline import settings


class CacheUnavailable(ConnectionError):
    pass


class CacheResource(ConfigurableResource):
    """Strings by key, with hit counting so materializations can report them."""

    redis_url: str = Field(default="", description="redis://host:port/db; empty means the local disk cache")
    namespace: str = Field(default="achievement-pipeline", description="Key prefix shared by all entries")
    _client: Any = PrivateAttr(default=None)
    _hits: int = PrivateAttr(default=0)
    _misses: int = PrivateAttr(default=0)

    def setup_for_execution(self, context: object) -> None:
        self._client = self._connect()

    def _connect(self) -> Any:
        if self.redis_url:
            import redis

            client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=5, decode_responses=True)
            try:
                client.ping()
            except redis.RedisError as exc:
                where = client.connection_pool.connection_kwargs
                raise CacheUnavailable(
                    f"Redis at {where.get('host')}:{where.get('port')} (ACHIEVEMENT_REDIS_URL) is unreachable: "
                    f"{exc}. Start Redis or unset ACHIEVEMENT_REDIS_URL to use the local cache"
                ) from exc
            return client
        import diskcache

        folder = settings.home() / "cache"
        folder.mkdir(parents=True, exist_ok=True)
        return diskcache.Cache(str(folder))

    def litellm_cache(self) -> Any:
        """litellm's response cache: this Redis (keys ``{namespace}:llm:*``), else ACHIEVEMENT_HOME/llm-cache."""
        from achievement_pipeline.llm_cache import build_cache

        if self.redis_url and self._client is None:
            self._client = self._connect()  # fail early, with the message that names ACHIEVEMENT_REDIS_URL
        return build_cache(
            redis_url=self.redis_url, namespace=self.namespace, disk_folder=settings.home() / "llm-cache"
        )

    @property
    def backend(self) -> str:
        return "redis" if self.redis_url else "disk"

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    def get(self, key: str) -> str | None:
        if self._client is None:
            self._client = self._connect()
        value = self._client.get(self._key(key))
        if value is None:
            self._misses += 1
        else:
            self._hits += 1
        return value

    @property
    def hits(self) -> int:
        return self._hits

    @property
    def misses(self) -> int:
        return self._misses

    def set(self, key: str, value: str) -> None:
        if self._client is None:
            self._client = self._connect()
        self._client.set(self._key(key), value)
