"""Page, commentator and cluster filters and dates back to 1949 go through the index as tokens
of their own (search/extra_tokens.py). Tokens shared by remainder only narrow: the entry's own
page number and ids decide, so a filter never returns another page's or person's articles."""

import dataclasses
import datetime

import pytest
from django.db import connection

from articles.models import Commentator
from search import engine, extra_tokens
from search.engine import DEFAULT_LIMITS, Filters, run_search
from search.query import parse_query
from tests.factories import ArticleFactory, CommentatorFactory, IssueFactory, PageFactory, SectionFactory, cluster

pytestmark = pytest.mark.django_db(transaction=True)

# Small limits, so a dozen matches are "common" and go through walks and windows; no kept
# statistics or cutoffs from other tests.
LIMITS = dataclasses.replace(
    DEFAULT_LIMITS, exact_limit=4, candidate_limit=6, first_walk=5, statistics_ttl=0, cutoff_ttl=0
)
START = datetime.datetime(2016, 1, 10, 8, 0, tzinfo=datetime.UTC)


def shown(query: str, filters: Filters, *, sort: str = "-date", limits=DEFAULT_LIMITS, page_number: int = 1):
    outcome = run_search(parse_query(query), filters, staff=False, sort=sort, page_number=page_number, limits=limits)
    return [a.pk for a in outcome.articles]


def newest_first(articles):
    return [a.pk for a in sorted(articles, key=lambda a: (a.published_at, a.pk), reverse=True)]


def analyse():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.fixture
def common_term(monkeypatch):
    """Statistics as for a common term: the engine walks first, then asks the index in windows."""
    monkeypatch.setattr(engine, "_estimated_share", lambda parsed, **kwargs: 0.3)


def test_tokens_shared_by_remainder():
    # The premise of the tests below: these pairs share a token.
    assert extra_tokens.page_token("A01") == extra_tokens.page_token("I769")
    assert extra_tokens.page_token("A01") != extra_tokens.page_token("A02") != extra_tokens.page_token("B01")
    assert extra_tokens.commentator_token(5) == extra_tokens.commentator_token(16005)
    assert extra_tokens.cluster_token(3) == extra_tokens.cluster_token(4003)
    # Months and years of the paper's first decades have tokens of their own.
    early = datetime.datetime(1955, 3, 1, tzinfo=datetime.UTC)
    later = datetime.datetime(1985, 3, 1, tzinfo=datetime.UTC)
    assert extra_tokens.month_token(early) != extra_tokens.month_token(later)
    assert extra_tokens.year_token(early) != extra_tokens.year_token(later)


@pytest.mark.parametrize("limits", [DEFAULT_LIMITS, LIMITS], ids=["probe", "windows"])
def test_a_page_filter_never_returns_a_page_sharing_its_token(limits, common_term):
    wanted, other = [], []
    for i in range(12):
        issue = IssueFactory(date=(START + datetime.timedelta(days=i)).date())
        when = START + datetime.timedelta(days=i)
        wanted.append(
            ArticleFactory(title=f"石鼓书院第{i}期", page=PageFactory(issue=issue, number="A01"), published_at=when)
        )
        other.append(
            ArticleFactory(title=f"石鼓书院外{i}期", page=PageFactory(issue=issue, number="I769"), published_at=when)
        )
        ArticleFactory(title=f"石鼓书院另{i}期", page=PageFactory(issue=issue, number="A02"), published_at=when)
    analyse()
    assert shown("石鼓书院", Filters(page="A01"), limits=limits) == newest_first(wanted)[:20]
    assert shown("", Filters(page="I769"), limits=limits) == newest_first(other)[:20]
    assert shown("石鼓书院", Filters(page="A01"), sort="date", limits=limits) == newest_first(wanted)[::-1]
    assert shown("石鼓书院", Filters(page="B07"), limits=limits) == []


@pytest.mark.parametrize("limits", [DEFAULT_LIMITS, LIMITS], ids=["probe", "windows"])
def test_a_commentator_filter_never_returns_a_person_sharing_its_token(limits, common_term):
    first = CommentatorFactory(name="李代表")
    # Ids 16,000 apart share a token.
    second = Commentator.objects.create(pk=first.pk + 16000, name="王委员", title="市政协委员")
    mine, theirs = [], []
    for i in range(12):
        when = START + datetime.timedelta(days=i)
        article = ArticleFactory(title=f"产业园区第{i}期", published_at=when)
        SectionFactory(article=article, commentator=first if i % 2 else second)
        (mine if i % 2 else theirs).append(article)
    analyse()
    assert shown("产业园区", Filters(commentator=first), limits=limits) == newest_first(mine)
    assert shown("", Filters(commentator=second), limits=limits) == newest_first(theirs)
    assert shown("产业园区", Filters(commentator=second), sort="date", limits=limits) == newest_first(theirs)[::-1]


def test_a_cluster_filter_never_returns_a_cluster_sharing_its_token(common_term):
    nonferrous = cluster("nonferrous")
    twin = type(nonferrous).objects.create(
        pk=nonferrous.pk + 4000, name="另一产业", slug="another-cluster", position=nonferrous.position + 4000
    )
    ours, others = [], []
    for i in range(10):
        article = ArticleFactory(title=f"有色金属新闻{i}", published_at=START + datetime.timedelta(days=i))
        article.clusters.add(nonferrous if i % 2 else twin)
        (ours if i % 2 else others).append(article)
    analyse()
    for limits in (DEFAULT_LIMITS, LIMITS):
        assert shown("有色金属", Filters(cluster=nonferrous), limits=limits) == newest_first(ours)
        assert shown("", Filters(cluster=twin), limits=limits) == newest_first(others)


@pytest.mark.parametrize("walk_share", [0.3, 2.0], ids=["walk", "index"])
def test_dates_before_2000_are_searched_by_their_own_months_and_years(walk_share, common_term):
    limits = dataclasses.replace(LIMITS, walk_share=walk_share)
    years = [1951, 1955, 1962, 1978, 1985, 1990, 1996, 1999, 2003, 2011]
    articles = {
        year: ArticleFactory(
            title=f"衡阳纺织厂{year}年", published_at=datetime.datetime(year, 6, 1, 8, tzinfo=datetime.UTC)
        )
        for year in years
    }
    analyse()

    def between(first, last):
        return [articles[y].pk for y in sorted(years, reverse=True) if first <= y <= last]

    to_1990 = Filters(date_to=datetime.date(1990, 12, 31))
    assert shown("纺织厂", to_1990, limits=limits) == between(1949, 1990)
    eighties = Filters(date_from=datetime.date(1980, 1, 1), date_to=datetime.date(1999, 12, 31))
    assert shown("纺织厂", eighties, limits=limits) == between(1980, 1999)
    assert shown("纺织厂", eighties, sort="date", limits=limits) == between(1980, 1999)[::-1]
    fifties = Filters(date_from=datetime.date(1950, 1, 1), date_to=datetime.date(1959, 12, 31))
    assert shown("纺织厂", fifties, limits=limits) == between(1950, 1959)


def test_a_renumbered_page_moves_its_articles_in_the_index():
    page = PageFactory(number="A04")
    article = ArticleFactory(title="湘江风光带建成", page=page)
    assert shown("湘江", Filters(page="A04")) == [article.pk]
    page.number = "A05"
    page.save()
    assert shown("湘江", Filters(page="A05")) == [article.pk]
    assert shown("湘江", Filters(page="A04")) == []
