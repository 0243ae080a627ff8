"""Public lists page through at most LIST_MAX_PAGES pages; the last one leads to the search for the rest.

An OFFSET page and a count cost what lies before them, so the home page's, a tag's and a
commentator's lists stop at LIST_MAX_PAGES pages (a page past it is a 404 like any missing
page), count at most that far ("N 篇以上" beyond), and the last page links to the archive
search with the list's filter, newest first, up to that page's last day. The cap is set to
two pages of 20 here.
"""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Case, Count, Q, Value, When
from django.test.utils import override_settings

from articles.models import Article, Commentator
from tests.factories import ArticleFactory
from tests.site.conftest import SEED_DAY, add_section, morning, published_on

pytestmark = pytest.mark.django_db

CAP = 2  # pages
SHOWN = CAP * 20


def day(i: int) -> datetime.date:
    return SEED_DAY - datetime.timedelta(days=i)


def tagged(n: int) -> list[Article]:
    """n visible articles, one a day back from the seed day, each tagged 两会 with a commentary by 夏君山."""
    articles = []
    for i in range(n):
        article = published_on(day(i), title=f"稿件{i}", tags=["两会"])
        add_section(article, 1, f"发言{i}", "市人大代表", "夏君山")
        articles.append(article)
    return articles


def older_link(html: str) -> dict:
    start = html.index('<p class="list-end">')
    note = html[start : html.index("</p>", start)]
    assert "更早的" in note and "请到" in note and "按日期查看" in note
    href = note[note.index('href="') + 6 :]
    url = urlsplit(href[: href.index('"')].replace("&amp;", "&"))
    assert url.path == "/search/"
    return {key: values[0] for key, values in parse_qs(url.query).items()}


def paths() -> dict[str, str]:
    xia = Commentator.objects.get(name="夏君山")
    return {
        "home": "/",
        "tag": "/tags/%E4%B8%A4%E4%BC%9A/",
        "commentator": xia.get_absolute_url(),
    }


@override_settings(LIST_MAX_PAGES=CAP)
@pytest.mark.parametrize("name", ["home", "tag", "commentator"])
def test_a_list_longer_than_the_cap_ends_at_its_last_page_with_the_search_for_the_rest(client, name):
    tagged(SHOWN + 5)
    path = paths()[name]
    first = client.get(path).content.decode()
    assert 'class="list-end"' not in first
    assert client.get(path, {"page": CAP + 1}).status_code == 404
    last = client.get(path, {"page": CAP})
    assert last.status_code == 200
    html = last.content.decode()
    assert "第 2 / 2 页" in html and 'rel="next"' not in html
    # The last page's last item is the 40th newest, published on day(39): the search goes on from that day.
    assert f"稿件{SHOWN - 1}<" in html and f"稿件{SHOWN}<" not in html
    params = older_link(html)
    expected = {"sort": "-date", "to": day(SHOWN - 1).isoformat()}
    if name == "tag":
        expected["tag"] = "两会"
    if name == "commentator":
        expected["commentator"] = str(Commentator.objects.get(name="夏君山").pk)
    assert params == expected
    assert client.get("/search/", params).status_code == 200


@override_settings(LIST_MAX_PAGES=CAP)
def test_counts_stop_past_the_cap(client):
    tagged(SHOWN + 5)
    tag = client.get(paths()["tag"])
    assert tag.context["articles"].paginator.count == SHOWN and tag.context["articles"].paginator.more
    assert f'<span class="count">{SHOWN} 篇以上</span>' in tag.content.decode()
    commentator = client.get(paths()["commentator"]).content.decode()
    assert f'<span class="count">{SHOWN} 篇以上</span>' in commentator
    index = client.get("/commentators/").content.decode()
    assert f'夏君山</a> <span class="person-title">市人大代表</span> <span class="count">{SHOWN} 篇以上</span>' in index


@override_settings(LIST_MAX_PAGES=CAP)
def test_a_list_as_long_as_the_cap_is_counted_exactly_and_says_nothing_of_older_ones(client):
    tagged(SHOWN)
    for name, path in paths().items():
        last = client.get(path, {"page": CAP}).content.decode()
        assert 'class="list-end"' not in last, name
        assert client.get(path, {"page": CAP + 1}).status_code == 404, name
    assert f'<span class="count">共 {SHOWN} 篇</span>' in client.get(paths()["tag"]).content.decode()
    assert f'<span class="count">{SHOWN} 篇</span>' in client.get(paths()["commentator"]).content.decode()


@override_settings(LIST_MAX_PAGES=1)
def test_a_cap_of_one_page_still_leads_to_the_search(client):
    tagged(25)
    html = client.get(paths()["tag"]).content.decode()
    assert 'class="pagination"' not in html
    assert older_link(html)["to"] == day(19).isoformat()
    assert client.get(paths()["tag"], {"page": 2}).status_code == 404


@override_settings(LIST_MAX_PAGES=CAP)
def test_counts_and_pages_leave_out_what_readers_cannot_see(client):
    tagged(SHOWN)
    ArticleFactory(title="草稿", tags=["两会"], status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(title="撤稿", tags=["两会"], status=Article.Status.WITHDRAWN, published_at=morning(day(1)))
    html = client.get(paths()["tag"]).content.decode()
    assert f'<span class="count">共 {SHOWN} 篇</span>' in html
    assert client.get(paths()["tag"], {"page": CAP + 1}).status_code == 404


# The commentator index ---------------------------------------------------------------------


def index_before(now=None):
    """The index's people as it first counted them (every section against the set of visible articles)."""
    body_order = Case(
        When(title__contains="人大", then=Value(0)), When(title__contains="政协", then=Value(1)), default=Value(2)
    )
    people = (
        Commentator.objects.annotate(
            commentary_count=Count("sections", filter=Q(sections__article__in=Article.objects.visible())),
            body_order=body_order,
        )
        .filter(commentary_count__gt=0)
        .order_by("body_order", "name")
    )
    return [(p.name, p.body, p.commentary_count) for p in people]


def index_now(client, **params):
    response = client.get("/commentators/", params)
    assert response.status_code == 200
    return [(p.name, p.body, p.commentary_count) for g in response.context["groups"] for p in g["people"]]


def test_the_commentator_index_lists_and_counts_as_before(client, seed_article):
    later = published_on(day(-3), title="后来的稿件")
    add_section(later, 1, "再谈", "市人大代表", "夏君山")
    add_section(later, 2, "又谈", "市人大代表", "夏君山")
    add_section(later, 3, "身份不明", "", "无身份者")
    add_section(later, 4, "省里的代表", "省人大代表", "甲代表")
    add_section(later, 5, "委员", "市政协委员", "乙委员")
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    add_section(draft, 1, "草稿里", "市人大代表", "夏君山")  # not counted
    add_section(draft, 2, "只在草稿里", "市人大代表", "草稿代表")  # not listed
    withdrawn = published_on(day(2), status=Article.Status.WITHDRAWN)
    add_section(withdrawn, 1, "撤稿里", "市政协委员", "罗安宝")  # not counted
    add_section(withdrawn, 2, "只在撤稿里", "市政协委员", "撤稿委员")  # not listed
    scheduled = ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=morning(day(-3650)), page=later.page, position=9
    )
    add_section(scheduled, 1, "还没到时间", "市人大代表", "定时代表")  # not listed yet
    add_section(scheduled, 2, "还没到时间", "市人大代表", "殷小虎")  # not counted yet
    expected = index_before()
    assert index_now(client) == expected
    counts = {name: count for name, _, count in expected}
    assert counts["夏君山"] == 3 and counts["罗安宝"] == 1 and counts["殷小虎"] == 1
    assert not {"草稿代表", "撤稿委员", "定时代表"} & set(counts)
    html = client.get("/commentators/").content.decode()
    deputies = html[html.index("人大代表 <span") : html.index("政协委员 <span")]
    assert "甲代表" in deputies and "夏君山" in deputies and "3 篇" in deputies
    assert "无身份者" in html[html.index("其他 <span") :]


def test_the_commentator_index_pages_as_before(client, seed_article, monkeypatch):
    from articles.site import views

    for i in range(7):
        add_section(published_on(day(i + 1)), 1, "建议", ["市人大代表", "市政协委员", ""][i % 3], f"人{i}")
    monkeypatch.setattr(views, "COMMENTATORS_PER_PAGE", 4)
    expected = index_before()
    # Forwards by the next links, then back by the previous links: the same pages.
    pages, urls, query = [], [], {}
    while True:
        response = client.get("/commentators/", query)
        pages.append(index_now(client, **query))
        urls.append(query)
        page = response.context["page_obj"]
        if not page.has_next():
            break
        query = {"after": page.after}
    assert [len(p) for p in pages] == [4, 4, 3]
    assert [person for page in pages for person in page] == expected
    back, page = [], response.context["page_obj"]
    while page.has_previous():
        back.append(index_now(client, before=page.before))
        page = client.get("/commentators/", {"before": page.before}).context["page_obj"]
    assert back == pages[-2::-1]
