"""What the shared model declarations promise: deleting a page, a photo, an account, a person or
an article empties the links to it and takes nothing else with it; people and organisations are
listed by name and shown as it."""

import pytest
from django.contrib.auth import get_user_model

from api.models import ApiToken
from articles.models import Article, Commentator, Contributor, Photo, ReviewEvent
from clusters.models import Cluster, Milestone, Organization
from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    ContributorFactory,
    MilestoneFactory,
    OrganizationFactory,
    PageFactory,
    cluster,
    image_file,
)

pytestmark = pytest.mark.django_db


def test_deleting_a_page_keeps_its_articles_as_web_only():
    page = PageFactory()
    article = ArticleFactory(page=page)
    page.delete()
    article.refresh_from_db()
    assert article.page is None
    assert article.is_visible


def test_deleting_a_photo_empties_covers_and_portraits_only():
    photo = Photo.objects.create(image=image_file(), alt_text="轨道交通产业园全景")
    rail = cluster("rail-transit")
    rail.cover_photo = photo
    rail.save()
    person = CommentatorFactory()
    person.photo = photo
    person.save()
    photo.delete()
    assert Cluster.objects.get(pk=rail.pk).cover_photo is None
    assert Commentator.objects.get(pk=person.pk).photo is None


def test_deleting_an_account_keeps_what_it_made_and_did():
    author = get_user_model().objects.create_user("reporter_deleted", password=None, is_staff=True)
    article = ArticleFactory(created_by=author, status=Article.Status.DRAFT, published_at=None)
    event = ReviewEvent.objects.create(
        article=article,
        action=ReviewEvent.Action.SUBMIT,
        actor=author,
        actor_name="离职记者",
        from_status="draft",
        to_status="review",
        article_version=1,
    )
    reader = get_user_model().objects.create_user("api_reader", password=None, is_staff=True)
    token = ApiToken(user=reader, name="合作网站同步", created_by=author)
    token.set_new_key()
    token.save()
    author.delete()
    article.refresh_from_db()
    event.refresh_from_db()
    token.refresh_from_db()
    assert article.created_by is None
    assert (event.actor, event.actor_name) == (None, "离职记者")
    assert token.created_by is None and token.is_active


def test_deleting_a_photographer_keeps_the_photo():
    photographer = ContributorFactory(name="摄影记者甲")
    photo = Photo.objects.create(image=image_file(), alt_text="油茶林", photographer=photographer)
    photographer.delete()
    photo.refresh_from_db()
    assert photo.photographer is None


def test_deleting_an_article_keeps_the_milestone_it_reported():
    article = ArticleFactory()
    milestone = MilestoneFactory(source_article=article)
    article.delete()
    assert Milestone.objects.get(pk=milestone.pk).source_article is None


def test_people_and_organisations_are_listed_and_shown_by_name():
    for name in ["C组", "A组", "B组"]:
        ContributorFactory(name=f"{name}记者")
        OrganizationFactory(name=f"{name}机构")
    assert [str(c) for c in Contributor.objects.all()] == ["A组记者", "B组记者", "C组记者"]
    assert [str(o) for o in Organization.objects.all()] == ["A组机构", "B组机构", "C组机构"]
