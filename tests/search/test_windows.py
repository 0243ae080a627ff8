"""Common terms: the newest matches are looked for in windows of newest entries, widened as
needed. Whatever the windows, the page shows exactly the newest matches, and says when
ranking and facets cover only a bounded set."""

import dataclasses
import datetime

import pytest
from django.db import connection

from search import engine
from search.engine import DEFAULT_LIMITS, Filters, run_search
from search.query import parse_query
from tests.factories import ArticleFactory, cluster

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime.datetime(2015, 3, 1, 0, 0, tzinfo=datetime.UTC)
# Small limits and walks, so sixty articles need several windows; fresh statistics and
# counted cutoffs on every call (none kept from other tests, none kept for them).
LIMITS = dataclasses.replace(
    DEFAULT_LIMITS, exact_limit=4, candidate_limit=6, first_walk=5, statistics_ttl=0, cutoff_ttl=0
)


@pytest.fixture
def archive(monkeypatch):
    """Sixty articles a month apart over five years; 石鼓书院 in every third, its name in the
    title of every ninth; 水口山 in two old ones only; every other one in the 有色金属 cluster."""
    nonferrous = cluster("nonferrous")
    articles = []
    for i in range(60):
        words = "石鼓书院修缮后重新开放" if i % 3 == 0 else "园区道路改造完成"
        if i in (2, 5):
            words += "，水口山矿区复绿"
        article = ArticleFactory(
            title=("石鼓书院" if i % 9 == 0 else "城市建设") + f"第{i}期",
            lead=words,
            status="published",
            published_at=START + datetime.timedelta(days=30 * i),
        )
        if i % 2 == 0:
            article.clusters.add(nonferrous)
        articles.append(article)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # As statistics would bound a common term: the walk comes first, then windows.
    monkeypatch.setattr(engine, "_estimated_share", lambda parsed, **kwargs: 0.3)
    return articles


def newest(articles, predicate, n):
    chosen = [a for a in articles if predicate(a)]
    return [a.pk for a in sorted(chosen, key=lambda a: a.published_at, reverse=True)[:n]]


def test_newest_matches_by_date_come_through_the_windows(archive, monkeypatch):
    windows = []
    original = engine._newest

    def spy(*args, **kwargs):
        rows = original(*args, **kwargs)
        windows.append((kwargs.get("cutoff"), kwargs.get("before"), len(rows)))
        return rows

    monkeypatch.setattr(engine, "_newest", spy)
    # The first window comes out too short (as when matches thin out further back).
    cutoff, calls = engine._window_cutoff, []

    def short_first_window(size, **kwargs):
        calls.append(size)
        return cutoff(size // 4 if len(calls) == 1 else size, **kwargs)

    monkeypatch.setattr(engine, "_window_cutoff", short_first_window)
    outcome = run_search(parse_query("石鼓书院"), Filters(), staff=False, sort="-date", page_number=1, limits=LIMITS)
    # The walk found fewer than needed, so windows followed, each going on where the last ended.
    assert len(windows) >= 2 and windows[1][1] == windows[0][0]
    assert not outcome.exact and outcome.total == LIMITS.exact_limit + 1
    assert [a.pk for a in outcome.articles] == newest(archive, lambda a: "石鼓书院" in a.lead, 20)[:20]
    assert outcome.facets_bounded and outcome.bounded_size == LIMITS.candidate_limit
    # Facets count the bounded set: the six newest matches, all dated, three in the cluster.
    assert sum(f.count for f in outcome.years) == LIMITS.candidate_limit
    assert {f.label: f.count for f in outcome.clusters} == {"有色金属": 3}


def test_a_cluster_filter_and_relevance_within_the_bounded_set(archive):
    nonferrous = cluster("nonferrous")
    outcome = run_search(
        parse_query("石鼓书院"), Filters(cluster=nonferrous), staff=False, sort="", page_number=1, limits=LIMITS
    )
    in_cluster = [a for a in archive if "石鼓书院" in a.lead and nonferrous in a.clusters.all()]
    assert outcome.ranked_within_newest
    bounded = newest(in_cluster, lambda a: True, LIMITS.candidate_limit)
    shown = [a.pk for a in outcome.articles]
    assert set(shown) == set(bounded)
    # Title matches first, newest first among equals.
    titled = [pk for pk in bounded if "石鼓书院" in next(a.title for a in archive if a.pk == pk)]
    assert shown[: len(titled)] == titled


def test_a_rare_term_is_counted_exactly_through_the_probe(archive):
    outcome = run_search(parse_query("水口山"), Filters(), staff=False, sort="-date", page_number=1, limits=LIMITS)
    assert outcome.exact and outcome.total == 2
    assert [a.pk for a in outcome.articles] == [archive[5].pk, archive[2].pk]
    assert not outcome.facets_bounded


def test_oldest_first_past_the_bounded_set(archive):
    outcome = run_search(parse_query("石鼓书院"), Filters(), staff=False, sort="date", page_number=1, limits=LIMITS)
    oldest = [a.pk for a in sorted(archive, key=lambda a: a.published_at) if "石鼓书院" in a.lead]
    assert [a.pk for a in outcome.articles] == oldest


def test_staff_windows_reach_scheduled_articles_and_a_status_filter(archive):
    limits = dataclasses.replace(LIMITS, walk_share=2.0)  # windows through the index, with month tokens
    later = ArticleFactory(
        title="石鼓书院夜游项目",
        lead="石鼓书院将开放夜游",
        status="scheduled",
        published_at=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=30),  # not yet out
    )
    draft = ArticleFactory(title="石鼓书院草稿", lead="石鼓书院", status="draft", published_at=None)
    staff = run_search(parse_query("石鼓书院"), Filters(), staff=True, sort="-date", page_number=1, limits=limits)
    shown = [a.pk for a in staff.articles]
    # Newest first: the scheduled article leads; the undated draft comes after every dated match.
    assert shown[0] == later.pk and draft.pk not in shown and staff.total == LIMITS.exact_limit + 1
    assert staff.rows[0][0] == later.pk  # the bounded set (facets, ranking) has it too
    oldest = run_search(parse_query("石鼓书院"), Filters(), staff=True, sort="date", page_number=1, limits=limits)
    assert oldest.articles[0].pk == draft.pk
    readers = run_search(parse_query("石鼓书院"), Filters(), staff=False, sort="-date", page_number=1, limits=limits)
    assert later.pk not in [a.pk for a in readers.articles] and draft.pk not in [a.pk for a in readers.articles]
    scheduled = run_search(
        parse_query("石鼓书院"), Filters(status="scheduled"), staff=True, sort="-date", page_number=1, limits=limits
    )
    assert [a.pk for a in scheduled.articles] == [later.pk] and scheduled.exact


@pytest.mark.parametrize("walk_share", [0.3, 2.0], ids=["walk", "index"])
def test_windows_within_a_date_range_start_at_its_end(archive, walk_share):
    """With a date filter the newest matches are the newest within it: the walk and the windows
    begin at the range's end, not at the archive's newest entry."""
    limits = dataclasses.replace(LIMITS, walk_share=walk_share)
    first, last = datetime.date(2016, 1, 1), datetime.date(2018, 6, 30)
    newest_first, oldest = (
        run_search(
            parse_query("石鼓书院"),
            Filters(date_from=first, date_to=last),
            staff=False,
            sort=sort,
            page_number=1,
            limits=limits,
        )
        for sort in ("-date", "date")
    )
    inside = [a for a in archive if first <= a.published_at.date() <= last]
    assert [a.pk for a in newest_first.articles] == newest(inside, lambda a: "石鼓书院" in a.lead, 20)
    assert not newest_first.exact and newest_first.total == LIMITS.exact_limit + 1
    assert [a.pk for a in oldest.articles] == newest(inside, lambda a: "石鼓书院" in a.lead, 20)[::-1]


@pytest.mark.parametrize("oldest_walk", [5, 10_000], ids=["walk-falls-short", "walk-finds"])
def test_oldest_first_for_a_term_of_recent_years(archive, oldest_walk):
    """A term found only in the newest entries: the oldest-first walk meets none of it among the
    oldest entries and the index answers; either way the page lists its oldest matches."""
    limits = dataclasses.replace(LIMITS, oldest_walk=oldest_walk)
    recent = [
        ArticleFactory(
            title=f"蒸水河治理第{i}期", status="published", published_at=START + datetime.timedelta(days=30 * 60 + i)
        )
        for i in range(8)
    ]
    outcome = run_search(parse_query("蒸水河"), Filters(), staff=False, sort="date", page_number=1, limits=limits)
    assert [a.pk for a in outcome.articles] == [a.pk for a in recent]
