"""The Redis cache, failing open: with Redis down the site keeps serving from the database.

Django's RedisCache raises on connection errors, which would turn a cache outage into an outage
of every page that reads the cache. ``FailOpenRedisCache`` treats an unreachable or slow Redis as
a cache miss: reads return the default, writes are dropped, and one warning is logged per
``WARN_EVERY`` seconds per process (not one per request). After an error the cache is skipped
for ``RETRY_AFTER`` seconds (a circuit breaker), so while Redis is down a request costs no
connection attempt at all, and when it is back the next request after that pause uses it again.

Socket timeouts are short (settings: ``DJANGO_REDIS_TIMEOUT``, 0.25 s by default) so a Redis
that hangs rather than refuses costs a request at most that much once per pause.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("hengyang_cms.cache")

# What counts as "Redis is unavailable": refused, reset, timed out, DNS failure, loading, read-only
# replica after a failover (all ConnectionError subclasses in redis-py) and timeouts.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class FailOpenRedisCache(RedisCache):
    # Seconds to skip Redis after an error, and between two warnings in the log.
    RETRY_AFTER = 2.0
    WARN_EVERY = 30.0

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("RETRY_AFTER", self.RETRY_AFTER))
        self.warn_every = float(options.pop("WARN_EVERY", self.WARN_EVERY))
        super().__init__(server, {**params, "OPTIONS": options})
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_warning = 0.0
        self.failures = 0  # errors seen by this process (for tests and curious operators)

    # -- the circuit breaker -------------------------------------------------------------------

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self.failures += 1
            self._down_until = now + self.retry_after
            warn = now - self._last_warning >= self.warn_every
            if warn:
                self._last_warning = now
        if warn:
            logger.warning(
                "Redis cache unavailable (%s: %s: %s); serving without the cache, retrying in %.0f s "
                "(further errors in the next %.0f s are not logged)",
                operation,
                type(exc).__name__,
                exc,
                self.retry_after,
                self.warn_every,
            )
        # A broken pooled connection is dropped so the next try opens a fresh one.
        try:
            for pool in self._cache._pools.values():
                pool.disconnect(inuse_connections=False)
        except Exception:  # pragma: no cover - best effort
            pass

    def _guard(self, operation: str, call, fallback):
        if not self.available():
            return fallback()
        try:
            return call()
        except UNAVAILABLE as exc:
            self._failed(operation, exc)
            return fallback()

    # -- the cache API: each operation behaves as a miss (or a no-op) when Redis is unavailable --

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", functools.partial(super().add, key, value, timeout, version), lambda: False)

    def get(self, key, default=None, version=None):
        return self._guard("get", functools.partial(super().get, key, default, version), lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", functools.partial(super().set, key, value, timeout, version), lambda: None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", functools.partial(super().touch, key, timeout, version), lambda: False)

    def delete(self, key, version=None):
        return self._guard("delete", functools.partial(super().delete, key, version), lambda: False)

    def get_many(self, keys, version=None):
        return self._guard("get_many", functools.partial(super().get_many, keys, version), dict)

    def has_key(self, key, version=None):
        return self._guard("has_key", functools.partial(super().has_key, key, version), lambda: False)

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError, as with every cache; so does an unavailable Redis
        # (callers already handle a key that expired between two calls).
        def unavailable():
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")

        return self._guard("incr", functools.partial(super().incr, key, delta, version), unavailable)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Nothing was stored: every key is reported as failed, as the cache API asks.
        return self._guard("set_many", functools.partial(super().set_many, data, timeout, version), lambda: list(data))

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", functools.partial(super().delete_many, keys, version), lambda: None)

    def clear(self):
        return self._guard("clear", super().clear, lambda: False)
