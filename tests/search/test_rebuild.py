"""rebuild_search_index, bulk loads announced by articles.signals, and the two ways entries
are written on PostgreSQL (COPY for bulk)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Article
from articles.signals import articles_written, bulk_load_finished
from search import extra_tokens
from search.backends import get_backend
from search.engine import Filters, search_queryset
from search.indexing import index_articles, rebuild_index
from search.query import parse_query
from tests.factories import ArticleFactory, SectionFactory, cluster

pytestmark = pytest.mark.django_db(transaction=True)


def found(query):
    return set(search_queryset(parse_query(query), Filters(), staff=False).values_list("pk", flat=True))


def entries():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM search_searchdocument ORDER BY article_id")
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if "grams" in row:
            row["grams"] = sorted(row["grams"])
    return rows


def test_rebuild_restores_a_damaged_index(db):
    kept = ArticleFactory(title="石鼓书院修缮完工", status="published")
    lost = ArticleFactory(title="石鼓书院重新开放", status="published")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_searchdocument WHERE article_id = %s", [lost.pk])
    assert found("石鼓书院") == {kept.pk}
    out = io.StringIO()
    call_command("rebuild_search_index", "--no-progress", stdout=out)
    assert "索引重建完成：2 篇" in out.getvalue()
    assert found("石鼓书院") == {kept.pk, lost.pk}
    assert [e["article_id"] for e in entries()] == sorted([kept.pk, lost.pk])
    # Saves after a rebuild reach the new tables.
    lost.title = "水口山矿区复绿"
    lost.save()
    assert found("水口山") == {lost.pk} and found("石鼓书院") == {kept.pk}


def unindexed_articles(title: str, n: int) -> list[int]:
    """Articles as a bulk writer leaves them: rows without index entries."""
    ids = [ArticleFactory(title=f"{title}第{i}篇", status="published").pk for i in range(n)]
    with connection.cursor() as cursor:
        get_backend().clear(cursor)
    assert found(title) == set()
    return ids


def test_rows_written_without_save_are_indexed_when_announced():
    ids = unindexed_articles("耒阳油茶", 3)
    articles_written.send(sender=Article, article_ids=ids, bulk_load=False)
    assert found("耒阳油茶") == set(ids)


def test_a_bulk_load_is_indexed_by_chunk_or_once_at_its_end():
    ids = unindexed_articles("常宁茶油", 4)
    articles_written.send(sender=Article, article_ids=ids[:2], bulk_load=True)
    articles_written.send(sender=Article, article_ids=ids[2:], bulk_load=True)
    # PostgreSQL waits for the end and builds the GIN index in one pass; SQLite indexes each chunk.
    assert found("常宁茶油") == (set() if connection.vendor == "postgresql" else set(ids))
    bulk_load_finished.send(sender=Article, article_ids=ids)
    assert found("常宁茶油") == set(ids)


def test_the_end_of_a_bulk_load_refreshes_statistics_before_the_index_is_built():
    """The rebuild reads sections, credits and cluster links by article: planned from the
    statistics of empty tables it scanned them whole for every chunk (370 articles/s at a million)."""
    from django.test.utils import CaptureQueriesContext

    ids = unindexed_articles("祁东黄花菜", 2)
    articles_written.send(sender=Article, article_ids=ids, bulk_load=True)
    with CaptureQueriesContext(connection) as queries:
        bulk_load_finished.send(sender=Article, article_ids=ids)
    statements = [q["sql"] for q in queries]
    analysed = {i: sql for i, sql in enumerate(statements) if sql.startswith("ANALYZE") and "articles_" in sql}
    for table in ("articles_article", "articles_section", "articles_credit", "articles_article_clusters"):
        assert any(table in sql for sql in analysed.values()), table
    # All of it before a rebuild (PostgreSQL's, after a load) first reads the sections.
    reads = [i for i, sql in enumerate(statements) if sql.startswith("SELECT") and "articles_section" in sql]
    assert max(analysed) < min(reads, default=len(statements))
    assert found("祁东黄花菜") == set(ids)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_bulk_writes_by_copy_store_what_single_writes_store(db):
    nonferrous = cluster("nonferrous")
    published = datetime.datetime(2019, 12, 26, 9, 30, tzinfo=datetime.UTC)
    articles = [
        ArticleFactory(title=f"有色金属产业第{i}篇", status="published", published_at=published) for i in range(25)
    ]
    for article in articles[::2]:
        article.clusters.add(nonferrous)
        SectionFactory(article=article, heading="代表建议")
    ids = [a.pk for a in articles]
    index_articles(ids)  # 25 rows: through COPY
    bulk = entries()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_searchdocument")
    for pk in ids:
        index_articles([pk])  # one row: a plain INSERT
    assert entries() == bulk
    first = bulk[0]
    assert first["published_at"] == published
    assert first["clusters"] == [nonferrous.pk] and first["commentators"]
    assert {
        extra_tokens.month_token(published),
        extra_tokens.year_token(published),
        extra_tokens.cluster_token(nonferrous.pk),
    } <= set(first["grams"])


def test_window_tokens_cover_each_month_once():
    start = datetime.datetime(2018, 11, 5, tzinfo=datetime.UTC)
    end = datetime.datetime(2021, 2, 1, tzinfo=datetime.UTC)
    tokens = extra_tokens.window_tokens(start, end)
    # Nov and Dec 2018 as months, 2019 and 2020 as years, Jan and Feb 2021 as months.
    assert len(tokens) == 6
    for year, month in [(2018, 11), (2019, 1), (2020, 7), (2021, 2)]:
        when = datetime.datetime(year, month, 15, tzinfo=datetime.UTC)
        assert extra_tokens.month_token(when) in tokens or extra_tokens.year_token(when) in tokens
    outside = datetime.datetime(2018, 10, 31, tzinfo=datetime.UTC)
    assert extra_tokens.month_token(outside) not in tokens and extra_tokens.year_token(outside) not in tokens


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the parallel rebuild is PostgreSQL's")
def test_a_rebuild_with_workers_writes_what_one_without_writes(db):
    from search.backends.postgres import PostgresBackend

    nonferrous = cluster("nonferrous")
    for i in range(12):
        article = ArticleFactory(title=f"水口山第{i}期工程", lead=f"2019年3月{i + 1}日开工", status="published")
        if i % 3 == 0:
            article.clusters.add(nonferrous)
            SectionFactory(article=article)
    rebuild_index(backend=PostgresBackend(parallel_from=10**9))
    serial = entries()
    # Several chunks in flight at once.
    rebuild_index(backend=PostgresBackend(parallel_from=0), chunk_size=5)
    assert entries() == serial and len(serial) == 12
    # 3月1日 is not in 3月10日: the trigram tokens narrow, the substring check decides.
    assert found("2019年3月1日") == {serial[0]["article_id"]}


def test_migrate_rebuilds_the_index_after_a_migration_that_changes_the_tokens(db):
    """Migrations import no application code: the rebuild they need runs after `migrate`."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader
    from django.db.models.signals import post_migrate

    article = ArticleFactory(title="石鼓书院修缮完工", status="published")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE search_searchdocument SET body = '', head = ''")
    assert article.pk not in found("石鼓书院")  # the index is stale

    loader = MigrationLoader(connection)

    def migrated(app_label, name):
        """What `migrate` announces after applying that one migration."""
        search = apps.get_app_config("search")
        plan = [(loader.graph.nodes[(app_label, name)], False)]
        post_migrate.send(
            sender=search, app_config=search, verbosity=0, interactive=False, using="default", plan=plan, apps=apps
        )

    migrated("articles", "0001_initial")
    assert article.pk not in found("石鼓书院")  # an unrelated migration leaves the index alone

    migrated("search", "0007_new_tokens")
    assert article.pk in found("石鼓书院")

    # The next token migration (pages, commentators, months before 2000) rebuilds as well.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE search_searchdocument SET body = '', head = ''")
    assert article.pk not in found("石鼓书院")
    migrated("search", "0008_filter_tokens")
    assert article.pk in found("石鼓书院")

    # And the quadgrams' (dates and amounts).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE search_searchdocument SET body = '', head = ''")
    migrated("search", "0009_quadgram_tokens")
    assert article.pk in found("石鼓书院")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index builds")
@pytest.mark.parametrize(("configured", "used"), [("64MB", "256MB"), ("1GB", "1GB")])
def test_a_rebuild_builds_its_indexes_in_at_least_256_mb_and_never_less_than_configured(configured, used):
    ArticleFactory(title="衡州窑遗址考古新发现", status="published")
    seen = []

    def watch(execute, sql, params, many, context):
        if sql.startswith("CREATE INDEX"):
            with connection.connection.cursor() as probe:
                seen.append(probe.execute("SHOW maintenance_work_mem").fetchone()[0])
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute(f"SET maintenance_work_mem = '{configured}'")
    try:
        with connection.execute_wrapper(watch):
            rebuild_index()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET maintenance_work_mem")
    assert seen and set(seen) == {used}
    assert found("衡州窑")
