"""The read API's fixtures: a newsroom, a small archive with one article in each state (each
carrying words found nowhere else), and tokens."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.utils import timezone

from api.models import ApiToken
from articles.models import Article
from search.indexing import index_articles
from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    CreditFactory,
    IssueFactory,
    MilestoneFactory,
    PageFactory,
    ProjectFactory,
    SectionFactory,
    cluster,
)

# Words that occur in one article each: wherever they show up, that article showed up.
PUBLIC = "公开稿件甲乙丙"
DRAFT = "草稿稿件丁戊己"
SCHEDULED = "定时稿件庚辛壬"
WITHDRAWN = "撤稿稿件癸子丑"
HIDDEN = {"draft": DRAFT, "scheduled": SCHEDULED, "withdrawn": WITHDRAWN}
ISSUE_DATE = datetime.date(2019, 1, 8)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def member(username: str, group: str | None, **extra) -> User:
    user = User.objects.create_user(username, password=None, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_token(user, name="测试令牌") -> str:
    token = ApiToken(user=user, name=name)
    secret = token.set_new_key()
    token.save()
    return secret


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def full_article(title: str, word: str, *, status, published_at, page=None, author=None, withdrawn_reason=""):
    """An article with ``word`` in every part an endpoint may show: title, lead, a section
    (with its own commentator and tag), a credit, a cluster, a milestone."""
    article = ArticleFactory(
        title=f"{title}{word}",
        kicker=f"引题{word}",
        subtitle=f"副题{word}",
        lead=f"导语{word}第一段。\n\n导语第二段。",
        status=status,
        published_at=published_at,
        page=page,
        position=1,
        created_by=author,
        withdrawn_reason=withdrawn_reason,
        clusters=[cluster("rail-transit")],
        tags=[f"标签{word}", "产业"],
    )
    SectionFactory(
        article=article,
        position=1,
        heading=f"小标题{word}",
        commentator=CommentatorFactory(name=f"代表{word}", title="市人大代表"),
        commentator_title="市政协委员",
        body=f"正文{word}。\n\n### 段内小标题\n\n第二段。",
    )
    CreditFactory(article=article, position=1, role="记者", contributor__name=f"记者{word}")
    MilestoneFactory(text=f"大事{word}", source_article=article, project=ProjectFactory())
    return article


@pytest.fixture
def archive(db):
    """One public article and one draft, one scheduled and one withdrawn, all in the same issue."""
    now = timezone.now()
    issue = IssueFactory(date=ISSUE_DATE, number=16888)
    page = PageFactory(issue=issue, number="A04", name="两会特刊")
    hidden_page = PageFactory(issue=issue, number="A05", name="要闻")
    reporter = member("reporter", "记者")
    day = datetime.timedelta(days=1)
    Status = Article.Status
    articles = {
        "public": full_article(
            "千亿产业集群托起衡阳高质量发展", PUBLIC, status=Status.PUBLISHED, published_at=now - day, page=page
        ),
        "draft": full_article("草稿", DRAFT, status=Status.DRAFT, published_at=None, page=hidden_page, author=reporter),
        "scheduled": full_article(
            "定时", SCHEDULED, status=Status.SCHEDULED, published_at=now + 2 * day, page=hidden_page
        ),
        "withdrawn": full_article(
            "撤稿",
            WITHDRAWN,
            status=Status.WITHDRAWN,
            published_at=now - 3 * day,
            page=hidden_page,
            withdrawn_reason="经核实，稿件中数据有误，本报予以撤回。",
        ),
    }
    index_articles([a.pk for a in articles.values()])
    articles["reporter"] = reporter
    return articles


@pytest.fixture
def chief(db):
    return member("chief", "总编辑")


@pytest.fixture
def chief_token(chief):
    return make_token(chief)
