"""articles.loading: the article page's data in one query on PostgreSQL, the same as the ORM's."""

import pytest
from django.db import connection
from django.db.models import prefetch_related_objects
from django.test import RequestFactory

from articles.loading import load_for_page
from articles.models import Article, detail_prefetches
from articles.site.article_page import ORIGIN_PLACEHOLDER, render_article_html
from tests.factories import ArticleFactory
from tests.site.conftest import SEED_DAY, add_section, make_page, morning
from tests.site.test_article_page import build_article

pytestmark = pytest.mark.django_db


def through_the_orm(pk: int) -> Article:
    article = Article.objects.select_related("page__issue").get(pk=pk)
    prefetch_related_objects([article], *detail_prefetches())
    return article


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_every_relation_is_loaded_as_the_orm_loads_it(django_assert_num_queries):
    article = build_article(3)
    article.tags.add("后加的标签")
    add_section(article, 9, "无人点评的一节", body="正文。")  # a section without a commentator
    expected = through_the_orm(article.pk)

    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 6):
        loaded = load_for_page([article.pk])[article.pk]

    with django_assert_num_queries(0):  # everything the page shows is there already
        assert field_values(loaded) == field_values(expected)
        assert field_values(loaded.page) == field_values(expected.page)
        assert field_values(loaded.page.issue) == field_values(expected.page.issue)
        for name, related in (("sections", "commentator"), ("credits", "contributor"), ("photos", "photographer")):
            got, want = list(getattr(loaded, name).all()), list(getattr(expected, name).all())
            assert [field_values(x) for x in got] == [field_values(x) for x in want], name
            assert [getattr(x, related) and field_values(getattr(x, related)) for x in got] == [
                getattr(x, related) and field_values(getattr(x, related)) for x in want
            ], name
        assert sorted(t.name for t in loaded.tags.all()) == sorted(t.name for t in expected.tags.all())
        assert [t.name for t in loaded.tags.all()][-1] == "后加的标签"  # in the order they were given
        assert [c.slug for c in loaded.clusters.all()] == [c.slug for c in expected.clusters.all()]
        assert loaded.photos.all()[0].image.name == expected.photos.all()[0].image.name


def test_the_page_rendered_from_either_is_the_same():
    article = build_article(2)
    request = RequestFactory().get("/", HTTP_HOST="testserver")

    def page_of(instance):
        html, _ = render_article_html(
            request, instance, None, None, preview=False, origin=ORIGIN_PLACEHOLDER, stored=True
        )
        return html

    loaded = load_for_page([article.pk])[article.pk]
    expected = through_the_orm(article.pk)
    # Tags are shown in the order the database gives them to the ORM, which has none of its own.
    ordered = list(loaded.tags.all())
    expected._prefetched_objects_cache["tags"]._result_cache = ordered
    assert page_of(loaded) == page_of(expected)


def test_several_articles_at_once_and_unknown_ids_left_out():
    page = make_page()
    a = ArticleFactory(page=page, position=1, published_at=morning(SEED_DAY))
    b = ArticleFactory(page=None, published_at=morning(SEED_DAY))
    loaded = load_for_page([a.pk, b.pk, 987654321])
    assert set(loaded) == {a.pk, b.pk}
    assert loaded[a.pk].page.number == "A04" and loaded[b.pk].page is None
    assert load_for_page([]) == {}
