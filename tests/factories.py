"""Shared factories. Text is written for the tests, in the paper's style."""

import datetime

import factory
from django.utils import timezone

from articles.models import Article, Commentator, Contributor, Credit, Issue, Page, Section
from clusters.models import Cluster, Milestone, Organization, Project


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    date = factory.Sequence(lambda n: datetime.date(2019, 1, 1) + datetime.timedelta(days=n))
    number = factory.Sequence(lambda n: 10000 + n)


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    issue = factory.SubFactory(IssueFactory)
    number = factory.Sequence(lambda n: f"A{n % 99 + 1:02d}")
    name = "要闻"


class _ByNameFactory(factory.django.DjangoModelFactory):
    """People and organisations are unique by name: the same name gives the same row."""

    class Meta:
        abstract = True
        django_get_or_create = ["name"]


class ContributorFactory(_ByNameFactory):
    class Meta:
        model = Contributor

    name = factory.Sequence(lambda n: f"记者{n}")


class CommentatorFactory(_ByNameFactory):
    class Meta:
        model = Commentator

    name = factory.Sequence(lambda n: f"代表{n}")
    title = "市人大代表"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"衡阳产业新闻{n}")
    lead = "千亿产业集群落地衡阳，园区建设加速推进。\n\n记者走访多个项目现场。"
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    @factory.post_generation
    def clusters(self, create, extracted, **kwargs):
        if create and extracted:
            self.clusters.set(extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n + 1)
    heading = factory.Sequence(lambda n: f"产业发展谈{n}")
    commentator = factory.SubFactory(CommentatorFactory)
    commentator_title = factory.LazyAttribute(lambda o: o.commentator.title if o.commentator else "")
    body = "园区项目建设稳步推进。\n\n企业投产带动就业。"


class CreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credit

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n + 1)
    role = "记者"
    qualifier = "本报记者"
    contributor = factory.SubFactory(ContributorFactory)


# The eight clusters in DESIGN.md's order, as their data migration seeds them.
EIGHT_CLUSTERS = [
    "军民融合",
    "有色金属",
    "新能源汽车",
    "轨道交通",
    "精细化工",
    "纺织服装",
    "全域旅游",
    "油茶等农副产品种植加工",
]


def cluster(slug: str) -> Cluster:
    """The eight clusters come from a migration; tests look them up rather than create them."""
    return Cluster.objects.get(slug=slug)


class OrganizationFactory(_ByNameFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"衡阳机构{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"产业项目{n}")
    cluster = factory.LazyFunction(lambda: Cluster.objects.get(slug="rail-transit"))
    location = "松木经开区"


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    date = datetime.date(2018, 12, 26)
    text = "示范线工程启动"
    cluster = factory.LazyFunction(lambda: Cluster.objects.get(slug="rail-transit"))


def image_file(name: str = "photo.jpg", size=(64, 48), color=(180, 40, 40), fmt: str = "JPEG"):
    """A real image made with Pillow, ready to assign to an ImageField."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")
