"""Every admin page a newsroom user opens answers, and lists stay cheap however long they get."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    CreditFactory,
    PageFactory,
    SectionFactory,
    cluster,
)

pytestmark = pytest.mark.django_db

MODELS = sorted(
    (m._meta.app_label, m._meta.model_name)
    for m in admin.site._registry
    if m._meta.app_label in {"articles", "clusters"}
)


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_changelist_and_add_page_answer_a_superuser(admin_client, app, model):
    for view in ("changelist", "add"):
        response = admin_client.get(reverse(f"admin:{app}_{model}_{view}"))
        assert response.status_code == 200, (app, model, view)


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, app, model):
    for view in ("changelist", "add"):
        url = reverse(f"admin:{app}_{model}_{view}")
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_reads_in_chinese(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "衡阳日报采编系统" in body
    assert "稿件" in body and "产业集群" in body
    assert "修改密码" in body  # Django's own strings are translated too


def _query_count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _fill(n):
    rail = cluster("rail-transit")
    for i in range(n):
        article = ArticleFactory(page=PageFactory(), clusters=[rail], tags=[f"标签{i}"])
        SectionFactory(article=article, commentator=CommentatorFactory(name=f"委员{i}"))
        CreditFactory(article=article)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:articles_article_changelist",
        "admin:articles_page_changelist",
        "admin:articles_issue_changelist",
        "admin:articles_commentator_changelist",
        "admin:articles_contributor_changelist",
        "admin:clusters_cluster_changelist",
    ],
)
def test_changelists_do_not_query_per_row(admin_client, url_name):
    url = reverse(url_name)
    _fill(5)
    few = _query_count(admin_client, url)
    _fill(45)
    many = _query_count(admin_client, url)
    assert many == few, f"{url}: {few} queries for 5 rows, {many} for 50"


def test_article_change_page_shows_sections_and_credits(admin_client):
    article = ArticleFactory(title="轨道交通产业园建设提速")
    SectionFactory(article=article, heading="园区建设看松木", commentator=CommentatorFactory(name="吴颖"))
    CreditFactory(article=article, role="统筹")
    body = admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert "园区建设看松木" in body
    assert "统筹" in body


def test_commentator_page_lists_what_they_said(admin_client):
    person = CommentatorFactory(name="殷小虎")
    SectionFactory(commentator=person, article=ArticleFactory(title="营商环境再优化"))
    body = admin_client.get(reverse("admin:articles_commentator_change", args=[person.pk])).content.decode()
    assert "营商环境再优化" in body


@pytest.mark.parametrize(
    "params",
    [{}, {"o": "-1"}, {"o": "2"}, {"clusters__id__exact": "CLUSTER"}],  # newest first, title, status, a cluster
)
def test_the_article_list_pages_show_every_article_once_in_order(admin_client, monkeypatch, params):
    """Pages after the first find their ids first (ArticleListPaginator): the same rows, in the
    same order, as one query over the whole list, whichever column it is sorted by."""
    import datetime

    from django.utils import timezone

    from articles.admin.model_admins import ArticleAdmin
    from articles.models import Article

    monkeypatch.setattr(ArticleAdmin, "list_per_page", 4)
    start = timezone.now() - datetime.timedelta(days=30)
    rail = cluster("rail-transit")
    for n in range(10):
        article = ArticleFactory(title=f"分页稿件{n:02d}", published_at=start + datetime.timedelta(days=n % 7, hours=n))
        article.clusters.add(rail)
    params = {key: str(rail.pk) if value == "CLUSTER" else value for key, value in params.items()}
    url = reverse("admin:articles_article_changelist")
    listed = []
    for page in (1, 2, 3):
        response = admin_client.get(url, {"p": page, **params})
        assert response.status_code == 200
        listed += [article.pk for article in response.context["cl"].result_list]
    whole = response.context["cl"].queryset
    assert listed == list(whole.values_list("pk", flat=True))
    assert sorted(listed) == sorted(Article.objects.values_list("pk", flat=True))
