"""Readers' searches and exports are rate-limited per client address: 429 with Retry-After and
a short page in Chinese; staff are never limited."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from search.ratelimit import client_address, parse_rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.SEARCH_RATE_LIMIT = "3/m"
    settings.SEARCH_EXPORT_RATE_LIMIT = "2/m"
    settings.BEHIND_PROXY = False
    cache.clear()
    yield
    cache.clear()


def assert_limited(response):
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    html = response.content.decode()
    assert "过于频繁" in html and f"{wait} 秒" in html
    assert "no-store" in response["Cache-Control"]


def test_a_reader_gets_429_after_the_limit_and_is_told_when_to_retry(client):
    for q in ("衡阳", "有色", ""):
        assert client.get("/search/", {"q": q}).status_code == 200
    assert_limited(client.get("/search/", {"q": "衡阳"}))
    # A bad request counts too: it is work all the same.
    assert_limited(client.get("/search/", {"from": "nonsense"}))


def test_exports_have_their_own_smaller_limit(client):
    assert client.get("/search/export.csv", {"q": "衡阳"}).status_code == 200
    assert client.get("/search/export.jsonl", {"q": "衡阳"}).status_code == 200
    limited = client.get("/search/export.csv", {"q": "衡阳"})
    assert_limited(limited)
    assert "/api/v1/" in limited.content.decode()
    # The search page is counted apart.
    assert client.get("/search/", {"q": "衡阳"}).status_code == 200


def test_each_address_is_counted_apart(client):
    for _ in range(3):
        assert client.get("/search/", {"q": "衡阳"}, REMOTE_ADDR="198.51.100.1").status_code == 200
    assert client.get("/search/", {"q": "衡阳"}, REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get("/search/", {"q": "衡阳"}, REMOTE_ADDR="198.51.100.2").status_code == 200


def test_without_a_proxy_a_forwarded_for_header_changes_nothing(client):
    for i in range(3):
        response = client.get("/search/", {"q": "衡阳"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
        assert response.status_code == 200
    assert client.get("/search/", {"q": "衡阳"}, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_a_proxy_the_first_forwarded_address_is_the_client(client, settings):
    settings.BEHIND_PROXY = True
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(3):
        response = client.get("/search/", {"q": "衡阳"}, HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1", **proxy)
        assert response.status_code == 200
    assert client.get("/search/", {"q": "衡阳"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # Another client behind the same proxy is not held back.
    assert client.get("/search/", {"q": "衡阳"}, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy).status_code == 200


def test_staff_are_not_limited(client):
    client.force_login(User.objects.create_user("desk", password=None, is_staff=True))
    for _ in range(10):
        assert client.get("/search/", {"q": "衡阳"}).status_code == 200
        assert client.get("/search/export.jsonl", {"q": "衡阳"}).status_code == 200


def test_an_empty_setting_switches_the_limit_off(client, settings):
    settings.SEARCH_RATE_LIMIT = ""
    for _ in range(10):
        assert client.get("/search/", {"q": "衡阳"}).status_code == 200


def test_rates_and_addresses(rf, settings):
    assert parse_rate("30/m") == (30, 60)
    assert parse_rate("5/h") == (5, 3600)
    assert parse_rate("7/10") == (7, 10)
    assert parse_rate("") is None
    assert client_address(rf.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::/64"
    assert client_address(rf.get("/", REMOTE_ADDR="::ffff:198.51.100.4")) == "198.51.100.4"
    assert client_address(rf.get("/", REMOTE_ADDR="")) == "unknown"
    settings.BEHIND_PROXY = True
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="junk")) == "unknown"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
