"""The cluster pages count and page as far as LIST_MAX_PAGES pages (articles.listing), no further.

A cluster's coverage grows with the archive: its page lists the newest LIST_MAX_PAGES pages and
its last page leads to the archive search filtered by the cluster; the index counts each
cluster up to the same number ("N 篇以上" beyond), exact below it. The cap is two pages here.
"""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.test.utils import override_settings

from articles.models import Article
from tests.factories import ArticleFactory, cluster
from tests.site.conftest import SEED_DAY, published_on

pytestmark = pytest.mark.django_db

CAP = 2
SHOWN = CAP * 20


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Counts are kept a minute under the newest change to any article; each test starts without them.
    cache.clear()
    yield
    cache.clear()


def covering(n: int, slug="rail-transit") -> None:
    for i in range(n):
        published_on(SEED_DAY - datetime.timedelta(days=i), title=f"报道{i}", clusters=[cluster(slug)])


def card(html: str, slug: str) -> str:
    start = html.index(f'href="/clusters/{slug}/"')
    return html[start : html.index("</li>", start)]


@override_settings(LIST_MAX_PAGES=CAP)
def test_a_cluster_page_past_the_cap_is_404_and_its_last_page_leads_to_the_search(client):
    covering(SHOWN + 3)
    first = client.get("/clusters/rail-transit/")
    assert first.context["articles"].paginator.more
    assert f'<span class="count">{SHOWN} 篇以上</span>' in first.content.decode()
    assert 'class="list-end"' not in first.content.decode()
    assert client.get("/clusters/rail-transit/", {"page": CAP + 1}).status_code == 404
    html = client.get("/clusters/rail-transit/", {"page": CAP}).content.decode()
    assert f"报道{SHOWN - 1}<" in html and f"报道{SHOWN}<" not in html
    note = html[html.index('<p class="list-end">') :]
    assert "更早的报道请到" in note and "按日期查看" in note
    href = note[note.index('href="') + 6 :]
    url = urlsplit(href[: href.index('"')].replace("&amp;", "&"))
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    last_day = SEED_DAY - datetime.timedelta(days=SHOWN - 1)
    assert url.path == "/search/"
    assert params == {"cluster": "rail-transit", "sort": "-date", "to": last_day.isoformat()}
    assert client.get("/search/", params).status_code == 200


@override_settings(LIST_MAX_PAGES=CAP)
def test_a_cluster_as_long_as_the_cap_is_counted_exactly(client):
    covering(SHOWN)
    html = client.get("/clusters/rail-transit/", {"page": CAP}).content.decode()
    assert 'class="list-end"' not in html
    assert client.get("/clusters/rail-transit/", {"page": CAP + 1}).status_code == 404
    assert f'<span class="count">{SHOWN} 篇</span>' in client.get("/clusters/rail-transit/").content.decode()


@override_settings(LIST_MAX_PAGES=CAP)
def test_the_cluster_index_counts_up_to_the_cap(client):
    covering(SHOWN + 1)
    covering(SHOWN, slug="nonferrous")
    covering(3, slug="textiles")
    ArticleFactory(clusters=[cluster("textiles")], status=Article.Status.DRAFT, published_at=None)
    html = client.get("/clusters/").content.decode()
    assert f"{SHOWN} 篇以上报道" in card(html, "rail-transit")
    assert f"{SHOWN} 篇报道" in card(html, "nonferrous")
    assert "3 篇报道" in card(html, "textiles")  # the draft is not counted
    assert "0 篇报道" in card(html, "military-civil")
    assert html.count('class="cluster-card"') == 8


def test_the_cluster_index_counts_exactly_under_the_cap(client, django_assert_num_queries):
    covering(5)
    ArticleFactory(clusters=[cluster("rail-transit")], status=Article.Status.WITHDRAWN)
    with django_assert_num_queries(1):
        html = client.get("/clusters/").content.decode()
    assert "5 篇报道" in card(html, "rail-transit")
