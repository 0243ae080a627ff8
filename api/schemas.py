"""The API's shapes as pydantic models: they generate the OpenAPI schema (/api/v1/openapi.json),
and every answer is validated against them before it is sent.

An article's detail has every key of the export format (articles.selectors.article_record,
DESIGN.md's schema plus id, url, status, published_at, issue_date, issue_number, page and
tags), with the same names and meanings, so a harvested record imports back with
``import_articles``; the API adds canonical_url, api_url, updated_at, excerpt, photos,
withdrawn_reason and each commentator's id.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Generic, Literal, TypeVar

from django.conf import settings
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator

# Text from the query string: no NUL (no name or text of the archive holds one, and PostgreSQL
# refuses it in a query).
NO_NUL = r"^[^\x00]*$"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("含有不可见的空字符（%00）")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


# Numbers, dates and times in the query string exactly as the schema writes them: pydantic alone
# would also take "0" as a date, "0.5" as a time or "yes" as true, which the schema does not say.
def _strictly(pattern: str, message: str):
    compiled = re.compile(pattern)

    def check(value):
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return BeforeValidator(check)


Number = Annotated[int, _strictly(r"[0-9]{1,19}", "应为正整数")]
Day = Annotated[datetime.date, _strictly(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "应为日期，如 2019-01-08")]
Moment = Annotated[
    datetime.datetime,
    _strictly(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})",
        "应为带时区的时间（RFC 3339），如 2019-01-08T06:00:00+08:00（+ 在网址中写作 %2B）或 2019-01-07T22:00:00Z",
    ),
]
Flag = Annotated[bool, _strictly(r"true|false", "应为 true 或 false")]

Status = Literal["draft", "review", "scheduled", "published", "withdrawn"]
PAGE_SIZE = int(getattr(settings, "API_PAGE_SIZE", 20))
MAX_PAGE_SIZE = int(getattr(settings, "API_MAX_PAGE_SIZE", 100))
MAX_ID = 2**63 - 1


class Out(BaseModel):
    """What the API answers: plain pydantic models, validated in pydantic's core (ninja's Schema
    reads ORM objects attribute by attribute, which costs ten times more for the dicts given here)."""


# Errors ----------------------------------------------------------------------------------------


class FieldError(Out):
    field: str = Field(description="参数名（英文，与请求中的写法相同）")
    location: str = Field(description="参数所在位置：query 或 path")
    message: str = Field(description="问题所在（中文）")


class Problem(Out):
    """RFC 9457 problem details."""

    type: str = Field(description="问题类型的网址（接口文档中对应的说明）")
    title: str = Field(description="问题类型的简短说明（中文）")
    status: int = Field(description="HTTP 状态码")
    detail: str = Field(description="这一次的具体说明（中文）")
    instance: str | None = Field(None, description="出问题的请求路径")
    errors: list[FieldError] | None = Field(None, description="400：每个有问题的参数")
    withdrawn_reason: str | None = Field(None, description="410：撤稿说明")
    retry_after: int | None = Field(None, description="429：多少秒后可以再试")


# Lists -----------------------------------------------------------------------------------------


class Paging(Schema):
    limit: Number = Field(
        PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，默认 {PAGE_SIZE}，最多 {MAX_PAGE_SIZE}"
    )
    cursor: Text | None = Field(
        None, max_length=400, pattern=NO_NUL, description="上一页返回的 next_cursor；不填从第一页读起"
    )


NEXT = "下一页的完整网址；没有下一页时为 null"
NEXT_CURSOR = "下一页的游标（与 next 中的 cursor 参数相同）"
Item = TypeVar("Item")


class Listing(Out, Generic[Item]):
    """One page of a list (cursors.list_body): every list answers in this shape."""

    items: list[Item]
    next: str | None = Field(description=NEXT)
    next_cursor: str | None = Field(description=NEXT_CURSOR)
    limit: int = Field(description="每页条数")


# Articles --------------------------------------------------------------------------------------


class PageRef(Out):
    number: str = Field(description="版次，如 A04")
    name: str = Field(description="版名，如 两会特刊")


class CreditGroup(Out):
    role: str = Field(description="见报的署名角色，如 统筹、记者、摄影")
    names: list[str]


class SectionCommentator(Out):
    id: int = Field(description="代表委员编号（/api/v1/commentators/{id}）")
    name: str
    title: str = Field(description="刊发时的身份，如 市政协委员（不是现任身份）")


class ArticleSection(Out):
    heading: str
    commentator: SectionCommentator | None
    paragraphs: list[str] = Field(description="段落；以“### ”开头的是段内小标题")


class Rendition(Out):
    width: int
    height: int
    format: str = Field(description="webp 或 jpeg")
    url: str


class Photo(Out):
    id: int
    is_lead: bool = Field(description="是否题图")
    caption: str
    alt_text: str
    photographer: str | None
    width: int | None
    height: int | None
    url: str | None = Field(description="原图（已去除元数据）的网址")
    renditions: list[Rendition] = Field(description="各尺寸的规格图，大的在前")


class ArticleSummary(Out):
    id: int
    url: str = Field(description="网站上的路径，如 /articles/12/（与导出格式相同）")
    canonical_url: str = Field(description="网站上的完整网址")
    api_url: str = Field(description="本接口中这篇稿件的网址")
    status: Status = Field(description="状态；匿名请求只会看到 published 或已到发布时间的 scheduled")
    published_at: datetime.datetime | None = Field(description="发布时间（ISO 8601，带时区）")
    updated_at: datetime.datetime = Field(description="最近一次修改或对读者公开的时间，updated_since 按它筛选")
    title: str = Field(description="主题")
    kicker: str | None = Field(description="引题")
    subtitle: str | None = Field(description="副题")
    excerpt: str = Field(description="导语摘要")
    issue_date: datetime.date | None = Field(description="报纸日期；仅网络发布的稿件为 null")
    issue_number: int | None = Field(description="报纸期号")
    page: PageRef | None = Field(description="版面")
    clusters: list[str] = Field(description="产业集群的名称")
    tags: list[str] = Field(description="标签")


class ArticleDetail(ArticleSummary):
    credits: list[CreditGroup] = Field(description="署名，按见报顺序")
    lead: list[str] = Field(description="导语段落")
    sections: list[ArticleSection]
    photos: list[Photo]
    withdrawn_reason: str | None = Field(description="撤稿说明（只有能看到已撤稿件的令牌才会读到已撤稿件）")


class ArticleList(Listing[ArticleDetail | ArticleSummary]):
    items: list[ArticleDetail | ArticleSummary] = Field(description="稿件；full=true 时每篇是完整稿件")


class ArticleQuery(Paging):
    q: Text | None = Field(
        None, max_length=200, pattern=NO_NUL, description="检索词：空格分隔的词都要出现，引号内为短语，-词 排除"
    )
    date_from: Day | None = Field(None, alias="from", description="发布日期不早于（YYYY-MM-DD）")
    to: Day | None = Field(None, description="发布日期不晚于（YYYY-MM-DD）")
    issue: Day | None = Field(None, description="某一期报纸的日期")
    page: str | None = Field(None, pattern=r"^[A-Za-z]?\d{1,3}$", description="版次，如 A04")
    cluster: Text | None = Field(
        None, max_length=100, pattern=NO_NUL, description="产业集群：网址标识（如 rail-transit）或名称"
    )
    commentator: Text | None = Field(None, max_length=100, pattern=NO_NUL, description="代表委员：编号或姓名")
    contributor: Text | None = Field(None, max_length=100, pattern=NO_NUL, description="采编人员：编号或姓名")
    tag: Text | None = Field(None, max_length=100, pattern=NO_NUL, description="标签名称")
    status: Status | None = Field(None, description="状态（仅对能看到未发布稿件的令牌有效）")
    updated_since: Moment | None = Field(
        None, description="只要这个时间以后修改或公开的稿件（同步用）；给出时默认按 updated 排序"
    )
    sort: Literal["-date", "date", "relevance", "updated"] | None = Field(
        None,
        description="-date 新→旧（默认），date 旧→新，relevance 相关度（有 q 时默认），updated 按修改时间旧→新（有 updated_since 时默认）",
    )
    full: Flag = Field(False, description="true：每篇给出完整内容（与稿件详情相同），便于批量同步")


# Issues ----------------------------------------------------------------------------------------


class IssuePageSummary(Out):
    number: str
    name: str
    article_count: int


class IssueSummary(Out):
    date: datetime.date
    number: int | None = Field(description="总期号")
    url: str = Field(description="网站上这一期的网址")
    api_url: str
    article_count: int
    pages: list[IssuePageSummary]


class IssueList(Listing[IssueSummary]):
    pass


class IssueArticle(Out):
    id: int
    api_url: str
    canonical_url: str
    title: str
    kicker: str | None
    subtitle: str | None
    excerpt: str
    published_at: datetime.datetime | None
    status: Status


class IssuePage(Out):
    number: str
    name: str
    url: str = Field(description="网站上这一版（电子报）的网址")
    articles: list[IssueArticle] = Field(description="本版稿件，按见报顺序")


class IssueDetail(Out):
    date: datetime.date
    number: int | None
    url: str
    api_url: str
    article_count: int
    pages: list[IssuePage]


class IssueQuery(Paging):
    date_from: Day | None = Field(None, alias="from", description="不早于这一天")
    to: Day | None = Field(None, description="不晚于这一天")
    sort: Literal["-date", "date"] = Field("-date", description="-date 新→旧（默认），date 旧→新")


# Clusters --------------------------------------------------------------------------------------


class ClusterSummary(Out):
    slug: str
    name: str
    short_name: str
    summary: str
    article_count: int
    url: str
    api_url: str
    articles_api_url: str = Field(description="这个集群的稿件列表（/api/v1/articles?cluster=…）")


class ClusterList(Listing[ClusterSummary]):
    pass


class Organization(Out):
    name: str
    kind: str


class Project(Out):
    id: int
    name: str
    location: str
    status: Literal["planned", "signed", "building", "operating"]
    started_on: datetime.date | None
    summary: str
    organizations: list[Organization]


class SourceArticle(Out):
    id: int
    title: str
    published_at: datetime.datetime | None
    canonical_url: str
    api_url: str


class Milestone(Out):
    date: datetime.date
    text: str
    project: str | None = Field(description="所属项目的名称")
    source_article: SourceArticle | None = Field(description="报道这件事的稿件")


class ClusterDetail(ClusterSummary):
    aliases: list[str]
    projects: list[Project]
    milestones: list[Milestone] = Field(description="大事记，按日期；出处稿件不可见的不列出")


class ClusterQuery(Paging):
    pass


# Commentators ----------------------------------------------------------------------------------


class CommentatorSummary(Out):
    id: int
    name: str
    title: str = Field(description="现任身份")
    affiliation: str
    body: Literal["人大", "政协", ""] = Field(description="现属：人大（代表）或政协（委员）")
    section_count: int = Field(description="可见稿件中的发言数")
    url: str
    api_url: str


class CommentatorList(Listing[CommentatorSummary]):
    pass


class CommentarySection(Out):
    heading: str
    title: str = Field(description="刊发时的身份")
    paragraphs: list[str]
    article: IssueArticle
    issue_date: datetime.date | None
    page: PageRef | None


class CommentatorDetail(CommentatorSummary):
    bio: str
    sections: list[CommentarySection] = Field(description="发言，新→旧；更多的在 next")
    next: str | None = Field(description="更多发言的网址")
    next_cursor: str | None


class CommentatorQuery(Paging):
    q: Text | None = Field(None, max_length=30, pattern=NO_NUL, description="姓名中包含的字")


# Tags ------------------------------------------------------------------------------------------


class TagSummary(Out):
    name: str
    slug: str
    article_count: int
    url: str
    articles_api_url: str


class TagList(Listing[TagSummary]):
    pass


class TagQuery(Paging):
    q: Text | None = Field(None, max_length=100, pattern=NO_NUL, description="标签名称中包含的字")


# The index -------------------------------------------------------------------------------------


class Index(Out):
    name: str
    version: str
    docs: str
    openapi: str
    articles: str
    issues: str
    clusters: str
    commentators: str
    tags: str
