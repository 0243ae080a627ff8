import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_tag_suggestions_offer_existing_tags_most_used_first(admin_client):
    ArticleFactory(tags=["轨道交通", "两会"])
    ArticleFactory(tags=["两会", "有轨电车"])
    response = admin_client.get(reverse("admin:articles_article_tag_suggest"), {"term": "两"})
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["两会"]
    everything = admin_client.get(reverse("admin:articles_article_tag_suggest")).json()["results"]
    assert everything[0]["id"] == "两会"  # used twice


def test_tag_suggestions_need_a_staff_login(client):
    response = client.get(reverse("admin:articles_article_tag_suggest"), {"term": "两"})
    assert response.status_code == 302


def test_tag_suggestions_are_refused_to_staff_without_article_rights(client):
    clerk = get_user_model().objects.create_user("clerk", password="x-Unused-9876", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:articles_article_tag_suggest")).status_code == 403


def test_the_change_form_keeps_existing_tags_and_accepts_new_ones(admin_client, admin_user, rf):
    article = ArticleFactory(title="两会特刊", tags=["两会"], status=Article.Status.DRAFT, published_at=None)
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
    assert 'data-tags="true"' in page
    assert '<option value="两会" selected>两会</option>' in page

    request = rf.get("/")
    request.user = admin_user
    form_class = admin.site._registry[Article].get_form(request, article)
    field = form_class.base_fields["tags"]
    assert field.clean(["两会", "新标签", " 两会 ", ""]) == ["两会", "新标签"]
    with pytest.raises(ValidationError):
        field.clean(["长" * 101])
