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
from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.models import (  # noqa: F401  (ISSUE_PUBLICATION_TIME: the rule policy applies)
    ISSUE_PUBLICATION_TIME,
    Article,
    Commentator,
    Photo,
    ReviewEvent,
    implausible_date,
    publication_time,
)
from clusters.models import Cluster

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
# Where the text may still change; any other status (scheduled, published, withdrawn) is frozen:
# readers have seen it or will, and a correction starts with a withdrawal or a return to draft.
OPEN_STATUSES = (Status.DRAFT, Status.REVIEW)


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
    return _clamp(levels)


def _clamp(levels: int) -> int:
    return min(max(int(levels), 1), 3)


def passed_levels(article: Article) -> int:
    """How many of the levels the article needs *now* it has passed, counted from the first.

    The levels passed were counted against the number needed at the time (``review_levels``);
    when that number changes — the article moved onto a page or off it, or the settings
    changed — a level counts only if a level of the same name was passed, and only up to the
    first one that was not: 初审 passed under three levels still counts under two, but a 终审
    passed as a one-level web-only piece is not an 初审 or a 复审, so on a page needing three
    levels the article waits for 初审 again (and 终审 after the others). No change of page ever
    lets an article skip a level it has not passed.
    """
    required = required_levels(article)
    basis = _clamp(article.review_levels) if article.review_levels else required
    if basis == required:
        return min(article.review_level, required)
    passed = set(LEVEL_NAMES[basis][: article.review_level])
    count = 0
    for name in LEVEL_NAMES[required]:
        if name not in passed:
            break
        count += 1
    return count


def levels_changed(article: Article) -> bool:
    """Whether the levels passed were counted against another number of levels than it needs now."""
    return bool(article.review_levels) and _clamp(article.review_levels) != required_levels(article)


def level_name(article: Article, level: int) -> str:
    return LEVEL_NAMES[required_levels(article)][level - 1]


def next_level(article: Article) -> int | None:
    """The level the article waits for, or None when it is not in review or has passed them all."""
    if article.status != Status.REVIEW or passed_levels(article) >= required_levels(article):
        return None
    return passed_levels(article) + 1


def is_fully_reviewed(article: Article) -> bool:
    return article.status == Status.REVIEW and passed_levels(article) >= required_levels(article)


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


def text_editable_articles(user) -> QuerySet[Article]:
    """The articles whose text ``can_edit_text`` lets this user edit, as a query (the same rule:
    a test checks that the two agree) — what a form may offer to attach a photo to."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return Article.objects.none()
    drafts = Q(status=Status.DRAFT) if user.is_superuser else Q(status=Status.DRAFT, created_by=user.pk)
    if is_reviewer(user):
        return Article.objects.filter(drafts | Q(status=Status.REVIEW))
    return Article.objects.filter(drafts)


def can_edit_metadata(user, article: Article) -> bool:
    """Issue, page, tags and clusters: filing information archivists fix on any article."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    return user.has_perm(METADATA_PERMISSION) or can_edit_text(user, article)


def can_refile_frozen(user) -> bool:
    """Whether the user may change where scheduled, published or withdrawn articles are filed —
    through their pages and issues too (a page's number, an issue's date, an order on a page)."""
    return user.is_active and user.has_perm(METADATA_PERMISSION)


def can_delete_article(user, article: Article) -> bool:
    """Only unpublished drafts disappear, by their reporter or the editor-in-chief; anything readers
    may have seen is withdrawn instead."""
    if not user.is_active or not user.has_perm("articles.delete_article"):
        return False
    return article.status == Status.DRAFT and (is_author(user, article) or user.has_perm(PUBLISH_PERMISSION))


# ---------------------------------------------------------------------------------------------
# Photos: a photo is part of what it is shown with


def can_change_photo(user, photo: Photo) -> bool:
    """A photo of an article is part of its text: it is changed (replaced, recaptioned, moved,
    deleted) by whoever may edit that article's text now, so photos of scheduled and published
    articles are frozen like their words (a correction starts with a withdrawal or a return to
    draft). A photo shown as a commentator's portrait or a cluster's cover follows the rights on
    those; a photo used nowhere yet is the library's, open to anyone with the photo rights."""
    if not user.is_active or not user.has_perm("articles.change_photo"):
        return False
    if photo.pk is None:
        return True
    if photo.article_id is not None:
        article = photo.article
        if not can_edit_text(user, article):
            return False
    if not user.has_perm("articles.change_commentator") and Commentator.objects.filter(photo=photo.pk).exists():
        return False
    return user.has_perm("clusters.change_cluster") or not Cluster.objects.filter(cover_photo=photo.pk).exists()


def can_delete_photo(user, photo: Photo) -> bool:
    """As changing it; and whoever may delete a draft may delete the photos that go with it."""
    if not user.is_active or not user.has_perm("articles.delete_photo"):
        return False
    if photo.article_id is not None and can_delete_article(user, photo.article):
        return True
    return can_change_photo(user, photo)


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
    # By name, not number: after a change of page the same level may have another number.
    other_levels = (
        ReviewEvent.objects.filter(article=article, action=Action.PASS, actor=user)
        .exclude(level_name=name)
        .values_list("level_name", flat=True)
    )
    passed = sorted(set(other_levels))
    require(not passed, f"您已经通过了这篇稿件的{'、'.join(passed)}，同一人不能再做{name}。")
    return level


def roles_with_permission(permission: str) -> list[str]:
    """The newsroom roles (groups) that hold ``permission`` ("articles.review_second"), in the order
    they were created (记者, 编辑, 部门主任, 总编辑, 档案员)."""
    app_label, codename = permission.split(".", 1)
    groups = Group.objects.filter(permissions__content_type__app_label=app_label, permissions__codename=codename)
    return list(groups.order_by("pk").values_list("name", flat=True).distinct())


def next_step_explanation(user, article: Article) -> str:
    """Why this person cannot take the article's next step, and who can — for the workflow panel,
    so that a reviewer who sees only 退回修改 knows the piece is waiting for someone else. Empty
    when the person can take it, or when the article waits for nobody's review or sign-off."""
    if article.status != Status.REVIEW:
        return ""
    level = next_level(article)
    if level is None:
        if user.has_perm(PUBLISH_PERMISSION):
            return ""
        return f"各级审核已通过，等待{_either(roles_with_permission(PUBLISH_PERMISSION))}签发。"
    try:
        check_pass(user, article)
    except TransitionRefused as refused:
        name = level_name(article, level)
        permission = LEVEL_PERMISSIONS[required_levels(article)][level - 1]
        roles = _either(roles_with_permission(permission)) or "有相应权限的人"
        other = "另一位" if user.has_perm(permission) else ""
        return f"{refused.message}{name}须由{other}{roles}完成。"
    return ""


def _either(names: list[str]) -> str:
    return "或".join(["、".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def check_return(user, article: Article) -> None:
    require(is_reviewer(user), "您没有审稿权限，不能退回稿件。", status=403)
    require(article.status == Status.REVIEW, "只有审核中的稿件可以退回。")


def check_publish(user, article: Article) -> None:
    require(user.has_perm(PUBLISH_PERMISSION), "只有总编辑可以签发稿件。", status=403)
    missing = LEVEL_NAMES[required_levels(article)][passed_levels(article) :]
    if article.status == Status.SCHEDULED:
        # Already signed off: publishing early is allowed — unless a change of page since then
        # made it need a level it has not passed.
        require(
            not (levels_changed(article) and missing),
            f"这篇稿件定时发布后换了版面，按现在的版面还需要{'、'.join(missing)}；请先恢复为草稿重新送审。",
        )
        return
    require(
        article.status == Status.REVIEW,
        f"只有审核完毕的稿件可以发布，这篇稿件现在是“{article.get_status_display()}”。",
    )
    require(not missing, f"这篇稿件还没有通过{'、'.join(missing)}，不能发布。")


def check_refile(article: Article, page) -> None:
    """May the article move to ``page`` (a Page or None for web-only)? Raises TransitionRefused.

    Scheduled articles appear on time by themselves, so one may not move where it would need a
    review level it has not passed; a piece in review may move anywhere (it then waits for the
    levels it has not passed), and a published or withdrawn one is only being filed.
    """
    if article.status != Status.SCHEDULED:
        return
    before = required_levels(article)
    moved = Article(page=page, review_level=article.review_level, review_levels=article.review_levels or before)
    after = required_levels(moved)
    if after == before:
        return
    missing = LEVEL_NAMES[after][passed_levels(moved) :]
    require(
        not missing,
        f"这篇稿件已定时发布；放到这里需要{after}级审核，还缺{'、'.join(missing)}。"
        "请先把它恢复为草稿重新送审，或选择审级要求相同的版面。",
    )


def check_schedule(user, article: Article, publish_at: datetime | None, *, now: datetime | None = None) -> None:
    check_publish(user, article)
    require(publish_at is not None, "请填写定时发布的时间。")
    require(timezone.is_aware(publish_at), "发布时间必须带时区。")
    problem = implausible_date(publish_at, "发布时间")
    require(problem is None, f"{problem}。")
    require(publish_at > (now or timezone.now()), "定时发布的时间必须晚于现在。")


def issue_publication_time(article: Article) -> datetime | None:
    """06:00 (Asia/Shanghai) on the date of the issue the article is printed in, or None (web-only)."""
    if article.page_id is None:
        return None
    return publication_time(article.page.issue.date)


def publication_time_for(article: Article, *, now: datetime) -> datetime:
    """When publishing the article now dates it: a page of an issue already out was published with
    that issue (an archive piece imported as a draft keeps its date); anything else now."""
    issue_time = issue_publication_time(article)
    if issue_time is not None and issue_time <= now:
        return issue_time
    return now


def check_publish_time(publish_at: datetime, *, now: datetime | None = None) -> None:
    """A time the editor-in-chief chose instead of the issue's: in the past or now (later is a schedule)."""
    require(timezone.is_aware(publish_at), "发布时间必须带时区。")
    problem = implausible_date(publish_at, "发布时间")
    require(problem is None, f"{problem}。")
    require(publish_at <= (now or timezone.now()), "立即发布的时间不能晚于现在；要在将来发布，请用“定时发布”。")


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
