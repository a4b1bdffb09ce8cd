"""litellm's response cache, on Redis when configured and on local disk otherwise.

litellm caches completions itself (``litellm.cache``), keyed by a hash of the request:
model group, messages and parameters. Redis is one of its own backends. Its local
backend is in memory only (the installed litellm ignores ``disk_cache_dir``: its disk
backend is gone), which would forget every answer between runs; the disk backend here
keeps the same entries in a ``diskcache`` folder, handed to litellm's ``Cache`` as its
backend, so that an unchanged PR makes no provider call on the next run on a laptop too.

Answers are kept until deleted on both backends, unless a TTL is configured: a paid answer
is worth keeping for every re-run and backfill. (litellm's Redis backend would otherwise write
every entry with ``EX 60``, its default when no ``ttl`` is given.)

litellm is imported inside the functions: it takes seconds to import, and the code
location must load fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from achievement_pipeline.core import settings


def _disk_backend_class() -> type:
    from litellm.caching.base_cache import BaseCache

    class DiskBackend(BaseCache):
        """litellm's cache interface over a diskcache folder (safe across processes)."""

        def __init__(self, folder: Path) -> None:
            import diskcache

            super().__init__(default_ttl=0)
            folder.mkdir(parents=True, exist_ok=True)
            self.folder = folder
            self._cache = diskcache.Cache(str(folder))

        def set_cache(self, key: str, value: Any, **kwargs: Any) -> None:
            ttl = kwargs.get("ttl")
            self._cache.set(key, value, expire=float(ttl) if ttl else None)

        async def async_set_cache(self, key: str, value: Any, **kwargs: Any) -> None:
            self.set_cache(key, value, **kwargs)

        async def async_set_cache_pipeline(self, cache_list: list[tuple[str, Any]], **kwargs: Any) -> None:
            for key, value in cache_list:
                self.set_cache(key, value, **kwargs)

        def get_cache(self, key: str, **kwargs: Any) -> Any:
            return self._cache.get(key)

        async def async_get_cache(self, key: str, **kwargs: Any) -> Any:
            return self.get_cache(key)

        async def batch_cache_write(self, key: str, value: Any, **kwargs: Any) -> None:
            self.set_cache(key, value, **kwargs)

        async def disconnect(self) -> None:
            self._cache.close()

    return DiskBackend


def build_cache(*, redis_url: str, namespace: str, disk_folder: Path, ttl_seconds: float = 0) -> Any:
    """A ``litellm.caching.Cache``: Redis at ``redis_url`` under ``{namespace}:llm:``, else the disk folder.

    Entries expire after ``ttl_seconds``; 0 keeps them until deleted.
    """
    settings.offline_default("LITELLM_LOCAL_MODEL_COST_MAP")
    from litellm.caching.caching import Cache

    # ``Cache.ttl`` is passed with every write (None: none is passed, and the backend's default applies).
    ttl = ttl_seconds or None
    if redis_url:
        cache = Cache(type="redis", url=redis_url, namespace=f"{namespace}:llm", ttl=ttl)
        # litellm's RedisCache defaults to 60 s (``BaseCache.default_ttl``, or ``litellm.default_redis_ttl``
        # process-wide); None makes its ``SET`` carry no expiry at all.
        cache.cache.default_ttl = None
        return cache
    return Cache(type="local", _backend=_disk_backend_class()(disk_folder), ttl=ttl)
