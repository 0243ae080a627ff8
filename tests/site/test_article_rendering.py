"""The article page rendered once per version and stored (ArticleRendering), assembled per request."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, ArticleRendering, Commentator, Contributor, PageRegion
from articles.site.article_page import ORIGIN_PLACEHOLDER, PREV_NEXT_SLOT
from tests.factories import ArticleFactory, cluster
from tests.site.conftest import SEED_DAY, add_credits, add_photo, add_section, make_page, morning
from tests.site.test_article_page import ARTICLE_PAGE_QUERIES, json_ld_of

pytestmark = pytest.mark.django_db


def page(client, article, **kwargs) -> str:
    response = client.get(article.get_absolute_url(), **kwargs)
    assert response.status_code == 200
    return response.content.decode()


def test_the_first_view_stores_the_page_and_later_views_read_it_with_one_query(
    client, seed_article, django_assert_num_queries
):
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        first = page(client, seed_article)
    stored = ArticleRendering.objects.get(article=seed_article)
    assert stored.version == seed_article.version
    assert ORIGIN_PLACEHOLDER in stored.html and PREV_NEXT_SLOT in stored.html
    assert ORIGIN_PLACEHOLDER not in first and PREV_NEXT_SLOT not in first
    with django_assert_num_queries(1):
        assert page(client, seed_article) == first


def test_a_stored_page_is_served_with_each_request_host(client, seed_article, settings):
    settings.ALLOWED_HOSTS = ["testserver", "paper.example"]
    path = seed_article.get_absolute_url()
    page(client, seed_article)  # stored while served to the test client's host
    html = page(client, seed_article, headers={"Host": "paper.example"}, secure=True)
    assert f'<link rel="canonical" href="https://paper.example{path}">' in html
    assert f'<meta property="og:url" content="https://paper.example{path}">' in html
    assert json_ld_of(html)["url"] == f"https://paper.example{path}"
    assert "testserver" not in html
    etag_here = client.get(path).headers["ETag"]
    etag_there = client.get(path, headers={"Host": "paper.example"}, secure=True).headers["ETag"]
    assert etag_here != etag_there


def test_a_stored_page_follows_a_new_photo_a_renamed_commentator_and_a_new_tag(client, seed_article):
    page(client, seed_article)
    add_photo(seed_article, 9, caption="新增的现场照片说明。")
    assert "新增的现场照片说明。" in page(client, seed_article)

    commentator = Commentator.objects.filter(sections__article=seed_article).first()
    commentator.name = "改名后的委员"
    commentator.save()
    assert "改名后的委员" in page(client, seed_article)

    seed_article.tags.add("新标签")
    assert "新标签" in page(client, seed_article)

    seed_article.clusters.add(cluster("textiles"))
    assert ">纺织服装<" in page(client, seed_article)


def test_a_renamed_contributor_shows_at_once(client):
    article = ArticleFactory()
    add_credits(article, [("记者", "本报记者", "罗文鹏")])
    assert "罗文鹏" in page(client, article)
    contributor = Contributor.objects.get(name="罗文鹏")
    contributor.name = "罗文鹏改"
    contributor.save()
    assert "罗文鹏改" in page(client, article)


def test_a_section_edit_and_a_withdrawal_show_at_once(client, seed_article):
    page(client, seed_article)
    add_section(seed_article, 99, "新增的小节标题")
    assert "新增的小节标题" in page(client, seed_article)
    seed_article.status = Article.Status.WITHDRAWN
    seed_article.save()
    assert client.get(seed_article.get_absolute_url()).status_code == 410


def test_neighbours_fill_the_stored_page_per_request(client, seed_article, django_assert_num_queries):
    page(client, seed_article)
    later = ArticleFactory(
        title="下一篇到点上线",
        page=seed_article.page,
        position=seed_article.position + 1,
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert "下一篇到点上线" not in page(client, seed_article)
    Article.objects.filter(pk=later.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    with django_assert_num_queries(1):
        html = page(client, seed_article)
    assert f'<a rel="next" href="/articles/{later.pk}/"><span class="label">下一篇</span>下一篇到点上线</a>' in html


def test_a_page_from_another_deployment_is_rendered_again(client, seed_article):
    page(client, seed_article)
    ArticleRendering.objects.filter(article=seed_article).update(shell="old", html="stale")
    assert "stale" not in page(client, seed_article)
    assert ArticleRendering.objects.get(article=seed_article).html != "stale"


def test_the_article_links_back_to_its_epaper_pages_and_follows_region_changes(client):
    a04 = make_page()
    a05 = make_page(number="A05", name="两会特刊")
    article = ArticleFactory(page=a04, position=1, published_at=morning(SEED_DAY), title="转版的稿件")
    square = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]
    PageRegion.objects.create(page=a04, article=article, polygon=square)

    html = client.get(article.get_absolute_url()).content.decode()
    assert f'<a href="/issues/2019-01-08/A04/#article-{article.pk}">见第A04版</a>' in html
    assert "转第A05版" not in html

    # Continued on A05 (转版): the region is drawn later, without touching the article.
    PageRegion.objects.create(page=a05, article=article, polygon=square)
    again = client.get(article.get_absolute_url())
    assert f'<a href="/issues/2019-01-08/A05/#article-{article.pk}">转第A05版</a>' in again.content.decode()
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304

    web_only = ArticleFactory(page=None, published_at=morning(SEED_DAY), title="仅网络发布")
    assert "epaper-links" not in client.get(web_only.get_absolute_url()).content.decode()
