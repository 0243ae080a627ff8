"""The Redis cache fails open: with Redis gone, pages are served from the database (200s), logged once."""

import logging
import socket
import time

import pytest
import redis
from django.core.cache import cache

from hengyang_cms.cache import FailOpenRedisCache
from tests.operations.conftest import free_port


def redis_caches(url, **options):
    return {
        "default": {
            "BACKEND": "hengyang_cms.cache.FailOpenRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "hengyang-test",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, **options},
        }
    }


def backend(url, **options) -> FailOpenRedisCache:
    params = redis_caches(url, **options)["default"]
    return FailOpenRedisCache(params["LOCATION"], params)


PAGES = ["/", "/issues/", "/clusters/", "/search/?q=衡阳", "/feeds/latest/", "/sitemap.xml"]


@pytest.mark.django_db
def test_pages_are_served_from_redis_and_still_served_when_it_is_killed(
    client, article, redis_server, settings, caplog
):
    settings.CACHES = redis_caches(redis_server.url, RETRY_AFTER=0.2)
    pages = [*PAGES, f"/articles/{article.pk}/"]
    for path in pages:
        assert client.get(path).status_code == 200, path
    assert redis.Redis(port=redis_server.port).dbsize() > 0  # the pages did use Redis

    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="hengyang_cms.cache"):
        started = time.monotonic()
        for _ in range(3):
            for path in pages:
                response = client.get(path)
                assert response.status_code == 200, path
        elapsed = time.monotonic() - started
    assert b"\xe8\xa1\xa1\xe9\x98\xb3" in client.get(f"/articles/{article.pk}/").content  # 衡阳: the real page
    warnings = [r for r in caplog.records if r.name == "hengyang_cms.cache"]
    assert len(warnings) == 1 and "Redis cache unavailable" in warnings[0].getMessage()  # once, not per request
    assert elapsed < 20

    # Back again, on the same port: after the pause the cache is used again.
    redis_server.start()
    time.sleep(0.3)
    cache.set("back", 1)
    assert cache.get("back") == 1
    assert redis.Redis(port=redis_server.port).dbsize() >= 1


def test_every_operation_is_a_miss_or_a_no_op_when_redis_refuses():
    dead = backend(f"redis://127.0.0.1:{free_port()}/0")
    assert dead.get("k") is None and dead.get("k", "fallback") == "fallback"
    assert dead.set("k", 1) is None
    assert dead.add("k", 1) is False
    assert dead.get_or_set("k", 5) == 5
    assert dead.get_many(["a", "b"]) == {}
    assert dead.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert dead.delete("k") is False
    assert dead.delete_many(["a", "b"]) is None
    assert dead.has_key("k") is False
    assert dead.touch("k") is False
    assert dead.clear() is False
    with pytest.raises(ValueError):
        dead.incr("k")
    assert dead.failures >= 1


def test_a_redis_that_hangs_costs_a_request_at_most_its_short_timeout_then_nothing_while_paused():
    with socket.socket() as listener:  # accepts connections (the kernel does) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        hung = backend(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", RETRY_AFTER=30)
        started = time.monotonic()
        assert hung.get("k", "miss") == "miss"
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(100):
            assert hung.get("k", "miss") == "miss"
        paused = time.monotonic() - started
    assert first < 1.5
    assert paused < 0.1  # the circuit is open: no connection attempts at all
    assert hung.failures == 1


def test_the_cache_works_normally_when_redis_is_up(redis_server):
    live = backend(redis_server.url)
    live.set("a", {"衡阳": 1}, 30)
    assert live.get("a") == {"衡阳": 1}
    assert live.add("a", 2) is False
    live.set("n", 1)
    assert live.incr("n", 2) == 3
    assert live.get_many(["a", "n"]) == {"a": {"衡阳": 1}, "n": 3}
    assert live.delete("a") is True
    assert live.failures == 0
