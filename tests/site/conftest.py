"""Content for the public-site tests, modelled on the seed page of 2019-01-08 (第A04版 两会特刊)."""

import datetime
import importlib
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Credit, Issue, Page, Photo, Section
from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    ContributorFactory,
    cluster,
    image_file,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED_DAY = datetime.date(2019, 1, 8)
SEED_TITLE = "八大千亿产业领航衡阳“换道超车”"
SEED_CREDITS = [
    ("统筹", "本报记者", "罗文鹏"),
    ("整理", "本报记者", "姚永军"),
    ("整理", "本报记者", "罗文鹏"),
    ("整理", "本报记者", "许珂"),
    ("整理", "本报记者", "金明达"),
    ("摄影", "", "黄沐"),
    ("摄影", "", "陈太仰"),
    ("摄影", "", "王翟"),
]
SEED_SECTIONS = [
    ("“产业航母”带动衡阳向更高层次迈进", "市人大代表", "夏君山"),
    ("“八轮驱动”的衡阳明天会更好", "市政协委员", "罗安宝"),
    ("主动当好产业发展的“服务员”", "市人大代表", "殷小虎"),
    ("八大千亿产业拉动实体经济加速提质", "市政协委员", "吴颖"),
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The article page keeps rendered HTML in the cache; each test starts without it."""
    cache.clear()
    yield
    cache.clear()


def ensure_clusters():
    """The eight clusters as their data migration seeds them.

    A transactional test elsewhere in the run (a browser test) flushes every table; tests that
    run after it with a live server call this to have the clusters back.
    """
    from django.apps import apps

    seeding = importlib.import_module("clusters.migrations.0002_seed_eight_clusters")
    seeding.seed(apps, None)


def morning(day: datetime.date) -> datetime.datetime:
    """06:00 in Hengyang on the day: when an issue's articles go out."""
    return datetime.datetime.combine(day, datetime.time(6, 0), tzinfo=SHANGHAI)


def make_page(day=SEED_DAY, number="A04", name="两会特刊", issue_number=None) -> Page:
    issue, _ = Issue.objects.get_or_create(date=day, defaults={"number": issue_number})
    page, _ = Page.objects.get_or_create(issue=issue, number=number, defaults={"name": name})
    return page


def add_credits(article, credits):
    for position, (role, qualifier, name) in enumerate(credits, start=1):
        Credit.objects.create(
            article=article,
            position=position,
            role=role,
            qualifier=qualifier,
            contributor=ContributorFactory(name=name),
        )


def add_section(
    article,
    position,
    heading,
    title="",
    name="",
    body="园区项目建设稳步推进。\n\n企业投产带动就业。",
):
    commentator = CommentatorFactory(name=name, title=title) if name else None
    return Section.objects.create(
        article=article, position=position, heading=heading, commentator=commentator, commentator_title=title, body=body
    )


def add_photo(article, position, *, is_lead=False, photographer="黄沐", caption="项目建设现场。"):
    return Photo.objects.create(
        article=article,
        position=position,
        is_lead=is_lead,
        image=image_file(f"p{position}.jpg"),
        caption=caption,
        alt_text=f"现场照片{position}",
        photographer=ContributorFactory(name=photographer) if photographer else None,
    )


def due_in_an_hour(after: Article, title: str) -> Article:
    """A scheduled article next to ``after`` on its page, due in an hour."""
    return ArticleFactory(
        title=title,
        page=after.page,
        position=after.position + 1,
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + datetime.timedelta(hours=1),
    )


# Page types readers reach, as DESIGN.md lists them (the search page with results, and the 404).
READER_PAGE_TYPES = [
    "home",
    "article",
    "issue calendar",
    "issue",
    "cluster index",
    "cluster",
    "commentator index",
    "commentator",
    "tag",
    "search",
    "404",
]


def reader_paths(seed: Article, *, calendar: str = "/issues/") -> dict[str, str]:
    """Where each of READER_PAGE_TYPES is for the seed article's content (build_seed_article, with a
    "两会" tag)."""
    commentator = seed.sections.order_by("position").first().commentator
    tag = Tag.objects.get(name="两会")
    return {
        "home": "/",
        "article": seed.get_absolute_url(),
        "issue calendar": calendar,
        "issue": f"/issues/{SEED_DAY:%Y-%m-%d}/",
        "cluster index": "/clusters/",
        "cluster": "/clusters/rail-transit/",
        "commentator index": "/commentators/",
        "commentator": commentator.get_absolute_url(),
        "tag": f"/tags/{tag.slug}/",
        "search": "/search/?q=%E4%BA%A7%E4%B8%9A%E9%9B%86%E7%BE%A4",  # 产业集群
        "404": "/no-such-page/",
    }


def published_on(day, **fields) -> Article:
    """A visible article on the given day's issue (page A01 unless a page is given)."""
    fields.setdefault("page", make_page(day, "A01", "要闻"))
    fields.setdefault("published_at", morning(day))
    return ArticleFactory(**fields)


@pytest.fixture
def seed_article(db) -> Article:
    return build_seed_article()


def build_seed_article() -> Article:
    """The seed page: credits, four commentators, a subheading in each section, two clusters."""
    article = ArticleFactory(
        title=SEED_TITLE,
        lead=(
            "千亿产业集群的力量，澎湃衡州大地，推动大城衡阳崛起。\n\n"
            "在刚刚过去的一年，8个千亿级产业集群悉数落户，衡阳重拾工业荣光的梦想渐成现实。"
        ),
        page=make_page(issue_number=20345),
        position=1,
        published_at=morning(SEED_DAY),
        clusters=[cluster("rail-transit"), cluster("nonferrous")],
        tags=["两会", "产业集群"],
    )
    add_credits(article, SEED_CREDITS)
    for position, (heading, title, name) in enumerate(SEED_SECTIONS, start=1):
        body = "发展产业集群是繁荣区域和地方经济的重要途径。\n\n### 走绿色发展之路\n\n要努力走出可持续发展的新路子。"
        add_section(article, position, heading, title, name, body=body)
    return article


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_entries(client) -> dict[str, str | None]:
    """Every URL in the sitemap, following the index to each section: {path: lastmod}."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    assert index.tag == f"{{{SITEMAP_NS['s']}}}sitemapindex"
    entries = {}
    for location in index.findall("s:sitemap/s:loc", SITEMAP_NS):
        response = client.get(location.text.removeprefix("http://testserver"))
        assert response.status_code == 200, location.text
        for url in ET.fromstring(response.content).findall("s:url", SITEMAP_NS):
            path = url.findtext("s:loc", namespaces=SITEMAP_NS).removeprefix("http://testserver")
            entries[path] = url.findtext("s:lastmod", namespaces=SITEMAP_NS)
    return entries
