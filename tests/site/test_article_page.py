"""The article page as a reader of the paper knows it, at a fixed number of queries."""

import datetime
import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Article
from articles.site.article_page import render_article
from tests.factories import ArticleFactory, cluster
from tests.site.conftest import (
    SEED_DAY,
    SEED_TITLE,
    add_credits,
    add_photo,
    add_section,
    due_in_an_hour,
    make_page,
    morning,
    published_on,
)

pytestmark = pytest.mark.django_db

# A version not stored yet: the state query (visibility, previous/next, stored page), the article
# with everything it shows, and the upsert that stores the page. Reading the article is one JSON
# query on PostgreSQL (articles.loading); elsewhere the ORM's article query and five prefetches
# (sections with commentators, credits with contributors, photos with photographers, tags, clusters).
ARTICLE_PAGE_QUERIES = 3 if connection.vendor == "postgresql" else 8
# A second reader of an unchanged article: the freshness query, then the cached response.
CACHED_ARTICLE_PAGE_QUERIES = 1


def text_of(html: str) -> str:
    """Visible text with tags dropped and whitespace collapsed, for checking printed lines."""
    body = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def element_text(html: str, css_class: str) -> str:
    match = re.search(rf'<p class="{css_class}">(.*?)</p>', html, flags=re.S)
    assert match, f"no .{css_class} on the page"
    return squeeze(unescape(re.sub(r"<[^>]+>", "", match.group(1))))


def json_ld_of(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def test_the_seed_page_reads_as_printed(client, seed_article):
    response = client.get(seed_article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(html)

    assert f'<h1 class="article-title">{SEED_TITLE}</h1>' in html
    assert element_text(html, "credit-line") == (
        "统筹/本报记者 罗文鹏 整理/本报记者 姚永军 罗文鹏 许珂 金明达 摄影/黄沐 陈太仰 王翟"
    )
    assert "刊于《衡阳日报》2019年1月8日 第A04版 两会特刊" in text
    assert "千亿产业集群的力量，澎湃衡州大地，推动大城衡阳崛起。" in text
    # Each section: heading, then the title printed at the time and the linked name.
    for name, title in [
        ("夏君山", "市人大代表"),
        ("罗安宝", "市政协委员"),
        ("殷小虎", "市人大代表"),
        ("吴颖", "市政协委员"),
    ]:
        commentator = seed_article.sections.get(commentator__name=name).commentator
        assert re.search(
            rf'<span class="commentator-title">{title}</span> <a href="/commentators/{commentator.pk}/">{name}</a>',
            html,
        )
    assert html.count('<h3 class="subheading">走绿色发展之路</h3>') == 4
    assert "### " not in html
    assert '<a class="chip" href="/clusters/rail-transit/">轨道交通</a>' in html
    assert '<a class="chip" href="/tags/%E4%B8%A4%E4%BC%9A/">两会</a>' in html


def test_the_credit_line_follows_print_order_whatever_the_ids(client):
    article = published_on(SEED_DAY)
    add_credits(
        article,
        [
            ("记者", "本报记者", "张三"),
            ("通讯员", "本报通讯员", "李四"),
            ("文/图", "", "王五"),
        ],
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert element_text(html, "credit-line") == "本报记者 张三 本报通讯员 李四 文/图 王五"


def test_citation_canonical_and_open_graph(client, seed_article):
    html = client.get(seed_article.get_absolute_url()).content.decode()
    url = f"http://testserver/articles/{seed_article.pk}/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert f'<meta property="og:title" content="{SEED_TITLE}">' in html
    assert '<meta property="og:type" content="article">' in html
    citation = unescape(re.search(r'<textarea id="citation-text"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    assert citation == f"姚永军, 罗文鹏, 许珂, 等. {SEED_TITLE}[N]. 衡阳日报, 2019-01-08(A04). {url}"


def test_json_ld_is_a_news_article(client, seed_article):
    data = json_ld_of(client.get(seed_article.get_absolute_url()).content.decode())
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == SEED_TITLE
    assert data["url"] == f"http://testserver/articles/{seed_article.pk}/"
    assert data["datePublished"] == "2019-01-08T06:00:00+08:00"
    assert data["printPage"] == "A04"
    assert data["printSection"] == "两会特刊"
    assert [a["name"] for a in data["author"]] == ["姚永军", "罗文鹏", "许珂", "金明达"]


def test_json_ld_cannot_be_closed_by_a_title(client):
    article = published_on(SEED_DAY, title='衡阳</script><script>alert("x")</script>', subtitle="a & b <c>")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    data = json_ld_of(html)  # the element still parses: the title did not end it
    assert data["headline"] == '衡阳</script><script>alert("x")</script>'
    assert data["alternativeHeadline"] == "a & b <c>"


def test_photos_show_with_caption_and_photographer(client):
    article = published_on(SEED_DAY)
    add_photo(
        article,
        1,
        is_lead=True,
        photographer="黄沐",
        caption="衡阳市胶轮有轨电车示范线工程启动。",
    )
    add_photo(article, 2, photographer="王翟", caption="水口山经济开发区。")
    html = client.get(article.get_absolute_url()).content.decode()
    text = text_of(html)
    assert "衡阳市胶轮有轨电车示范线工程启动。" in text and re.search(r"摄影[ /]黄沐", text)
    assert "水口山经济开发区。" in text and re.search(r"摄影[ /]王翟", text)
    assert 'alt="现场照片1"' in html
    # The lead photo comes before the text, the gallery after it.
    assert html.index("现场照片1") < html.index('class="lead"') < html.index("现场照片2")
    assert '<meta property="og:image" content="http://testserver/media/' in html


def build_article(n: int) -> Article:
    """An article with n sections, credits, tags, photos and clusters, plus neighbours in its issue."""
    page = make_page()
    article = ArticleFactory(
        page=page,
        position=2,
        published_at=morning(SEED_DAY),
        tags=[f"标签{i}" for i in range(n)],
    )
    ArticleFactory(page=page, position=1, published_at=morning(SEED_DAY))
    ArticleFactory(page=page, position=3, published_at=morning(SEED_DAY))
    add_credits(article, [("记者", "本报记者", f"记者{i}") for i in range(n)])
    for i in range(n):
        add_section(
            article,
            i + 1,
            f"小标题{i}",
            "市人大代表",
            f"代表{i}",
            body="正文。\n\n### 小标题\n\n正文。",
        )
        add_photo(article, i + 1, is_lead=i == 0, photographer=f"摄影{i}")
    slugs = [
        "military-civil",
        "nonferrous",
        "new-energy-vehicles",
        "rail-transit",
        "fine-chemicals",
    ]
    article.clusters.set([cluster(slug) for slug in slugs[: min(n, 5)]])
    return article


@pytest.mark.parametrize("n", [1, 20])
def test_article_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, n):
    article = build_article(n)
    with django_assert_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="article-section"') == n
    with django_assert_num_queries(CACHED_ARTICLE_PAGE_QUERIES):
        again = client.get(article.get_absolute_url())
    assert again.content == response.content


def test_previous_and_next_stay_in_the_issue_and_skip_what_readers_cannot_see(client):
    page_a1 = make_page(number="A01", name="要闻")
    page_a4 = make_page()
    first = ArticleFactory(title="头版稿件", page=page_a1, position=1, published_at=morning(SEED_DAY))
    ArticleFactory(
        title="未发草稿",
        page=page_a1,
        position=2,
        status=Article.Status.DRAFT,
        published_at=None,
    )
    ArticleFactory(title="撤下的稿件", page=page_a1, position=3, status=Article.Status.WITHDRAWN)
    middle = ArticleFactory(title="第四版稿件", page=page_a4, position=1, published_at=morning(SEED_DAY))
    ArticleFactory(
        title="另一天的稿件",
        page=make_page(SEED_DAY + datetime.timedelta(days=1)),
        published_at=morning(SEED_DAY),
    )

    html = client.get(middle.get_absolute_url()).content.decode()
    assert f'<a rel="prev" href="/articles/{first.pk}/">' in html
    assert 'rel="next"' not in html
    for hidden in ["未发草稿", "撤下的稿件", "另一天的稿件"]:
        assert hidden not in html
    first_html = client.get(first.get_absolute_url()).content.decode()
    assert f'<a rel="next" href="/articles/{middle.pk}/">' in first_html


def test_a_slug_after_the_id_is_the_same_page(client, seed_article):
    response = client.get(f"/articles/{seed_article.pk}/ba-da-qian-yi/")
    assert response.status_code == 200
    assert f'<link rel="canonical" href="http://testserver/articles/{seed_article.pk}/">' in response.content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"status": Article.Status.REVIEW, "published_at": None},
        {
            "status": Article.Status.SCHEDULED,
            "published_at": timezone.now() + datetime.timedelta(hours=2),
        },
        {
            "status": Article.Status.PUBLISHED,
            "published_at": timezone.now() + datetime.timedelta(hours=2),
        },
    ],
    ids=["draft", "review", "scheduled-future", "published-future"],
)
def test_articles_readers_cannot_see_are_404(client, fields):
    article = ArticleFactory(title="不应公开的稿件", **fields)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert "不应公开的稿件" not in response.content.decode()


def test_a_scheduled_article_appears_when_its_time_comes(client):
    article = ArticleFactory(
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert client.get(article.get_absolute_url()).status_code == 200


def test_unknown_article_is_404_in_chinese(client, db):
    response = client.get("/articles/99999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "衡阳日报" in html


def test_withdrawn_article_answers_410_with_the_reason_and_none_of_its_text(client, seed_article):
    seed_article.status = Article.Status.WITHDRAWN
    seed_article.withdrawn_reason = "稿件数据有误，已撤回核实。"
    seed_article.save()
    response = client.get(seed_article.get_absolute_url())
    assert response.status_code == 410
    html = response.content.decode()
    assert "稿件已撤回" in html
    assert "稿件数据有误，已撤回核实。" in html
    for leaked in [SEED_TITLE, "澎湃衡州大地", "夏君山", "可持续发展", "罗文鹏"]:
        assert leaked not in html


def test_withdrawal_is_seen_at_once_despite_the_page_cache(client, seed_article):
    assert client.get(seed_article.get_absolute_url()).status_code == 200
    seed_article.status = Article.Status.WITHDRAWN
    seed_article.save()
    assert client.get(seed_article.get_absolute_url()).status_code == 410


def test_an_edit_is_seen_at_once_despite_the_page_cache(client, seed_article):
    client.get(seed_article.get_absolute_url())
    seed_article.title = "改过的标题"
    seed_article.version += 1
    seed_article.save()
    assert "改过的标题" in client.get(seed_article.get_absolute_url()).content.decode()


def test_a_neighbour_going_live_on_time_shows_at_once_despite_the_page_cache(client, seed_article):
    later = due_in_an_hour(seed_article, "定时稿件到点上线")
    assert "定时稿件到点上线" not in client.get(seed_article.get_absolute_url()).content.decode()
    # Time passes: no save, no job; only the clock (here: the stored time) moves.
    Article.objects.filter(pk=later.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    assert "定时稿件到点上线" in client.get(seed_article.get_absolute_url()).content.decode()


def test_conditional_get_answers_304_until_the_article_changes(client, seed_article, django_assert_num_queries):
    url = seed_article.get_absolute_url()
    first = client.get(url)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

    with django_assert_num_queries(CACHED_ARTICLE_PAGE_QUERIES):
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert "max-age" in again.headers["Cache-Control"]
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304

    seed_article.lead = "新的导语。"
    seed_article.save()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_cache_control_is_longer_for_old_issues(client, seed_article):
    old = client.get(seed_article.get_absolute_url()).headers["Cache-Control"]
    assert "public" in old and "max-age=86400" in old
    today = published_on(
        timezone.localdate(),
        published_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    fresh = client.get(today.get_absolute_url()).headers["Cache-Control"]
    assert "max-age=300" in fresh


def test_render_article_preview_shows_any_status_marked_and_never_cached(db, admin_user):
    draft = ArticleFactory(title="待审稿件", status=Article.Status.REVIEW, published_at=None)
    add_section(draft, 1, "小标题", "市人大代表", "夏君山")
    request = RequestFactory().get(f"/admin/articles/article/{draft.pk}/preview/")
    request.user = admin_user
    response = render_article(request, draft, preview=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "预览" in html and "待审稿件" in html and "夏君山" in html
    cache_control = response.headers["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "ETag" not in response.headers


def test_render_article_preview_of_a_withdrawn_article_shows_it_to_staff(db, admin_user):
    withdrawn = ArticleFactory(title="撤下的稿件", status=Article.Status.WITHDRAWN, withdrawn_reason="核实中")
    request = RequestFactory().get("/preview/")
    request.user = admin_user
    response = render_article(request, withdrawn, preview=True)
    assert response.status_code == 200
    assert "撤下的稿件" in response.content.decode()
