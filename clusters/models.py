from django.db import models
from django.db.models import Q
from django.urls import reverse

from hengyang_cms.modeling import Named, optional_link


class Cluster(models.Model):
    """One of the city's eight hundred-billion-yuan industry clusters (八大千亿产业集群)."""

    name = models.CharField("名称", max_length=50, unique=True)
    slug = models.SlugField(
        "网址标识", max_length=50, unique=True, help_text="稳定的英文标识，用于网址，发布后不要修改"
    )
    short_name = models.CharField("简称", max_length=20, blank=True, help_text="全称较长时使用，如“油茶”")
    aliases = models.TextField("别名", blank=True, help_text="正文中可能出现的其他说法，每行一个，用于自动识别")
    summary = models.TextField("简介", blank=True)
    position = models.PositiveSmallIntegerField("排序", unique=True)
    cover_photo = optional_link(
        "articles.Photo", related_name="+", verbose_name="封面图", help_text="显示在集群页侧栏顶部；先在“图片”中上传"
    )

    class Meta:
        verbose_name = verbose_name_plural = "产业集群"
        ordering = ["position"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clusters:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def names(self) -> list[str]:
        """Every way the text may name this cluster, longest first so the longest mention wins."""
        found = [self.name, self.short_name, *self.aliases.splitlines()]
        unique = {n.strip() for n in found if n and n.strip()}
        return sorted(unique, key=lambda n: (-len(n), n))


class Organization(Named):
    """A company, university, park or other body that takes part in the clusters' projects."""

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=30, blank=True, help_text="如：央企、高校、民营企业、园区")
    summary = models.TextField("简介", blank=True)

    class Meta(Named.Meta):
        verbose_name = verbose_name_plural = "机构"


class Project(models.Model):
    """An investment project of a cluster (a plant, a park, a line), with the organisations in it and
    how far it has come."""

    class Status(models.TextChoices):
        PLANNED = "planned", "规划"
        SIGNED = "signed", "已签约"
        BUILDING = "building", "在建"
        OPERATING = "operating", "已投产"

    name = models.CharField("名称", max_length=120, unique=True)
    cluster = models.ForeignKey(Cluster, models.PROTECT, related_name="projects", verbose_name="产业集群")
    location = models.CharField("所在地", max_length=60, blank=True, help_text="如：松木经开区、水口山经济开发区")
    organizations = models.ManyToManyField(Organization, blank=True, related_name="projects", verbose_name="参与机构")
    status = models.CharField("状态", max_length=12, choices=Status, default=Status.PLANNED)
    started_on = models.DateField("启动日期", null=True, blank=True)
    summary = models.TextField("简介", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目"
        ordering = ["cluster__position", "name"]

    def __str__(self):
        return self.name


class Milestone(models.Model):
    """A dated event on a cluster's timeline, backed by the article that reported it."""

    date = models.DateField("日期")
    text = models.CharField("事件", max_length=200)
    cluster = models.ForeignKey(
        Cluster, models.CASCADE, null=True, blank=True, related_name="milestones", verbose_name="产业集群"
    )
    project = models.ForeignKey(
        Project, models.CASCADE, null=True, blank=True, related_name="milestones", verbose_name="项目"
    )
    source_article = optional_link(
        "articles.Article",
        related_name="milestones",
        verbose_name="报道稿件",
        help_text="报道此事件的稿件，时间线据此给出出处",
    )

    class Meta:
        verbose_name = verbose_name_plural = "大事记"
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                name="milestone_has_cluster_or_project",
                condition=Q(cluster__isnull=False) | Q(project__isnull=False),
                violation_error_message="大事记须关联产业集群或项目。",
            )
        ]
        indexes = [models.Index(fields=["cluster", "date"], name="milestone_cluster_date_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.text}"

    def save(self, *args, **kwargs):
        # A project's milestone belongs to the project's cluster too, so the cluster timeline shows it.
        if self.cluster_id is None and self.project_id is not None:
            self.cluster_id = self.project.cluster_id
        super().save(*args, **kwargs)
