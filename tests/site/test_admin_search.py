"""The article admin's search box goes through the archive index (the hook search registers)."""

import pytest
from django.urls import reverse

from articles.hooks import admin_search
from articles.models import Article
from search.indexing import index_articles
from tests.factories import ArticleFactory
from tests.site.conftest import add_section
from tests.site.test_admin_scale import list_statements

pytestmark = pytest.mark.django_db


def changelist_titles(client, **params) -> str:
    response = client.get(reverse("admin:articles_article_changelist"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_search_app_registers_the_admin_search():
    assert admin_search(Article.objects.all(), "衡阳") is not None


def test_the_admin_search_box_finds_words_in_the_body_through_the_index(admin_client):
    in_body = ArticleFactory(title="标题里没有", status=Article.Status.DRAFT, published_at=None)
    add_section(in_body, 1, "小节", body="水口山锌项目投产。")
    other = ArticleFactory(title="另一篇稿件")
    index_articles([in_body.pk, other.pk])
    html = changelist_titles(admin_client, q="水口山")
    assert "标题里没有" in html and "另一篇稿件" not in html
    assert "另一篇稿件" in changelist_titles(admin_client, q="另一篇")


def test_a_search_runs_the_same_number_of_queries_for_few_and_many_matches(admin_client, django_assert_max_num_queries):
    url = reverse("admin:articles_article_changelist")
    first = ArticleFactory(title="园区稿件0")
    index_articles([first.pk])
    admin_client.get(url, {"q": "园区"})  # warm the session and caches
    with django_assert_max_num_queries(50) as few:
        admin_client.get(url, {"q": "园区"})
    more = [ArticleFactory(title=f"园区稿件{i}") for i in range(1, 15)]
    index_articles([a.pk for a in more])
    with django_assert_max_num_queries(50) as many:
        html = admin_client.get(url, {"q": "园区"}).content.decode()
    assert html.count("园区稿件") >= 15
    # The index's matches are found as the public search finds them: a denser term may take a
    # few more statements of the engine (a window's edge along the date index), never one per match.
    assert len(list_statements(many)) == len(list_statements(few))


def test_input_the_parser_refuses_finds_nothing_rather_than_failing(admin_client):
    ArticleFactory(title="正常稿件")
    html = changelist_titles(admin_client, q="衡" * 1000)
    assert "正常稿件" not in html


def test_a_search_keeps_the_lists_filters(admin_client):
    draft = ArticleFactory(title="园区草稿", status=Article.Status.DRAFT, published_at=None)
    published = ArticleFactory(title="园区已发")
    index_articles([draft.pk, published.pk])
    html = changelist_titles(admin_client, q="园区", status="draft")
    assert "园区草稿" in html and "园区已发" not in html
