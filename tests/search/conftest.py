import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from search.indexing import index_articles
from search.text import normalize
from tests.factories import (
    ArticleFactory,
    CommentatorFactory,
    ContributorFactory,
    CreditFactory,
    IssueFactory,
    PageFactory,
    SectionFactory,
    cluster,
)

# Texts with the things archivists search for: places, organisations, numbers, dates,
# mixed scripts, traditional forms, full-width forms, SQL- and HTML-looking text.
CORPUS = [
    {
        "title": "八大千亿产业领航衡阳“换道超车”",
        "lead": "千亿产业集群的力量，澎湃衡州大地。\n\n2018年前三季度，我市GDP增速重登全省榜首。",
        "sections": [
            (
                "“产业航母”带动衡阳向更高层次迈进",
                "夏君山",
                "发展产业集群是繁荣区域经济的重要途径。",
            )
        ],
        "credits": ["罗文鹏", "姚永军"],
        "clusters": ["nonferrous", "rail-transit"],
        "tags": ["两会"],
        "days_ago": 10,
    },
    {
        "title": "中国五矿铜铅锌产业基地30万吨锌项目投产",
        "kicker": "有色金属",
        "lead": "2018年12月26日，项目在水口山经济开发区正式投产，总投资200亿元。",
        "sections": [("创造衡阳速度", "吴颖", "4G网络覆盖园区，产值增长3.5%。")],
        "credits": ["许珂"],
        "clusters": ["nonferrous"],
        "days_ago": 400,
    },
    {
        "title": "比亚迪轨道交通智能制造产业园落子松木",
        "subtitle": "胶轮有轨电车示范线工程正式启动",
        "lead": "衡陽市軌道交通產業集群更進一步。",
        "sections": [("轨道交通千亿梦", "", "园区建设稳步推进，示范线全长12.5公里。")],
        "credits": ["金明达"],
        "clusters": ["rail-transit"],
        "days_ago": 800,
    },
    {
        "title": "ＨＥＮＧＹＡＮＧ　Daily 英文版上线",  # noqa: RUF001
        "lead": "Readers can search HengYang news; 50% of users use 5G.\n\n特殊字符 %_\\ 与 ' OR 1=1 -- 应当原样显示。",
        "sections": [
            (
                "<script>alert(1)</script> 不会执行",
                "",
                "正文里的 <b>标签</b> 按文本显示。",
            )
        ],
        "credits": ["罗文鹏"],
        "days_ago": 1200,
    },
    {
        "title": "白沙绿岛军民融合产业园签约",
        "lead": "中核集团、中钢集团、南华大学与衡阳市签约。",
        "sections": [
            ("军民融合", "殷小虎", "项目总投资约50亿元，2018年11月16日签约。"),
            ("再谈融合", "夏君山", "衡阳要抢抓机遇。"),
        ],
        "credits": ["姚永军"],
        "clusters": ["military-civil"],
        "tags": ["签约"],
        "days_ago": 30,
    },
]

# Not visible to readers: a draft, a scheduled piece whose time has not come, a withdrawn one.
HIDDEN = [
    {
        "title": "草稿：衡阳有色金属新规划",
        "status": Article.Status.DRAFT,
        "days_ago": 1,
    },
    {
        "title": "待发布：衡阳新能源汽车展",
        "status": Article.Status.SCHEDULED,
        "days_ago": -3,
    },
    {
        "title": "已撤稿：衡阳旅游数据有误",
        "status": Article.Status.WITHDRAWN,
        "days_ago": 5,
    },
]


def make_article(spec, *, page=None):
    article = ArticleFactory(
        title=spec["title"],
        kicker=spec.get("kicker", ""),
        subtitle=spec.get("subtitle", ""),
        lead=spec.get("lead", ""),
        status=spec.get("status", Article.Status.PUBLISHED),
        published_at=timezone.now() - datetime.timedelta(days=spec.get("days_ago", 1)),
        page=page,
        clusters=[cluster(slug) for slug in spec.get("clusters", [])],
        tags=spec.get("tags", []),
    )
    for position, (heading, commentator, body) in enumerate(spec.get("sections", []), start=1):
        SectionFactory(
            article=article,
            position=position,
            heading=heading,
            commentator=CommentatorFactory(name=commentator) if commentator else None,
            body=body,
        )
    for position, name in enumerate(spec.get("credits", []), start=1):
        CreditFactory(
            article=article,
            position=position,
            contributor=ContributorFactory(name=name),
        )
    return article


@pytest.fixture
def corpus(db):
    issue = IssueFactory(date=datetime.date(2019, 1, 18), number=9999)
    page = PageFactory(issue=issue, number="A04", name="两会特刊")
    articles = [make_article(spec, page=page if i == 0 else None) for i, spec in enumerate(CORPUS + HIDDEN)]
    index_articles([a.pk for a in articles])
    return articles


def searchable_text(article) -> list[str]:
    """The ground truth: every field a search covers, normalised, one string per field."""
    fields = [article.kicker, article.title, article.subtitle, article.lead]
    for section in article.sections.all():
        fields += [section.heading, section.body]
        if section.commentator:
            fields.append(section.commentator.name)
    fields += [credit.contributor.name for credit in article.credits.all()]
    return [normalize(f) for f in fields]


def expected_ids(articles, include=(), exclude=(), *, visible_only=True):
    ids = set()
    for article in articles:
        if visible_only and not article.is_visible:
            continue
        fields = searchable_text(article)
        if all(any(t in f for f in fields) for t in include) and not any(any(t in f for f in fields) for t in exclude):
            ids.add(article.pk)
    return ids
