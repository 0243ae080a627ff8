"""The admin lists' count columns (版数, 稿件数, 发言次数, 署名次数, 项目数): right, and sortable."""

import re

import pytest

from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    CreditFactory,
    IssueFactory,
    OrganizationFactory,
    PageFactory,
    ProjectFactory,
    SectionFactory,
    cluster,
)

pytestmark = pytest.mark.django_db


def column(admin_client, url: str, name: str) -> list[str]:
    """The cells of one column, top to bottom, as the list shows them."""
    response = admin_client.get(url)
    assert response.status_code == 200
    return re.findall(rf'<td class="field-{name}">([^<]*)</td>', response.content.decode())


def test_issue_and_page_lists_count_and_sort(admin_client):
    busy, quiet = IssueFactory(), IssueFactory()
    pages = [PageFactory(issue=busy) for _ in range(3)]
    PageFactory(issue=quiet)
    for _ in range(2):
        ArticleFactory(page=pages[0])
    assert column(admin_client, "/admin/articles/issue/?o=-3", "page_count") == ["3", "1"]
    assert column(admin_client, "/admin/articles/issue/?o=3", "page_count") == ["1", "3"]
    assert column(admin_client, "/admin/articles/page/?o=-5", "article_count") == ["2", "0", "0", "0"]


def test_people_lists_count_and_sort(admin_client):
    often, once = CommentatorFactory(name="夏君山"), CommentatorFactory(name="罗安宝")
    for _ in range(3):
        SectionFactory(commentator=often)
    SectionFactory(commentator=once)
    assert column(admin_client, "/admin/articles/commentator/?o=-4", "section_count") == ["3", "1"]
    CreditFactory(contributor__name="罗文鹏")
    CreditFactory(contributor__name="许珂")
    CreditFactory(contributor__name="许珂")
    assert column(admin_client, "/admin/articles/contributor/?o=-2", "credit_count") == ["2", "1"]


def test_cluster_list_counts_articles_and_projects_each_once(admin_client):
    # Two counts on one row: each joins its own table, and neither multiplies the other.
    rail = cluster("rail-transit")
    for _ in range(2):
        ArticleFactory(clusters=[rail])
    organization = OrganizationFactory(name="比亚迪")
    for _ in range(3):
        ProjectFactory(cluster=rail).organizations.add(organization)
    assert column(admin_client, "/admin/clusters/cluster/?o=-5", "article_count")[0] == "2"
    assert column(admin_client, "/admin/clusters/cluster/?o=-6", "project_count")[0] == "3"
    assert column(admin_client, "/admin/clusters/cluster/?o=-6", "article_count")[0] == "2"
    OrganizationFactory(name="衡阳机构")
    assert column(admin_client, "/admin/clusters/organization/?o=-3", "project_count") == ["3", "0"]
