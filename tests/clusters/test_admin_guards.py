"""The clusters admin checks dates and sources as the articles admin does."""

import datetime

import pytest

from clusters.models import Cluster, Milestone
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query", ["date__year=9999", "date__year=0", "date__gte=0001-01-01", "date__month=13", "date__year=%00"]
)
def test_an_impossible_date_in_the_milestone_list_url_is_not_a_500(admin_client, query):
    response = admin_client.get(f"/admin/clusters/milestone/?{query}", follow=True)
    assert response.status_code in (200, 400)


def test_a_milestone_dated_outside_the_papers_years_is_refused(admin_client):
    cluster = Cluster.objects.first()
    response = admin_client.post(
        "/admin/clusters/milestone/add/",
        {"cluster": cluster.pk, "date": "0001-01-01", "text": "太早的事"},
    )
    assert response.status_code == 200 and not Milestone.objects.filter(text="太早的事").exists()
    assert "日期" in response.content.decode() or "1949" in response.content.decode()


def test_a_milestone_source_must_be_an_article_the_person_may_see(client, django_user_model):
    from django.contrib.auth.models import Permission

    reporter = django_user_model.objects.create_user("reporter_m", password="x-Strong-pass-1", is_staff=True)
    reporter.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_milestone", "view_milestone", "view_article"])
    )
    others_draft = ArticleFactory(title="别人的草稿", status="draft")
    client.force_login(reporter)
    cluster = Cluster.objects.first()
    response = client.post(
        "/admin/clusters/milestone/add/",
        {
            "cluster": cluster.pk,
            "date": datetime.date(2019, 1, 8).isoformat(),
            "text": "引用草稿",
            "source_article": others_draft.pk,
        },
    )
    assert response.status_code == 200 and not Milestone.objects.filter(text="引用草稿").exists()
