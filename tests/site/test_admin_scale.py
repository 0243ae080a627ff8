"""The admin's article list on a large archive: the date drill-down tests each year (month, day)
through the date index instead of reading every article, with the same links as Django's, and
the list's queries do not grow with the archive."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from articles.admin.date_drilldown import periods_present
from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "admin:articles_article_changelist"


def at(year, month=1, day=1, hour=6):
    return datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def drill_down_links(html: str) -> list[str]:
    """The drill-down's choices, in order, as Django's template shows them."""
    nav = re.search(r"<nav class=\"toplinks\">(.*?)</nav>", html, re.S)
    assert nav, "no date drill-down on the page"
    return re.findall(r'<a href="\?([^"]*published_at__[^"]*)">', nav.group(1))


def distinct_periods(queryset, kind):
    """What Django itself computes: the list's distinct years/months/days, local time."""
    return list(queryset.datetimes("published_at", kind))


@pytest.fixture(params=["short list read", "periods tested"])
def small_list(request, monkeypatch):
    """Both ways of finding the periods: reading a short list, testing each period."""
    import articles.admin.date_drilldown as drilldown

    if request.param == "periods tested":
        monkeypatch.setattr(drilldown, "SMALL_LIST", 0)
    return request.param


@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_the_periods_are_the_ones_django_computes(kind, small_list):
    moments = [
        at(1950, 3, 4),
        at(1950, 3, 31, hour=23),  # 23:00 in Hengyang is still the 31st: the local day counts
        at(2001, 1, 1, hour=0),  # midnight on New Year: 2001 locally, 2000 in UTC
        at(2001, 12, 31, hour=23),
        at(2019, 7, 8),
    ]
    for moment in moments:
        ArticleFactory(published_at=moment)
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    everything = Article.objects.all()
    if kind != "year" and small_list == "periods tested":  # 830 months, 25,000 days: Django's DISTINCT answers
        assert periods_present(everything, "published_at", kind) is None
    else:
        assert periods_present(everything, "published_at", kind) == distinct_periods(everything, kind)
    one_year = Article.objects.filter(published_at__year=2001)
    assert periods_present(one_year, "published_at", kind) == distinct_periods(one_year, kind)
    one_month = Article.objects.filter(published_at__year=1950, published_at__month=3)
    assert periods_present(one_month, "published_at", kind) == distinct_periods(one_month, kind)
    assert periods_present(Article.objects.none(), "published_at", kind) == []


def test_the_list_shows_the_same_year_links_with_its_filters_applied(admin_client, small_list):
    for year in (1951, 1988, 2005, 2019):
        ArticleFactory(published_at=at(year))
    for year in (1970, 1975):
        ArticleFactory(status=Article.Status.WITHDRAWN, published_at=at(year))
    html = admin_client.get(reverse(URL)).content.decode()
    assert drill_down_links(html) == [f"published_at__year={y}" for y in (1951, 1970, 1975, 1988, 2005, 2019)]
    html = admin_client.get(reverse(URL), {"status__exact": "withdrawn"}).content.decode()
    assert drill_down_links(html) == [f"published_at__year={y}&amp;status__exact=withdrawn" for y in (1970, 1975)]


def test_months_and_days_drill_down_as_before(admin_client, small_list):
    ArticleFactory(published_at=at(2019, 3, 5))
    ArticleFactory(published_at=at(2019, 3, 9))
    ArticleFactory(published_at=at(2019, 11, 1))
    ArticleFactory(published_at=at(2020, 1, 1))
    html = admin_client.get(reverse(URL), {"published_at__year": 2019}).content.decode()
    assert drill_down_links(html) == [
        "published_at__month=3&amp;published_at__year=2019",
        "published_at__month=11&amp;published_at__year=2019",
    ]
    html = admin_client.get(reverse(URL), {"published_at__year": 2019, "published_at__month": 3}).content.decode()
    assert [link.split("&amp;")[0] for link in drill_down_links(html)] == ["published_at__day=5", "published_at__day=9"]


def test_no_query_of_the_list_reads_the_distinct_dates_of_the_archive(admin_client, django_assert_max_num_queries):
    for year in (1960, 1999, 2018):
        ArticleFactory(published_at=at(year))
    with django_assert_max_num_queries(40) as queries:
        admin_client.get(reverse(URL))
    for query in queries.captured_queries:
        assert "DISTINCT" not in query["sql"].upper(), query["sql"]


ENGINE_STATEMENTS = 14  # the search engine's, at most (see list_statements)


def list_statements(queries) -> list[str]:
    """The list's own statements. The search engine's (index reads, its planner settings and
    savepoint) vary a little with how dense a term is — a window's edge is read and kept a
    minute — but are bounded whatever the archive's size."""
    engine = [
        q["sql"]
        for q in queries.captured_queries
        if "search_searchdocument" in q["sql"] or q["sql"].startswith(("SET LOCAL", "SAVEPOINT", "RELEASE"))
    ]
    assert len(engine) <= ENGINE_STATEMENTS, engine
    return [q["sql"] for q in queries.captured_queries if q["sql"] not in engine]


LISTS = {
    "list": {},
    "year": {"published_at__year": 2019},
    "month": {"published_at__year": 2019, "published_at__month": 1},
    "search": {"q": "衡阳"},
}


def test_the_lists_query_count_does_not_grow_with_the_archive(admin_client, django_assert_max_num_queries):
    url = reverse(URL)
    ArticleFactory(published_at=at(2019))
    admin_client.get(url)  # the session, content types and permissions cached
    counts = {}
    for name, params in LISTS.items():
        with django_assert_max_num_queries(40) as few:
            admin_client.get(url, params)
        counts[name] = [len(list_statements(few))]
    for n in range(60):
        ArticleFactory(published_at=at(1950 + n, 1 + n % 12, 1 + n % 28))
    for name, params in LISTS.items():
        with django_assert_max_num_queries(40) as many:
            admin_client.get(url, params)
        counts[name].append(len(list_statements(many)))
    assert all(small == large for small, large in counts.values()), counts


def test_a_common_term_lists_its_newest_matches_and_says_so(admin_client, monkeypatch):
    import search.admin_search
    from search.engine import SearchLimits
    from search.indexing import index_articles

    # Counts exact up to 2 matches, the newest 3 of a commoner term (1,000 and 2,000 in use).
    monkeypatch.setattr(search.admin_search, "LIMITS", SearchLimits(exact_limit=2, candidate_limit=3))
    articles = [ArticleFactory(title=f"园区稿件{n}", published_at=at(2010 + n)) for n in range(6)]
    index_articles([a.pk for a in articles])
    # Saved long ago: only the index finds them (recent saves are also matched by title as typed).
    from django.utils import timezone

    Article.objects.update(updated_at=timezone.now() - datetime.timedelta(days=2))
    html = admin_client.get(reverse(URL), {"q": "园区稿件"}).content.decode()
    assert [f"园区稿件{n}" in html for n in range(6)] == [False] * 3 + [True] * 3
    assert "最新的 3 篇" in html
    # A rare term is exact, under any of the list's filters, and says nothing.
    html = admin_client.get(reverse(URL), {"q": "园区稿件1", "published_at__year": 2011}).content.decode()
    assert "园区稿件1" in html and "最新的" not in html


def test_titles_are_matched_as_typed_only_among_recent_saves(admin_client):
    """An article saved a moment ago is found by its title before its index entry exists; an
    old one is found through the index only, so the box never reads every title."""
    from django.utils import timezone

    just_saved = ArticleFactory(title="刚保存的园区稿件")  # not indexed: the test runs in one transaction
    old = ArticleFactory(title="去年的园区稿件")
    Article.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    html = admin_client.get(reverse(URL), {"q": "园区稿件"}).content.decode()
    assert "刚保存的园区稿件" in html and just_saved.pk
    assert "去年的园区稿件" not in html
