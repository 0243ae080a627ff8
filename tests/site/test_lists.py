"""Home, issues, clusters, commentators and tags: what they list, in a fixed number of queries."""

import datetime
import html as html_module
import re

import pytest
from django.test import RequestFactory
from django.utils import timezone

from articles.listing import paginate
from articles.models import Article, Commentator, Photo
from articles.selectors import commentaries
from tests.factories import (
    ArticleFactory,
    ContributorFactory,
    MilestoneFactory,
    OrganizationFactory,
    ProjectFactory,
    cluster,
    image_file,
)
from tests.site.conftest import (
    SEED_DAY,
    SEED_TITLE,
    add_section,
    make_page,
    morning,
    published_on,
)

pytestmark = pytest.mark.django_db

# Queries per page, pinned: they must not grow with the number of items listed.
PAGE_QUERIES = {
    # newest change (cache key), latest issue, its articles, clusters + their newest three,
    # commentaries, page count + rows
    "home": 8,
    # years with issues, the year's issues
    "issues": 2,
    # the issue, its articles, previous and next issue, its pages for the strip of thumbnails
    "issue": 5,
    # clusters with visible counts
    "clusters": 1,
    # cluster, newest change + article count + rows, commentaries, projects + organisations, timeline
    "cluster": 8,
    # one page of the commentators who have spoken, with how many have (a window), their visible counts
    "commentators": 2,
    # commentator, newest change + section count + rows
    "commentator": 4,
    # tag, newest change + article count + rows
    "tag": 4,
    # articles, their clusters
    "feed": 2,
    # the cluster, its articles, their clusters
    "cluster_feed": 3,
}


def many(n: int, day=SEED_DAY):
    """n visible articles on one issue, each with a commentary, a tag and the rail-transit cluster."""
    rail = cluster("rail-transit")
    rail.cover_photo = Photo.objects.create(
        image=image_file(),
        alt_text="封面",
        photographer=ContributorFactory(name="陈太仰"),
    )
    rail.save()
    page = make_page(day, "A01", "要闻")
    articles = []
    for i in range(n):
        article = ArticleFactory(
            page=page,
            position=i,
            published_at=morning(day),
            clusters=[rail],
            tags=["轨道交通"],
            kicker="引题",
            subtitle="副题",
        )
        add_section(article, 1, f"代表说{i}", "市人大代表", f"代表{i % 7}")
        articles.append(article)
    project = ProjectFactory(cluster=rail)
    project.organizations.set([OrganizationFactory(), OrganizationFactory()])
    for article in articles[:n]:
        MilestoneFactory(cluster=rail, project=project, source_article=article)
    return articles


def url_for(name: str, articles) -> str:
    commentator = articles[0].sections.first().commentator
    return {
        "home": "/",
        "issues": "/issues/",
        "issue": f"/issues/{SEED_DAY:%Y-%m-%d}/",
        "clusters": "/clusters/",
        "cluster": "/clusters/rail-transit/",
        "commentators": "/commentators/",
        "commentator": commentator.get_absolute_url(),
        "tag": "/tags/%E8%BD%A8%E9%81%93%E4%BA%A4%E9%80%9A/",
        "feed": "/feeds/latest/",
        "cluster_feed": "/feeds/clusters/rail-transit/",
    }[name]


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("name", list(PAGE_QUERIES))
def test_list_pages_run_a_fixed_number_of_queries(client, django_assert_num_queries, name, n):
    url = url_for(name, many(n))
    with django_assert_num_queries(PAGE_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200
    if name in AGAIN_QUERIES:
        # Asked again: the count (or, for the cluster, the whole page) is kept; only the
        # newest change to any article is checked.
        with django_assert_num_queries(AGAIN_QUERIES[name]):
            assert client.get(url).status_code == 200


AGAIN_QUERIES = {
    "home": 1,
    "cluster": 1,
    "commentator": PAGE_QUERIES["commentator"] - 1,
    "tag": PAGE_QUERIES["tag"] - 1,
}


def test_a_list_counts_a_new_article_at_once(client):
    many(5)
    before = client.get("/clusters/rail-transit/").context["articles"].paginator.count
    published_on(SEED_DAY, title="新开通的轨道交通线路", status="published", clusters=[cluster("rail-transit")])
    after = client.get("/clusters/rail-transit/").context["articles"].paginator.count
    assert after == before + 1


def test_home_shows_the_latest_issue_clusters_and_commentaries(client, seed_article):
    older = published_on(
        SEED_DAY - datetime.timedelta(days=1),
        title="前一天的稿件",
        kicker="引题在此",
        subtitle="副题在此",
    )
    html = client.get("/").content.decode()
    today = html[html.index('id="today-heading"') : html.index('id="clusters-heading"')]
    assert "2019年1月8日 星期二 · 第20345期" in today
    assert "第A04版" in today and "两会特刊" in today
    assert SEED_TITLE in today
    assert "前一天的稿件" not in today  # not in the latest issue, but listed among the latest
    assert older.title in html and "引题在此" in html and "副题在此" in html
    clusters = html[html.index('id="clusters-heading"') : html.index('id="voices-heading"')]
    assert clusters.count('class="cluster-card"') == 8
    # The seed article covers 有色金属 and 轨道交通: listed on the first of their cards only.
    nonferrous = clusters[clusters.index("有色金属") :]
    assert SEED_TITLE in nonferrous[: nonferrous.index("</div>")]
    rail = clusters[clusters.index("轨道交通") :]
    assert SEED_TITLE not in rail[: rail.index("</div>")]
    assert "近期报道已在前面列出" in rail[: rail.index("</div>")]
    voices = html[html.index('id="voices-heading"') :]
    assert re.search(
        r'<span class="commentator-title">市人大代表</span> <a href="/commentators/\d+/">夏君山</a>',
        voices,
    )
    assert "/feeds/latest/" in html
    assert 'action="/search/"' in html and 'name="q"' in html


def test_home_cache_control_is_short(client, seed_article):
    assert "max-age=60" in client.get("/").headers["Cache-Control"]


def test_home_is_served_from_cache_until_an_article_changes(client, seed_article, django_assert_num_queries):
    first = client.get("/").content
    with django_assert_num_queries(1):  # the newest change, then the cached page
        assert client.get("/").content == first
    seed_article.status = Article.Status.WITHDRAWN
    seed_article.save()
    assert SEED_TITLE not in client.get("/").content.decode()


def test_home_without_content_is_friendly(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "暂无已出版的报纸" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "1.5", "\uff19"])
def test_a_page_number_out_of_range_or_not_a_number_is_404(client, seed_article, page):
    for path in ["/", "/clusters/rail-transit/", "/tags/%E4%B8%A4%E4%BC%9A/"]:
        assert client.get(path, {"page": page}).status_code == 404, path


def test_lists_are_paginated(client):
    many(25)
    first = client.get("/clusters/rail-transit/").content.decode()
    assert first.count('<article class="item">') == 20
    assert 'href="?page=2"' in first
    second = client.get("/clusters/rail-transit/?page=2").content.decode()
    assert second.count('<article class="item">') == 5
    assert 'href="?page=1"' in second


def test_calendar_links_only_days_with_an_issue(client, seed_article):
    published_on(datetime.date(2019, 3, 2))
    published_on(datetime.date(2018, 12, 26))
    ArticleFactory(
        page=make_page(datetime.date(2019, 3, 3)),
        status=Article.Status.DRAFT,
        published_at=None,
    )
    html = client.get("/issues/").content.decode()
    assert "2019年1月" in html and "2019年3月" in html and "2019年2月" not in html
    assert 'href="/issues/2019-01-08/"' in html
    assert 'href="/issues/2019-03-02/"' in html
    assert 'href="/issues/2019-03-03/"' not in html  # only a draft that day
    assert 'href="?year=2018"' in html
    assert 'href="/issues/2018-12-26/"' in client.get("/issues/?year=2018").content.decode()


@pytest.mark.parametrize("year", ["abc", "2017", "99999999999999999999", ""])
def test_calendar_of_a_year_without_issues_is_404(client, seed_article, year):
    assert client.get("/issues/", {"year": year}).status_code == 404


def test_issue_page_lists_pages_in_order_with_their_articles(client, seed_article):
    front = ArticleFactory(
        title="头版头条",
        page=make_page(number="A01", name="要闻"),
        published_at=morning(SEED_DAY),
    )
    published_on(SEED_DAY + datetime.timedelta(days=1))
    html = client.get("/issues/2019-01-08/").content.decode()
    assert "2019年1月8日" in html and "第20345期" in html
    listing = html[html.index('class="issue-articles"') :]  # after the strip of page thumbnails
    assert listing.index("第A01版") < listing.index("头版头条") < listing.index("第A04版") < listing.index(SEED_TITLE)
    assert f'href="/articles/{front.pk}/"' in html
    assert 'rel="next" href="/issues/2019-01-09/"' in html


@pytest.mark.parametrize(
    "path",
    ["/issues/2019-13-45/", "/issues/2019-02-30/", "/issues/2019-1-8/", "/issues/0000-00-00/", "/issues/2020-01-01/"],
)
def test_impossible_or_empty_dates_are_404(client, seed_article, path):
    assert client.get(path).status_code == 404


def test_issue_with_only_unpublished_articles_is_404(client, db):
    ArticleFactory(page=make_page(), status=Article.Status.REVIEW, published_at=None)
    assert client.get("/issues/2019-01-08/").status_code == 404


def test_issue_page_answers_conditional_gets(client, seed_article):
    first = client.get("/issues/2019-01-08/")
    assert "max-age=86400" in first.headers["Cache-Control"]
    again = client.get("/issues/2019-01-08/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert (
        client.get(
            "/issues/2019-01-08/",
            headers={"If-Modified-Since": first.headers["Last-Modified"]},
        ).status_code
        == 304
    )
    seed_article.title = "新标题"
    seed_article.save()
    assert client.get("/issues/2019-01-08/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_recent_issue_is_cached_briefly(client, db):
    today = timezone.localdate()
    published_on(today, published_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "max-age=300" in client.get(f"/issues/{today:%Y-%m-%d}/").headers["Cache-Control"]


def test_cluster_index_counts_visible_articles(client, seed_article):
    ArticleFactory(
        clusters=[cluster("rail-transit")],
        status=Article.Status.DRAFT,
        published_at=None,
    )
    html = client.get("/clusters/").content.decode()
    assert html.count('class="cluster-card"') == 8
    rail = html[html.index("/clusters/rail-transit/") :]
    assert "1 篇报道" in rail[: rail.index("</li>")]
    textiles = html[html.index("/clusters/textiles/") :]
    assert "0 篇报道" in textiles[: textiles.index("</li>")]


def test_cluster_page_has_articles_commentaries_projects_and_a_sourced_timeline(client, seed_article):
    rail = cluster("rail-transit")
    project = ProjectFactory(
        name="比亚迪轨道交通智能制造产业园",
        cluster=rail,
        location="松木经开区",
        status="building",
    )
    project.organizations.set([OrganizationFactory(name="比亚迪")])
    MilestoneFactory(
        date=datetime.date(2018, 12, 26),
        text="胶轮有轨电车示范线工程启动",
        project=project,
        cluster=rail,
        source_article=seed_article,
    )
    MilestoneFactory(date=datetime.date(2018, 6, 1), text="产业园签约", cluster=rail)
    html = client.get("/clusters/rail-transit/").content.decode()
    assert "轨道交通" in html and rail.summary in html
    assert SEED_TITLE in html
    assert "夏君山" in html and "市人大代表" in html
    assert "比亚迪轨道交通智能制造产业园" in html and "松木经开区" in html and "在建" in html and "比亚迪" in html
    timeline = html[html.index('class="timeline"') :]
    assert timeline.index("2018年6月1日") < timeline.index("2018年12月26日")
    assert f'href="/articles/{seed_article.pk}/">据《{SEED_TITLE}》' in timeline
    assert 'href="/feeds/clusters/rail-transit/"' in html


def test_unknown_cluster_is_404(client, db):
    assert client.get("/clusters/no-such-cluster/").status_code == 404
    assert client.get("/feeds/clusters/no-such-cluster/").status_code == 404


def test_commentators_are_grouped_by_their_current_body(client, seed_article):
    add_section(published_on(SEED_DAY), 1, "建议", "省人大代表", "新代表")
    add_section(published_on(SEED_DAY), 1, "建议", "", "无身份者")
    html = client.get("/commentators/").content.decode()
    deputies = html[html.index("人大代表 <span") : html.index("政协委员 <span")]
    members = html[html.index("政协委员 <span") : html.index("其他 <span")]
    assert "夏君山" in deputies and "殷小虎" in deputies and "新代表" in deputies
    assert "罗安宝" in members and "吴颖" in members
    assert "无身份者" in html[html.index("其他 <span") :]


def rel_link(html: str, rel: str) -> str | None:
    """The address of a page's rel="next" or rel="prev" link, or None."""
    found = re.search(rf'<a rel="{rel}" href="([^"]*)"', html)
    return html_module.unescape(found.group(1)) if found else None


def test_the_commentator_list_is_paginated_and_keeps_its_groups(client, seed_article, monkeypatch):
    from articles.site import views

    # The seed's two deputies and two members, three to a page: deputies first, then members.
    monkeypatch.setattr(views, "COMMENTATORS_PER_PAGE", 3)
    first = client.get("/commentators/").content.decode()
    # The index is read in order and not counted: a page starts after the last person of the
    # one before, and shows a next page only where one follows.
    people = [g["people"] for g in client.get("/commentators/").context["groups"]]
    last_shown = [person for group in people for person in group][-1]
    assert rel_link(first, "next") == f"?after={last_shown.pk}" and rel_link(first, "prev") is None
    second = client.get("/commentators/" + rel_link(first, "next")).content.decode()
    assert rel_link(second, "next") is None
    assert "夏君山" in first and "殷小虎" in first
    assert "人大代表 <span" not in second and "政协委员 <span" in second
    assert ("吴颖" in first) != ("吴颖" in second) and ("罗安宝" in first) != ("罗安宝" in second)
    assert "第 1 页" not in first and "第 2 页" not in second  # no number without a count
    # Back from the second page: the first page, whole, with no page before it.
    back = client.get("/commentators/" + rel_link(second, "prev")).content.decode()
    assert re.findall(r'href="/commentators/\d+/"', back) == re.findall(r'href="/commentators/\d+/"', first)
    assert rel_link(back, "prev") is None and rel_link(back, "next") == rel_link(first, "next")


@pytest.mark.parametrize(
    "query", ["after=abc", "after=-1", "before=\uff11", "after=99999999", "after=1234567890123", "after=1&before=1"]
)
def test_a_commentator_index_page_that_is_not_one_is_a_404(client, seed_article, query):
    assert client.get(f"/commentators/?{query}").status_code == 404


def test_the_commentator_list_ends_where_its_people_end(client, seed_article, monkeypatch):
    from articles.site import views

    monkeypatch.setattr(views, "COMMENTATORS_PER_PAGE", 3)
    second_url = "/commentators/" + rel_link(client.get("/commentators/").content.decode(), "next")
    second = client.get(second_url)
    ordered = [person for group in second.context["groups"] for person in group["people"]]
    assert client.get(f"/commentators/?after={ordered[-1].pk}").status_code == 404  # after the last person
    Article.objects.update(status=Article.Status.DRAFT, published_at=None)  # nobody has spoken now
    html = client.get("/commentators/").content.decode()
    assert "暂无代表委员的发言" in html and 'class="pagination"' not in html
    assert client.get(second_url).status_code == 404  # a link kept from before leads nowhere now


def test_commentator_page_shows_each_section_with_the_title_held_then(client, seed_article):
    xia = seed_article.sections.get(commentator__name="夏君山").commentator
    xia.title = "市政协委员"  # moved from the people's congress to the CPPCC since 2019
    xia.bio = "衡阳某企业负责人。"
    xia.save()
    later = published_on(datetime.date(2024, 1, 10), title="2024年两会稿件")
    add_section(later, 1, "再谈产业集群", "市政协委员", "夏君山")
    html = client.get(xia.get_absolute_url()).content.decode()
    assert "衡阳某企业负责人。" in html
    assert html.index("2024年两会稿件") < html.index(SEED_TITLE)  # newest first
    assert "时任市人大代表" in html and "时任市政协委员" in html
    assert "“产业航母”带动衡阳向更高层次迈进" in html
    assert "2 篇" in html


def test_a_commentator_known_only_from_drafts_is_not_public(client, db):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    section = add_section(draft, 1, "草稿里的发言", "市人大代表", "草稿代表")
    assert client.get(section.commentator.get_absolute_url()).status_code == 404
    assert "草稿代表" not in client.get("/commentators/").content.decode()
    assert client.get("/commentators/99999999/").status_code == 404


def test_tag_page_lists_visible_articles_with_the_tag(client, seed_article):
    ArticleFactory(
        title="草稿带标签",
        tags=["两会"],
        status=Article.Status.DRAFT,
        published_at=None,
    )
    html = client.get("/tags/%E4%B8%A4%E4%BC%9A/").content.decode()
    assert "标签：两会" in html and SEED_TITLE in html and "草稿带标签" not in html
    assert client.get("/tags/no-such-tag/").status_code == 404


def test_a_tag_only_on_drafts_is_404(client, db):
    ArticleFactory(tags=["内部"], status=Article.Status.DRAFT, published_at=None)
    assert client.get("/tags/%E5%86%85%E9%83%A8/").status_code == 404


def test_issue_etag_changes_when_a_next_issue_appears(client, seed_article):
    etag = client.get("/issues/2019-01-08/").headers["ETag"]
    published_on(SEED_DAY + datetime.timedelta(days=3))
    response = client.get("/issues/2019-01-08/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert 'rel="next" href="/issues/2019-01-11/"' in response.content.decode()


def test_a_commentators_pages_by_ids_hold_what_the_plain_pages_hold():
    """The commentator's page finds its later pages' sections by id first (by_ids_from): the same
    sections on each page, in the same order, as reading the rows whole; hidden ones nowhere."""
    for n in range(7):
        article = published_on(datetime.date(2019, 1, 1) + datetime.timedelta(days=n % 4), title=f"评论稿件{n}")
        add_section(article, 1, f"谈{n}", "市人大代表", "夏君山")
        if n % 3 == 0:
            add_section(article, 2, f"再谈{n}", "市人大代表", "夏君山")
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    add_section(draft, 1, "草稿里", "市人大代表", "夏君山")
    person = Commentator.objects.get(name="夏君山")
    sections = commentaries().filter(commentator=person)
    pages = []
    for number in (1, 2, 3, 4):
        request = RequestFactory().get("/", {"page": number})
        by_ids = paginate(request, sections, per_page=3, count_key="by-ids", by_ids_from=3)
        plain = paginate(request, sections, per_page=3, count_key="plain")
        assert [s.pk for s in by_ids] == [s.pk for s in plain]
        pages += [s.heading for s in by_ids]
    assert len(pages) == len(set(pages)) == 10
    assert "草稿里" not in pages
