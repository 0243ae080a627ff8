"""Each endpoint runs a fixed number of SQL queries, whatever the page size and however much
each item holds: the same count with 2 items as with 20 (pinned)."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Photo
from tests import factories
from tests.api.conftest import bearer, make_token, member

pytestmark = pytest.mark.django_db

ISSUE = datetime.date(2019, 3, 5)


def build(n: int) -> dict:
    """n articles in one issue, each with n tags, two clusters and a photo, the first three with n
    sections (n commentators) and n credits; n milestones and projects on a cluster; n issues."""
    now = timezone.now()
    issue = factories.IssueFactory(date=ISSUE)
    pages = [factories.PageFactory(issue=issue, number=f"A{i + 1:02d}") for i in range(2)]
    rail = factories.cluster("rail-transit")
    articles = []
    for i in range(n):
        article = factories.ArticleFactory(
            published_at=now - datetime.timedelta(hours=i + 1),
            page=pages[i % 2],
            position=i,
            clusters=[rail, factories.cluster("textiles")],
            tags=[f"标签{j}" for j in range(n)],
        )
        for j in range(n if i < 3 else 1):
            factories.SectionFactory(
                article=article, position=j + 1, commentator=factories.CommentatorFactory(name=f"代表{j}")
            )
            factories.CreditFactory(article=article, position=j + 1, contributor__name=f"记者{j}")
        Photo.objects.create(article=article, image=factories.image_file(f"p{i}.jpg"), alt_text="图", is_lead=True)
        articles.append(article)
    for i in range(n):
        project = factories.ProjectFactory(cluster=rail)
        factories.MilestoneFactory(cluster=rail, project=project, source_article=articles[i], text=f"大事{i}")
        factories.IssueFactory(date=ISSUE - datetime.timedelta(days=i + 1))
        factories.ArticleFactory(
            page=factories.PageFactory(issue=issue.__class__.objects.get(date=ISSUE - datetime.timedelta(days=i + 1)))
        )
    return {"article": articles[0], "commentator": articles[0].sections.first().commentator}


# Queries per endpoint for an anonymous client; a token adds its lookup.
EXPECTED = {
    "/api/v1/articles?limit={n}": 5,
    "/api/v1/articles?limit={n}&full=true": 8,
    "/api/v1/articles?limit={n}&sort=updated": 5,
    "/api/v1/articles/{article}": 7,
    "/api/v1/issues?limit={n}": 4,
    f"/api/v1/issues/{ISSUE}": 3,
    "/api/v1/clusters": 3,
    "/api/v1/clusters/rail-transit": 6,
    "/api/v1/commentators?limit={n}": 4,
    "/api/v1/commentators/{commentator}?limit={n}": 5,
    "/api/v1/tags?limit={n}": 4,
}


@pytest.mark.parametrize("n", [2, 20])
def test_queries_do_not_grow_with_the_page(client, django_assert_num_queries, n):
    made = build(n)
    client.get("/api/v1/tags")  # the content type of articles, which Django keeps per process
    for template, expected in EXPECTED.items():
        url = template.format(n=n, article=made["article"].pk, commentator=made["commentator"].pk)
        with django_assert_num_queries(expected, info=url):
            response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        body = response.json()
        if "items" in body and "clusters" not in url:
            assert len(body["items"]) == n, url


def test_a_kept_detail_costs_one_query(client, django_assert_num_queries):
    made = build(2)
    url = f"/api/v1/articles/{made['article'].pk}"
    client.get(url)
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200


def test_a_token_adds_its_lookup_and_the_accounts_rights(client, django_assert_num_queries):
    build(2)
    token = make_token(member("chief", "总编辑"))
    client.get("/api/v1/articles?limit=2", **bearer(token))  # records the token's last use
    client.get("/api/v1/tags")
    # The token, and the account's rights (its permissions and its groups').
    with django_assert_num_queries(EXPECTED["/api/v1/articles?limit={n}"] + 3):
        client.get("/api/v1/articles?limit=2", **bearer(token))
