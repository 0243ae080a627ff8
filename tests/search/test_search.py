import dataclasses

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from search.engine import DEFAULT_LIMITS, Filters, run_search, search_queryset
from search.query import parse_query
from search.text import normalize
from tests.factories import cluster

from .conftest import CORPUS, expected_ids, searchable_text

pytestmark = pytest.mark.django_db

QUERIES = [
    "衡阳",
    "衡",
    "有色金属",
    "衡陽",
    "衡阳市",
    "200亿元",
    "00亿",
    "4g",
    "4G网络",
    "3.5%",
    "5%",
    "2018年12月26日",
    "12月2",
    "hengyang",
    "ＨＥＮＧＹＡＮＧ",  # noqa: RUF001
    "%_\\",
    "' OR 1=1 --",
    "<script>",
    "夏君山",
    "罗文鹏",
    "换道超车",
    "“换道超车”",
    "衡阳 签约",
    "衡阳 -签约",
    '"军民融合产业园"',
    "-衡阳",
    "，",
    "不存在的词语",
    "轨道交通产业集群",
    "。",
]


def found_ids(query, *, staff=False, filters=None):
    parsed = parse_query(query)
    return set(search_queryset(parsed, filters or Filters(), staff=staff).values_list("pk", flat=True))


@pytest.mark.parametrize("query", QUERIES)
def test_results_are_exactly_the_articles_containing_the_query(corpus, query):
    parsed = parse_query(query)
    assert found_ids(query) == expected_ids(corpus, parsed.include, parsed.exclude)


def test_the_known_answers(corpus):
    by_title = {a.title: a.pk for a in corpus}
    assert found_ids("衡陽") >= {
        by_title["八大千亿产业领航衡阳“换道超车”"],
        by_title["比亚迪轨道交通智能制造产业园落子松木"],
    }
    assert found_ids("200亿元") == {by_title["中国五矿铜铅锌产业基地30万吨锌项目投产"]}
    assert found_ids("hengyang") == {by_title["ＨＥＮＧＹＡＮＧ　Daily 英文版上线"]}  # noqa: RUF001


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_substring_of_the_archive_is_found_exactly(corpus, data):
    article = data.draw(st.sampled_from(corpus[: len(CORPUS)]))
    field = data.draw(st.sampled_from([f for f in searchable_text(article) if f.strip()]))
    start = data.draw(st.integers(0, len(field) - 1))
    length = data.draw(st.integers(1, 8))
    term = field[start : start + length].strip(" ")
    if not term or " " in term or term.startswith("-") or term[0] in '"“「『':
        return
    assert article.pk in found_ids(term)
    assert found_ids(term) == expected_ids(corpus, (term,))


def test_readers_never_see_hidden_articles_and_staff_see_them(corpus):
    hidden = {a.pk for a in corpus if not a.is_visible}
    assert len(hidden) == 3
    assert not found_ids("衡阳") & hidden
    assert found_ids("衡阳", staff=True) >= hidden
    withdrawn = found_ids("衡阳", staff=True, filters=Filters(status=Article.Status.WITHDRAWN))
    assert withdrawn == {a.pk for a in corpus if a.status == Article.Status.WITHDRAWN}
    # A status filter from a reader changes nothing.
    assert found_ids("衡阳", filters=Filters(status=Article.Status.DRAFT)) == found_ids("衡阳")


def test_filters(corpus):
    by_title = {a.title: a for a in corpus}
    first = by_title["八大千亿产业领航衡阳“换道超车”"]
    rail = by_title["比亚迪轨道交通智能制造产业园落子松木"]  # 衡陽 in its lead
    assert found_ids("衡阳", filters=Filters(cluster=cluster("rail-transit"))) == {
        first.pk,
        rail.pk,
    }
    commentator = first.sections.get().commentator
    assert found_ids("", filters=Filters(commentator=commentator)) == {
        a.pk for a in corpus if a.is_visible and any(s.commentator == commentator for s in a.sections.all())
    }
    contributor = first.credits.first().contributor  # 罗文鹏, credited on two articles
    assert len(found_ids("", filters=Filters(contributor=contributor))) == 2
    assert found_ids("", filters=Filters(tag="签约")) == {by_title["白沙绿岛军民融合产业园签约"].pk}
    assert found_ids("衡阳", filters=Filters(issue=first.page.issue.date, page="A04")) == {first.pk}
    day = timezone.localdate(first.published_at)  # dates in filters are the site's (Asia/Shanghai)
    assert found_ids("衡阳", filters=Filters(date_from=day, date_to=day)) == {first.pk}


def test_title_and_heading_matches_rank_above_body_matches_then_newer_first(corpus):
    outcome = run_search(parse_query("衡阳"), Filters(), staff=False, sort="", page_number=1)
    titles = [a.title for a in outcome.articles]
    # The title match first; the heading matches (创造衡阳速度, “产业航母”…衡阳…) before body-only ones.
    assert titles[0] == "八大千亿产业领航衡阳“换道超车”"
    assert titles.index("中国五矿铜铅锌产业基地30万吨锌项目投产") < titles.index("白沙绿岛军民融合产业园签约")


def test_more_occurrences_rank_higher(db):
    from search.indexing import index_articles
    from tests.factories import ArticleFactory

    once = ArticleFactory(title="甲", lead="园区一次提到油茶。")
    thrice = ArticleFactory(title="乙", lead="油茶、油茶、油茶。")
    index_articles([once.pk, thrice.pk])
    outcome = run_search(parse_query("油茶"), Filters(), staff=False, sort="", page_number=1)
    assert [a.pk for a in outcome.articles] == [thrice.pk, once.pk]


@pytest.mark.parametrize(("sort", "expected"), [("-date", "desc"), ("date", "asc")])
def test_sort_by_date(corpus, sort, expected):
    outcome = run_search(parse_query("衡"), Filters(), staff=False, sort=sort, page_number=1)
    dates = [a.published_at for a in outcome.articles]
    assert dates == sorted(dates, reverse=expected == "desc")
    assert len(dates) == len(expected_ids(corpus, ("衡",)))


def test_facets_count_the_whole_result_set(corpus):
    outcome = run_search(parse_query("衡阳"), Filters(), staff=False, sort="", page_number=1)
    assert outcome.exact
    clusters = {f.label: f.count for f in outcome.clusters}
    assert clusters == {"有色金属": 2, "轨道交通": 2, "军民融合": 1}
    assert sum(f.count for f in outcome.years) == outcome.total
    commentators = {f.label: f.count for f in outcome.commentators}
    assert commentators["夏君山"] == 2


def test_counts_above_the_limit_read_as_more(corpus):
    limits = dataclasses.replace(DEFAULT_LIMITS, exact_limit=2, candidate_limit=3)
    outcome = run_search(parse_query("衡"), Filters(), staff=False, sort="", page_number=1, limits=limits)
    assert not outcome.exact
    assert outcome.ranked_within_newest and outcome.facets_bounded
    assert len(outcome.articles) == 3
    newest = run_search(parse_query("衡"), Filters(), staff=False, sort="-date", page_number=1, limits=limits)
    expected = sorted(
        (a for a in corpus if a.pk in expected_ids(corpus, ("衡",))),
        key=lambda a: a.published_at,
        reverse=True,
    )
    assert [a.pk for a in newest.articles] == [a.pk for a in expected]


def test_normalised_text_is_what_is_stored(corpus):
    from search.models import SearchDocument

    doc = SearchDocument.objects.get(article=corpus[2])
    assert "衡阳市轨道交通产业集群" in doc.body
    assert normalize("衡陽") in doc.body
