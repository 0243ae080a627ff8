"""The articles' sitemap is split into files of at most SITEMAP_URLS_PER_FILE URLs, by blocks of
ids: each file costs the same queries whatever the archive's size, and the index never loads the
articles to find their last change."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from articles.models import Article
from articles.site.sitemaps import URLS_PER_FILE, ArticleSitemap, urls_per_file
from tests.factories import ArticleFactory, PageFactory
from tests.site.conftest import SITEMAP_NS, sitemap_entries

pytestmark = pytest.mark.django_db


def index_locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [loc.text.removeprefix("http://testserver") for loc in root.findall("s:sitemap/s:loc", SITEMAP_NS)]


def article_files(client) -> list[str]:
    return [loc for loc in index_locations(client) if loc.startswith("/sitemap-articles.xml")]


def urls_in(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    root = ET.fromstring(response.content)
    return [url.findtext("s:loc", namespaces=SITEMAP_NS) for url in root.findall("s:url", SITEMAP_NS)]


def urls_in_files(client, files: list[str], *, at_most: int) -> list[str]:
    """The URLs of every file, each file holding at most ``at_most``."""
    listed = []
    for path in files:
        urls = urls_in(client, path)
        assert len(urls) <= at_most
        listed += urls
    return listed


def test_the_protocols_limit_is_the_default():
    assert URLS_PER_FILE == 50_000
    assert urls_per_file() == 50_000


@override_settings(SITEMAP_URLS_PER_FILE=3)
def test_the_index_lists_every_file_and_no_file_holds_more_than_the_limit(client):
    articles = [ArticleFactory() for _ in range(8)]
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    files = article_files(client)
    highest = max(a.pk for a in [*articles, draft])
    # Blocks of ids up to the highest visible one: the draft, if it is the highest, adds no file.
    assert len(files) == -(-max(a.pk for a in articles) // 3) <= -(-highest // 3)
    listed = urls_in_files(client, files, at_most=3)
    assert sorted(listed) == sorted(f"http://testserver{a.get_absolute_url()}" for a in articles)
    assert len(listed) == len(set(listed))
    assert not any(str(draft.pk) in url.rsplit("/", 2)[-2] for url in listed)
    # Everything the sitemap lists is still there through the usual helper too.
    assert {a.get_absolute_url() for a in articles} <= set(sitemap_entries(client))


@override_settings(SITEMAP_URLS_PER_FILE=3)
def test_issues_are_filed_by_blocks_of_ids_and_only_those_a_reader_may_open(client, django_assert_max_num_queries):
    opened = [ArticleFactory(page=PageFactory()) for _ in range(7)]
    draft = ArticleFactory(page=PageFactory(), status=Article.Status.DRAFT, published_at=None)
    scheduled = ArticleFactory(page=PageFactory(), published_at=timezone.now() + datetime.timedelta(days=1))
    with django_assert_max_num_queries(10) as index:
        files = [loc for loc in index_locations(client) if loc.startswith("/sitemap-issues.xml")]
    # The index counts no issues: it files them by blocks of ids up to the highest.
    counts = [query["sql"] for query in index.captured_queries if "COUNT(" in query["sql"].upper()]
    assert not any("articles_issue" in sql for sql in counts)
    highest = max(a.page.issue_id for a in [*opened, draft, scheduled])
    # Blocks of ids up to the highest issue a reader may open: hidden ones add no file.
    assert len(files) == -(-max(a.page.issue_id for a in opened) // 3) <= -(-highest // 3)
    listed = urls_in_files(client, files, at_most=3)
    assert sorted(listed) == sorted(f"http://testserver/issues/{a.page.issue.date.isoformat()}/" for a in opened)
    for hidden in (draft, scheduled):
        assert not any(hidden.page.issue.date.isoformat() in url for url in listed)


@override_settings(SITEMAP_URLS_PER_FILE=3)
def test_a_file_past_the_last_or_not_a_number_is_not_found(client):
    ArticleFactory()
    last = len(article_files(client))
    assert client.get(f"/sitemap-articles.xml?p={last + 1}").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404


@override_settings(SITEMAP_URLS_PER_FILE=5)
def test_a_file_costs_the_same_queries_for_a_small_and_a_larger_archive(client, django_assert_max_num_queries):
    ArticleFactory()
    with django_assert_max_num_queries(10) as small:
        client.get("/sitemap-articles.xml")
    with django_assert_max_num_queries(10) as small_index:
        client.get("/sitemap.xml")
    for _ in range(20):
        ArticleFactory()
    with django_assert_max_num_queries(10) as large:
        client.get("/sitemap-articles.xml?p=2")
    with django_assert_max_num_queries(10) as large_index:
        client.get("/sitemap.xml")
    assert len(large) == len(small)
    assert len(large_index) == len(small_index)
    # No query of a file reads beyond its block: no OFFSET, no COUNT over the articles.
    for query in large.captured_queries:
        assert "OFFSET" not in query["sql"].upper()
        assert "COUNT(" not in query["sql"].upper()


def test_the_index_lastmod_is_the_newest_change_of_any_visible_article(client):
    now = timezone.now()
    old = ArticleFactory(published_at=now - datetime.timedelta(days=30))
    ArticleFactory(published_at=now - datetime.timedelta(days=2))
    # An old article whose text changed yesterday: its change is the newest.
    Article.objects.filter(pk=old.pk).update(
        content_changed_at=now - datetime.timedelta(days=1), updated_at=now - datetime.timedelta(days=1)
    )
    # A scheduled article (not visible yet) changes nothing.
    ArticleFactory(status=Article.Status.SCHEDULED, published_at=now + datetime.timedelta(days=3))
    expected = max(max(a.content_changed_at or a.published_at, a.published_at) for a in Article.objects.visible())
    assert ArticleSitemap().get_latest_lastmod() == expected
    assert expected == now - datetime.timedelta(days=1)
    # Without content changes: the newest publication.
    Article.objects.update(content_changed_at=None)
    assert ArticleSitemap().get_latest_lastmod() == Article.objects.visible().aggregate(m=Max("published_at"))["m"]


def test_an_empty_archive_has_one_empty_articles_file_and_no_lastmod(client):
    assert ArticleSitemap().get_latest_lastmod() is None
    assert article_files(client) == ["/sitemap-articles.xml"]
    assert urls_in(client, "/sitemap-articles.xml") == []


def test_a_file_is_the_xml_djangos_template_writes(client):
    import re

    from django.template.loader import render_to_string

    from articles.site.sitemaps import IssueSitemap, _urlset

    ArticleFactory(title="甲")
    ArticleFactory(title="乙")
    for site in (ArticleSitemap(), IssueSitemap()):
        urls = site.get_urls(protocol="http", site=type("S", (), {"domain": "testserver"})())
        expected = render_to_string("sitemap.xml", {"urlset": urls})
        assert re.sub(r">\s+<", "><", _urlset(urls)).strip() == re.sub(r">\s+<", "><", expected).strip()
    response = client.get("/sitemap-articles.xml")
    assert response["Content-Type"] == "application/xml"
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    assert "Last-Modified" in response
