"""Text typed by anyone reaches the reader as text: a <script> title shows as text everywhere."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import CommentatorFactory, MilestoneFactory, cluster
from tests.site.conftest import SEED_DAY, add_credits, add_section, published_on

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def evil(db):
    article = published_on(
        SEED_DAY,
        title=EVIL,
        kicker=f"引题{EVIL}",
        subtitle=f"副题{EVIL}",
        lead=f"导语{EVIL}\n\n<b>粗体</b> & <img src=x onerror=alert(2)>",
        clusters=[cluster("rail-transit")],
        tags=[f"标签{EVIL}"],
    )
    add_credits(article, [("记者", "<i>本报记者</i>", f"记者{EVIL}")])
    section = add_section(
        article,
        1,
        f"小标题{EVIL}",
        f"身份{EVIL}",
        f"人名{EVIL}",
        body=f"### 子标题{EVIL}\n\n正文{EVIL}",
    )
    section.commentator.bio = f"简介{EVIL}"
    section.commentator.save()
    article.withdrawn_reason = f"原因{EVIL}"
    MilestoneFactory(cluster=cluster("rail-transit"), text=f"大事{EVIL}", source_article=article)
    return article


def pages(article):
    commentator = article.sections.get().commentator
    tag = article.tags.get()
    return [
        "/",
        article.get_absolute_url(),
        "/issues/2019-01-08/",
        "/clusters/rail-transit/",
        "/commentators/",
        commentator.get_absolute_url(),
        f"/tags/{tag.slug}/",
    ]


def test_every_page_shows_script_as_text(client, evil):
    for url in pages(evil):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "<img src=x" not in html and "<b>粗体" not in html and "<i>本报记者" not in html, url
        assert ESCAPED in html, url


def test_the_article_page_escapes_every_field(client, evil):
    html = client.get(evil.get_absolute_url()).content.decode()
    for text in [
        f"引题{ESCAPED}",
        f"副题{ESCAPED}",
        f"导语{ESCAPED}",
        f"小标题{ESCAPED}",
        f"子标题{ESCAPED}",
        f"正文{ESCAPED}",
        f"人名{ESCAPED}",
        f"身份{ESCAPED}",
        f"记者{ESCAPED}",
        f"标签{ESCAPED}",
        "&lt;b&gt;粗体&lt;/b&gt; &amp; &lt;img src=x onerror=alert(2)&gt;",
    ]:
        assert text in html, text


def test_withdrawal_reason_is_escaped(client, evil):
    evil.status = "withdrawn"
    evil.save()
    html = client.get(evil.get_absolute_url()).content.decode()
    assert f"原因{ESCAPED}" in html and "<script>alert" not in html


def test_feeds_deliver_titles_and_descriptions_as_text(client, evil):
    for url in ["/feeds/latest/", "/feeds/clusters/rail-transit/"]:
        item = ET.fromstring(client.get(url).content).find("channel/item")
        # After XML parsing, readers treat both as HTML: the markup must still be escaped there.
        assert ESCAPED in item.findtext("title")
        assert "<script>" not in item.findtext("title")
        assert "<script>" not in item.findtext("description") and "<img" not in item.findtext("description")


def test_commentator_name_in_index_is_escaped(client, evil):
    CommentatorFactory(name="<b>x</b>")  # no visible commentary: not listed at all
    html = client.get("/commentators/").content.decode()
    assert "<b>x</b>" not in html
    assert f"人名{ESCAPED}" in html
