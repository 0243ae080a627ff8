"""Search and both exports show a person exactly what the article admin lets them see
(articles.selectors.articles_for): readers' articles, plus a reporter's own, or everything for
the desks, the editor-in-chief and archivists — never more because the account is staff."""

import csv
import datetime
import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.utils import timezone

from articles.models import Article
from articles.selectors import articles_for
from search.engine import Filters, run_search, scope_for, search_queryset
from search.indexing import index_articles
from search.query import ParsedQuery, parse_query
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

PUBLIC = "衡阳公开报道"
OWN_DRAFT = "衡阳记者自己的草稿"
OWN_WITHDRAWN = "衡阳记者自己撤下的稿件"
OTHERS_DRAFT = "衡阳别人的草稿"
OTHERS_SCHEDULED = "衡阳别人的待发布稿件"
OTHERS_WITHDRAWN = "衡阳别人的已撤稿稿件"
ALL_TITLES = {PUBLIC, OWN_DRAFT, OWN_WITHDRAWN, OTHERS_DRAFT, OTHERS_SCHEDULED, OTHERS_WITHDRAWN}


def member(username: str, group: str | None, **extra) -> User:
    user = User.objects.create_user(username, password=None, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def newsroom(db):
    people = {
        "reporter": member("reporter", "记者"),
        "colleague": member("colleague", "记者"),
        "editor": member("editor", "编辑"),
        "archivist": member("archivist", "档案员"),
        "chief": member("chief", "总编辑"),
        "bare": member("bare", None),  # staff without any group or right
        "superuser": User.objects.create_superuser("root", password=None),
        "inactive": member("gone", "记者", is_active=False),
    }
    now = timezone.now()
    reporter, colleague = people["reporter"], people["colleague"]
    specs = [
        (PUBLIC, Article.Status.PUBLISHED, now - datetime.timedelta(days=2), colleague),
        (OWN_DRAFT, Article.Status.DRAFT, None, reporter),
        (OWN_WITHDRAWN, Article.Status.WITHDRAWN, now - datetime.timedelta(days=3), reporter),
        (OTHERS_DRAFT, Article.Status.DRAFT, None, colleague),
        (OTHERS_SCHEDULED, Article.Status.SCHEDULED, now + datetime.timedelta(days=2), colleague),
        (OTHERS_WITHDRAWN, Article.Status.WITHDRAWN, now - datetime.timedelta(days=4), colleague),
    ]
    articles = [
        ArticleFactory(title=title, status=status, published_at=when, created_by=author)
        for title, status, when, author in specs
    ]
    index_articles([a.pk for a in articles])
    return people


def titles_on_page(client, **params) -> set[str]:
    response = client.get("/search/", {"q": "衡阳", **params})
    assert response.status_code == 200
    html = response.content.decode().replace("<mark>", "").replace("</mark>", "")
    return {title for title in ALL_TITLES if title in html}


def titles_in_exports(client, **params) -> set[str]:
    params = {"q": "衡阳", **params}
    jsonl = b"".join(client.get("/search/export.jsonl", params).streaming_content).decode()
    from_jsonl = {json.loads(line)["title"] for line in jsonl.splitlines()}
    raw = b"".join(client.get("/search/export.csv", params).streaming_content).decode("utf-8-sig")
    from_csv = {row[1] for row in list(csv.reader(io.StringIO(raw)))[1:]}
    assert from_jsonl == from_csv
    return from_jsonl


def as_user(client, user):
    client.force_login(user)
    return client


def test_a_reporter_finds_public_articles_and_their_own_not_colleagues_unpublished_ones(client, newsroom):
    as_user(client, newsroom["reporter"])
    expected = {PUBLIC, OWN_DRAFT, OWN_WITHDRAWN}
    assert titles_on_page(client) == expected
    assert titles_on_page(client, sort="-date") == expected
    assert titles_in_exports(client) == expected
    # Their status filter narrows their own set, never widens it.
    assert titles_on_page(client, status="draft") == {OWN_DRAFT}
    assert titles_in_exports(client, status="draft") == {OWN_DRAFT}
    assert titles_on_page(client, status="withdrawn") == {OWN_WITHDRAWN}
    assert titles_on_page(client, status="scheduled") == set()


def test_staff_without_any_group_find_what_readers_find(client, newsroom):
    as_user(client, newsroom["bare"])
    assert titles_on_page(client) == {PUBLIC}
    assert titles_in_exports(client) == {PUBLIC}
    # No status filter for them: the parameter changes nothing, and the form has no such field.
    assert titles_on_page(client, status="draft") == {PUBLIC}
    assert titles_in_exports(client, status="draft") == {PUBLIC}
    html = client.get("/search/", {"q": "衡阳"}).content.decode()
    assert 'name="status"' not in html and "status-badge" not in html


@pytest.mark.parametrize("who", ["editor", "archivist", "chief", "superuser"])
def test_editors_archivists_and_the_chief_find_everything(client, newsroom, who):
    as_user(client, newsroom[who])
    assert titles_on_page(client) == ALL_TITLES
    assert titles_in_exports(client) == ALL_TITLES
    assert titles_on_page(client, status="draft") == {OWN_DRAFT, OTHERS_DRAFT}
    assert titles_in_exports(client, status="scheduled") == {OTHERS_SCHEDULED}


def test_readers_find_public_articles_only(client, newsroom):
    assert titles_on_page(client) == {PUBLIC}
    assert titles_on_page(client, status="draft") == {PUBLIC}
    assert titles_in_exports(client, status="draft") == {PUBLIC}


def test_a_deactivated_reporter_session_finds_what_readers_find(client, newsroom):
    # force_login skips the active check; the rights must not.
    as_user(client, newsroom["inactive"])
    assert titles_on_page(client) == {PUBLIC}


def test_pages_that_may_show_unpublished_articles_are_private(client, newsroom):
    for who in ("reporter", "editor"):
        as_user(client, newsroom[who])
        for params in ({"q": "衡阳"}, {}, {"q": "衡阳", "status": "draft"}):
            response = client.get("/search/", params)
            cache_control = response.get("Cache-Control", "")
            assert "private" in cache_control and "public" not in cache_control, (who, params)
        client.logout()


@pytest.mark.parametrize(
    "who", ["reporter", "colleague", "editor", "archivist", "chief", "bare", "superuser", "inactive", None]
)
def test_the_search_scope_is_exactly_articles_for_the_person(newsroom, who):
    user = newsroom[who] if who else AnonymousUser()
    allowed = set(articles_for(user).values_list("pk", flat=True))
    scope = scope_for(user)
    # Through the articles table (search_queryset) and through the index (run_search).
    assert set(search_queryset(ParsedQuery(), Filters(), scope=scope).values_list("pk", flat=True)) == allowed
    for query in ("衡阳", ""):
        outcome = run_search(parse_query(query), Filters(), scope=scope, sort="-date", page_number=1)
        assert {a.pk for a in outcome.articles} == allowed, query
        assert outcome.total == len(allowed)
