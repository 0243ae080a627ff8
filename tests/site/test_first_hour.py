"""What readers hit in the first hour (issue #13): headings, excerpts, feeds that answer
conditional GETs, structured data with an image and a logo, a favicon, an honest "今日", and
cluster cards that do not all show the same story."""

import datetime
import email.utils
import itertools
import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from articles.text import excerpt
from tests.factories import ArticleFactory, cluster
from tests.site.conftest import (
    READER_PAGE_TYPES,
    SEED_DAY,
    SEED_TITLE,
    add_photo,
    add_section,
    make_page,
    published_on,
    reader_paths,
)
from tests.site.test_article_page import json_ld_of

pytestmark = pytest.mark.django_db

# A lead of the paper's kind, longer than any excerpt: sentences and clauses of Chinese text.
LONG_LEAD = (
    "2018年12月26日上午，中国五矿铜铅锌产业基地30万吨锌项目在水口山经济开发区正式投产，"
    "标志着我市有色金属产业集群迈上新台阶。项目总投资约200亿元，达产后年产值可达180亿元，"
    "将带动上下游企业集聚发展、延伸产业链条、提升附加值。"
    "\n\n市委、市政府高度重视项目建设，成立专班全程跟踪服务，协调解决用地、用电、环评等难题，"
    "确保项目早日建成投产、早日见效。"
)
PUNCTUATION_ENDS = tuple("。！？…")


class Headings(HTMLParser):
    """The page's headings (h1 to h6) in document order, and its search landmarks."""

    def __init__(self):
        super().__init__()
        self.levels: list[int] = []
        self.search_labels: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.levels.append(int(tag[1]))
        if attrs.get("role") == "search" or tag == "search":
            self.search_labels.append(attrs.get("aria-label") or attrs.get("aria-labelledby"))


def outline(html: str) -> Headings:
    parser = Headings()
    parser.feed(html)
    return parser


def excerpts_in(html: str, css_class: str = "excerpt") -> list[str]:
    return [unescape(m) for m in re.findall(rf'<p class="{css_class}">(.*?)</p>', html, flags=re.S)]


# 1 (the colours are checked in Chromium: tests/browser/test_accessibility.py) ---------------------

# 2. Headings and landmarks -----------------------------------------------------------------------


@pytest.fixture
def pages(seed_article):
    return reader_paths(seed_article)


def test_the_home_page_has_a_top_level_heading(client, seed_article):
    assert outline(client.get("/").content.decode()).levels.count(1) == 1


@pytest.mark.parametrize("page_type", [page_type for page_type in READER_PAGE_TYPES if page_type != "search"])
def test_headings_start_at_h1_and_never_skip_a_level(client, pages, page_type):
    levels = outline(client.get(pages[page_type]).content.decode()).levels
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert not skips, f"{page_type}: headings go {levels}"


def test_the_tag_page_has_a_heading_between_its_title_and_its_articles(client, pages):
    levels = outline(client.get(pages["tag"]).content.decode()).levels
    assert levels[:3] == [1, 2, 3]


def test_the_404_page_names_each_search_landmark_differently(client, db):
    labels = outline(client.get("/no-such-page/").content.decode()).search_labels
    assert len(labels) == 2
    assert all(labels) and len(set(labels)) == len(labels), labels


# 3. Excerpts ------------------------------------------------------------------------------------


def test_short_text_comes_back_unchanged():
    assert excerpt("衡阳重拾工业荣光的梦想渐成现实。", 90) == "衡阳重拾工业荣光的梦想渐成现实。"
    assert excerpt("没有句号的短句", 90) == "没有句号的短句"


def test_excerpt_ends_at_a_sentence_near_the_limit():
    text = "千亿产业集群的力量，澎湃衡州大地，推动大城衡阳崛起。在刚刚过去的一年，8个千亿级产业集群悉数落户。"
    assert excerpt(text, 30) == "千亿产业集群的力量，澎湃衡州大地，推动大城衡阳崛起。"


def test_excerpt_at_a_clause_ends_with_an_ellipsis_instead_of_the_mark():
    text = "千亿产业集群的力量，澎湃衡州大地，推动大城衡阳崛起。"
    assert excerpt(text, 20) == "千亿产业集群的力量，澎湃衡州大地…"


def test_excerpt_without_a_mark_near_the_limit_is_cut_with_an_ellipsis():
    text = "千亿产业集群" * 20
    cut = excerpt(text, 30)
    assert len(cut) == 30 and cut.endswith("…") and text.startswith(cut[:-1])


def test_excerpt_does_not_cut_a_number_or_a_latin_word():
    text = "项目建设推进顺利" * 3 + "总投资200亿元"
    cut = excerpt(text, 29)  # the limit falls inside 200
    assert cut.endswith("总投资…") and len(cut) <= 29, cut
    assert excerpt("项目建设推进顺利" * 2 + "Hengyang Daily", 20).endswith("推进顺利…")


def test_excerpt_runs_paragraphs_together_and_drops_subheading_marks():
    assert excerpt("第一段。\n\n### 小标题\n\n第二段。", 90) == "第一段。小标题 第二段。"


def test_excerpt_of_a_prefix_says_that_the_text_goes_on():
    assert excerpt("推动大城衡阳", 90, continues=True) == "推动大城衡阳…"
    assert excerpt("推动大城衡阳崛起。", 90, continues=True) == "推动大城衡阳崛起。"


def reads_well(cut: str, full: str) -> bool:
    """Ends at a sentence end or with "…", and is the start of the text (paragraphs run together)."""
    flat = re.sub(r"\s*\n\s*\n\s*", "", full)
    return cut.endswith(PUNCTUATION_ENDS) and flat.startswith(cut.rstrip("…"))


@pytest.fixture
def long_article(db):
    article = published_on(
        SEED_DAY,
        title="中国五矿30万吨锌项目投产",
        lead=LONG_LEAD,
        clusters=[cluster("nonferrous")],
        tags=["项目投产"],
    )
    add_section(article, 1, "有色金属产业链", "市人大代表", "夏君山", body=LONG_LEAD)
    return article


@pytest.mark.parametrize(
    "path",
    ["/", f"/issues/{SEED_DAY:%Y-%m-%d}/", "/clusters/nonferrous/", "/tags/%E9%A1%B9%E7%9B%AE%E6%8A%95%E4%BA%A7/"],
)
def test_list_excerpts_end_at_a_sentence_or_with_an_ellipsis(client, long_article, path):
    found = excerpts_in(client.get(path).content.decode())
    assert found, f"no excerpt on {path}"
    for cut in found:
        assert reads_well(cut, LONG_LEAD), cut
        assert len(cut) <= 90


def test_commentator_snippets_end_at_a_sentence_or_with_an_ellipsis(client, long_article):
    commentator = long_article.sections.get().commentator
    found = excerpts_in(client.get(commentator.get_absolute_url()).content.decode())
    assert found and all(reads_well(cut, LONG_LEAD) for cut in found), found


def test_feed_descriptions_end_at_a_sentence_or_with_an_ellipsis(client, db):
    lead = LONG_LEAD * 2  # longer than a feed's description
    published_on(SEED_DAY, title="长稿件", lead=lead)
    item = ET.fromstring(client.get("/feeds/latest/").content).find("channel/item")
    description = unescape(item.findtext("description"))
    assert reads_well(description, lead), description
    assert len(description) <= 200


# 4. Feeds answer conditional GETs -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/feeds/latest/", "/feeds/clusters/rail-transit/"])
def test_feeds_send_validators_and_a_cache_lifetime(client, seed_article, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    last_modified = email.utils.parsedate_to_datetime(response["Last-Modified"])
    assert last_modified == seed_article.updated_at.replace(microsecond=0)
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/feeds/latest/", "/feeds/clusters/rail-transit/"])
def test_feeds_answer_304_when_nothing_changed(client, seed_article, path):
    first = client.get(path)
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    since = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_a_feed_changes_its_etag_when_an_article_appears(client, seed_article):
    first = client.get("/feeds/latest/")
    published_on(SEED_DAY + datetime.timedelta(days=1), title="后一天的稿件")
    after = client.get("/feeds/latest/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and "后一天的稿件" in after.content.decode()
    assert after["ETag"] != first["ETag"]


def test_feeds_refuse_writes(client, db):
    assert client.post("/feeds/latest/").status_code == 405


# 5. NewsArticle JSON-LD and og:image ------------------------------------------------------------


def fetch_image(client, url: str) -> Image.Image:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("image/")
    return Image.open(BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def test_an_article_without_a_photo_still_has_an_image_and_a_publisher_logo(client, seed_article):
    html = client.get(seed_article.get_absolute_url()).content.decode()
    data = json_ld_of(html)
    logo = data["publisher"]["logo"]
    assert logo["@type"] == "ImageObject"
    assert fetch_image(client, logo["url"]).size == (logo["width"], logo["height"]) == (600, 60)
    [image] = data["image"]
    assert fetch_image(client, image["url"]).size == (image["width"], image["height"])
    og_image = re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1)
    assert og_image == image["url"]
    assert fetch_image(client, og_image).size[0] >= 200


def test_an_article_with_a_photo_shows_the_photo_not_the_logo(client, seed_article):
    add_photo(seed_article, 0, is_lead=True)
    html = client.get(seed_article.get_absolute_url()).content.decode()
    data = json_ld_of(html)
    assert data["image"] and all("/media/" in url for url in data["image"])
    assert data["publisher"]["logo"]["url"].endswith(".png")
    assert '<meta property="og:image" content="http://testserver/media/' in html


# 6. Favicon -------------------------------------------------------------------------------------


def test_favicon_ico_is_an_icon(client, db):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    icon = Image.open(BytesIO(response.content))
    assert icon.format == "ICO" and (16, 16) in icon.info["sizes"] and (32, 32) in icon.info["sizes"]


def test_pages_link_the_icon(client, db):
    html = client.get("/no-such-page/").content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    assert fetch_image(client, href).format == "ICO"


# 7. An honest "今日", and cluster cards of their own ------------------------------------------------


def today_heading(client) -> str:
    html = client.get("/").content.decode()
    match = re.search(r'<h2 id="today-heading"[^>]*>(.*?)</h2>', html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", match.group(1)))).strip()


def test_home_calls_a_past_issue_the_latest_not_today(client, seed_article):
    heading = today_heading(client)
    assert heading.startswith("最新一期") and "今日" not in heading
    assert "2019年1月8日" in heading


def test_home_calls_todays_issue_today(client, db):
    today = timezone.localdate()
    ArticleFactory(
        title="今天的头版",
        page=make_page(today, "A01", "要闻"),
        published_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    heading = today_heading(client)
    assert heading.startswith("今日报纸") and f"{today.year}年{today.month}月{today.day}日" in heading


def cards(client) -> dict[str, list[str]]:
    html = client.get("/").content.decode()
    start = html.index('class="cluster-grid"')
    grid = html[start : html.index("</section>", start)]
    found = {}
    for card in grid.split('<div class="cluster-card">')[1:]:
        name = re.search(r"<h3><a [^>]+>(.*?)</a></h3>", card).group(1)
        found[name] = re.findall(r'<li><a href="/articles/\d+/">(.*?)</a></li>', card)
    return found


def test_cluster_cards_do_not_repeat_a_story_that_covers_every_cluster(client, seed_article):
    all_eight = [cluster(slug) for slug in ("military-civil", "nonferrous", "rail-transit", "tourism")]
    all_eight += [cluster(slug) for slug in ("new-energy-vehicles", "fine-chemicals", "textiles", "camellia-oil")]
    published_on(SEED_DAY, title="八大产业集群年终盘点", clusters=all_eight)
    published_on(SEED_DAY, title="胶轮有轨电车示范线启动", clusters=[cluster("rail-transit")])
    published_on(SEED_DAY, title="南岳景区提质", clusters=[cluster("tourism")])
    shown = cards(client)
    assert len(shown) == 8
    listed = [title for titles in shown.values() for title in titles]
    assert len(listed) == len(set(listed)), shown  # no story on two cards
    assert "胶轮有轨电车示范线启动" in shown["轨道交通"]
    assert "南岳景区提质" in shown["全域旅游"]
    assert SEED_TITLE in listed and "八大产业集群年终盘点" in listed


def test_each_cluster_card_lists_its_own_latest_stories(client, db):
    for day in range(4):
        published_on(
            SEED_DAY + datetime.timedelta(days=day), title=f"轨道交通稿件{day}", clusters=[cluster("rail-transit")]
        )
    published_on(SEED_DAY, title="有色金属稿件", clusters=[cluster("nonferrous")])
    shown = cards(client)
    assert shown["轨道交通"] == ["轨道交通稿件3", "轨道交通稿件2", "轨道交通稿件1"]
    assert shown["有色金属"] == ["有色金属稿件"]
    assert shown["纺织服装"] == []
