"""Each role logs into the admin and tries what it may not do: via buttons' URLs typed by hand,
form posts and changelist actions. The server refuses, and nothing changes."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ReviewEvent
from articles.workflow import services
from tests.factories import ArticleFactory, PageFactory, SectionFactory
from tests.workflow.conftest import draft_by

pytestmark = pytest.mark.django_db
Status = Article.Status
CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def transition_url(article, name):
    return reverse("admin:articles_article_transition", args=[article.pk, name])


def form_data(article, **changes):
    """What the change form posts: the article's fields, its inlines as they are, and the version."""
    data = {
        "kicker": article.kicker,
        "title": article.title,
        "subtitle": article.subtitle,
        "lead": article.lead,
        "page": article.page_id or "",
        "position": article.position,
        "tags": "",
        "expected_version": article.version,
    }
    sections = list(article.sections.order_by("position"))
    data.update(
        {
            "sections-TOTAL_FORMS": len(sections),
            "sections-INITIAL_FORMS": len(sections),
            "credits-TOTAL_FORMS": 0,
            "credits-INITIAL_FORMS": 0,
            "photos-TOTAL_FORMS": 0,
            "photos-INITIAL_FORMS": 0,
        }
    )
    for i, section in enumerate(sections):
        data.update(
            {
                f"sections-{i}-id": section.pk,
                f"sections-{i}-article": article.pk,
                f"sections-{i}-position": section.position,
                f"sections-{i}-heading": section.heading,
                f"sections-{i}-commentator": section.commentator_id or "",
                f"sections-{i}-commentator_title": section.commentator_title,
                f"sections-{i}-body": section.body,
            }
        )
    data.update(changes)
    return data


def in_review(users, levels=0):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    for who in ["editor", "head", "chief"][:levels]:
        services.article_pass_review(article=article, user=users[who])
    article.refresh_from_db()
    return article


def snapshot(article):
    article = Article.objects.get(pk=article.pk)
    return (
        article.status,
        article.review_level,
        article.title,
        article.version,
        article.published_at,
    )


@pytest.mark.parametrize("role", ["reporter", "editor", "head", "chief", "archivist"])
def test_every_role_reaches_the_article_list(as_user, users, role):
    draft_by(users["reporter"])
    response = as_user(role).get(CHANGELIST)
    assert response.status_code == 200
    assert "column-status_and_progress" in response.content.decode()  # 状态, with the review level


def test_reporters_see_only_their_own_articles(as_user, users):
    mine, theirs = (
        draft_by(users["reporter"], title="我的稿件"),
        draft_by(users["reporter2"], title="别人的稿件"),
    )
    client = as_user("reporter")
    page = client.get(CHANGELIST).content.decode()
    assert "我的稿件" in page and "别人的稿件" not in page
    # Typed by hand: the other reporter's article does not exist for this one.
    assert client.get(change_url(theirs)).status_code == 302
    before = snapshot(theirs)
    client.post(change_url(theirs), form_data(theirs, title="改别人的"))
    assert snapshot(theirs) == before
    assert client.get(change_url(mine)).status_code == 200
    assert "别人的稿件" in as_user("archivist").get(CHANGELIST).content.decode()


def test_a_reporter_edits_a_draft_but_not_once_submitted(as_user, users):
    article = draft_by(users["reporter"])
    client = as_user("reporter")
    response = client.post(change_url(article), form_data(article, title="记者改过的标题"))
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.title == "记者改过的标题" and article.version == 2
    services.article_submit(article=article, user=users["reporter"])
    article.refresh_from_db()
    before = snapshot(article)
    assert client.post(change_url(article), form_data(article, title="送审后再改")).status_code == 403
    assert snapshot(article) == before
    # The form is shown read-only: no input for the title.
    assert 'name="title"' not in client.get(change_url(article)).content.decode()


@pytest.mark.parametrize(
    ("role", "name", "levels", "state"),
    [
        ("reporter", "pass", 0, Status.REVIEW),
        ("reporter", "publish", 3, Status.REVIEW),
        ("reporter", "schedule", 3, Status.REVIEW),
        ("reporter", "withdraw", 3, Status.PUBLISHED),
        ("reporter", "return", 1, Status.REVIEW),
        ("editor", "pass", 1, Status.REVIEW),  # 复审 is not an editor's
        ("editor", "publish", 3, Status.REVIEW),
        ("editor", "withdraw", 3, Status.PUBLISHED),
        ("head", "pass", 2, Status.REVIEW),  # 终审 is not a department head's
        ("head", "publish", 3, Status.REVIEW),
        ("head", "withdraw", 3, Status.PUBLISHED),
        ("archivist", "pass", 0, Status.REVIEW),
        ("archivist", "publish", 3, Status.REVIEW),
        ("archivist", "withdraw", 3, Status.PUBLISHED),
        ("archivist", "restore_draft", 3, Status.PUBLISHED),
    ],
)
def test_forbidden_transitions_typed_by_hand_are_refused(as_user, users, role, name, levels, state):
    article = in_review(users, levels)
    if state == Status.PUBLISHED:
        services.article_publish(article=article, user=users["chief"])
        article.refresh_from_db()
    before = snapshot(article)
    client = as_user(role)
    response = client.get(transition_url(article, name))
    assert response.status_code in (403, 400)
    assert 'id="transition-form"' not in response.content.decode()
    publish_at = (timezone.localtime() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        transition_url(article, name),
        {"expected_version": article.version, "note": "理由", "publish_at": publish_at},
    )
    assert response.status_code == 403
    assert snapshot(article) == before


def test_the_same_person_cannot_pass_a_second_level_through_the_admin(as_user, users):
    article = in_review(users)
    client = as_user("chief")
    response = client.post(transition_url(article, "pass"), {"expected_version": article.version})
    assert response.status_code == 302
    article.refresh_from_db()
    response = client.post(transition_url(article, "pass"), {"expected_version": article.version})
    assert response.status_code == 400
    assert "同一人" in response.content.decode()
    assert Article.objects.get(pk=article.pk).review_level == 1


def test_the_transition_buttons_show_what_the_person_may_do(as_user, users):
    article = in_review(users, 1)
    head_page = as_user("head").get(change_url(article)).content.decode()
    assert "复审通过" in head_page and 'data-transition="return"' in head_page
    editor_page = as_user("editor").get(change_url(article)).content.decode()
    assert 'data-transition="pass"' not in editor_page
    assert 'data-transition="publish"' not in as_user("head").get(change_url(article)).content.decode()


def test_a_return_through_the_admin_needs_a_note_and_shows_it_in_the_trail(as_user, users):
    article = in_review(users, 1)
    client = as_user("head")
    response = client.post(
        transition_url(article, "return"),
        {"expected_version": article.version, "note": ""},
    )
    assert response.status_code == 400
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW
    client.post(
        transition_url(article, "return"),
        {"expected_version": article.version, "note": "导语太长，请压缩"},
    )
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    page = as_user("reporter").get(change_url(article)).content.decode()
    assert "导语太长，请压缩" in page and "刘主任" in page and "初审通过" in page


def test_the_chief_schedules_through_the_admin_in_beijing_time(as_user, users):
    article = in_review(users, 3)
    client = as_user("chief")
    past = (timezone.localtime() - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        transition_url(article, "schedule"),
        {"expected_version": article.version, "publish_at": past},
    )
    assert response.status_code == 400 and "晚于现在" in response.content.decode()
    future = timezone.localtime() + datetime.timedelta(hours=2)
    client.post(
        transition_url(article, "schedule"),
        {
            "expected_version": article.version,
            "publish_at": future.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    article.refresh_from_db()
    assert article.status == Status.SCHEDULED
    assert timezone.localtime(article.published_at).strftime("%H:%M") == future.strftime("%H:%M")


def test_an_archivist_changes_filing_but_not_text(as_user, users):
    article = in_review(users, 3)
    services.article_publish(article=article, user=users["chief"])
    article.refresh_from_db()
    page = PageFactory()
    client = as_user("archivist")
    response = client.post(
        change_url(article),
        form_data(article, title="档案员改标题", page=page.pk, tags="两会"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    assert article.page_id == page.pk and list(article.tags.names()) == ["两会"]
    assert article.title != "档案员改标题" and article.status == Status.PUBLISHED


def test_an_edit_after_a_level_was_passed_sends_it_back(as_user, users):
    article = in_review(users, 2)
    client = as_user("head")
    section = article.sections.get()
    data = form_data(article, **{"sections-0-body": section.body + "\n\n新增一段。"})
    response = client.post(change_url(article), data, follow=True)
    assert "需重新复审" in response.content.decode()
    article.refresh_from_db()
    assert article.review_level == 1
    assert ReviewEvent.objects.filter(article=article, action="reopen", level_name="复审").exists()
    # Saving again without a text change (only filing) keeps the level.
    article.refresh_from_db()
    client.post(change_url(article), form_data(article, position=3))
    assert Article.objects.get(pk=article.pk).review_level == 1


def test_bulk_actions_are_the_chiefs_alone(as_user, users):
    article = in_review(users, 3)
    for role in ("reporter", "editor", "head", "archivist"):
        client = as_user(role)
        action_form = client.get(CHANGELIST).context["action_form"]
        assert action_form is None or "publish_selected" not in dict(action_form.fields["action"].choices)
        client.post(
            CHANGELIST,
            {
                "action": "publish_selected",
                ACTION_CHECKBOX_NAME: [article.pk],
                "confirm": "yes",
            },
        )
        client.post(
            CHANGELIST,
            {
                "action": "delete_selected",
                ACTION_CHECKBOX_NAME: [article.pk],
                "post": "yes",
            },
        )
        assert Article.objects.get(pk=article.pk).status == Status.REVIEW


def test_bulk_publish_asks_first_and_still_needs_every_review(as_user, users):
    ready, unready = in_review(users, 3), in_review(users, 1)
    client = as_user("chief")
    selected = {
        "action": "publish_selected",
        ACTION_CHECKBOX_NAME: [ready.pk, unready.pk],
    }
    confirm = client.post(CHANGELIST, {**selected, "index": 0})
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "确认发布所选稿件" in body and "还没有通过复审、终审" in body
    assert Article.objects.get(pk=ready.pk).status == Status.REVIEW  # nothing happens before confirming
    response = client.post(CHANGELIST, {**selected, "confirm": "yes"}, follow=True)
    body = response.content.decode()
    assert "已发布 1 篇" in body and "未发布" in body
    assert Article.objects.get(pk=ready.pk).status == Status.PUBLISHED
    assert Article.objects.get(pk=unready.pk).status == Status.REVIEW


def test_bulk_withdraw_needs_a_reason(as_user, users):
    articles = [ArticleFactory(created_by=users["reporter"]) for _ in range(2)]
    client = as_user("chief")
    selected = {
        "action": "withdraw_selected",
        ACTION_CHECKBOX_NAME: [a.pk for a in articles],
    }
    response = client.post(CHANGELIST, {**selected, "confirm": "yes", "reason": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert Article.objects.filter(status=Status.WITHDRAWN).count() == 0
    client.post(CHANGELIST, {**selected, "confirm": "yes", "reason": "版面调整，稿件撤下"})
    assert (
        list(Article.objects.filter(status=Status.WITHDRAWN).values_list("withdrawn_reason", flat=True))
        == ["版面调整，稿件撤下"] * 2
    )


def test_deleting_is_only_for_unpublished_drafts(as_user, users):
    draft = draft_by(users["reporter"])
    submitted = in_review(users)
    client = as_user("reporter")

    def delete(article):
        return reverse("admin:articles_article_delete", args=[article.pk])

    assert client.post(delete(submitted), {"post": "yes"}).status_code == 403
    assert client.post(delete(draft), {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=draft.pk).exists()
    assert Article.objects.filter(pk=submitted.pk).exists()


def test_staff_preview_is_marked_and_never_cached(as_user, users, client):
    article = draft_by(users["reporter"], title="尚未发布的稿件")
    url = reverse("admin:articles_article_preview", args=[article.pk])
    response = as_user("reporter").get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "预览" in body and "尚未发布的稿件" in body
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # Readers get neither the preview nor the public page of a draft.
    assert client.get(url).status_code == 302
    assert client.get(article.get_absolute_url()).status_code == 404
    # A reporter cannot preview someone else's draft by typing its URL.
    other = draft_by(users["reporter2"])
    assert as_user("reporter").get(reverse("admin:articles_article_preview", args=[other.pk])).status_code == 404


def test_the_review_trail_is_on_the_change_form(as_user, users):
    article = in_review(users, 2)
    page = as_user("chief").get(change_url(article)).content.decode()
    assert 'id="review-trail"' in page
    for text in ("提交审核", "初审通过", "复审通过", "张编辑", "刘主任", "待终审"):
        assert text in page


def test_a_section_with_a_commentator_is_written_through_the_admin(as_user, users):
    article = draft_by(users["reporter"])
    commentator = SectionFactory(article=article, position=2).commentator
    client = as_user("reporter")
    assert client.get(change_url(article)).status_code == 200
    data = form_data(
        article,
        **{"sections-1-commentator": commentator.pk, "sections-1-body": "代表发言。"},
    )
    assert client.post(change_url(article), data).status_code == 302
    assert article.sections.get(position=2).body == "代表发言。"
