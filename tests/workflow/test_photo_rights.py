"""Photos follow the article they belong to (issue #12, A): who may change them, a new version of
the article with every change, no lost updates, one lead photo — through the photo library (图片)
as through the article's own form.

The rule (articles.workflow.policy.can_change_photo): a photo of an article is part of its text,
changed by whoever may edit that text now (policy.can_edit_text) — its reporter while a draft,
reviewers while in review, nobody once scheduled or published (a correction starts with a
withdrawal or a return to draft, as for the words). A photo shown as a commentator's portrait or
a cluster's cover follows the rights on those.
"""

import io
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from articles.models import Article, Photo, ReviewEvent
from articles.photos.images import clean_image
from articles.workflow import policy, services
from tests.factories import ArticleFactory, CommentatorFactory
from tests.photos import images
from tests.photos.forms import form_data
from tests.workflow.conftest import draft_by
from tests.workflow.test_admin_roles import in_review

pytestmark = pytest.mark.django_db
Status = Article.Status


def make_photo(article=None, **fields) -> Photo:
    upload = clean_image(io.BytesIO(images.encode(images.picture((320, 240)), "JPEG"))).as_upload()
    fields.setdefault("alt_text", "松木经开区的厂房")
    fields.setdefault("caption", "原来的图片说明")
    return Photo.objects.create(image=upload, article=article, **fields)


def change_url(photo):
    return reverse("admin:articles_photo_change", args=[photo.pk])


def published(users) -> Article:
    article = in_review(users, 3)
    services.article_publish(article=article, user=users["chief"])
    article.refresh_from_db()
    return article


def photo_form(client, photo, **changes) -> dict:
    """The photo library's change form as the browser would send it, with changes."""
    response = client.get(change_url(photo))
    assert response.status_code == 200, response.status_code
    data = form_data(response.content.decode(), form_id="photo_form")
    data.update(changes)
    return data


def state(photo):
    photo = Photo.objects.get(pk=photo.pk)
    return photo.image.name, photo.caption, photo.is_lead, photo.article_id


# --- who may change a photo -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["reporter", "reporter2", "editor", "head", "chief", "archivist"])
def test_nobody_changes_or_deletes_a_published_articles_photo_in_the_library(as_user, users, role):
    """Failed before the fix: any reporter replaced the image, the caption or deleted the photo."""
    article = published(users)
    photo = make_photo(article, is_lead=True)
    before, version = state(photo), article.version
    client = as_user(role)
    url = change_url(photo)
    data = {
        "article": article.pk,
        "image": images.upload(images.encode(images.picture((500, 300), mode="RGB"), "JPEG")),
        "caption": "被改过的说明",
        "alt_text": "改",
        "position": "0",
        "is_lead": "on",
        "expected_version": 1,
    }
    assert client.post(url, data).status_code == 403
    delete = reverse("admin:articles_photo_delete", args=[photo.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert state(photo) == before
    assert Article.objects.get(pk=article.pk).version == version


def test_a_reporter_cannot_reach_another_reporters_draft_photo(as_user, users):
    photo = make_photo(draft_by(users["reporter2"], title="别人的草稿"), caption="别人的图片说明")
    client = as_user("reporter")
    # As for the article itself: the photo does not exist for this reporter.
    assert client.get(change_url(photo)).status_code == 302
    client.post(change_url(photo), {"caption": "改", "alt_text": "改", "position": "0"})
    assert Photo.objects.get(pk=photo.pk).caption == "别人的图片说明"
    listing = client.get(reverse("admin:articles_photo_changelist")).content.decode()
    assert "别人的草稿" not in listing and "别人的图片说明" not in listing


def test_a_reporter_changes_the_photos_of_their_own_draft_and_the_article_gets_a_new_version(as_user, users):
    """Failed before the fix: the article's version and modification time stayed as they were."""
    article = draft_by(users["reporter"])
    photo = make_photo(article)
    updated = Article.objects.get(pk=article.pk).updated_at
    client = as_user("reporter")
    response = client.post(change_url(photo), photo_form(client, photo, caption="新的图片说明"))
    assert response.status_code == 302, response.content.decode()[:3000]
    article_now = Article.objects.get(pk=article.pk)
    assert Photo.objects.get(pk=photo.pk).caption == "新的图片说明"
    assert article_now.version == article.version + 1 and article_now.updated_at > updated
    # Replacing the image, adding a photo and deleting one: a new version each time.
    data = photo_form(client, photo, image=images.upload(images.encode(images.picture((400, 300)), "JPEG")))
    assert client.post(change_url(photo), data).status_code == 302
    add = {"article": article.pk, "image": images.upload(images.encode(images.picture(), "PNG"), name="a.png"),
           "alt_text": "新图", "position": "1"}  # fmt: skip
    assert client.post(reverse("admin:articles_photo_add"), add).status_code == 302
    assert client.post(reverse("admin:articles_photo_delete", args=[photo.pk]), {"post": "yes"}).status_code == 302
    assert Article.objects.get(pk=article.pk).version == article.version + 4


def test_a_photo_changed_in_the_article_form_gives_a_new_version_too(as_user, users):
    article = draft_by(users["reporter"])
    make_photo(article)
    client = as_user("reporter")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(client.get(url).content.decode(), form_id="article_form")
    data["photos-0-caption"] = "在稿件里改的说明"
    assert client.post(url, data).status_code == 302
    assert Article.objects.get(pk=article.pk).version == article.version + 1
    assert Photo.objects.get(article=article).caption == "在稿件里改的说明"


def test_a_photo_changed_in_review_sends_the_article_back_a_level_and_is_in_its_history(as_user, users):
    """Failed before the fix: a reviewer replaced the photo after 复审 and the article kept its levels."""
    article = in_review(users, 2)
    photo = make_photo(article)
    client = as_user("head")
    response = client.post(change_url(photo), photo_form(client, photo, caption="复审后改的说明"), follow=True)
    assert "需重新复审" in response.content.decode()
    article_now = Article.objects.get(pk=article.pk)
    assert article_now.review_level == 1 and article_now.version == article.version + 1
    assert ReviewEvent.objects.filter(article=article, action="reopen", level_name="复审").exists()
    revisions = as_user("chief").get(reverse("admin:articles_article_revisions", args=[article.pk]))
    assert "修改图片" in revisions.content.decode()


def test_portraits_and_covers_follow_the_rights_on_what_shows_them(as_user, users):
    portrait = make_photo(None, caption="代表的照片")
    CommentatorFactory(name="夏君山", photo=portrait)
    loose = make_photo(None, caption="图库里的照片")
    reporter, editor = as_user("reporter"), as_user("editor")
    # A reporter may not change commentators, so not their portraits either; an editor may.
    assert reporter.post(change_url(portrait), {"caption": "改", "alt_text": "改", "position": "0"}).status_code == 403
    assert Photo.objects.get(pk=portrait.pk).caption == "代表的照片"
    assert editor.post(change_url(portrait), photo_form(editor, portrait, caption="编辑改的")).status_code == 302
    # A photo used nowhere is the library's.
    assert reporter.post(change_url(loose), photo_form(reporter, loose, caption="记者改的")).status_code == 302


def test_bulk_delete_of_a_published_articles_photo_is_refused(as_user, users):
    photo = make_photo(published(users))
    client = as_user("reporter")
    response = client.post(
        reverse("admin:articles_photo_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [photo.pk], "post": "yes"},
    )
    assert response.status_code in (200, 403)
    assert Photo.objects.filter(pk=photo.pk).exists()


# --- which articles a photo may be attached to ------------------------------------------------


def test_the_article_choice_offers_only_articles_the_person_may_edit(as_user, users):
    """Failed before the fix: the library could not set an article, and a reporter's autocomplete
    and choices were not limited to what they may edit."""
    mine = draft_by(users["reporter"], title="我的草稿")
    theirs = draft_by(users["reporter2"], title="别人的草稿")
    out = published(users)
    client = as_user("reporter")
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "photo", "field_name": "article", "term": ""},
    ).json()
    assert [r["text"] for r in found["results"]] == ["我的草稿"]
    for article in (theirs, out):
        data = {"article": article.pk, "image": images.upload(images.encode(images.picture(), "JPEG")),
                "alt_text": "图", "position": "0"}  # fmt: skip
        response = client.post(reverse("admin:articles_photo_add"), data)
        assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Photo.objects.exists()
    data = {"article": mine.pk, "image": images.upload(images.encode(images.picture(), "JPEG")),
            "alt_text": "图", "position": "0"}  # fmt: skip
    assert client.post(reverse("admin:articles_photo_add"), data).status_code == 302
    assert Photo.objects.get().article == mine


def test_the_queryset_rule_and_the_object_rule_agree(users):
    articles = [
        draft_by(users["reporter"]),
        draft_by(users["reporter2"]),
        in_review(users),
        published(users),
    ]
    for user in users.values():
        editable = set(policy.text_editable_articles(user).values_list("pk", flat=True))
        assert editable == {a.pk for a in Article.objects.all() if policy.can_edit_text(user, a)}, user
    assert articles


# --- lost updates and the lead photo ------------------------------------------------------------


def test_the_second_of_two_saves_of_a_photo_is_refused(as_user, users):
    """Failed before the fix: the second save silently overwrote the first."""
    photo = make_photo(draft_by(users["reporter"]))
    first, second = as_user("reporter"), as_user("reporter")
    one, two = photo_form(first, photo), photo_form(second, photo)
    assert first.post(change_url(photo), {**one, "caption": "第一个人的说明"}).status_code == 302
    response = second.post(change_url(photo), {**two, "caption": "第二个人的说明"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "保存失败" in page and "第二个人的说明" in page
    assert Photo.objects.get(pk=photo.pk).caption == "第一个人的说明"
    # The form now carries the newer version: saving again after reading it works.
    newer = re.search(r'name="expected_version" value="(\d+)"', page).group(1)
    assert second.post(change_url(photo), {**two, "caption": "合并后", "expected_version": newer}).status_code == 302
    assert Photo.objects.get(pk=photo.pk).caption == "合并后"


def test_a_photo_changed_in_the_article_form_refuses_an_older_library_form(as_user, users):
    article = draft_by(users["reporter"])
    photo = make_photo(article)
    library = as_user("reporter")
    opened = photo_form(library, photo)
    client = as_user("reporter")
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(client.get(url).content.decode(), form_id="article_form")
    data["photos-0-caption"] = "稿件里改的"
    assert client.post(url, data).status_code == 302
    response = library.post(change_url(photo), {**opened, "caption": "图库里改的"})
    assert response.status_code == 200 and "保存失败" in response.content.decode()
    assert Photo.objects.get(pk=photo.pk).caption == "稿件里改的"


def test_a_second_lead_photo_is_a_form_error(as_user, users):
    """Failed before the fix: the unique constraint photo_one_lead_per_article ended as a 500."""
    article = draft_by(users["reporter"])
    make_photo(article, is_lead=True)
    other = make_photo(article, position=1)
    client = as_user("reporter")
    response = client.post(change_url(other), photo_form(client, other, is_lead="on"))
    assert response.status_code == 200
    assert "只能有一张题图" in response.content.decode()
    assert Photo.objects.filter(article=article, is_lead=True).count() == 1
    data = {"article": article.pk, "image": images.upload(images.encode(images.picture(), "JPEG")),
            "alt_text": "图", "position": "2", "is_lead": "on"}  # fmt: skip
    response = client.post(reverse("admin:articles_photo_add"), data)
    assert response.status_code == 200 and "只能有一张题图" in response.content.decode()
    assert Photo.objects.filter(article=article).count() == 2


def test_the_superuser_is_held_to_the_same_rule(admin_client):
    article = ArticleFactory()  # published
    photo = make_photo(article)
    assert admin_client.post(change_url(photo), {"caption": "改", "alt_text": "改", "position": "0"}).status_code == 403
    assert admin_client.get(change_url(photo)).status_code == 200  # still viewable
