"""Articles: the list (the search filters, keyset cursors) and the detail (kept as JSON).

Every query starts from articles_for(user): anonymous clients read what readers see, a token
what the article admin lists for its account. A withdrawn article's detail answers 410 with
its notice to anyone who may not read it.
"""

from __future__ import annotations

import datetime
import hashlib
import time

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from ninja import Path, Query, Router

from api import cursors, records, schemas, searching
from api.problems import ParameterError, problem
from articles.models import Article, Commentator, Contributor, Issue, Page, is_visible_now, visible_condition
from articles.selectors import articles_for, may_see_unpublished
from clusters.models import Cluster
from hengyang_cms.http import RECENT_MAX_AGE, max_age_for

router = Router(tags=["稿件"])
ARTICLE_ID = Path(..., ge=1, le=schemas.MAX_ID, description="稿件编号")

# An article's detail JSON is kept this long under a key that changes with the article (its
# version, last change, status and time), as the article page is: an edit, a withdrawal or the
# moment it goes live shows at once; a change elsewhere that does not touch the article (a
# commentator renamed) within this time.
DETAIL_CACHE_SECONDS = 600
# Relevance has no stable key: its cursor is a position, and positions stop here (past it,
# read the results by date: sort=-date walks all of them).
MAX_RELEVANCE_OFFSET = 10_000
EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)


# Filters ---------------------------------------------------------------------------------------


def _by_id_or_name(model, value: str | None, field: str, message: str):
    if not value:
        return None
    value = value.strip()
    found = None
    if value.isascii() and value.isdigit() and len(value) < 19:
        found = model.objects.filter(pk=int(value)).first()
    if found is None and len(value) <= 100:
        found = model.objects.filter(name=value).first()
    if found is None:
        raise ParameterError(field, message)
    return found


def _cluster(value: str | None):
    if not value:
        return None
    value = value.strip()
    found = Cluster.objects.filter(Q(slug=value) | Q(name=value)).first()
    if found is None:
        raise ParameterError("cluster", "没有这个产业集群：请用网址标识（如 rail-transit）或名称。")
    return found


def search_filters(params: schemas.ArticleQuery, user) -> searching.Filters:
    if params.date_from and params.to and params.date_from > params.to:
        raise ParameterError("from", "起始日期不能晚于截止日期。")
    return searching.Filters(
        date_from=params.date_from,
        date_to=params.to,
        issue=params.issue,
        page=(params.page or "").upper(),
        cluster=_cluster(params.cluster),
        commentator=_by_id_or_name(Commentator, params.commentator, "commentator", "没有这位代表委员。"),
        contributor=_by_id_or_name(Contributor, params.contributor, "contributor", "没有这位采编人员。"),
        tag=(params.tag or "").strip(),
        status=(params.status or "") if may_see_unpublished(user) else "",
    )


def parsed_query(raw: str | None):
    try:
        return searching.parse_query(raw or "")
    except searching.QueryError as error:
        raise ParameterError("q", str(error)) from None


def _moment(value: datetime.datetime) -> datetime.datetime:
    """A time from the query string, aware (Beijing time when it gives no offset) and within
    the years any database converts."""
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value, timezone.get_default_timezone())
        except (OverflowError, ValueError):
            return EARLIEST if value.year < 2000 else LATEST
    try:
        value = value.astimezone(datetime.UTC)
    except OverflowError:
        return EARLIEST if value.year < 2000 else LATEST
    return min(max(value, EARLIEST), LATEST)


def changed_since(moment: datetime.datetime) -> Q:
    """Articles whose changed_at (records.changed_at) is at or after ``moment``, as conditions
    each index can answer: edited since, or visible and published since."""
    return Q(updated_at__gte=moment) | (visible_condition() & Q(published_at__gte=moment))


# The list --------------------------------------------------------------------------------------


def _order(sort: str, user):
    """(queryset annotation or None, keyset fields, cursor kinds, key of a row) for a sort."""
    if sort == "updated":
        return (
            {"changed": records.changed_expression()},
            [("changed", False), ("pk", False)],
            ["datetime", "int"],
            lambda a: [records.changed_at(a), a.pk],
        )
    descending = sort == "-date"
    if may_see_unpublished(user):
        # Drafts have no publication time: they sort by when they were created.
        return (
            {"date_key": Coalesce("published_at", "created_at")},
            [("date_key", descending), ("pk", descending)],
            ["datetime", "int"],
            lambda a: [a.date_key, a.pk],
        )
    # Readers' articles all have a time: the date index answers, newest or oldest first.
    return (
        None,
        [("published_at", descending), ("pk", descending)],
        ["datetime", "int"],
        lambda a: [a.published_at, a.pk],
    )


def newest_change() -> datetime.datetime | None:
    """The latest edit to any article, or the latest moment one went live: a list of articles
    cannot have changed since (Last-Modified). Two lookups along indexes."""
    edited = Article.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    live = Article.objects.visible().order_by("-published_at").values_list("published_at", flat=True).first()
    return max((t for t in (edited, live) if t), default=None)


def set_last_modified(response: HttpResponse, moment: datetime.datetime | None) -> None:
    if moment is not None:
        response["Last-Modified"] = http_date(int(moment.timestamp()))


@router.get(
    "/articles",
    response=schemas.ArticleList,
    url_name="articles",
    summary="稿件列表与检索",
)
def article_list(request, response: HttpResponse, params: Query[schemas.ArticleQuery]):
    """稿件列表：可检索（q，与网站检索相同），可按日期、期次、版次、产业集群、代表委员、采编人员、标签筛选，
    按日期（两个方向）、相关度或修改时间排序。用 next 链接逐页读取；同步时用 updated_since 只取变动的稿件。"""
    user = request.api_user
    parsed = parsed_query(params.q)
    filters = search_filters(params, user)
    sort = params.sort or ("updated" if params.updated_since else "relevance" if parsed.include else "-date")
    if sort == "relevance" and not parsed.include:
        raise ParameterError("sort", "按相关度排序需要检索词 q。")
    articles = articles_for(user)
    if params.updated_since is not None:
        articles = articles.filter(changed_since(_moment(params.updated_since)))
    links = records.Links(request)

    def page():
        if sort == "relevance":
            return _relevance_page(articles, parsed, filters, user, params)
        annotation, fields, kinds, key_of = _order(sort, user)
        queryset = searching.filtered(articles, parsed, filters, user)
        if annotation:
            queryset = queryset.annotate(**annotation)
        queryset = records.detail_queryset(queryset) if params.full else records.summary_queryset(queryset)
        return cursors.keyset_page(
            queryset, order=sort, fields=fields, kinds=kinds, cursor=params.cursor, limit=params.limit, key_of=key_of
        )

    rows, next_cursor = searching.guarded(page) if not parsed.is_empty else page()
    build = records.article_detail if params.full else records.article_summary
    items = [build(article, links) for article in rows]
    set_last_modified(response, newest_change())
    if next_cursor:
        response["Link"] = f'<{cursors.next_url(request, links, next_cursor)}>; rel="next"'
    return cursors.list_body(request, links, items, next_cursor, params.limit)


def _relevance_page(articles, parsed, filters, user, params):
    offset = cursors.decode(params.cursor, "relevance", ["int"])[0] if params.cursor else 0
    if offset > MAX_RELEVANCE_OFFSET:
        raise ParameterError("cursor", f"按相关度最多读到第 {MAX_RELEVANCE_OFFSET:,} 篇；要读全部结果请用 sort=-date。")
    ids = searching.ranked_ids(parsed, filters, user, max_rows=offset + params.limit + 1)
    page_ids = ids[offset : offset + params.limit]
    queryset = articles.filter(pk__in=page_ids)
    queryset = records.detail_queryset(queryset) if params.full else records.summary_queryset(queryset)
    found = {article.pk: article for article in queryset}
    rows = [found[pk] for pk in page_ids if pk in found]
    more = len(ids) > offset + params.limit
    return rows, cursors.encode("relevance", [offset + params.limit]) if more else None


# The detail ------------------------------------------------------------------------------------


def _state_sql() -> str:
    article, page, issue = (model._meta.db_table for model in (Article, Page, Issue))
    return (
        f"SELECT a.version, a.updated_at, a.published_at, a.status, a.withdrawn_reason, i.date FROM {article} a "
        f"LEFT JOIN {page} p ON p.id = a.page_id LEFT JOIN {issue} i ON i.id = p.issue_id WHERE a.id = %s"
    )


def _aware(value):
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)  # SQLite keeps UTC without an offset
    return value


def article_state(article_id: int):
    """(version, updated_at, published_at, status, withdrawn_reason, issue date) of an article, or
    None: one plain query, as the article page's freshness check is — building the equivalent ORM
    query costs more than running it, and this runs on every request for a detail."""
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(), [article_id])
        row = cursor.fetchone()
    if row is None:
        return None
    version, updated_at, published_at, status, reason, day = row
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return version, _aware(updated_at), _aware(published_at), status, reason, day


@router.get(
    "/articles/{article_id}",
    response={200: schemas.ArticleDetail},
    url_name="article",
    summary="稿件详情",
)
def article_detail(request, article_id: schemas.Number = ARTICLE_ID):
    """一篇稿件的全部内容：引题、主题、副题、署名（按见报顺序）、导语、各节（含代表委员及其刊发时身份）、
    产业集群、标签、期次与版面、图片及各尺寸规格图的网址。已撤稿的稿件返回 410 和撤稿说明。"""
    user = request.api_user
    row = article_state(article_id)
    if row is None:
        raise Http404("没有这篇稿件。")
    version, updated_at, published_at, status, withdrawn_reason, issue_date = row
    # Every person may read what readers see (articles_for always includes it); anything else
    # only through articles_for(user) itself.
    readable = is_visible_now(status, published_at) or (
        user.is_authenticated and articles_for(user).filter(pk=article_id).exists()
    )
    if not readable:
        if status == Article.Status.WITHDRAWN:
            gone = problem(
                request, 410, "这篇稿件已撤回，不再提供。", withdrawn_reason=withdrawn_reason or "本报已撤回此稿。"
            )
            patch_cache_control(gone, public=True, max_age=RECENT_MAX_AGE)
            return gone
        raise Http404("没有这篇稿件。")
    visible = is_visible_now(status, published_at)
    changed = published_at if visible and published_at > updated_at else updated_at  # records.changed_at
    fingerprint = "|".join(
        str(value)
        for value in (
            article_id,
            version,
            updated_at.isoformat(),
            published_at and published_at.isoformat(),
            status,
            changed.isoformat(),
            int(time.time()) // DETAIL_CACHE_SECONDS,
            request.get_host(),
            request.scheme,
        )
    )
    digest = hashlib.sha1(fingerprint.encode()).hexdigest()
    etag, last_modified = f'"{digest}"', int(changed.timestamp())
    day = issue_date or (timezone.localdate(published_at) if published_at else None)
    max_age = max_age_for(day)

    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        key = f"api-article:{digest}"
        body = cache.get(key)
        if body is None:
            article = records.detail_queryset(Article.objects.filter(pk=article_id)).first()
            if article is None:  # deleted between the two queries
                raise Http404("没有这篇稿件。")
            body = schemas.ArticleDetail.model_validate(records.article_detail(article, records.Links(request)))
            body = body.model_dump_json().encode()
            cache.set(key, body, DETAIL_CACHE_SECONDS)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=max_age)
    return response
