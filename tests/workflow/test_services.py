"""The workflow services: every transition, its preconditions, its rights and its record."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, ReviewEvent
from articles.workflow import policy, services, transitions
from articles.workflow.policy import TransitionRefused
from tests.factories import PageFactory
from tests.workflow.conftest import draft_by

pytestmark = pytest.mark.django_db
Status = Article.Status


def reviewed(users, **kwargs) -> Article:
    """A draft by the reporter, taken through all three levels by three different people."""
    article = draft_by(users["reporter"], **kwargs)
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["editor"], note="事实核对无误")
    services.article_pass_review(article=article, user=users["head"])
    services.article_pass_review(article=article, user=users["chief"])
    return article


def test_the_five_roles_exist_with_their_permissions():
    perms = {
        group.name: {p.codename for p in group.permissions.all()}
        for group in Group.objects.prefetch_related("permissions")
    }
    assert {"记者", "编辑", "部门主任", "总编辑", "档案员"} <= set(perms)
    assert "add_article" in perms["记者"] and not perms["记者"] & {
        "review_first",
        "publish_article",
    }
    assert "review_first" in perms["编辑"] and "review_second" not in perms["编辑"]
    assert {"review_first", "review_second"} <= perms["部门主任"] and "review_final" not in perms["部门主任"]
    assert {
        "review_final",
        "publish_article",
        "withdraw_article",
        "restore_revision",
    } <= perms["总编辑"]
    assert {"import_article", "edit_metadata", "view_article"} <= perms["档案员"]
    assert not perms["档案员"] & {
        "review_first",
        "review_second",
        "review_final",
        "publish_article",
        "add_article",
    }


def test_the_whole_way_from_draft_to_print_is_recorded(users):
    article = reviewed(users)
    services.article_publish(article=article, user=users["chief"])
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.is_visible
    assert article.review_level == 3
    events = list(article.review_events.values_list("action", "level_name", "actor__username", "note"))
    assert events == [
        ("submit", "", "reporter", ""),
        ("pass", "初审", "editor", "事实核对无误"),
        ("pass", "复审", "head", ""),
        ("pass", "终审", "chief", ""),
        ("publish", "", "chief", ""),
    ]
    # Each step is a version: the article's version counter moved with every step.
    assert article.version == 6


def test_publishing_gives_the_time_to_the_sections(users):
    """The commentator pages list sections by a copy of their article's time (kept by the database)."""
    article = reviewed(users)
    assert article.sections.get().article_published_at is None
    services.article_publish(article=article, user=users["chief"])
    article.refresh_from_db()
    assert article.published_at is not None
    assert article.sections.get().article_published_at == article.published_at


def test_submit_needs_a_title_and_a_body(users):
    article = draft_by(users["reporter"])
    article.sections.all().delete()
    Article.objects.filter(pk=article.pk).update(lead="")
    article.refresh_from_db()
    with pytest.raises(TransitionRefused, match="正文"):
        services.article_submit(article=article, user=users["reporter"])
    Article.objects.filter(pk=article.pk).update(lead="导语一段。", title="  ")
    article.refresh_from_db()
    with pytest.raises(TransitionRefused, match="主题"):
        services.article_submit(article=article, user=users["reporter"])
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    assert not ReviewEvent.objects.exists()


def test_only_the_author_or_a_reviewer_submits(users):
    article = draft_by(users["reporter"])
    with pytest.raises(TransitionRefused) as refused:
        services.article_submit(article=article, user=users["reporter2"])
    assert refused.value.status == 403
    with pytest.raises(TransitionRefused):
        services.article_submit(article=article, user=users["archivist"])


@pytest.mark.parametrize(
    ("who", "passed_before"),
    [
        ("reporter", 0),  # reporters never approve
        ("archivist", 0),  # archivists never approve
        ("editor", 1),  # an editor may do 初审 only
        ("head", 2),  # a department head may not do 终审
    ],
)
def test_each_level_needs_its_role(users, who, passed_before):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    passers = ["editor2", "head", "chief"]
    for level in range(passed_before):
        services.article_pass_review(article=article, user=users[passers[level]])
    with pytest.raises(TransitionRefused) as refused:
        services.article_pass_review(article=article, user=users[who])
    assert refused.value.status == 403
    assert Article.objects.get(pk=article.pk).review_level == passed_before


def test_nobody_passes_two_levels_of_the_same_article(users):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["chief"])  # the chief may do 初审 …
    with pytest.raises(TransitionRefused, match="初审"):
        services.article_pass_review(article=article, user=users["chief"])  # … but then not 复审
    services.article_pass_review(article=article, user=users["head"])
    with pytest.raises(TransitionRefused, match="同一人"):
        services.article_pass_review(article=article, user=users["chief"])  # nor 终审
    assert Article.objects.get(pk=article.pk).review_level == 2


def test_a_return_needs_a_note_and_starts_the_review_again(users):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["editor"])
    with pytest.raises(TransitionRefused, match="原因"):
        services.article_return(article=article, user=users["head"], note="  ")
    services.article_return(article=article, user=users["head"], note="第二段数据请核实")
    article.refresh_from_db()
    assert (article.status, article.review_level) == (Status.DRAFT, 0)
    assert article.review_events.last().note == "第二段数据请核实"
    with pytest.raises(TransitionRefused):
        services.article_return(article=article, user=users["head"], note="再退一次")  # not in review now


def test_publishing_needs_every_level_and_the_chief(users):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["editor"])
    services.article_pass_review(article=article, user=users["head"])
    with pytest.raises(TransitionRefused, match="终审"):
        services.article_publish(article=article, user=users["chief"])
    services.article_pass_review(article=article, user=users["chief"])
    for who in ("reporter", "editor", "head", "archivist"):
        with pytest.raises(TransitionRefused) as refused:
            services.article_publish(article=article, user=users[who])
        assert refused.value.status == 403
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW


def test_a_draft_cannot_be_published_or_scheduled(users):
    article = draft_by(users["reporter"])
    with pytest.raises(TransitionRefused):
        services.article_publish(article=article, user=users["chief"])
    with pytest.raises(TransitionRefused):
        services.article_schedule(
            article=article,
            user=users["chief"],
            publish_at=timezone.now() + datetime.timedelta(hours=1),
        )
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_scheduling_needs_a_future_time_and_appears_by_the_query_alone(users):
    article = reviewed(users)
    with pytest.raises(TransitionRefused, match="晚于现在"):
        services.article_schedule(
            article=article,
            user=users["chief"],
            publish_at=timezone.now() - datetime.timedelta(minutes=1),
        )
    with pytest.raises(TransitionRefused, match="时间"):
        services.article_schedule(article=article, user=users["chief"], publish_at=None)
    at = timezone.now() + datetime.timedelta(minutes=2)
    services.article_schedule(article=article, user=users["chief"], publish_at=at)
    assert Article.objects.get(pk=article.pk).status == Status.SCHEDULED
    assert not Article.objects.visible().filter(pk=article.pk).exists()
    # Time passes (moved, not waited for): readers see it without any job having run.
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Article.objects.visible().filter(pk=article.pk).exists()


def test_publish_scheduled_flips_due_articles_once(users):
    due, later = reviewed(users), reviewed(users)
    soon = timezone.now() + datetime.timedelta(minutes=2)
    services.article_schedule(article=due, user=users["chief"], publish_at=soon)
    services.article_schedule(article=later, user=users["chief"], publish_at=soon + datetime.timedelta(days=1))
    out = StringIO()
    call_command("publish_scheduled", stdout=out)
    assert "0 篇" in out.getvalue()
    Article.objects.filter(pk=due.pk).update(published_at=timezone.now() - datetime.timedelta(seconds=5))
    call_command("publish_scheduled", stdout=out)
    call_command("publish_scheduled", stdout=out)  # idempotent: the second run finds nothing
    assert out.getvalue().count("已发布 1 篇") == 1
    assert Article.objects.get(pk=due.pk).status == Status.PUBLISHED
    assert Article.objects.get(pk=later.pk).status == Status.SCHEDULED
    assert ReviewEvent.objects.filter(article=due, action="auto_publish").count() == 1


def test_withdrawal_needs_the_chief_and_a_reason(users):
    article = reviewed(users)
    services.article_publish(article=article, user=users["chief"])
    for who in ("reporter", "editor", "head", "archivist"):
        with pytest.raises(TransitionRefused):
            services.article_withdraw(article=article, user=users[who], reason="错误")
    with pytest.raises(TransitionRefused, match="说明"):
        services.article_withdraw(article=article, user=users["chief"], reason=" ")
    services.article_withdraw(article=article, user=users["chief"], reason="经核实，文中数据有误。")
    article.refresh_from_db()
    assert (article.status, article.withdrawn_reason) == (
        Status.WITHDRAWN,
        "经核实，文中数据有误。",
    )
    assert not Article.objects.visible().filter(pk=article.pk).exists()
    services.article_restore_to_draft(article=article, user=users["chief"], note="改正后重新送审")
    article.refresh_from_db()
    assert (article.status, article.review_level, article.published_at) == (
        Status.DRAFT,
        0,
        None,
    )


def test_a_stale_version_is_refused(users):
    article = draft_by(users["reporter"])
    opened_at = article.version
    services.article_submit(article=article, user=users["reporter"])
    with pytest.raises(TransitionRefused) as refused:
        services.article_pass_review(article=article, user=users["editor"], expected_version=opened_at)
    assert refused.value.status == 409
    assert "李记者" in refused.value.message
    assert Article.objects.get(pk=article.pk).review_level == 0


def test_a_text_edit_after_a_level_sends_it_back_to_that_level(users):
    article = draft_by(users["reporter"])
    services.article_submit(article=article, user=users["reporter"])
    services.article_pass_review(article=article, user=users["editor"])
    services.article_pass_review(article=article, user=users["head"])
    event = services.article_text_changed(article=article, user=users["head"])
    article.refresh_from_db()
    assert article.review_level == 1 and policy.review_state(article) == "待复审"
    assert event.level_name == "复审" and "重新复审" in event.note
    # The department head passes 复审 again: the same level, so allowed.
    services.article_pass_review(article=article, user=users["head"])
    assert Article.objects.get(pk=article.pk).review_level == 2


def test_web_only_pieces_may_be_configured_to_need_fewer_levels(users, settings):
    settings.ARTICLE_REVIEW_LEVELS_WEB_ONLY = 1
    flash = draft_by(users["reporter"])  # no page: web only
    printed = draft_by(users["reporter"], page=PageFactory())
    for article in (flash, printed):
        services.article_submit(article=article, user=users["reporter"])
    assert policy.review_state(flash) == "待终审"
    with pytest.raises(TransitionRefused):
        services.article_pass_review(article=flash, user=users["editor"])
    services.article_pass_review(article=flash, user=users["chief"])
    services.article_publish(article=flash, user=users["chief"])
    assert Article.objects.get(pk=flash.pk).status == Status.PUBLISHED
    with pytest.raises(TransitionRefused, match="初审、复审、终审"):
        services.article_publish(article=printed, user=users["chief"])


def test_allowed_transitions_follow_role_and_state(users):
    article = draft_by(users["reporter"])

    def names(who):
        return [t.name for t in transitions.allowed_transitions(users[who], article)]

    assert names("reporter") == ["submit"]
    assert names("editor") == ["submit"]  # a reviewer may send a draft on
    assert names("archivist") == []
    services.article_submit(article=article, user=users["reporter"])
    assert names("reporter") == []
    assert names("editor") == ["pass", "return"]
    assert names("head") == ["pass", "return"]
    assert names("chief") == ["pass", "return"]
    services.article_pass_review(article=article, user=users["editor"])
    assert names("editor") == ["return"]  # 复审 is not an editor's
