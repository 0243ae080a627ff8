"""Drafts, pieces in review, future-scheduled and withdrawn articles show nowhere to readers.

One published article and one of each hidden kind share everything a page can list them by: the
issue and page, a cluster, a tag, a commentator, a milestone. Then every public URL and feed is
read as an anonymous visitor.
"""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, Section, visible_condition
from tests.factories import ArticleFactory, MilestoneFactory, cluster
from tests.site.conftest import (
    SEED_DAY,
    add_section,
    make_page,
    morning,
    sitemap_entries,
)

pytestmark = pytest.mark.django_db

HIDDEN = {
    "草稿隐藏标题": {"status": Article.Status.DRAFT, "published_at": None},
    "审核中隐藏标题": {"status": Article.Status.REVIEW, "published_at": None},
    "定时未到隐藏标题": {"status": Article.Status.SCHEDULED, "published_at": "future"},
    "撤稿隐藏标题": {"status": Article.Status.WITHDRAWN, "published_at": "past"},
    "发布时间未到隐藏标题": {
        "status": Article.Status.PUBLISHED,
        "published_at": "future",
    },
}


@pytest.fixture
def newsroom(db):
    """The visible article and the hidden ones, sharing issue, page, cluster, tag and commentator."""
    page = make_page()
    rail = cluster("rail-transit")
    visible = ArticleFactory(
        title="公开稿件标题",
        page=page,
        position=1,
        published_at=morning(SEED_DAY),
        clusters=[rail],
        tags=["共用标签"],
    )
    add_section(visible, 1, "公开发言", "市人大代表", "共同代表")
    MilestoneFactory(cluster=rail, text="公开大事", source_article=visible)
    hidden = []
    for position, (title, fields) in enumerate(HIDDEN.items(), start=2):
        when = fields["published_at"]
        published_at = {
            "future": timezone.now() + datetime.timedelta(days=3),
            "past": morning(SEED_DAY),
            None: None,
        }[when]
        article = ArticleFactory(
            title=title,
            page=page,
            position=position,
            status=fields["status"],
            published_at=published_at,
            clusters=[rail],
            tags=["共用标签", f"隐藏标签{position}"],
        )
        add_section(article, 1, f"{title}的发言", "市人大代表", "共同代表")
        add_section(article, 2, "隐藏人的发言", "市政协委员", f"只在隐藏稿里的人{position}")
        MilestoneFactory(cluster=rail, text=f"{title}的大事", source_article=article)
        hidden.append(article)
    # A hidden article alone on a later issue: that day must not appear anywhere.
    ArticleFactory(
        title="未来一期隐藏标题",
        page=make_page(SEED_DAY + datetime.timedelta(days=1)),
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    return visible, hidden


def public_urls(visible):
    commentator = visible.sections.get().commentator
    return [
        "/",
        "/?page=1",
        visible.get_absolute_url(),
        "/issues/",
        "/issues/2019-01-08/",
        "/clusters/",
        "/clusters/rail-transit/",
        "/commentators/",
        commentator.get_absolute_url(),
        "/tags/%E5%85%B1%E7%94%A8%E6%A0%87%E7%AD%BE/",
        "/feeds/latest/",
        "/feeds/clusters/rail-transit/",
        "/sitemap.xml",
        "/sitemap-articles.xml",
        "/sitemap-issues.xml",
        "/sitemap-commentators.xml",
        "/robots.txt",
    ]


def test_no_public_url_or_feed_shows_a_hidden_article(client, newsroom):
    visible, _ = newsroom
    for url in public_urls(visible):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "隐藏" not in body, f"{url} shows a hidden article, its tag, commentator or milestone"
    # The visible one is where it should be.
    for url in [
        "/",
        "/issues/2019-01-08/",
        "/clusters/rail-transit/",
        "/feeds/latest/",
        "/feeds/clusters/rail-transit/",
    ]:
        assert "公开稿件标题" in client.get(url).content.decode(), url


def test_hidden_articles_answer_404_or_410(client, newsroom):
    _, hidden = newsroom
    for article in hidden:
        expected = 410 if article.status == Article.Status.WITHDRAWN else 404
        response = client.get(article.get_absolute_url())
        assert response.status_code == expected, article.title
        assert article.title not in response.content.decode()


def test_counts_leave_hidden_articles_out(client, newsroom):
    html = client.get("/clusters/").content.decode()
    rail = html[html.index("/clusters/rail-transit/") :]
    assert "1 篇报道" in rail[: rail.index("</li>")]
    assert '最新报道 <span class="count">1 篇</span>' in client.get("/clusters/rail-transit/").content.decode()
    commentators = client.get("/commentators/").content.decode()
    person = commentators[commentators.index("共同代表") :]
    assert '<span class="count">1 篇</span>' in person[: person.index("</li>")]


def test_the_day_of_a_hidden_issue_is_not_a_link_and_not_a_page(client, newsroom):
    assert "2019-01-09" not in client.get("/issues/").content.decode()
    assert client.get("/issues/2019-01-09/").status_code == 404


def test_people_and_tags_only_on_hidden_articles_are_404(client, newsroom):
    _, hidden = newsroom
    for article in hidden:
        person = article.sections.get(position=2).commentator
        assert client.get(person.get_absolute_url()).status_code == 404
        tag = article.tags.exclude(name="共用标签").get()
        assert client.get(f"/tags/{tag.slug}/").status_code == 404


def test_sitemap_lists_exactly_what_readers_can_open(client, newsroom):
    visible, _ = newsroom
    locations = set(sitemap_entries(client))
    articles = {loc for loc in locations if loc.startswith("/articles/")}
    assert articles == {visible.get_absolute_url()}
    assert "/issues/2019-01-08/" in locations
    assert "/issues/2019-01-09/" not in locations
    assert "/clusters/rail-transit/" in locations
    assert visible.sections.get().commentator.get_absolute_url() in locations
    for url in locations:
        assert client.get(url).status_code == 200, url


def test_a_scheduled_article_shows_up_everywhere_once_its_time_passes(client, newsroom, monkeypatch):
    later = timezone.now() + datetime.timedelta(days=4)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "定时未到隐藏标题" in client.get("/feeds/latest/").content.decode()
    assert "定时未到隐藏标题" in client.get("/issues/2019-01-08/").content.decode()


def test_visible_through_selects_exactly_what_visible_selects(db):
    """The join condition used for sections, counts and milestones is the same rule as visible()."""
    times = [
        None,
        timezone.now() - datetime.timedelta(minutes=1),
        timezone.now() + datetime.timedelta(minutes=1),
    ]
    for status in Article.Status:
        for when in times:
            if when is None and status in (
                Article.Status.PUBLISHED,
                Article.Status.SCHEDULED,
            ):
                continue  # the database refuses these
            add_section(
                ArticleFactory(status=status, published_at=when),
                1,
                "发言",
                "市人大代表",
                "某代表",
            )
    expected = set(Article.objects.visible().values_list("pk", flat=True))
    assert expected  # some are visible, some are not
    through_sections = Section.objects.filter(visible_condition("article__")).values_list("article_id", flat=True)
    assert set(through_sections) == expected
    assert Article.objects.count() > len(expected)
