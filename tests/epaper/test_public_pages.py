"""The e-paper's public pages: the issue page's strip of page thumbnails and one printed page
(/issues/<date>/<page>/) with its articles as links over the image, as anonymous readers get them."""

import datetime
import itertools
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Page, PageRegion
from tests.epaper.public_sheets import BOTTOM, TOP_LEFT, TOP_RIGHT, add_region, give_image
from tests.factories import ArticleFactory
from tests.site.conftest import SEED_DAY, SEED_TITLE, build_seed_article, make_page, morning, published_on
from tests.site.test_first_hour import outline

pytestmark = pytest.mark.django_db

DAY = SEED_DAY.isoformat()
URL = f"/issues/{DAY}/A01/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Article pages keep their HTML in the cache; each test starts without it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seed_article(db):
    return build_seed_article()


@pytest.fixture
def front(seed_article):
    """2019-01-08: A01 要闻 with an image, a PDF and three regions; A04 两会特刊 (the seed) without an image."""
    page = give_image(make_page(number="A01", name="要闻"), pdf=True)
    lead = ArticleFactory(
        title="松木经开区项目集中开工", kicker="产业项目", page=page, position=1, published_at=morning(SEED_DAY)
    )
    second = ArticleFactory(title="水口山锌项目投产", page=page, position=2, published_at=morning(SEED_DAY))
    add_region(page, lead, TOP_LEFT, 1)
    add_region(page, second, TOP_RIGHT, 2)
    add_region(page, lead, BOTTOM, 3)  # the lead story runs on at the foot of the page
    return {"page": page, "lead": lead, "second": second, "seed": seed_article}


def html_of(client, url=URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def region_links(html: str) -> dict[str, str]:
    """{href: aria-label} of every region link in the SVG."""
    svg = html[html.index("<svg") : html.index("</svg>")]
    return dict(
        re.findall(
            r'<a href="([^"]+)" class="region[^"]*" data-article="\d+"(?: id="[^"]+")? aria-label="([^"]*)"', svg
        )
    )


# Rendering ---------------------------------------------------------------------------------------


def test_the_page_shows_its_image_with_regions_as_links_named_by_their_titles(client, front):
    html = html_of(client)
    assert "<h1" in html and "第A01版" in html and "要闻" in html
    links = region_links(html)
    assert links == {
        front["lead"].get_absolute_url(): "松木经开区项目集中开工",
        front["second"].get_absolute_url(): "水口山锌项目投产",
    }
    # Three regions (the lead story has two), each a polygon inside its link, in the image's pixels.
    assert html.count("<polygon ") == 3
    assert re.search(r'viewBox="0 0 1200 1697"', html)
    assert '<polygon points="60.0,135.8 576.0,135.8 576.0,848.5 60.0,848.5"' in html
    assert "<title>松木经开区项目集中开工</title>" in html
    # The fragment the article page links to sits on the lead story's first region, once.
    assert html.count(f'id="article-{front["lead"].pk}"') == 1
    assert re.search(rf'<a href="/articles/{front["lead"].pk}/" class="region" data-article="\d+" id="article-', html)
    # The list beside the image, in print order.
    listing = html[html.index('class="epaper-list"') :]
    assert listing.index("松木经开区项目集中开工") < listing.index("水口山锌项目投产")
    assert "产业项目" in listing  # the kicker


def test_the_image_is_a_rendition_with_srcset_never_the_pdf_or_the_master(client, front):
    page = Page.objects.get(pk=front["page"].pk)
    html = html_of(client)
    picture = html[html.index("<picture>") : html.index("</picture>")]
    assert '<source type="image/webp" srcset="' in picture
    assert re.search(r'srcset="[^"]*-400w\.jpg 400w, [^"]*-800w\.jpg 800w, [^"]*-1200w\.jpg 1200w"', picture)
    assert "sizes=" in picture
    src = re.search(r'<img src="([^"]+)"', picture).group(1)
    assert src.startswith("/media/renditions/") and src.endswith("-1200w.jpg")
    # Neither the master image nor the PDF is an image source anywhere on the page.
    for sources in re.findall(r'(?:src|srcset)="([^"]*)"', html):
        assert page.image.url not in sources.split() and ".pdf" not in sources and ".png" not in sources


def test_before_its_renditions_exist_the_page_shows_its_image_but_never_a_pdf(client, seed_article):
    page = give_image(make_page(number="A01", name="要闻"), renditions=False, pdf=True)
    published_on(SEED_DAY, title="头版稿件")
    html = html_of(client)
    assert f'<img src="{page.image.url}"' in html
    Page.objects.filter(pk=page.pk).update(image=page.pdf.name)  # a row pointing its image at the PDF
    html = html_of(client)
    assert "<img" not in html.split("<main")[1].split("</main>")[0]
    assert not re.search(r'(?:src|srcset)="[^"]*\.pdf', html)
    assert "本版暂无版面图" in html


def test_the_pdf_is_offered_while_every_article_on_the_page_may_be_read(client, front):
    page = front["page"]
    assert f'href="{page.pdf.url}" download' in html_of(client)
    front["second"].status = Article.Status.WITHDRAWN
    front["second"].save()
    html = html_of(client)
    assert page.pdf.url not in html
    front["second"].status = Article.Status.PUBLISHED
    front["second"].save()
    ArticleFactory(title="未发草稿", page=page, status=Article.Status.DRAFT, published_at=None)
    assert page.pdf.url not in html_of(client)


def test_a_page_without_an_image_lists_its_articles_and_says_so(client, front):
    html = html_of(client, f"/issues/{DAY}/A04/")
    assert "本版暂无版面图" in html
    assert SEED_TITLE in html and front["seed"].get_absolute_url() in html
    assert "<svg" not in html and "<picture>" not in html
    # The fragment still leads somewhere: the article in the list.
    assert f'id="article-{front["seed"].pk}"' in html


def test_previous_and_next_pages_follow_the_issue_in_order(client, front):
    make_page(number="A02", name="综合")  # no article: not a page readers can open
    html = html_of(client)
    assert 'rel="prev"' not in html
    assert f'rel="next" href="/issues/{DAY}/A04/"' in html
    html = html_of(client, f"/issues/{DAY}/A04/")
    assert f'rel="prev" href="/issues/{DAY}/A01/"' in html
    assert 'rel="next"' not in html
    assert f'href="/issues/{DAY}/"' in html


def test_an_article_continued_on_a_page_is_listed_there_with_its_page(client, front):
    continued = make_page(number="A05", name="两会特刊")
    add_region(continued, front["seed"], TOP_LEFT)
    html = html_of(client, f"/issues/{DAY}/A05/")
    assert SEED_TITLE in html and "接第A04版" in html


def test_reverse_gives_the_e_paper_url(front):
    assert reverse("articles:epaper_page", kwargs={"date": DAY, "page": "A04"}) == f"/issues/{DAY}/A04/"


# Visibility --------------------------------------------------------------------------------------


def test_only_visible_articles_get_regions_and_a_withdrawn_one_is_greyed_to_its_notice(client, front):
    page = front["page"]
    hidden = {
        "草稿甲乙丙": {"status": Article.Status.DRAFT, "published_at": None},
        "审核丁戊己": {"status": Article.Status.REVIEW, "published_at": None},
        "定时庚辛壬": {"status": Article.Status.SCHEDULED, "published_at": timezone.now() + datetime.timedelta(days=1)},
    }
    for title, fields in hidden.items():
        add_region(page, ArticleFactory(title=title, page=page, **fields), BOTTOM, 9)
    withdrawn = ArticleFactory(
        title="撤稿癸子丑", page=page, status=Article.Status.WITHDRAWN, withdrawn_reason="事实有误"
    )
    add_region(page, withdrawn, BOTTOM, 10)
    html = html_of(client)
    for title in [*hidden, "撤稿癸子丑"]:
        assert title not in html
    links = region_links(html)
    assert links[withdrawn.get_absolute_url()] == "已撤稿：本报已撤回此稿"
    assert len(links) == 3
    assert html.count("<polygon ") == 4  # three of the visible stories, one greyed
    assert f'class="region region-withdrawn" data-article="{withdrawn.pk}"' in html
    assert "已撤稿</text>" in html and "1 篇稿件已由本报撤回" in html
    assert client.get(withdrawn.get_absolute_url()).status_code == 410


def test_a_scheduled_article_gets_its_region_when_its_time_comes(client, front):
    page = front["page"]
    soon = ArticleFactory(
        title="定时发布寅卯辰",
        page=page,
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + datetime.timedelta(seconds=2),
    )
    add_region(page, soon, BOTTOM, 5)
    first = client.get(URL)
    assert "定时发布寅卯辰" not in first.content.decode()
    Article.objects.filter(pk=soon.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    again = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "定时发布寅卯辰" in again.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/issues/2019-13-45/A01/",  # no such day
        "/issues/2019-01-09/A01/",  # no paper that day
        "/issues/2019-01-08/A03/",  # no such page
        "/issues/2019-01-08/a01/",
        "/issues/2019-01-08/A0001/",
        "/issues/2019-01-08/AB1/",
        "/issues/2019-01-08/A01%00/",
        "/issues/2019-01-08/%E7%AC%AC/",
        "/issues/2019-01-08/A01/extra/",
        "/issues/2019-01-08/..%2F/",
        "/issues/9999-12-31/A01/",
        "/issues/0001-01-01/A01/",
    ],
)
def test_unknown_or_garbage_pages_are_404(client, front, path):
    assert client.get(path).status_code == 404


def test_a_page_or_issue_with_only_unpublished_articles_is_404(client, db):
    page = give_image(make_page(number="A01", name="要闻"), renditions=False)
    draft = ArticleFactory(page=page, status=Article.Status.DRAFT, published_at=None)
    add_region(page, draft, TOP_LEFT)
    assert client.get(URL).status_code == 404
    assert client.get(f"/issues/{DAY}/").status_code == 404
    # A page whose only visible article is another issue's draft … still nothing; a withdrawn one neither.
    draft.status = Article.Status.WITHDRAWN
    draft.save()
    assert client.get(URL).status_code == 404


# HTTP --------------------------------------------------------------------------------------------


def test_conditional_gets_answer_304_until_the_page_changes(client, front):
    first = client.get(URL)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "max-age=86400" in first.headers["Cache-Control"] and "public" in first.headers["Cache-Control"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(URL, headers={"If-Modified-Since": last_modified}).status_code == 304

    def changed(last_etag):
        response = client.get(URL, headers={"If-None-Match": last_etag})
        assert response.status_code == 200
        return response.headers["ETag"]

    # An edit of an article on the page.
    lead = front["lead"]
    lead.title = "松木经开区项目集中开工（更正）"
    lead.save()
    etag = changed(etag)
    # A withdrawal.
    second = front["second"]
    second.status = Article.Status.WITHDRAWN
    second.save()
    etag = changed(etag)
    # A region moved, which raises the page's updated_at.
    region = PageRegion.objects.filter(page=front["page"]).first()
    region.polygon = [[0.1, 0.1], [0.4, 0.1], [0.4, 0.4]]
    region.save()
    Page.objects.filter(pk=front["page"].pk).update(updated_at=timezone.now() + datetime.timedelta(seconds=5))
    etag = changed(etag)
    later = client.get(URL, headers={"If-Modified-Since": last_modified})
    assert later.status_code == 200 and later.headers["Last-Modified"] != last_modified
    # A new issue next door changes the date picker's bounds and the neighbours.
    published_on(SEED_DAY + datetime.timedelta(days=2))
    changed(etag)


def test_a_recent_page_is_cached_briefly(client, db):
    today = timezone.localdate()
    published_on(today, published_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(f"/issues/{today:%Y-%m-%d}/A01/")
    assert response.status_code == 200
    assert "max-age=300" in response.headers["Cache-Control"]


@pytest.mark.parametrize("regions", [2, 20])
def test_the_page_runs_a_fixed_number_of_queries_whatever_its_regions(
    client, front, django_assert_num_queries, regions
):
    page = front["page"]
    for i in range(regions):
        article = ArticleFactory(title=f"区域稿件{i}", page=page, position=10 + i, published_at=morning(SEED_DAY))
        add_region(page, article, [[0.05, 0.55], [0.5, 0.55], [0.5, 0.6]], 10 + i)
    # the open pages of the issue with the issue, the page's regions, their articles, the issues around
    with django_assert_num_queries(4):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count("<polygon ") == 3 + regions
    with django_assert_num_queries(4):
        assert client.get(URL, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_titles_are_escaped_in_labels_and_lists(client, front):
    nasty = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
    Article.objects.filter(pk=front["lead"].pk).update(title=nasty)
    html = html_of(client)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert (
        'aria-label="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"'
        in html
    )


# The issue page's strip --------------------------------------------------------------------------


def test_the_issue_page_has_a_strip_of_page_thumbnails(client, front):
    html = html_of(client, f"/issues/{DAY}/")
    strip = html[html.index('class="page-strip"') : html.index("</nav>", html.index('class="page-strip"'))]
    assert strip.index(f'href="/issues/{DAY}/A01/"') < strip.index(f'href="/issues/{DAY}/A04/"')
    assert "第A01版 要闻" in strip and "第A04版 两会特刊" in strip
    assert "-400w.jpg" in strip and "-400w.webp" in strip
    assert "暂无版面图" in strip  # A04 has no image: a labelled placeholder
    # The articles are still listed by page beside it.
    assert html.index("第A01版") < html.index(SEED_TITLE)


def test_the_issue_page_changes_its_etag_when_a_page_gets_an_image(client, seed_article):
    first = client.get(f"/issues/{DAY}/")
    give_image(Page.objects.get(number="A04"))
    again = client.get(f"/issues/{DAY}/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "-400w.jpg" in again.content.decode()


# The date picker ---------------------------------------------------------------------------------


def test_the_page_has_a_bounded_date_picker(client, front):
    published_on(datetime.date(2018, 12, 26))
    html = html_of(client)
    assert 'action="/issues/on/" method="get"' in html
    assert 'type="date" name="date" required value="2019-01-08" min="2018-12-26" max="2019-01-08"' in html


def test_the_date_picker_leads_to_the_issue_or_says_there_was_no_paper(client, front):
    response = client.get("/issues/on/", {"date": DAY})
    assert response.status_code == 302 and response.headers["Location"] == f"/issues/{DAY}/"
    none = client.get("/issues/on/", {"date": "2019-01-07"})
    assert none.status_code == 200  # an answer to the form, like a search that found nothing
    text = none.content.decode()
    assert "2019年1月7日没有出报" in text and f'href="/issues/{DAY}/"' in text


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "2019-02-30",
        "99999-01-01",
        "0000-01-01",
        "2019-01-08\x00",
        "\uff12\uff10\uff11\uff19-01-08",
        "x" * 5000,
    ],
)
def test_the_date_picker_answers_garbage_with_400(client, front, value):
    response = client.get("/issues/on/", {"date": value})
    assert response.status_code == 400
    assert "日期有误" in response.content.decode()


def test_far_dates_are_no_paper_not_an_error(client, front):
    for value in ["0001-01-01", "9999-12-31"]:
        response = client.get("/issues/on/", {"date": value})
        assert response.status_code == 200 and "没有出报" in response.content.decode()


# Sitemap -----------------------------------------------------------------------------------------


def test_the_sitemap_lists_the_pages_readers_may_open(client, front):
    from tests.site.conftest import sitemap_entries

    draft_page = make_page(number="A07", name="副刊")
    ArticleFactory(page=draft_page, status=Article.Status.DRAFT, published_at=None)
    entries = sitemap_entries(client)
    assert f"/issues/{DAY}/A01/" in entries and f"/issues/{DAY}/A04/" in entries
    assert f"/issues/{DAY}/A07/" not in entries


# Headings ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [f"/issues/{DAY}/", URL, f"/issues/{DAY}/A04/", "/issues/on/?date=2019-01-07", "/issues/on/?date=garbage"],
)
def test_headings_start_at_h1_and_never_skip_a_level(client, front, path):
    levels = outline(client.get(path).content.decode()).levels
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    assert not [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1], levels
