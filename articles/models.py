import datetime
from zoneinfo import ZoneInfo

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager

from articles.text import split_paragraphs
from hengyang_cms.modeling import Named, optional_link

# The paper comes out at 06:00 in Hengyang on its date: the publication time of an article printed
# in an issue (imports of past issues, and publishing an archive piece that went through review).
PAPER_TIMEZONE = ZoneInfo("Asia/Shanghai")
ISSUE_PUBLICATION_TIME = datetime.time(6, 0)


def publication_time(day: datetime.date) -> datetime.datetime:
    """06:00 in Hengyang on the issue date."""
    return datetime.datetime.combine(day, ISSUE_PUBLICATION_TIME, tzinfo=PAPER_TIMEZONE)


class Issue(models.Model):
    """A dated issue of the paper (期)."""

    date = models.DateField("出版日期", unique=True)
    number = models.PositiveIntegerField("期号", null=True, blank=True, unique=True, help_text="报纸总期号，可空")

    class Meta:
        verbose_name = verbose_name_plural = "报纸期次"
        ordering = ["-date"]

    def __str__(self):
        if self.number:
            return f"{self.date:%Y年%m月%d日}（第{self.number}期）"
        return f"{self.date:%Y年%m月%d日}"

    def get_absolute_url(self):
        return reverse("articles:issue", kwargs={"date": self.date.isoformat()})


page_number_validator = RegexValidator(r"^[A-Z]?\d{1,3}$", "版次格式如 A01、B12 或 03。")


class Page(models.Model):
    """A page (版) of an issue: number like A01, name like 要闻 or 两会特刊."""

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="pages", verbose_name="期次")
    number = models.CharField("版次", max_length=4, validators=[page_number_validator])
    name = models.CharField("版名", max_length=30, blank=True)
    # The printed page (the e-paper, articles.epaper): the page's own one-page PDF as printed, kept
    # for download, and the page image shown to readers — rendered from the PDF or uploaded as an
    # image, a clean master like a photo's, with renditions at the widths readers' screens ask for.
    pdf = models.FileField("版面PDF", upload_to="pages/%Y/%m/", blank=True)
    image = models.ImageField(
        "版面图", upload_to="pages/%Y/%m/", blank=True, width_field="image_width", height_field="image_height"
    )
    image_width = models.PositiveIntegerField("版面图宽", null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField("版面图高", null=True, blank=True, editable=False)
    # Same shape as Photo.renditions: {"source": image name, "items": [{"width", "height", "format", "name"}]}.
    renditions = models.JSONField("规格图", default=dict, blank=True, editable=False)
    # Raised by every save of the page and of its regions (articles.epaper): the e-paper page's
    # Last-Modified together with its articles' own changes.
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "版面"
        ordering = ["issue", "number"]
        constraints = [models.UniqueConstraint(fields=["issue", "number"], name="page_unique_number_per_issue")]

    def __str__(self):
        label = f"{self.issue.date:%Y-%m-%d} 第{self.number}版"
        return f"{label} {self.name}" if self.name else label


# A region's outline: at least a triangle, at most this many corners, each corner [x, y] relative
# to the page (0 is the left/top edge, 1 the right/bottom), so a region survives replacing the page
# image by one of another resolution.
REGION_MAX_POINTS = 64


def polygon_problem(polygon) -> str | None:
    """What is wrong with a region's outline, in Chinese, or None when it can be stored."""
    if not isinstance(polygon, list | tuple) or len(polygon) < 3:
        return "区域至少需要 3 个顶点。"
    if len(polygon) > REGION_MAX_POINTS:
        return f"区域最多 {REGION_MAX_POINTS} 个顶点。"
    for point in polygon:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
        ):
            return "每个顶点须为 [x, y] 两个数。"
        if not all(0 <= v <= 1 for v in point):
            return "区域超出版面：坐标须在 0 到 1 之间（相对版面宽高）。"
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    # Shoelace area: three corners on one line outline nothing a reader could click.
    area = abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(polygon)))) / 2
    if area < 1e-6:
        return "区域面积为零。"
    return None


class Contributor(Named):
    """Newsroom staff and correspondents who appear in credit lines."""

    name = models.CharField("姓名", max_length=30, unique=True)
    bio = models.TextField("简介", blank=True)

    class Meta(Named.Meta):
        verbose_name = verbose_name_plural = "采编人员"


def body_order():
    """Commentator.body as a number to sort by (人大 0, 政协 1, any other 2): the order of the
    commentator index, which its index (commentator_listing_idx) holds, so a page of it is read
    in order. The query must use this same expression for the database to use the index; the
    rule is Commentator.body's (which groups the page), so a change to one is a change to both."""
    return models.Case(
        models.When(title__contains="人大", then=models.Value(0)),
        models.When(title__contains="政协", then=models.Value(1)),
        default=models.Value(2),
    )


class Commentator(models.Model):
    """A deputy (人大代表) or committee member (政协委员) who comments in a section."""

    name = models.CharField("姓名", max_length=30, unique=True)
    title = models.CharField("现任身份", max_length=60, blank=True, help_text="如：市人大代表、市政协委员")
    affiliation = models.CharField("单位", max_length=100, blank=True)
    bio = models.TextField("简介", blank=True)
    photo = optional_link("Photo", related_name="+", verbose_name="照片")

    class Meta:
        verbose_name = verbose_name_plural = "代表委员"
        ordering = ["name"]
        indexes = [models.Index(body_order(), "name", "id", name="commentator_listing_idx")]

    def __str__(self):
        return f"{self.title} {self.name}" if self.title else self.name

    def get_absolute_url(self):
        return reverse("articles:commentator", kwargs={"pk": self.pk})

    @property
    def body(self) -> str:
        """Which body the person sits in now: 人大 (deputies) or 政协 (committee members)."""
        if "人大" in self.title:
            return "人大"
        if "政协" in self.title:
            return "政协"
        return ""


# Plausible dates: every date that enters the system from outside (import files, admin forms,
# admin list filters in the URL) is checked against one range before anything is written or
# queried, so no row holds a date the code cannot read back (year 1 or 9999, or a time whose
# offset moves it out of what the database and Python can convert). From the first issue of the
# paper to a few years ahead; ARTICLE_EARLIEST_DATE and ARTICLE_LATEST_YEARS_AHEAD override it.
EARLIEST_DATE = datetime.date(1949, 1, 1)
LATEST_YEARS_AHEAD = 5


def plausible_dates(*, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The first and the last day a date may fall on (both included)."""
    earliest = getattr(settings, "ARTICLE_EARLIEST_DATE", EARLIEST_DATE)
    if isinstance(earliest, str):
        earliest = datetime.date.fromisoformat(earliest)
    years = int(getattr(settings, "ARTICLE_LATEST_YEARS_AHEAD", LATEST_YEARS_AHEAD))
    today = today or timezone.localdate()
    try:
        latest = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + years, day=28)
    return earliest, latest


def implausible_date(value, label: str) -> str | None:
    """Why ``value`` (a date or a datetime) may not be stored, in Chinese, naming ``label``; None if it may.

    A datetime counts by its day in Beijing time; one without an offset is read as Beijing time.
    """
    if value is None:
        return None
    earliest, latest = plausible_dates()
    span = f"{earliest.isoformat()} 至 {latest.isoformat()}"  # isoformat: year 1 is 0001, not 1
    try:
        if isinstance(value, datetime.datetime):
            if timezone.is_naive(value):
                value = timezone.make_aware(value, timezone.get_default_timezone())
            # Both conversions the database and the pages make; either may overflow near year 1 or 9999.
            value.astimezone(datetime.UTC)
            day = timezone.localtime(value).date()
        else:
            day = value
    except (OverflowError, ValueError):
        return f"{label}超出可用范围：应在 {span} 之间"
    if not earliest <= day <= latest:
        return f"{label} {day.isoformat()} 不在合理范围内：应在 {span} 之间"
    return None


# Limits on what one article may hold, checked by the importer and by the admin's article form
# before anything is written. A newspaper article is far below all of them (the longest feature
# pages have a few dozen sections); they stop a runaway file or form from making an article no
# page, export or search index can handle. Each is a setting (see the README).
ARTICLE_LIMITS = {
    "ARTICLE_MAX_SECTIONS": 200,
    "ARTICLE_MAX_PARAGRAPHS": 2000,
    "ARTICLE_MAX_CREDITS": 100,
    "ARTICLE_MAX_CHARACTERS": 200_000,
    "ARTICLE_MAX_PHOTOS": 100,
}


def article_limit(name: str) -> int:
    return int(getattr(settings, name, ARTICLE_LIMITS[name]))


def article_size_problem(*, sections: int, paragraphs: int, credits: int, characters: int) -> str | None:
    """Why an article of this size may not be stored, in Chinese; None if it may."""
    for count, name, what, unit in (
        (sections, "ARTICLE_MAX_SECTIONS", "小节", "节"),
        (paragraphs, "ARTICLE_MAX_PARAGRAPHS", "段落", "段"),
        (credits, "ARTICLE_MAX_CREDITS", "署名", "个"),
        (characters, "ARTICLE_MAX_CHARACTERS", "字数", "字"),
    ):
        limit = article_limit(name)
        if count > limit:
            return f"稿件太长：{what}共 {count:,} {unit}，一篇最多 {limit:,} {unit}；请拆成几篇"
    return None


# Visibility: the one definition of what readers may see — published (or scheduled) pieces whose
# time has come, computed in the query so a scheduled article appears on time without any job
# running. Every page, feed, sitemap, search query, export and API reads it from here: the ORM
# through visible() and visible_condition(), hand-written SQL through visible_sql(), one loaded
# row through Article.is_visible. A test fails if the rule is written out anywhere else.
VISIBLE_STATUSES = ("published", "scheduled")


def visible_condition(prefix: str = "", *, now=None) -> Q:
    """The rule as a condition, also on a related article: visible_condition("article__").

    A join condition instead of `article__in=Article.objects.visible()` lets the database walk
    the newest articles first and stop early.
    """
    return Q(
        **{
            f"{prefix}status__in": VISIBLE_STATUSES,
            f"{prefix}published_at__lte": now or timezone.now(),
        }
    )


def visible_sql(alias: str, *, now) -> tuple[str, list]:
    """The rule for hand-written SQL over a table with status and published_at columns."""
    return f"{alias}.status IN (%s, %s) AND {alias}.published_at <= %s", [*VISIBLE_STATUSES, now]


def is_visible_now(status: str, published_at, *, now=None) -> bool:
    """The rule for values already loaded (the few dozen rows of one issue)."""
    return status in VISIBLE_STATUSES and published_at is not None and published_at <= (now or timezone.now())


class ArticleQuerySet(models.QuerySet):
    def visible(self, *, now=None):
        """What readers may see (see visible_condition)."""
        return self.filter(visible_condition(now=now))

    def for_cluster(self, cluster):
        return self.filter(clusters=cluster)

    def by_commentator(self, commentator):
        # Exists instead of a join: no duplicate rows and no DISTINCT over article text.
        return self.filter(Exists(Section.objects.filter(article=OuterRef("pk"), commentator=commentator)))

    def on_date(self, day):
        return self.filter(page__issue__date=day)

    def for_listing(self):
        return self.select_related("page__issue").defer("lead")

    def with_people(self):
        """Sections with their commentators and credits with their contributors: what lists and exports show."""
        return self.select_related("page__issue").prefetch_related(*people_prefetches())

    def for_detail(self):
        return self.select_related("page__issue").prefetch_related(*detail_prefetches())


def people_prefetches() -> list:
    return [
        models.Prefetch("sections", queryset=Section.objects.select_related("commentator")),
        models.Prefetch("credits", queryset=Credit.objects.select_related("contributor")),
    ]


def detail_prefetches() -> list:
    """Everything the article page shows, for a queryset or for prefetch_related_objects() on one article."""
    return [
        *people_prefetches(),
        models.Prefetch("photos", queryset=Photo.objects.select_related("photographer")),
        "tags",
        "clusters",
    ]


class Article(models.Model):
    class Status(models.TextChoices):
        """Where an article stands: written, in review, passed and waiting for its time, out, or
        taken back. Readers see only the two in VISIBLE_STATUSES, once their time has come."""

        DRAFT = "draft", "草稿"
        REVIEW = "review", "审核中"
        SCHEDULED = "scheduled", "待发布"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤稿"

    kicker = models.CharField("引题", max_length=200, blank=True)
    title = models.CharField("主题", max_length=200)
    subtitle = models.CharField("副题", max_length=200, blank=True)
    lead = models.TextField("导语", blank=True, help_text="空一行分段")
    status = models.CharField("状态", max_length=12, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, help_text="到点自动对读者可见")
    page = optional_link(
        Page, related_name="articles", verbose_name="版面", help_text="见报稿件所在版面；仅网络发布的稿件留空"
    )
    position = models.PositiveSmallIntegerField("版内顺序", default=0)
    clusters = models.ManyToManyField("clusters.Cluster", blank=True, related_name="articles", verbose_name="产业集群")
    tags = TaggableManager("标签", blank=True, help_text="用逗号分隔")
    import_key = models.CharField(
        "导入指纹", max_length=64, unique=True, null=True, blank=True, editable=False, help_text="导入文件的内容哈希"
    )
    created_by = optional_link(
        settings.AUTH_USER_MODEL, related_name="articles_created", verbose_name="创建人", editable=False
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    # The last change to what a reader reads (text, sections, photos) — not a workflow step
    # (publish, withdraw) nor a re-import. Sitemap lastmod and JSON-LD dateModified use it.
    content_changed_at = models.DateTimeField("内容修改时间", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    review_level = models.PositiveSmallIntegerField("已通过审级", default=0, editable=False)
    # How many levels the article needed when those levels were passed (see
    # articles.workflow.policy.passed_levels): a change of page that changes the levels needed
    # never counts a level the article has not passed. Empty: as many as it needs now.
    review_levels = models.PositiveSmallIntegerField("审级数", null=True, blank=True, editable=False)
    withdrawn_reason = models.TextField("撤稿说明", blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "稿件"
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "published_at"], name="article_status_pub_idx"),
            models.Index(fields=["page", "position"], name="article_page_position_idx"),
            models.Index(fields=["-published_at", "-id"], name="article_pub_desc_idx"),
            # The home page's cache key is the newest change to any article: a lookup, not a scan.
            models.Index(fields=["-updated_at"], name="article_updated_desc_idx"),
            # The sitemap's last change: the newest content change, among the few articles that
            # have one (a bulk load or an import sets none), without a pass over the archive.
            models.Index(
                fields=["content_changed_at"],
                name="article_content_changed_idx",
                condition=Q(content_changed_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="article_visible_has_time",
                condition=~Q(status__in=["scheduled", "published"]) | Q(published_at__isnull=False),
                violation_error_message="已发布或待发布的稿件必须有发布时间。",
            ),
        ]
        # The editorial roles (groups created by a data migration) are built from these.
        permissions = [
            ("review_first", "可初审稿件"),
            ("review_second", "可复审稿件"),
            ("review_final", "可终审稿件"),
            ("publish_article", "可签发（立即或定时发布）稿件"),
            ("withdraw_article", "可撤稿或把稿件恢复为草稿"),
            ("restore_revision", "可恢复稿件的历史版本"),
            ("edit_metadata", "可修改任意稿件的版面、标签和产业集群"),
            ("import_article", "可批量导入稿件"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"pk": self.pk})

    @property
    def lead_paragraphs(self) -> list[str]:
        return split_paragraphs(self.lead)

    @property
    def issue(self):
        return self.page.issue if self.page_id else None

    @property
    def is_visible(self) -> bool:
        return is_visible_now(self.status, self.published_at)


class Section(models.Model):
    """A titled part of an article, often one deputy's or committee member's comment."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="sections", verbose_name="稿件")
    position = models.PositiveSmallIntegerField("顺序")
    heading = models.CharField("小标题", max_length=200, blank=True)
    commentator = models.ForeignKey(
        Commentator, models.PROTECT, null=True, blank=True, related_name="sections", verbose_name="代表委员"
    )
    commentator_title = models.CharField(
        "刊发时身份",
        max_length=60,
        blank=True,
        help_text="按当时见报的身份填写，如“市政协委员”；人物现任身份另在代表委员中维护",
    )
    body = models.TextField("正文", blank=True, help_text="空一行分段；以“### ”开头的段落为小标题")
    # The article's publication time, copied by the database itself (the triggers of migration
    # 0015) whenever a section is written or its article's time changes: a commentator's
    # sections then come newest first from one index, and a late page of a busy commentator's
    # list reads its twenty instead of sorting all of them. Only an order: whether a section
    # shows is still its article's visibility.
    article_published_at = models.DateTimeField("稿件发布时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "段落"
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="section_unique_position"),
        ]
        indexes = [
            models.Index(fields=["commentator", "article"], name="section_commentator_idx"),
            models.Index(
                fields=["commentator", "-article_published_at", "-article", "position", "id"],
                name="section_commentator_time_idx",
                condition=models.Q(commentator__isnull=False),
            ),
        ]

    def __str__(self):
        return self.heading or f"第{self.position}部分"

    @property
    def paragraphs(self) -> list[str]:
        return split_paragraphs(self.body)


class Credit(models.Model):
    """One name in the credit line, with the role as printed, in print order."""

    article = models.ForeignKey(Article, models.CASCADE, related_name="credits", verbose_name="稿件")
    position = models.PositiveSmallIntegerField("顺序")
    role = models.CharField(
        "署名角色", max_length=20, help_text="按见报写法，如：统筹、记者、整理、摄影、通讯员、文/图"
    )
    qualifier = models.CharField("前缀", max_length=20, blank=True, help_text="如“本报记者”，不是姓名的一部分")
    contributor = models.ForeignKey(Contributor, models.PROTECT, related_name="credits", verbose_name="署名人")

    class Meta:
        verbose_name = verbose_name_plural = "署名"
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="credit_unique_position"),
        ]

    def __str__(self):
        return f"{self.role}/{self.contributor.name}"


class Photo(models.Model):
    """An uploaded image with its caption, alt text and photographer."""

    article = models.ForeignKey(
        Article, models.CASCADE, null=True, blank=True, related_name="photos", verbose_name="稿件"
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)
    is_lead = models.BooleanField("题图", default=False, help_text="显示在稿件顶部；每篇至多一张")
    image = models.ImageField("图片", upload_to="photos/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField("宽", null=True, blank=True, editable=False)
    height = models.PositiveIntegerField("高", null=True, blank=True, editable=False)
    caption = models.TextField("图片说明", blank=True)
    alt_text = models.CharField("替代文字", max_length=200, help_text="供读屏软件朗读，描述画面内容")
    photographer = optional_link(Contributor, related_name="photos", verbose_name="作者")
    # How the author is credited under the image, as printed: 摄影 for a photograph, 制图 for a
    # drawing, a chart or a map.
    credit_role = models.CharField(
        "署名方式", max_length=4, choices=[("摄影", "摄影"), ("制图", "制图")], default="摄影"
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now, editable=False)
    # Raised by every save through a form, so two people saving the same photo cannot overwrite
    # each other (the photo form carries the version it was opened at).
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    # {"source": image name, "items": [{"width", "height", "format", "name"}]}, kept by
    # articles.photos.renditions; on the row itself so showing a photo never costs an extra query.
    renditions = models.JSONField("规格图", default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "图片"
        ordering = ["article", "-is_lead", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article"],
                condition=Q(is_lead=True),
                name="photo_one_lead_per_article",
            ),
        ]

    def __str__(self):
        return self.alt_text or self.caption[:30] or f"图片{self.pk}"


class ReviewEvent(models.Model):
    """One step of an article's workflow: who did what, when, at which review level, with what note."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提交审核"
        PASS = "pass", "审核通过"
        RETURN = "return", "退回修改"
        REOPEN = "reopen", "修改后重审"
        PUBLISH = "publish", "发布"
        SCHEDULE = "schedule", "定时发布"
        AUTO_PUBLISH = "auto_publish", "到点发布"
        WITHDRAW = "withdraw", "撤稿"
        RESTORE_DRAFT = "restore_draft", "恢复为草稿"
        RESTORE_REVISION = "restore_revision", "恢复历史版本"

    article = models.ForeignKey(Article, models.CASCADE, related_name="review_events", verbose_name="稿件")
    action = models.CharField("操作", max_length=20, choices=Action)
    level = models.PositiveSmallIntegerField("审级", null=True, blank=True)
    level_name = models.CharField("审级名称", max_length=10, blank=True)
    actor = optional_link(settings.AUTH_USER_MODEL, related_name="review_events", verbose_name="操作人")
    # Kept as written so the trail still names the person if the account is later removed.
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    note = models.TextField("意见", blank=True)
    from_status = models.CharField("原状态", max_length=12, choices=Article.Status)
    to_status = models.CharField("新状态", max_length=12, choices=Article.Status)
    article_version = models.PositiveIntegerField("稿件版本")
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "审稿记录"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "created_at"], name="reviewevent_article_idx")]

    def __str__(self):
        label = f"{self.level_name}通过" if self.action == self.Action.PASS else self.get_action_display()
        return f"{self.actor_name} {label}"


class PageRegion(models.Model):
    """Where an article stands on a printed page: an outline on the page image linking to it.

    An article continued on another page (转版) has a region on each."""

    page = models.ForeignKey(Page, models.CASCADE, related_name="regions", verbose_name="版面")
    article = models.ForeignKey(Article, models.CASCADE, related_name="page_regions", verbose_name="稿件")
    # [[x, y], ...], relative to the page (see polygon_problem).
    polygon = models.JSONField("区域顶点")
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "版面区域"
        ordering = ["page", "position", "pk"]
        indexes = [models.Index(fields=["article"], name="pageregion_article_idx")]

    def __str__(self):
        return f"{self.page} · {self.article_id}"

    def clean(self):
        problem = polygon_problem(self.polygon)
        if problem:
            raise ValidationError({"polygon": problem})

    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom), relative to the page."""
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return min(xs), min(ys), max(xs), max(ys)


class ArticleRendering(models.Model):
    """The article page's HTML, rendered once per version of the article and kept in the database.

    Written on the first view of a version (articles.site.article_page), read with the page's
    one freshness query; what depends on the request (the origin in absolute URLs) or on the
    issue's other articles (previous/next) is filled in per request. A rendering matches only
    the article's current ``version`` and ``updated_at`` and the current ``shell`` (templates
    and static files of this deployment); edits to related records that do not touch the
    article (a commentator renamed, a photo's renditions written) delete or expire it.
    """

    article = models.OneToOneField(
        Article, models.CASCADE, primary_key=True, related_name="rendering", verbose_name="稿件"
    )
    version = models.PositiveIntegerField("稿件版本")
    article_updated_at = models.DateTimeField("稿件修改时间")
    shell = models.CharField("页面模板版本", max_length=64)
    html = models.TextField("页面")
    rendered_at = models.DateTimeField("生成时间", default=timezone.now)
    # Set when the page shows something still being made (a photo's renditions): used until then.
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "稿件页面"

    def __str__(self):
        return f"{self.article_id} v{self.version}"


# Revisions: an article is versioned together with its sections and credits, so comparing or
# restoring one brings the whole text back as it was.
reversion.register(Section)
reversion.register(Credit)
reversion.register(Article, follow=["sections", "credits"])
