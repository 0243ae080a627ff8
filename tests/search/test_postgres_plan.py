"""On PostgreSQL a search reads the GIN index, not every article.

With a few dozen rows a sequential scan is cheapest and the planner rightly picks it, so
the test adds enough rows: 10,000 published filler articles with index entries (written
straight into the tables, which is quick), then ANALYZE, then plain EXPLAIN with the planner's
default settings. The benchmark (bench/search_bench.py) shows the same plans at 200,000 rows.
"""

import pytest
from django.db import connection, transaction

from search.engine import Filters, search_queryset
from search.query import parse_query
from tests.factories import cluster

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]


FILLER = 10_000


@pytest.fixture
def many_articles(corpus):
    from django.utils import timezone

    from articles.importing.importer import insert_rows
    from articles.models import Article

    now = timezone.now()
    insert_rows(
        Article,
        [
            {
                "title": f"其他新闻{i}",
                "status": "published",
                "published_at": now,
                "import_key": f"filler-{i}",
            }
            for i in range(FILLER)
        ],
    )
    with connection.cursor() as cursor:
        # Entries with tokens no query below looks for (code points from the Latin range).
        cursor.execute(
            "INSERT INTO search_searchdocument (article_id, head, body, grams) "
            "SELECT id, title, '', ARRAY(SELECT 256 + ((id * 7 + g) % 500) FROM generate_series(1, 200) g) "
            "FROM articles_article WHERE import_key LIKE 'filler-%%'"
        )
        # As autovacuum would: move the new entries from GIN's pending list into the index.
        cursor.execute("SELECT gin_clean_pending_list('search_document_grams_gin')")
        cursor.execute("ANALYZE articles_article")
        cursor.execute("ANALYZE search_searchdocument")
    return corpus


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_search_uses_the_gin_index_and_no_sequential_scan(many_articles):
    for query in ["衡阳", "有色金属", "衡", "2018年12月26日"]:
        unfiltered = plan(search_queryset(parse_query(query), Filters(), staff=False).order_by().values("pk")[:1001])
        assert "search_document_grams_gin" in unfiltered, unfiltered
        # With a cluster filter the planner may start from the cluster's few links instead;
        # either way nothing reads every article.
        filtered = plan(
            search_queryset(parse_query(query), Filters(cluster=cluster("nonferrous")), staff=False)
            .order_by()
            .values("pk")[:1001]
        )
        for explained in (unfiltered, filtered):
            assert "Seq Scan on articles_article " not in explained, explained
            assert "Seq Scan on search_searchdocument" not in explained, explained


def test_without_the_index_the_same_check_would_fail(many_articles):
    # The check above can fail: dropping the index leaves only a sequential scan of the entries.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX search_document_grams_gin")
        explained = plan(search_queryset(parse_query("衡阳"), Filters(), staff=False).order_by().values("pk")[:1001])
        transaction.set_rollback(True)
    assert "Seq Scan" in explained
