"""RSS 2.0 feeds, the sitemap and robots.txt."""

import datetime
import email.utils
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from tests.factories import cluster
from tests.site.conftest import SEED_DAY, SEED_TITLE, published_on, sitemap_entries

pytestmark = pytest.mark.django_db


def check_rss(content: bytes) -> ET.Element:
    """The parts of RSS 2.0 readers rely on: version, channel title/link/description, dated items."""
    root = ET.fromstring(content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ["title", "link", "description"]:
        assert channel.findtext(required), required
    for item in channel.findall("item"):
        assert item.findtext("title") and item.findtext("link").startswith("http://testserver/articles/")
        assert item.findtext("guid")
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
    return channel


def test_latest_feed(client, seed_article):
    newer = published_on(SEED_DAY + datetime.timedelta(days=1), title="后一天的稿件")
    response = client.get("/feeds/latest/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = check_rss(response.content)
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["后一天的稿件", SEED_TITLE]
    assert items[1].findtext("link") == f"http://testserver/articles/{seed_article.pk}/"
    assert "千亿产业集群的力量" in items[1].findtext("description")
    assert {c.text for c in items[1].findall("category")} == {"轨道交通", "有色金属"}
    assert newer.pk


def test_cluster_feed_has_only_that_cluster(client, seed_article):
    published_on(SEED_DAY, title="旅游稿件", clusters=[cluster("tourism")])
    channel = check_rss(client.get("/feeds/clusters/rail-transit/").content)
    assert "轨道交通" in channel.findtext("title")
    assert [i.findtext("title") for i in channel.findall("item")] == [SEED_TITLE]
    assert channel.findtext("link") == "http://testserver/clusters/rail-transit/"
    tourism = check_rss(client.get("/feeds/clusters/tourism/").content)
    assert [i.findtext("title") for i in tourism.findall("item")] == ["旅游稿件"]


def test_every_cluster_page_links_its_feed(client, db):
    html = client.get("/clusters/textiles/").content.decode()
    assert 'type="application/rss+xml"' in html and "/feeds/clusters/textiles/" in html


def test_sitemap_index_leads_to_articles_with_lastmod_and_the_section_pages(client, seed_article):
    entries = sitemap_entries(client)
    # lastmod is the last change to the text, never before publication: not the row's updated_at
    # (issue #13: a 2019 story is not news because it was imported or published today).
    assert entries[seed_article.get_absolute_url()].startswith(
        f"{timezone.localtime(seed_article.published_at):%Y-%m-%d}"
    )
    for path in [
        "/",
        "/issues/",
        "/clusters/",
        "/commentators/",
        "/issues/2019-01-08/",
    ]:
        assert path in entries, path
    assert sum(1 for loc in entries if loc.startswith("/clusters/") and loc != "/clusters/") == 8


def test_robots_txt_points_to_the_sitemap_and_keeps_out_of_the_admin(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *" in text
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text
