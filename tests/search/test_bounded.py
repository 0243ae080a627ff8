"""Readers' requests do bounded work: exports are capped and say so, dates are clamped to the
archive, and every search request (page and exports, whatever its filters) stops at the
statement timeout on both databases."""

import csv
import dataclasses
import datetime
import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.utils import timezone

from search import engine
from search.indexing import index_articles
from tests.factories import ArticleFactory, IssueFactory, PageFactory, cluster

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).lstrip("\ufeff"))))


@pytest.fixture
def five(db):
    now = timezone.now()
    articles = [
        ArticleFactory(title=f"耒阳油茶新闻{i}", published_at=now - datetime.timedelta(days=i + 1)) for i in range(5)
    ]
    index_articles([a.pk for a in articles])
    return articles


def test_a_readers_export_stops_at_the_maximum_and_its_last_line_says_so(client, five, settings):
    settings.SEARCH_EXPORT_MAX_ROWS = 3
    response = client.get("/search/export.csv", {"q": "油茶", "sort": "-date"})
    assert response.status_code == 200 and response.streaming
    rows = csv_rows(response)
    assert [r[1] for r in rows[1:4]] == ["耒阳油茶新闻0", "耒阳油茶新闻1", "耒阳油茶新闻2"]
    assert len(rows) == 5  # header, three articles, the note
    assert "截断" in rows[-1][0] and "/api/v1/" in rows[-1][0] and "3" in rows[-1][0]

    lines = body(client.get("/search/export.jsonl", {"q": "油茶", "sort": "-date"})).splitlines()
    assert len(lines) == 4
    assert [json.loads(line)["title"] for line in lines[:3]] == ["耒阳油茶新闻0", "耒阳油茶新闻1", "耒阳油茶新闻2"]
    note = json.loads(lines[-1])
    assert note["truncated"] is True and note["max_rows"] == 3 and note["api"].endswith("/api/v1/")


def test_an_export_within_the_maximum_has_no_note(client, five, settings):
    settings.SEARCH_EXPORT_MAX_ROWS = 5
    rows = csv_rows(client.get("/search/export.csv", {"q": "油茶"}))
    assert len(rows) == 6 and all(r[1].startswith("耒阳油茶新闻") for r in rows[1:])
    lines = body(client.get("/search/export.jsonl", {"q": "油茶"})).splitlines()
    assert len(lines) == 5 and all("truncated" not in json.loads(line) for line in lines)


def test_staff_exports_are_whole(client, five, settings):
    settings.SEARCH_EXPORT_MAX_ROWS = 2
    editor = User.objects.create_user("editor", password=None, is_staff=True)
    editor.groups.add(Group.objects.get(name="编辑"))
    client.force_login(editor)
    rows = csv_rows(client.get("/search/export.csv", {"q": "油茶"}))
    assert len(rows) == 6 and "截断" not in body(client.get("/search/export.csv", {"q": "油茶"}))
    assert len(body(client.get("/search/export.jsonl", {"q": "油茶"})).splitlines()) == 5


@pytest.mark.parametrize(
    "dates",
    [
        {"to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"from": "1900-01-01", "to": "2999-12-31"},
    ],
)
@pytest.mark.parametrize("url", ["/search/", "/search/export.csv", "/search/export.jsonl"])
@pytest.mark.parametrize("q", ["油茶", ""])
def test_dates_far_outside_the_archive_search_the_whole_archive(client, five, dates, url, q):
    response = client.get(url, {"q": q, **dates})
    assert response.status_code == 200
    text = body(response)
    assert all(f"耒阳油茶新闻{i}" in text.replace("<mark>", "").replace("</mark>", "") for i in range(5))


@pytest.mark.parametrize(
    "dates",
    [{"from": "9999-12-31"}, {"to": "0001-01-01"}, {"from": "9000-01-01", "to": "9999-12-31"}],
)
def test_dates_entirely_outside_the_archive_find_nothing(client, five, dates):
    for url in ("/search/", "/search/export.csv", "/search/export.jsonl"):
        response = client.get(url, {"q": "油茶", **dates})
        assert response.status_code == 200
        assert "耒阳油茶新闻" not in body(response)


def test_far_dates_on_an_empty_archive_get_a_page(client, db):
    for dates in ({"to": "9999-12-31"}, {"from": "0001-01-01"}, {"issue": "9999-12-31"}):
        assert client.get("/search/", {"q": "油茶", **dates}).status_code == 200
        assert client.get("/search/", dates).status_code == 200


def test_clamping_keeps_the_days_inside_the_archive(five):
    first, last = engine.archive_days()
    filters = engine.clamped(
        engine.Filters(date_from=datetime.date(1, 1, 1), date_to=datetime.date(9999, 12, 31), tag="x")
    )
    assert (filters.date_from, filters.date_to, filters.tag) == (first, last, "x")
    assert first == timezone.localdate(five[-1].published_at) and last == timezone.localdate(five[0].published_at)


# The statement timeout -------------------------------------------------------------------------

SLOW_SQL = {
    "postgresql": "SELECT pg_sleep(2)",
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000000) SELECT count(*) FROM c",
}


@pytest.fixture
def slow_searches(monkeypatch, settings):
    """Every search query first runs something slow; the timeout is 50 ms."""
    settings.SEARCH_LIMITS = dataclasses.replace(engine.DEFAULT_LIMITS, timeout_ms=50)
    fetch = engine._fetch

    def slow(sql, params, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute(SLOW_SQL[connection.vendor])
        return fetch(sql, params, **kwargs)

    monkeypatch.setattr(engine, "_fetch", slow)


FILTERED = [
    {"q": "衡阳"},
    {"q": "衡阳", "sort": "date"},
    {"q": "-衡阳"},
    {"q": "", "tag": "两会"},
    {"q": "衡阳", "cluster": "nonferrous"},
    {"q": "衡阳", "from": "2019-01-01", "to": "2019-12-31"},
    {"q": "", "issue": "2019-01-18", "page": "A04"},
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/search/", "/search/export.csv", "/search/export.jsonl"])
def test_every_search_request_stops_at_the_timeout_whatever_its_filters(client, url, slow_searches):
    article = ArticleFactory(
        title="衡阳两会", page=PageFactory(issue=IssueFactory(date=datetime.date(2019, 1, 18)), number="A04")
    )
    article.clusters.set([cluster("nonferrous")])
    article.tags.set(["两会"])
    index_articles([article.pk])
    for params in FILTERED:
        response = client.get(url, params)
        assert response.status_code == 503, (url, params)
        assert "用时过长" in body(response)
        # The connection is usable afterwards.
        assert client.get("/search/", {"q": ""}).status_code == 200


def test_the_sqlite_time_limit_interrupts_a_statement(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's progress handler")
    with pytest.raises(engine.SearchTimeout):
        engine.guarded(
            lambda: engine._fetch(SLOW_SQL["sqlite"], []), dataclasses.replace(engine.DEFAULT_LIMITS, timeout_ms=50)
        )
    # Outside the limit the same connection runs statements to the end.
    assert engine._fetch("SELECT 1", []) == [(1,)]
