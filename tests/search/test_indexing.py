import pytest
from django.db import transaction

from articles.models import Article
from search import indexing
from search.engine import Filters, search_queryset
from search.indexing import index_articles
from search.models import SearchDocument
from search.query import parse_query
from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    ContributorFactory,
    CreditFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


def found(query, *, staff=False):
    return set(search_queryset(parse_query(query), Filters(), staff=staff).values_list("pk", flat=True))


@pytest.fixture
def index_calls(monkeypatch):
    """Records each batch the signals hand to index_articles (and still indexes it)."""
    calls = []
    real = indexing.index_articles

    def recording(ids):
        calls.append(sorted(ids))
        real(ids)

    monkeypatch.setattr(indexing, "index_articles", recording)
    return calls


def test_saving_an_article_with_its_parts_indexes_it_once_after_commit(django_capture_on_commit_callbacks, index_calls):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():  # what an admin save with inlines does
            article = ArticleFactory(title="松木经开区新闻")
            for position in range(1, 4):
                SectionFactory(
                    article=article,
                    position=position,
                    body=f"第{position}段讲到蒸水河。",
                )
            CreditFactory(
                article=article,
                position=1,
                contributor=ContributorFactory(name="罗文鹏"),
            )
            assert index_calls == []  # nothing before the commit
    assert index_calls == [[article.pk]]
    assert found("蒸水河") == {article.pk}
    assert found("罗文鹏") == {article.pk}


def test_a_rolled_back_save_indexes_nothing_and_later_saves_still_do(django_capture_on_commit_callbacks, index_calls):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                ArticleFactory(title="回滚的稿件")
                raise RuntimeError
        except RuntimeError:
            pass
        article = ArticleFactory(title="之后的稿件")
    assert index_calls == [[article.pk]]
    assert found("稿件") == {article.pk}


def test_edits_status_changes_and_deletes_keep_the_index_in_step(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory(title="雁城新闻", status=Article.Status.DRAFT)
        section = SectionFactory(article=article, position=1, body="耒水风光带")
    assert found("耒水") == set()  # a draft
    assert found("耒水", staff=True) == {article.pk}
    with django_capture_on_commit_callbacks(execute=True):
        article.status = Article.Status.PUBLISHED
        article.save()
    assert found("耒水") == {article.pk}
    with django_capture_on_commit_callbacks(execute=True):
        section.body = "湘江风光带"
        section.save()
    assert found("耒水") == set()
    assert found("湘江") == {article.pk}
    with django_capture_on_commit_callbacks(execute=True):
        section.delete()
    assert found("湘江") == set()
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "石鼓书院新闻"
        article.save()
    assert found("石鼓") == {article.pk} and found("雁城") == set()
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    assert found("石鼓", staff=True) == set()
    assert not SearchDocument.objects.filter(article_id=article.pk).exists()


def test_renaming_a_commentator_reindexes_their_articles(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        commentator = CommentatorFactory(name="王旧名")
        article = ArticleFactory()
        SectionFactory(article=article, position=1, commentator=commentator)
    assert found("王旧名") == {article.pk}
    with django_capture_on_commit_callbacks(execute=True):
        commentator.name = "王新名"
        commentator.save()
    assert found("王新名") == {article.pk} and found("王旧名") == set()


def test_index_articles_is_idempotent_and_drops_missing_ids():
    article = ArticleFactory(title="珠晖区新闻")
    index_articles([article.pk])
    index_articles([article.pk, article.pk])
    assert found("珠晖") == {article.pk}
    missing = article.pk + 1000
    index_articles([missing])
    assert SearchDocument.objects.count() == 1
    Article.objects.filter(pk=article.pk).delete()  # a bulk delete sends no per-row signal to rely on
    index_articles([article.pk])
    assert SearchDocument.objects.count() == 0
    assert found("珠晖", staff=True) == set()


def test_index_articles_handles_more_than_one_chunk():
    articles = [ArticleFactory(title=f"蒸湘区新闻{i}") for i in range(7)]
    index_articles([a.pk for a in articles], chunk_size=3)
    assert found("蒸湘") == {a.pk for a in articles}
