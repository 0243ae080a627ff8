"""Issues, clusters, commentators and tags, each with what it holds of the articles a person may read.

Everything nested (an issue's pages and their articles, a cluster's timeline and counts, a
commentator's sections, a tag's count) passes articles_for(user), the same rule as the
article list: what a reader cannot open is not listed, counted or linked.
"""

from __future__ import annotations

from itertools import groupby

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Left
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from ninja import Path, Query, Router
from taggit.models import Tag, TaggedItem

from api import cursors, records, schemas
from api.articles import newest_change, set_last_modified
from api.problems import ParameterError
from articles.models import Article, Commentator, Issue, Section
from articles.selectors import articles_for, may_see_unpublished
from articles.text import EXCERPT_FETCH_CHARS
from clusters.models import Cluster, Milestone, Project
from hengyang_cms.http import max_age_for

router = Router()
ISSUE_DATE = Path(..., description="报纸日期，YYYY-MM-DD")
CLUSTER_SLUG = Path(..., max_length=50, pattern=schemas.NO_NUL, description="产业集群的网址标识，如 rail-transit")
COMMENTATOR_ID = Path(..., ge=1, le=schemas.MAX_ID, description="代表委员编号")


def _link_next(request, response, links, next_cursor):
    if next_cursor:
        response["Link"] = f'<{cursors.next_url(request, links, next_cursor)}>; rel="next"'


def _list_answer(request, response, links, items, next_cursor, limit):
    """A list's body, its Last-Modified (the newest change to any article) and its Link to the next page."""
    set_last_modified(response, newest_change())
    _link_next(request, response, links, next_cursor)
    return cursors.list_body(request, links, items, next_cursor, limit)


def _named_page(request, response, params, rows, uses, key: str, summary):
    """A page of ``rows`` (commentators, tags) in name order, each summarised with how many of
    ``uses`` (readable sections, tagged articles) point to it through the column ``key``."""
    rows, next_cursor = cursors.keyset_page(
        rows,
        order="name",
        fields=[("name", False), ("pk", False)],
        kinds=["str", "int"],
        cursor=params.cursor,
        limit=params.limit,
        key_of=lambda row: [row.name, row.pk],
    )
    counts = dict(
        uses.filter(**{f"{key}__in": [row.pk for row in rows]})
        .values(key)
        .annotate(n=Count("pk"))
        .values_list(key, "n")
    )
    links = records.Links(request)
    items = [summary(row, counts.get(row.pk, 0), links) for row in rows]
    return _list_answer(request, response, links, items, next_cursor, params.limit)


# Issues ----------------------------------------------------------------------------------------


def readable_issues(user):
    """Issues with at least one article the person may read (for readers:
    selectors.issues_with_visible_articles, an uncorrelated IN over the articles)."""
    on_pages = articles_for(user).filter(page__isnull=False)
    return Issue.objects.filter(pk__in=on_pages.values("page__issue_id"))


@router.get("/issues", response=schemas.IssueList, url_name="issues", tags=["期次"], summary="报纸期次")
def issue_list(request, response: HttpResponse, params: Query[schemas.IssueQuery]):
    """有可读稿件的各期报纸，每期列出各版（只含有可读稿件的版）及稿件数。"""
    if params.date_from and params.to and params.date_from > params.to:
        raise ParameterError("from", "起始日期不能晚于截止日期。")
    user = request.api_user
    issues = readable_issues(user).only("date", "number")
    if params.date_from:
        issues = issues.filter(date__gte=params.date_from)
    if params.to:
        issues = issues.filter(date__lte=params.to)
    rows, next_cursor = cursors.keyset_page(
        issues,
        order=params.sort,
        fields=[("date", params.sort == "-date")],
        kinds=["date"],
        cursor=params.cursor,
        limit=params.limit,
        key_of=lambda issue: [issue.date],
    )
    pages: dict[int, list[dict]] = {issue.pk: [] for issue in rows}
    counted = (
        articles_for(user)
        .filter(page__issue_id__in=list(pages))
        .values("page__issue_id", "page__number", "page__name")
        .annotate(article_count=Count("pk"))
        .order_by("page__issue_id", "page__number")
    )
    for row in counted:
        pages[row["page__issue_id"]].append(
            {"number": row["page__number"], "name": row["page__name"], "article_count": row["article_count"]}
        )
    links = records.Links(request)
    items = [
        {
            "date": issue.date.isoformat(),
            "number": issue.number,
            "url": links.absolute(records.issue_url(issue.date)),
            "api_url": links.api(f"issues/{issue.date.isoformat()}"),
            "article_count": sum(page["article_count"] for page in pages[issue.pk]),
            "pages": pages[issue.pk],
        }
        for issue in rows
    ]
    return _list_answer(request, response, links, items, next_cursor, params.limit)


@router.get("/issues/{issue_date}", response=schemas.IssueDetail, url_name="issue", tags=["期次"], summary="一期报纸")
def issue_detail(request, response: HttpResponse, issue_date: schemas.Day = ISSUE_DATE):
    """一期报纸：各版及其稿件，按见报顺序（只含可读的稿件）。"""
    issue = Issue.objects.filter(date=issue_date).first()
    if issue is None:
        raise Http404("这一天没有出报。")
    # The issue's few dozen articles through the page index, then the rule by id: the plan does
    # not depend on the database's statistics (see selectors.issue_articles).
    in_issue = list(Article.objects.filter(page__issue_id=issue.pk).values_list("pk", flat=True))
    articles = list(
        articles_for(request.api_user)
        .filter(pk__in=in_issue)
        .select_related("page")
        .defer("lead")
        .annotate(lead_start=Left("lead", EXCERPT_FETCH_CHARS))
        .order_by("page__number", "position", "pk")
    )
    if not articles:
        raise Http404("这一天没有出报。")
    links = records.Links(request)
    day = issue.date.isoformat()
    body = {
        "date": day,
        "number": issue.number,
        "url": links.absolute(records.issue_url(issue.date)),
        "api_url": links.api(f"issues/{day}"),
        "article_count": len(articles),
        "pages": [
            {
                "number": page.number,
                "name": page.name,
                "url": links.absolute(f"{records.issue_url(issue.date)}{page.number}/"),
                "articles": [records.article_ref(article, links) for article in items],
            }
            for page, items in groupby(articles, key=lambda a: a.page)
        ],
    }
    set_last_modified(response, max(records.changed_at(a) for a in articles))
    patch_cache_control(response, public=True, max_age=max_age_for(issue.date))
    return body


# Clusters --------------------------------------------------------------------------------------


def _article_counts(user):
    return Count("articles", filter=Q(articles__in=articles_for(user)))


@router.get("/clusters", response=schemas.ClusterList, url_name="clusters", tags=["产业集群"], summary="产业集群")
def cluster_list(request, response: HttpResponse, params: Query[schemas.ClusterQuery]):
    """八大千亿产业集群，按既定顺序，各带可读稿件数。"""
    clusters = Cluster.objects.annotate(article_count=_article_counts(request.api_user))
    rows, next_cursor = cursors.keyset_page(
        clusters,
        order="position",
        fields=[("position", False)],
        kinds=["int"],
        cursor=params.cursor,
        limit=params.limit,
        key_of=lambda cluster: [cluster.position],
    )
    links = records.Links(request)
    items = [records.cluster_summary(cluster, cluster.article_count, links) for cluster in rows]
    return _list_answer(request, response, links, items, next_cursor, params.limit)


@router.get(
    "/clusters/{slug}", response=schemas.ClusterDetail, url_name="cluster", tags=["产业集群"], summary="一个产业集群"
)
def cluster_detail(request, response: HttpResponse, slug: schemas.Text = CLUSTER_SLUG):
    """一个产业集群：简介、别名、项目（含参与机构）和大事记；大事记只列出处稿件可读（或没有出处）的。"""
    user = request.api_user
    cluster = get_object_or_404(Cluster.objects.annotate(article_count=_article_counts(user)), slug=slug)
    readable = articles_for(user)
    projects = Project.objects.filter(cluster=cluster).prefetch_related("organizations").order_by("name")
    milestones = (
        Milestone.objects.filter(cluster=cluster)
        .filter(Q(source_article__isnull=True) | Q(source_article__in=readable))
        .select_related("project", "source_article")
        .order_by("date", "pk")
    )
    links = records.Links(request)
    body = records.cluster_summary(cluster, cluster.article_count, links)
    body.update(
        {
            "aliases": [line.strip() for line in cluster.aliases.splitlines() if line.strip()],
            "projects": [
                {
                    "id": project.pk,
                    "name": project.name,
                    "location": project.location,
                    "status": project.status,
                    "started_on": project.started_on.isoformat() if project.started_on else None,
                    "summary": project.summary,
                    "organizations": [{"name": o.name, "kind": o.kind} for o in project.organizations.all()],
                }
                for project in projects
            ],
            "milestones": [
                {
                    "date": milestone.date.isoformat(),
                    "text": milestone.text,
                    "project": milestone.project.name if milestone.project_id else None,
                    "source_article": _source(milestone.source_article, links) if milestone.source_article_id else None,
                }
                for milestone in milestones
            ],
        }
    )
    set_last_modified(response, newest_change())
    return body


def _source(article, links):
    return {
        "id": article.pk,
        "title": article.title,
        "published_at": records.local_iso(article.published_at),
        "canonical_url": links.absolute(article.get_absolute_url()),
        "api_url": links.api(f"articles/{article.pk}"),
    }


# Commentators ----------------------------------------------------------------------------------


def _readable_sections(user):
    return Section.objects.filter(article__in=articles_for(user), commentator__isnull=False)


@router.get(
    "/commentators", response=schemas.CommentatorList, url_name="commentators", tags=["代表委员"], summary="代表委员"
)
def commentator_list(request, response: HttpResponse, params: Query[schemas.CommentatorQuery]):
    """在可读稿件中发过言的代表委员，按姓名排序，各带发言数。"""
    sections = _readable_sections(request.api_user)
    people = Commentator.objects.filter(Exists(sections.filter(commentator=OuterRef("pk"))))
    if params.q:
        people = people.filter(name__contains=params.q.strip())
    return _named_page(request, response, params, people, sections, "commentator_id", records.commentator_summary)


@router.get(
    "/commentators/{commentator_id}",
    response=schemas.CommentatorDetail,
    url_name="commentator",
    tags=["代表委员"],
    summary="一位代表委员",
)
def commentator_detail(
    request,
    response: HttpResponse,
    params: Query[schemas.Paging],
    commentator_id: schemas.Number = COMMENTATOR_ID,
):
    """一位代表委员：现任身份，以及在可读稿件中的每一次发言和当时见报的身份，新→旧，用 next 翻页。"""
    user = request.api_user
    person = get_object_or_404(Commentator, pk=commentator_id)
    sections = _readable_sections(user).filter(commentator=person)
    total = sections.count()
    if not total:
        # Someone known only from articles the person may not read is not public (yet).
        raise Http404("没有这位代表委员。")
    ordered = sections.select_related("article__page__issue")
    if may_see_unpublished(user):
        ordered = ordered.annotate(date_key=Coalesce("article__published_at", "article__created_at"))
        fields, key_of = [("date_key", True)], (lambda s: [s.date_key])
    else:
        fields, key_of = [("article__published_at", True)], (lambda s: [s.article.published_at])
    rows, next_cursor = cursors.keyset_page(
        ordered,
        order="-date",
        fields=[*fields, ("article_id", True), ("position", False)],
        kinds=["datetime", "int", "int"],
        cursor=params.cursor,
        limit=params.limit,
        key_of=lambda s: [*key_of(s), s.article_id, s.position],
    )
    links = records.Links(request)
    body = records.commentator_summary(person, total, links)
    body.update(
        {
            "bio": person.bio,
            "sections": [
                {
                    "heading": section.heading,
                    "title": section.commentator_title,
                    "paragraphs": section.paragraphs,
                    "article": records.article_ref(section.article, links),
                    "issue_date": section.article.page.issue.date.isoformat() if section.article.page_id else None,
                    "page": (
                        {"number": section.article.page.number, "name": section.article.page.name}
                        if section.article.page_id
                        else None
                    ),
                }
                for section in rows
            ],
            "next": cursors.next_url(request, links, next_cursor),
            "next_cursor": next_cursor,
        }
    )
    set_last_modified(response, newest_change())
    _link_next(request, response, links, next_cursor)
    return body


# Tags ------------------------------------------------------------------------------------------


@router.get("/tags", response=schemas.TagList, url_name="tags", tags=["标签"], summary="标签")
def tag_list(request, response: HttpResponse, params: Query[schemas.TagQuery]):
    """可读稿件用到的标签，按名称排序，各带稿件数；稿件列表用 tag= 按标签筛选。"""
    article_type = ContentType.objects.get_for_model(Article)
    tagged = TaggedItem.objects.filter(
        content_type=article_type, object_id__in=articles_for(request.api_user).values("pk")
    )
    tags = Tag.objects.filter(Exists(tagged.filter(tag=OuterRef("pk"))))
    if params.q:
        tags = tags.filter(name__icontains=params.q.strip())
    return _named_page(request, response, params, tags, tagged, "tag_id", records.tag_summary)
