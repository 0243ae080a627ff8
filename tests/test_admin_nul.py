"""NUL characters in admin input answer 400, never a 500 — on SQLite and PostgreSQL (issue #12, E).

PostgreSQL refuses text holding NUL (0x00) in any query, so a NUL typed into a search box or an
autocomplete, or put in a list filter's URL, used to end as a DataError (500) there. The rule:
an admin request whose path, query or form fields hold NUL answers 400
(articles.admin.guards.AdminInputGuard); tag suggestions and tag names refuse NUL themselves too.
"""

import json

import pytest
from django.urls import reverse

from articles.admin.tags import TagNamesField
from tests.factories import ArticleFactory, CommentatorFactory

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (reverse("admin:articles_article_tag_suggest"), {"term": "\x00"}),
        (reverse("admin:articles_article_tag_suggest"), {"term": "两\x00会"}),
        (AUTOCOMPLETE, {"app_label": "articles", "model_name": "photo", "field_name": "article", "term": "\x00"}),
        (AUTOCOMPLETE, {"app_label": "articles", "model_name": "article", "field_name": "clusters", "term": "a\x00"}),
        (AUTOCOMPLETE, {"app_label": "articles", "model_name": "article", "field_name": "page", "term": "\x00"}),
        (AUTOCOMPLETE, {"app_label": "articles", "model_name": "section", "field_name": "commentator", "term": "\x00"}),
        (
            AUTOCOMPLETE,
            {"app_label": "clusters", "model_name": "milestone", "field_name": "source_article", "term": "\x00"},
        ),
        (reverse("admin:articles_article_changelist"), {"q": "\x00"}),
        (reverse("admin:articles_article_changelist"), {"q": "衡阳\x00"}),
        (reverse("admin:articles_article_changelist"), {"status__exact": "\x00"}),
        (reverse("admin:articles_article_changelist"), {"clusters__id__exact": "\x00"}),
        (reverse("admin:articles_article_changelist"), {"published_at__year": "2019", "published_at__month": "\x00"}),
        (reverse("admin:articles_commentator_changelist"), {"title": "\x00"}),
        (reverse("admin:articles_photo_changelist"), {"q": "\x00"}),
        (reverse("admin:articles_issue_changelist"), {"q": "\x00"}),
        (reverse("admin:articles_article_changelist") + "%00/change/", {}),
    ],
)
def test_nul_in_admin_input_never_answers_500(admin_client, url, params):
    """Failed before the fix on PostgreSQL: tag suggestions, the autocompletes and the status
    filter raised DataError ("PostgreSQL text fields cannot contain NUL")."""
    ArticleFactory(tags=["两会"])
    CommentatorFactory(name="夏君山")
    response = admin_client.get(url, params)
    if response.status_code == 200 and response["Content-Type"].startswith("application/json"):
        assert json.loads(response.content)["results"] == []
    else:
        assert response.status_code == 400, response.status_code


def test_nul_in_a_posted_admin_form_answers_400(admin_client):
    article = ArticleFactory(status="draft", published_at=None)
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = admin_client.post(url, {"title": "标题\x00", "tags": ["两\x00会"]})
    assert response.status_code == 400


def test_tag_names_and_suggestions_refuse_nul_themselves(rf, admin_user):
    from django import forms

    from articles.admin.tags import tag_suggestions

    with pytest.raises(forms.ValidationError, match="NUL"):
        TagNamesField().clean(["两\x00会"])
    request = rf.get("/", {"term": "两\x00会"})
    request.user = admin_user
    assert json.loads(tag_suggestions(request).content)["results"] == []


def test_ordinary_searches_still_work(admin_client):
    ArticleFactory(title="衡阳轨道交通", tags=["两会"])
    assert (
        "衡阳轨道交通" in admin_client.get(reverse("admin:articles_article_changelist"), {"q": "轨道"}).content.decode()
    )
    found = admin_client.get(reverse("admin:articles_article_tag_suggest"), {"term": "两"}).json()
    assert [r["text"] for r in found["results"]] == ["两会"]
