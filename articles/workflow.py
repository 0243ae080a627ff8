"""The editorial workflow: the only code that moves an article from one status to another.

Every transition is a service: atomic, run on a locked row, checking who may do it and whether
the article is ready, and recorded as a ReviewEvent (who, when, which level, the note). The admin's
buttons, bulk actions and hand-typed URLs all end here, so hiding a button is never the only guard.

Review (三审制): an article in review passes its levels in order — 初审, 复审, 终审 by default.
The number of levels is a setting, ARTICLE_REVIEW_LEVELS (3); web-only pieces (no page) may be
configured to need fewer with ARTICLE_REVIEW_LEVELS_WEB_ONLY. Nobody passes two different levels
of the same article, and an edit to the text after a level was passed sends the article back to
that level.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import reversion
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, ReviewEvent

Status = Article.Status
Action = ReviewEvent.Action

# The names and permissions of the levels, by how many levels an article needs: the last level
# is always 终审 (the editor-in-chief's), the first (when there are two or more) always 初审.
LEVEL_NAMES = {1: ("终审",), 2: ("初审", "终审"), 3: ("初审", "复审", "终审")}
LEVEL_PERMISSIONS = {
    1: ("articles.review_final",),
    2: ("articles.review_first", "articles.review_final"),
    3: ("articles.review_first", "articles.review_second", "articles.review_final"),
}
REVIEW_PERMISSIONS = (
    "articles.review_first",
    "articles.review_second",
    "articles.review_final",
)
PUBLISH_PERMISSION = "articles.publish_article"
WITHDRAW_PERMISSION = "articles.withdraw_article"
RESTORE_PERMISSION = "articles.restore_revision"
METADATA_PERMISSION = "articles.edit_metadata"

# What an archivist (or anyone with edit_metadata) may change on any article: where and how it
# is filed, never what it says.
METADATA_FIELDS = ("page", "position", "tags", "clusters")


class TransitionRefused(Exception):
    """A transition that may not happen now. The message is for the person who tried, in Chinese."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status  # 403: not this person's to do; 409: changed meanwhile; 400: not ready


# ---------------------------------------------------------------------------------------------
# Levels and rights


def required_levels(article: Article) -> int:
    """How many review levels this article needs before it may be published (1 to 3)."""
    levels = int(getattr(settings, "ARTICLE_REVIEW_LEVELS", 3))
    if article.page_id is None:
        levels = int(getattr(settings, "ARTICLE_REVIEW_LEVELS_WEB_ONLY", levels) or levels)
    return min(max(levels, 1), 3)


def level_name(article: Article, level: int) -> str:
    return LEVEL_NAMES[required_levels(article)][level - 1]


def next_level(article: Article) -> int | None:
    """The level the article waits for, or None when it is not in review or has passed them all."""
    if article.status != Status.REVIEW or article.review_level >= required_levels(article):
        return None
    return article.review_level + 1


def is_fully_reviewed(article: Article) -> bool:
    return article.status == Status.REVIEW and article.review_level >= required_levels(article)


def review_state(article: Article) -> str:
    """A short Chinese description of where the article stands, for lists and the change form."""
    if article.status != Status.REVIEW:
        return article.get_status_display()
    level = next_level(article)
    if level is None:
        return "审核完毕，待签发"
    return f"待{level_name(article, level)}"


def is_reviewer(user) -> bool:
    return any(user.has_perm(perm) for perm in REVIEW_PERMISSIONS)


def is_author(user, article: Article) -> bool:
    return article.created_by_id is not None and article.created_by_id == user.pk


def can_edit_text(user, article: Article) -> bool:
    """Text (titles, lead, sections, credits, photos) is edited by its reporter while it is a draft
    and by reviewers while it is in review; once scheduled or published it is frozen, and a
    correction starts with a withdrawal or a return to draft."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    if article.status == Status.DRAFT:
        return is_author(user, article) or user.is_superuser
    if article.status == Status.REVIEW:
        return is_reviewer(user)
    return False


def can_edit_metadata(user, article: Article) -> bool:
    """Issue, page, tags and clusters: filing information archivists fix on any article."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    return user.has_perm(METADATA_PERMISSION) or can_edit_text(user, article)


def can_see_all_articles(user) -> bool:
    """Reporters see their own pieces only; desks, the editor-in-chief and archivists see all."""
    return user.is_superuser or is_reviewer(user) or user.has_perm(METADATA_PERMISSION)


# ---------------------------------------------------------------------------------------------
# Preconditions (raise TransitionRefused) — also used to decide which buttons to show


def _require(condition: bool, message: str, *, status: int = 400) -> None:
    if not condition:
        raise TransitionRefused(message, status=status)


def has_body(article: Article) -> bool:
    return bool(article.lead.strip()) or article.sections.exclude(body="").exists()


def check_submit(user, article: Article) -> None:
    _require(
        is_author(user, article) or is_reviewer(user) or user.is_superuser,
        "只有稿件作者或审稿人可以提交这篇稿件。",
        status=403,
    )
    _require(
        article.status == Status.DRAFT,
        f"只有草稿可以提交审核，这篇稿件现在是“{article.get_status_display()}”。",
    )
    _require(bool(article.title.strip()), "提交前请填写主题（标题）。")
    _require(has_body(article), "提交前请填写导语或至少一个段落的正文。")


def check_pass(user, article: Article) -> int:
    """Returns the level the user would pass."""
    _require(is_reviewer(user), "您没有审稿权限。", status=403)
    _require(
        article.status == Status.REVIEW,
        f"只有审核中的稿件可以审核，这篇稿件现在是“{article.get_status_display()}”。",
    )
    level = next_level(article)
    _require(level is not None, "这篇稿件的各级审核都已通过，等待签发。")
    name = level_name(article, level)
    permission = LEVEL_PERMISSIONS[required_levels(article)][level - 1]
    _require(user.has_perm(permission), f"您没有{name}权限。", status=403)
    other_levels = (
        ReviewEvent.objects.filter(article=article, action=Action.PASS, actor=user)
        .exclude(level=level)
        .values_list("level_name", flat=True)
    )
    passed = sorted(set(other_levels))
    _require(not passed, f"您已经通过了这篇稿件的{'、'.join(passed)}，同一人不能再做{name}。")
    return level


def check_return(user, article: Article) -> None:
    _require(is_reviewer(user), "您没有审稿权限，不能退回稿件。", status=403)
    _require(article.status == Status.REVIEW, "只有审核中的稿件可以退回。")


def check_publish(user, article: Article) -> None:
    _require(user.has_perm(PUBLISH_PERMISSION), "只有总编辑可以签发稿件。", status=403)
    if article.status == Status.SCHEDULED:
        return  # already signed off: publishing early is allowed
    _require(
        article.status == Status.REVIEW,
        f"只有审核完毕的稿件可以发布，这篇稿件现在是“{article.get_status_display()}”。",
    )
    missing = LEVEL_NAMES[required_levels(article)][article.review_level :]
    _require(not missing, f"这篇稿件还没有通过{'、'.join(missing)}，不能发布。")


def check_schedule(user, article: Article, publish_at: datetime | None, *, now: datetime | None = None) -> None:
    check_publish(user, article)
    _require(publish_at is not None, "请填写定时发布的时间。")
    _require(timezone.is_aware(publish_at), "发布时间必须带时区。")
    _require(publish_at > (now or timezone.now()), "定时发布的时间必须晚于现在。")


def check_withdraw(user, article: Article, reason: str = "x") -> None:
    _require(user.has_perm(WITHDRAW_PERMISSION), "只有总编辑可以撤稿。", status=403)
    _require(
        article.status in (Status.PUBLISHED, Status.SCHEDULED),
        f"只有已发布或待发布的稿件可以撤稿，这篇稿件现在是“{article.get_status_display()}”。",
    )
    _require(bool(reason.strip()), "撤稿必须填写说明，读者会在原网址看到它。")


def check_restore_to_draft(user, article: Article) -> None:
    _require(
        user.has_perm(WITHDRAW_PERMISSION),
        "只有总编辑可以把稿件恢复为草稿。",
        status=403,
    )
    _require(
        article.status in (Status.WITHDRAWN, Status.SCHEDULED),
        "只有已撤稿或待发布的稿件可以恢复为草稿；审核中的稿件请用“退回”。",
    )


def check_restore_revision(user, article: Article) -> None:
    _require(user.has_perm(RESTORE_PERMISSION), "只有总编辑可以恢复历史版本。", status=403)
    _require(
        article.status in (Status.DRAFT, Status.REVIEW, Status.WITHDRAWN),
        "已发布或待发布的稿件不能直接恢复历史版本，请先撤稿或恢复为草稿。",
    )


@dataclass(frozen=True)
class Transition:
    name: str  # used in URLs: /admin/articles/article/<id>/transition/<name>/
    label: str
    needs_note: bool = False  # a note the person must write (return, withdraw)
    needs_time: bool = False  # schedule
    danger: bool = False


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", "提交审核"),
        Transition("pass", "审核通过"),
        Transition("return", "退回修改", needs_note=True),
        Transition("publish", "立即发布"),
        Transition("schedule", "定时发布", needs_time=True),
        Transition("withdraw", "撤稿", needs_note=True, danger=True),
        Transition("restore_draft", "恢复为草稿"),
    )
}


def allowed_transitions(user, article: Article) -> list[Transition]:
    """The transitions this user may start on this article now (their buttons)."""
    checks = {
        "submit": lambda: check_submit(user, article),
        "pass": lambda: check_pass(user, article),
        "return": lambda: check_return(user, article),
        "publish": lambda: check_publish(user, article),
        "schedule": lambda: check_publish(user, article),
        "withdraw": lambda: check_withdraw(user, article),
        "restore_draft": lambda: check_restore_to_draft(user, article),
    }
    allowed = []
    for name, check in checks.items():
        try:
            check()
        except TransitionRefused:
            continue
        allowed.append(TRANSITIONS[name])
    return allowed


def transition_label(article: Article, name: str) -> str:
    if name == "pass" and (level := next_level(article)):
        return f"{level_name(article, level)}通过"
    return TRANSITIONS[name].label


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


def _lock(article: Article, expected_version: int | None) -> Article:
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


def _commit(
    current: Article,
    article: Article,
    *,
    user,
    action: str,
    from_status: str,
    note: str = "",
    level: int | None = None,
    fields: tuple[str, ...] = (),
    now: datetime | None = None,
) -> ReviewEvent:
    """Saves the changed workflow fields as a new revision and records the event."""
    current.version += 1
    current.full_clean(exclude=["tags", "clusters"])
    label = Action(action).label
    with reversion.create_revision():
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(f"{level_name(current, level)}通过" if level else label)
        current.save(update_fields=[*fields, "version", "updated_at"])
    event = ReviewEvent.objects.create(
        article=current,
        action=action,
        level=level,
        level_name=level_name(current, level) if level else "",
        actor=user,
        actor_name=display_name(user),
        note=note,
        from_status=from_status,
        to_status=current.status,
        article_version=current.version,
        created_at=now or timezone.now(),
    )
    # Keep the caller's instance in step with the row.
    for field in (*fields, "version", "updated_at"):
        setattr(article, field, getattr(current, field))
    return event


@transaction.atomic
def article_submit(*, article: Article, user, note: str = "", expected_version: int | None = None) -> ReviewEvent:
    current = _lock(article, expected_version)
    check_submit(user, current)
    from_status = current.status
    current.status, current.review_level = Status.REVIEW, 0
    return _commit(
        current,
        article,
        user=user,
        action=Action.SUBMIT,
        from_status=from_status,
        note=note.strip(),
        fields=("status", "review_level"),
    )


@transaction.atomic
def article_pass_review(*, article: Article, user, note: str = "", expected_version: int | None = None) -> ReviewEvent:
    current = _lock(article, expected_version)
    level = check_pass(user, current)
    current.review_level = level
    return _commit(
        current,
        article,
        user=user,
        action=Action.PASS,
        from_status=current.status,
        note=note.strip(),
        level=level,
        fields=("review_level",),
    )


@transaction.atomic
def article_return(*, article: Article, user, note: str, expected_version: int | None = None) -> ReviewEvent:
    current = _lock(article, expected_version)
    check_return(user, current)
    _require(bool(note.strip()), "退回稿件必须写明原因，作者会看到它。")
    current.status, current.review_level = Status.DRAFT, 0
    return _commit(
        current,
        article,
        user=user,
        action=Action.RETURN,
        from_status=Status.REVIEW,
        note=note.strip(),
        fields=("status", "review_level"),
    )


@transaction.atomic
def article_publish(
    *,
    article: Article,
    user,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ReviewEvent:
    current = _lock(article, expected_version)
    check_publish(user, current)
    now = now or timezone.now()
    from_status = current.status
    current.status, current.published_at = Status.PUBLISHED, now
    return _commit(
        current,
        article,
        user=user,
        action=Action.PUBLISH,
        from_status=from_status,
        note=note.strip(),
        fields=("status", "published_at"),
        now=now,
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
    current = _lock(article, expected_version)
    check_schedule(user, current, publish_at, now=now)
    from_status = current.status
    current.status, current.published_at = Status.SCHEDULED, publish_at
    when = timezone.localtime(publish_at)
    text = f"定于{when:%Y-%m-%d %H:%M}发布" + (f"：{note.strip()}" if note.strip() else "")
    return _commit(
        current,
        article,
        user=user,
        action=Action.SCHEDULE,
        from_status=from_status,
        note=text,
        fields=("status", "published_at"),
        now=now,
    )


@transaction.atomic
def article_withdraw(*, article: Article, user, reason: str, expected_version: int | None = None) -> ReviewEvent:
    current = _lock(article, expected_version)
    check_withdraw(user, current, reason)
    from_status = current.status
    current.status, current.withdrawn_reason = Status.WITHDRAWN, reason.strip()
    return _commit(
        current,
        article,
        user=user,
        action=Action.WITHDRAW,
        from_status=from_status,
        note=reason.strip(),
        fields=("status", "withdrawn_reason"),
    )


@transaction.atomic
def article_restore_to_draft(
    *, article: Article, user, note: str = "", expected_version: int | None = None
) -> ReviewEvent:
    current = _lock(article, expected_version)
    check_restore_to_draft(user, current)
    from_status = current.status
    # The piece goes round the whole review again; its old time and notice no longer apply.
    current.status, current.review_level = Status.DRAFT, 0
    current.published_at, current.withdrawn_reason = None, ""
    return _commit(
        current,
        article,
        user=user,
        action=Action.RESTORE_DRAFT,
        from_status=from_status,
        note=note.strip(),
        fields=("status", "review_level", "published_at", "withdrawn_reason"),
    )


def article_text_changed(*, article: Article, user) -> ReviewEvent | None:
    """Called after a saved edit changed the text: the last level passed must be passed again.

    The caller has already saved the edit (and its new version) in the same transaction.
    """
    if article.status != Status.REVIEW or article.review_level == 0:
        return None
    reopened = article.review_level
    name = level_name(article, reopened)
    article.review_level = reopened - 1
    Article.objects.filter(pk=article.pk).update(review_level=article.review_level)
    return ReviewEvent.objects.create(
        article=article,
        action=Action.REOPEN,
        level=reopened,
        level_name=name,
        actor=user,
        actor_name=display_name(user),
        note=f"{name}通过后正文被修改，需重新{name}。",
        from_status=Status.REVIEW,
        to_status=Status.REVIEW,
        article_version=article.version,
    )


# ---------------------------------------------------------------------------------------------
# Text fingerprint: what counts as "the text" for sending an article back a level


def content_fingerprint(article: Article) -> str:
    """A hash of everything a reviewer signs off: titles, lead, sections and credits (not filing
    metadata such as page, tags or clusters)."""
    article = Article.objects.get(pk=article.pk)  # the saved state, not a form's instance
    sections = list(
        article.sections.order_by("position").values_list(
            "position", "heading", "commentator_id", "commentator_title", "body"
        )
    )
    credits = list(article.credits.order_by("position").values_list("position", "role", "qualifier", "contributor_id"))
    photos = list(article.photos.order_by("pk").values_list("pk", "image", "caption", "alt_text", "is_lead"))
    payload = [
        article.kicker,
        article.title,
        article.subtitle,
        article.lead,
        sections,
        credits,
        photos,
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Revisions


CONTENT_FIELDS = ("kicker", "title", "subtitle", "lead")


@transaction.atomic
def article_restore_revision(*, article: Article, user, version: Version) -> ReviewEvent:
    """Brings back the text (titles, lead, sections, credits) of an earlier revision.

    Only the text: status, time, review level and filing stay as they are now, so restoring can
    never publish or unpublish anything. Restoring creates a new revision and counts as an edit.
    """
    current = _lock(article, None)
    check_restore_revision(user, current)
    _require(
        version.object_id == str(current.pk) and version.content_type.model_class() is Article,
        "这个历史版本不属于这篇稿件。",
    )
    before = content_fingerprint(current)
    kept = {f.attname: getattr(current, f.attname) for f in Article._meta.concrete_fields}
    kept_clusters = list(current.clusters.values_list("pk", flat=True))  # filing, not text
    version.revision.revert(delete=True)
    restored = Article.objects.get(pk=current.pk)
    restored.clusters.set(kept_clusters)
    for attname, value in kept.items():
        if attname not in CONTENT_FIELDS:
            setattr(restored, attname, value)
    restored.version = current.version + 1
    restored.full_clean(exclude=["tags", "clusters"])
    when = timezone.localtime(version.revision.date_created)
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(f"恢复到 {when:%Y-%m-%d %H:%M:%S} 的版本")
        restored.save()
    event = ReviewEvent.objects.create(
        article=restored,
        action=Action.RESTORE_REVISION,
        actor=user,
        actor_name=display_name(user),
        note=f"恢复到 {when:%Y-%m-%d %H:%M:%S} 的版本",
        from_status=restored.status,
        to_status=restored.status,
        article_version=restored.version,
    )
    if content_fingerprint(restored) != before:
        article_text_changed(article=restored, user=user)
    for attname in kept:
        setattr(article, attname, getattr(restored, attname))
    return event


# ---------------------------------------------------------------------------------------------
# Scheduled publishing


@transaction.atomic
def publish_due(*, now: datetime | None = None) -> int:
    """Marks scheduled articles whose time has come as published (for the record: readers see
    them on time anyway, through the visibility query). Running it twice changes nothing."""
    now = now or timezone.now()
    due = list(
        Article.objects.select_for_update()
        .filter(status=Status.SCHEDULED, published_at__lte=now)
        .order_by("published_at", "pk")
    )
    for article in due:
        article.status = Status.PUBLISHED
        article.version += 1
        with reversion.create_revision():
            reversion.set_comment(Action.AUTO_PUBLISH.label)
            article.save(update_fields=["status", "version", "updated_at"])
        ReviewEvent.objects.create(
            article=article,
            action=Action.AUTO_PUBLISH,
            actor=None,
            actor_name="系统",
            note=f"定时发布时间 {timezone.localtime(article.published_at):%Y-%m-%d %H:%M} 已到",
            from_status=Status.SCHEDULED,
            to_status=Status.PUBLISHED,
            article_version=article.version,
            created_at=now,
        )
    return len(due)
