"""Who may do what to an article, and when: the review levels, the rights, the preconditions.

Review (三审制): an article in review passes its levels in order — 初审, 复审, 终审 by default.
The number of levels is a setting, ARTICLE_REVIEW_LEVELS (3); web-only pieces (no page) may be
configured to need fewer with ARTICLE_REVIEW_LEVELS_WEB_ONLY. Nobody passes two different levels
of the same article, and an edit to the text after a level was passed sends the article back to
that level. The checks here raise TransitionRefused; the services in ``services`` run them on a
locked row, and the admin uses them only to decide which buttons to show.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

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


# ---------------------------------------------------------------------------------------------
# Preconditions (raise TransitionRefused) — also used to decide which buttons to show


def require(condition: bool, message: str, *, status: int = 400) -> None:
    if not condition:
        raise TransitionRefused(message, status=status)


def has_body(article: Article) -> bool:
    return bool(article.lead.strip()) or article.sections.exclude(body="").exists()


def check_submit(user, article: Article) -> None:
    require(
        is_author(user, article) or is_reviewer(user) or user.is_superuser,
        "只有稿件作者或审稿人可以提交这篇稿件。",
        status=403,
    )
    require(
        article.status == Status.DRAFT,
        f"只有草稿可以提交审核，这篇稿件现在是“{article.get_status_display()}”。",
    )
    require(bool(article.title.strip()), "提交前请填写主题（标题）。")
    require(has_body(article), "提交前请填写导语或至少一个段落的正文。")


def check_pass(user, article: Article) -> int:
    """Returns the level the user would pass."""
    require(is_reviewer(user), "您没有审稿权限。", status=403)
    require(
        article.status == Status.REVIEW,
        f"只有审核中的稿件可以审核，这篇稿件现在是“{article.get_status_display()}”。",
    )
    level = next_level(article)
    require(level is not None, "这篇稿件的各级审核都已通过，等待签发。")
    name = level_name(article, level)
    permission = LEVEL_PERMISSIONS[required_levels(article)][level - 1]
    require(user.has_perm(permission), f"您没有{name}权限。", status=403)
    other_levels = (
        ReviewEvent.objects.filter(article=article, action=Action.PASS, actor=user)
        .exclude(level=level)
        .values_list("level_name", flat=True)
    )
    passed = sorted(set(other_levels))
    require(not passed, f"您已经通过了这篇稿件的{'、'.join(passed)}，同一人不能再做{name}。")
    return level


def check_return(user, article: Article) -> None:
    require(is_reviewer(user), "您没有审稿权限，不能退回稿件。", status=403)
    require(article.status == Status.REVIEW, "只有审核中的稿件可以退回。")


def check_publish(user, article: Article) -> None:
    require(user.has_perm(PUBLISH_PERMISSION), "只有总编辑可以签发稿件。", status=403)
    if article.status == Status.SCHEDULED:
        return  # already signed off: publishing early is allowed
    require(
        article.status == Status.REVIEW,
        f"只有审核完毕的稿件可以发布，这篇稿件现在是“{article.get_status_display()}”。",
    )
    missing = LEVEL_NAMES[required_levels(article)][article.review_level :]
    require(not missing, f"这篇稿件还没有通过{'、'.join(missing)}，不能发布。")


def check_schedule(user, article: Article, publish_at: datetime | None, *, now: datetime | None = None) -> None:
    check_publish(user, article)
    require(publish_at is not None, "请填写定时发布的时间。")
    require(timezone.is_aware(publish_at), "发布时间必须带时区。")
    require(publish_at > (now or timezone.now()), "定时发布的时间必须晚于现在。")


def check_withdraw(user, article: Article, reason: str = "x") -> None:
    require(user.has_perm(WITHDRAW_PERMISSION), "只有总编辑可以撤稿。", status=403)
    require(
        article.status in (Status.PUBLISHED, Status.SCHEDULED),
        f"只有已发布或待发布的稿件可以撤稿，这篇稿件现在是“{article.get_status_display()}”。",
    )
    require(bool(reason.strip()), "撤稿必须填写说明，读者会在原网址看到它。")


def check_restore_to_draft(user, article: Article) -> None:
    require(
        user.has_perm(WITHDRAW_PERMISSION),
        "只有总编辑可以把稿件恢复为草稿。",
        status=403,
    )
    require(
        article.status in (Status.WITHDRAWN, Status.SCHEDULED),
        "只有已撤稿或待发布的稿件可以恢复为草稿；审核中的稿件请用“退回”。",
    )


def check_restore_revision(user, article: Article) -> None:
    require(user.has_perm(RESTORE_PERMISSION), "只有总编辑可以恢复历史版本。", status=403)
    require(
        article.status in (Status.DRAFT, Status.REVIEW, Status.WITHDRAWN),
        "已发布或待发布的稿件不能直接恢复历史版本，请先撤稿或恢复为草稿。",
    )
