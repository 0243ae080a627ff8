"""Index entries keep copies of status, date and clusters: edits to those must reach search."""

import pytest

from search.engine import Filters, run_search
from search.query import parse_query
from tests.factories import ArticleFactory, cluster

pytestmark = pytest.mark.django_db(transaction=True)


def _found(q, **filters):
    outcome = run_search(parse_query(q), Filters(**filters), staff=False, sort="-date", page_number=1)
    return [a.pk for a in outcome.articles]


def test_cluster_links_and_status_changes_reach_the_index():
    article = ArticleFactory(title="雁峰区油茶基地扩建", status="published")
    nonferrous = cluster("nonferrous")
    assert _found("油茶基地") == [article.pk]
    assert _found("油茶基地", cluster=nonferrous) == []
    article.clusters.add(nonferrous)
    assert _found("油茶基地", cluster=nonferrous) == [article.pk]
    nonferrous.articles.remove(article)
    assert _found("油茶基地", cluster=nonferrous) == []
    nonferrous.articles.add(article)
    nonferrous.articles.clear()
    assert _found("油茶基地", cluster=nonferrous) == []
    article.status = "withdrawn"
    article.save()
    assert _found("油茶基地") == []
