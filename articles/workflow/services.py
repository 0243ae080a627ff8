"""The editorial workflow's services: the only code that moves an article from one status to another.

Every transition is a service: atomic, run on a locked row, checking who may do it and whether
the article is ready (``policy``), and recorded as a ReviewEvent (who, when, which level, the
note). The admin's buttons, bulk actions and hand-typed URLs all end here, so hiding a button is
never the only guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import reversion
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, ReviewEvent
from articles.workflow.policy import (
    LEVEL_NAMES,
    TransitionRefused,
    check_pass,
    check_publish,
    check_publish_time,
    check_restore_to_draft,
    check_return,
    check_schedule,
    check_submit,
    check_withdraw,
    level_name,
    passed_levels,
    publication_time_for,
    require,
    required_levels,
)

Status = Article.Status
Action = ReviewEvent.Action

# ---------------------------------------------------------------------------------------------
# Who saved last (for the optimistic-locking message)


@dataclass(frozen=True)
class LastSave:
    who: str
    when: datetime


def display_name(user) -> str:
    if user is None:
        return "系统"
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


def last_save(article: Article) -> LastSave:
    """Who saved the article last and when: its newest revision, or its modification time."""
    version = (
        Version.objects.get_for_object_reference(Article, article.pk)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
        .first()
    )
    if version is not None:
        return LastSave(display_name(version.revision.user), version.revision.date_created)
    return LastSave("其他人", article.updated_at)


def conflict_message(article: Article) -> str:
    saved = last_save(article)
    when = timezone.localtime(saved.when)
    return (
        f"保存失败：在您打开这篇稿件之后，{saved.who}于{when:%Y-%m-%d %H:%M:%S}保存了它"
        f"（现为第{article.version}版）。为免覆盖对方的修改，您这次的内容没有保存，仍保留在下面的表单中；"
        "请对照最新版本合并后再保存。"
    )


# ---------------------------------------------------------------------------------------------
# Transitions


def lock(article: Article, expected_version: int | None) -> Article:
    """The article's row, locked until the transaction ends; refused if it changed meanwhile."""
    current = Article.objects.select_for_update().get(pk=article.pk)
    if expected_version is not None and current.version != expected_version:
        saved = last_save(current)
        when = timezone.localtime(saved.when)
        raise TransitionRefused(
            f"操作未执行：{saved.who}于{when:%Y-%m-%d %H:%M:%S}修改了这篇稿件，请刷新页面查看最新内容后再操作。",
            status=409,
        )
    return current


def save_revision(article: Article, user, comment: str, fields: tuple[str, ...] | None = None) -> None:
    """Saves ``article`` as a new revision by ``user`` (None: the system) with ``comment``; with
    ``fields``, only those (and the version and modification time)."""
    with reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(comment)
        article.save(update_fields=None if fields is None else [*fields, "version", "updated_at"])


def record_event(
    article: Article,
    action: str,
    user,
    note: str,
    *,
    from_status: str,
    level: int | None = None,
    level_name: str = "",
    now: datetime | None = None,
) -> ReviewEvent:
    """The trail's entry for a step that has left ``article`` in its new status and version."""
    return ReviewEvent.objects.create(
        article=article,
        article_version=article.version,
        action=action,
        level=level,
        level_name=level_name,
        from_status=from_status,
        to_status=article.status,
        actor=user,
        actor_name=display_name(user),
        note=note,
        created_at=now or timezone.now(),
    )


def _commit(
    current: Article,
    article: Article,
    user,
    action: str,
    note: str = "",
    *,
    level: int | None = None,
    now: datetime | None = None,
    **changes,
) -> ReviewEvent:
    """Sets ``changes`` (workflow fields and their new values) on the locked row, saves them as a
    new revision and records the event."""
    from_status = current.status
    for field, value in changes.items():
        setattr(current, field, value)
    current.version += 1
    current.full_clean(exclude=["tags", "clusters"])
    name = level_name(current, level) if level else ""
    save_revision(current, user, f"{name}通过" if level else Action(action).label, tuple(changes))
    event = record_event(current, action, user, note, from_status=from_status, level=level, level_name=name, now=now)
    # Keep the caller's instance in step with the row.
    for field in (*changes, "version", "updated_at"):
        setattr(article, field, getattr(current, field))
    return event


@transaction.atomic
def article_submit(*, article: Article, user, note: str = "", expected_version: int | None = None) -> ReviewEvent:
    current = lock(article, expected_version)
    check_submit(user, current)
    levels = required_levels(current)
    return _commit(
        current, article, user, Action.SUBMIT, note.strip(), status=Status.REVIEW, review_level=0, review_levels=levels
    )


@transaction.atomic
def article_pass_review(*, article: Article, user, note: str = "", expected_version: int | None = None) -> ReviewEvent:
    current = lock(article, expected_version)
    level = check_pass(user, current)
    # Counted against the levels it needs now (a change of page may have changed them).
    levels = required_levels(current)
    return _commit(
        current, article, user, Action.PASS, note.strip(), level=level, review_level=level, review_levels=levels
    )


@transaction.atomic
def article_return(*, article: Article, user, note: str, expected_version: int | None = None) -> ReviewEvent:
    current = lock(article, expected_version)
    check_return(user, current)
    require(bool(note.strip()), "退回稿件必须写明原因，作者会看到它。")
    return _commit(current, article, user, Action.RETURN, note.strip(), status=Status.DRAFT, review_level=0)


@transaction.atomic
def article_publish(
    *,
    article: Article,
    user,
    note: str = "",
    expected_version: int | None = None,
    publish_at: datetime | None = None,
    now: datetime | None = None,
) -> ReviewEvent:
    """Publishes the article. Its publication time is ``publish_at`` when the editor-in-chief chose
    one (now or earlier), else the time of the issue it is printed in when that issue is already
    out (an archive piece keeps its date: policy.publication_time_for), else now."""
    current = lock(article, expected_version)
    check_publish(user, current)
    now = now or timezone.now()
    if publish_at is not None:
        check_publish_time(publish_at, now=now)
        published_at = publish_at
    else:
        published_at = publication_time_for(current, now=now)
    text = note.strip()
    if published_at != now:
        when = f"发布时间记为{timezone.localtime(published_at):%Y-%m-%d %H:%M}"
        text = f"{when}：{text}" if text else when
    return _commit(
        current, article, user, Action.PUBLISH, text, now=now, status=Status.PUBLISHED, published_at=published_at
    )


@transaction.atomic
def article_schedule(
    *,
    article: Article,
    user,
    publish_at: datetime | None,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ReviewEvent:
    current = lock(article, expected_version)
    check_schedule(user, current, publish_at, now=now)
    when = timezone.localtime(publish_at)
    text = f"定于{when:%Y-%m-%d %H:%M}发布" + (f"：{note.strip()}" if note.strip() else "")
    return _commit(
        current, article, user, Action.SCHEDULE, text, now=now, status=Status.SCHEDULED, published_at=publish_at
    )


@transaction.atomic
def article_withdraw(*, article: Article, user, reason: str, expected_version: int | None = None) -> ReviewEvent:
    current = lock(article, expected_version)
    check_withdraw(user, current, reason)
    reason = reason.strip()
    return _commit(current, article, user, Action.WITHDRAW, reason, status=Status.WITHDRAWN, withdrawn_reason=reason)


@transaction.atomic
def article_restore_to_draft(
    *, article: Article, user, note: str = "", expected_version: int | None = None
) -> ReviewEvent:
    current = lock(article, expected_version)
    check_restore_to_draft(user, current)
    # The piece goes round the whole review again; its old time and notice no longer apply.
    draft = {"status": Status.DRAFT, "review_level": 0, "published_at": None, "withdrawn_reason": ""}
    return _commit(current, article, user, Action.RESTORE_DRAFT, note.strip(), **draft)


def mark_content_changed(article: Article, *, now: datetime | None = None) -> None:
    """Records that what readers read (text, sections, credits, photos) changed now: the sitemap's
    lastmod and the page's dateModified follow it. Workflow steps and refiling never call this."""
    article.content_changed_at = now or timezone.now()
    Article.objects.filter(pk=article.pk).update(content_changed_at=article.content_changed_at)


def article_text_changed(*, article: Article, user) -> ReviewEvent | None:
    """Called after a saved edit changed the text: the last level passed must be passed again.

    The caller has already saved the edit (and its new version) in the same transaction.
    """
    if article.status != Status.REVIEW or passed_levels(article) == 0:
        return None
    reopened = passed_levels(article)
    name = level_name(article, reopened)
    article.review_level, article.review_levels = reopened - 1, required_levels(article)
    Article.objects.filter(pk=article.pk).update(review_level=article.review_level, review_levels=article.review_levels)
    note = f"{name}通过后正文被修改，需重新{name}。"
    return record_event(article, Action.REOPEN, user, note, from_status=Status.REVIEW, level=reopened, level_name=name)


def article_levels_recounted(*, article: Article, user, required_before: int) -> ReviewEvent | None:
    """Called after a saved change of page: an article in review that now needs another number
    of levels keeps only the levels it has passed (policy.passed_levels) and waits for the rest.

    ``required_before`` is how many levels it needed before the change. Recorded in the trail.
    """
    if article.status != Status.REVIEW:
        return None
    required = required_levels(article)
    if not article.review_levels:
        article.review_levels = required_before
    if article.review_levels == required:
        return None
    passed = passed_levels(article)
    article.review_level, article.review_levels = passed, required
    Article.objects.filter(pk=article.pk).update(review_level=passed, review_levels=required)
    names = LEVEL_NAMES[required]
    waiting = "、".join(names[passed:])
    note = f"版面调整后这篇稿件需要{required}级审核（{'、'.join(names)}），需重新{waiting}。"
    level = passed + 1
    return record_event(
        article, Action.REOPEN, user, note, from_status=Status.REVIEW, level=level, level_name=names[passed]
    )


def article_parts_changed(*, article_id: int, user, comment: str) -> ReviewEvent | None:
    """A part saved outside the article's own form (a photo in the photo library) changed the
    article: a new version (so caches and ETags move) and revision, and if the article is in
    review, the last level passed is passed again — as for an edit of its text.

    The caller has checked that the user may edit the article's text (policy.can_change_photo).
    """
    current = Article.objects.select_for_update().filter(pk=article_id).first()
    if current is None:  # deleted with it
        return None
    current.version += 1
    save_revision(current, user, comment, fields=())
    mark_content_changed(current)
    return article_text_changed(article=current, user=user)


def articles_refiled(articles) -> int:
    """Articles whose page or issue changed under them (a page renumbered, an issue redated, an
    order on a page): a new version and modification time, so every cached page and ETag moves."""
    return articles.update(version=F("version") + 1, updated_at=timezone.now())


# ---------------------------------------------------------------------------------------------
# Scheduled publishing


@transaction.atomic
def publish_due(*, now: datetime | None = None) -> int:
    """Marks scheduled articles whose time has come as published (for the record: readers see
    them on time anyway, through the visibility query). Running it twice changes nothing."""
    now = now or timezone.now()
    due = list(
        Article.objects.select_for_update()
        .visible(now=now)
        .filter(status=Status.SCHEDULED)
        .order_by("published_at", "pk")
    )
    for article in due:
        article.status = Status.PUBLISHED
        article.version += 1
        save_revision(article, None, Action.AUTO_PUBLISH.label, fields=("status",))
        note = f"定时发布时间 {timezone.localtime(article.published_at):%Y-%m-%d %H:%M} 已到"
        record_event(article, Action.AUTO_PUBLISH, None, note, from_status=Status.SCHEDULED, now=now)
    return len(due)
