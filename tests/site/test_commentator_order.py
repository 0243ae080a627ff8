"""A commentator's page lists their sections by their articles' publication, newest first, from
the copy of that time each section carries (Section.article_published_at, kept by the database):
whatever writes a section or changes an article's time, the copy follows, and the page with it."""

import datetime
import re

import pytest
from django.db.models import F

from articles.importing.importer import insert_rows
from articles.models import Article, Section
from tests.factories import ArticleFactory, CommentatorFactory, SectionFactory
from tests.site.conftest import SEED_DAY, add_section, morning, published_on

pytestmark = pytest.mark.django_db


def day(i: int) -> datetime.date:
    return SEED_DAY - datetime.timedelta(days=i)


def stale_copies() -> list[tuple[int, object, object]]:
    """Sections whose copy differs from their article's time: none, always."""
    return list(
        Section.objects.exclude(article_published_at=F("article__published_at"))
        .exclude(article_published_at__isnull=True, article__published_at__isnull=True)
        .values_list("pk", "article_published_at", "article__published_at")
    )


def listed_headings(client, person) -> list[str]:
    html = client.get(person.get_absolute_url()).content.decode()
    return re.findall(r'<h3 class="item-title"><a [^>]*>([^<]*)</a>', html)


def test_a_section_takes_its_article_time_when_written():
    article = published_on(day(3))
    section = SectionFactory(article=article)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    in_draft = SectionFactory(article=draft)
    section.refresh_from_db()
    in_draft.refresh_from_db()
    assert section.article_published_at == morning(day(3))
    assert in_draft.article_published_at is None
    assert stale_copies() == []


def test_an_article_given_a_new_time_gives_it_to_its_sections():
    article = published_on(day(3))
    sections = [SectionFactory(article=article), SectionFactory(article=article)]
    article.published_at = morning(day(1))
    article.save()
    assert {s.article_published_at for s in Section.objects.filter(pk__in=[s.pk for s in sections])} == {
        morning(day(1))
    }
    Article.objects.filter(pk=article.pk).update(published_at=morning(day(9)))  # no save(), no signal
    assert set(Section.objects.filter(article=article).values_list("article_published_at", flat=True)) == {
        morning(day(9))
    }
    assert stale_copies() == []


def test_a_section_saved_from_an_old_copy_in_memory_keeps_the_article_time():
    article = published_on(day(3))
    section = SectionFactory(article=article)
    loaded = Section.objects.get(pk=section.pk)  # holds day 3
    Article.objects.filter(pk=article.pk).update(published_at=morning(day(2)))
    loaded.heading = "改过的小标题"
    loaded.save()
    section.refresh_from_db()
    assert section.heading == "改过的小标题" and section.article_published_at == morning(day(2))


def test_a_section_moved_to_another_article_takes_that_article_time():
    section = SectionFactory(article=published_on(day(3)))
    other = published_on(day(5), title="另一篇")
    section.article = other
    section.save()
    section.refresh_from_db()
    assert section.article_published_at == morning(day(5))


def test_sections_loaded_in_bulk_take_their_articles_time():
    """The importer's and the archive generator's path: COPY on PostgreSQL, INSERT on SQLite."""
    article = published_on(day(4))
    person = CommentatorFactory(name="夏君山")
    rows = [
        {
            "article_id": article.pk,
            "position": n,
            "heading": f"第{n}段",
            "commentator_id": person.pk,
            "commentator_title": "市人大代表",
            "body": "正文",
        }
        for n in (1, 2)
    ]
    insert_rows(Section, rows)
    assert set(Section.objects.filter(article=article).values_list("article_published_at", flat=True)) == {
        morning(day(4))
    }


def test_the_commentator_page_follows_an_article_moved_in_time(client):
    first = published_on(day(1), title="较新的稿件")
    second = published_on(day(2), title="较旧的稿件")
    third = published_on(day(3), title="最旧的稿件")
    for article, heading in ((first, "第一篇"), (second, "第二篇"), (third, "第三篇")):
        add_section(article, 1, heading, "市人大代表", "夏君山")
    person = Section.objects.get(heading="第一篇").commentator
    assert listed_headings(client, person) == ["第一篇", "第二篇", "第三篇"]
    third.published_at = morning(SEED_DAY)  # the oldest re-dated to the newest
    third.save()
    assert listed_headings(client, person) == ["第三篇", "第一篇", "第二篇"]
    Article.objects.filter(pk=first.pk).update(status=Article.Status.DRAFT, published_at=None)
    assert listed_headings(client, person) == ["第三篇", "第二篇"]  # visibility is still the article's


def test_sections_are_read_without_parallel_workers_on_postgresql():
    """A commentator's sections are read a few thousand at most: parallel workers cost more to
    start than they save (migration 0017)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL table setting")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'articles_section'")
        assert "parallel_workers=0" in cursor.fetchone()[0]
