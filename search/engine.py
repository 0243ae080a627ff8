"""Running a search: filters, the index condition, counts, ordering, facets.

Counts are exact up to EXACT_LIMIT matches; above it the page reads "1,000+". Very common
terms then get relevance ranking and facets over the newest CANDIDATE_LIMIT matches among the
newest SCAN_LIMIT articles only, and the page says so, rather than ranking ~100k matches on
every request.
"""

from __future__ import annotations

import datetime
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import OperationalError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length, Replace
from django.utils import timezone

from articles.models import Article, Commentator, Contributor, Credit, Issue, Section
from clusters.models import Cluster
from search import text
from search.backends import get_backend
from search.query import ParsedQuery

EXACT_LIMIT = 1000
CANDIDATE_LIMIT = 2000
SCAN_LIMIT = 20000
PAGE_SIZE = 20
MAX_PAGES = EXACT_LIMIT // PAGE_SIZE


@dataclass
class Filters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    issue: datetime.date | None = None
    page: str = ""
    cluster: Cluster | None = None
    commentator: Commentator | None = None
    contributor: Contributor | None = None
    tag: str = ""
    status: str = ""

    @property
    def any(self) -> bool:
        return any(
            [
                self.date_from,
                self.date_to,
                self.issue,
                self.page,
                self.cluster,
                self.commentator,
                self.contributor,
                self.tag,
                self.status,
            ]
        )


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def base_queryset(*, staff: bool) -> QuerySet[Article]:
    """Readers only ever see visible articles; staff see every status."""
    return Article.objects.all() if staff else Article.objects.visible()


def apply_filters(qs: QuerySet[Article], filters: Filters, *, staff: bool) -> QuerySet[Article]:
    if filters.date_from:
        qs = qs.filter(published_at__gte=_start_of_day(filters.date_from))
    if filters.date_to:
        qs = qs.filter(published_at__lt=_start_of_day(filters.date_to + datetime.timedelta(days=1)))
    if filters.issue:
        qs = qs.filter(page__issue__date=filters.issue)
    if filters.page:
        qs = qs.filter(page__number=filters.page)
    if filters.cluster:
        qs = qs.filter(clusters=filters.cluster)
    if filters.commentator:
        qs = qs.filter(Exists(Section.objects.filter(article=OuterRef("pk"), commentator=filters.commentator)))
    if filters.contributor:
        qs = qs.filter(Exists(Credit.objects.filter(article=OuterRef("pk"), contributor=filters.contributor)))
    if filters.tag:
        qs = qs.filter(tags__name__iexact=filters.tag)
    if staff and filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def matching(qs: QuerySet[Article], parsed: ParsedQuery, *, use_index: bool = True) -> QuerySet[Article]:
    if parsed.is_empty:
        return qs
    sql, params = get_backend().match_sql(parsed, use_index=use_index)
    return qs.filter(RawSQL(sql, params, output_field=BooleanField()))


def search_queryset(parsed: ParsedQuery, filters: Filters, *, staff: bool) -> QuerySet[Article]:
    """All matching articles, unordered: what exports stream."""
    return matching(apply_filters(base_queryset(staff=staff), filters, staff=staff), parsed)


def _occurrences(field_name: str, term: str):
    # (len(text) - len(text without term)) / len(term): the number of occurrences, in SQL.
    return (Length(field_name) - Length(Replace(field_name, Value(term), Value("")))) / Value(len(term))


def ranked(qs: QuerySet[Article], parsed: ParsedQuery) -> QuerySet[Article]:
    """Title and heading matches first, then more occurrences, then newer."""
    head_hits = Value(0, output_field=IntegerField())
    occurrences = Value(0, output_field=IntegerField())
    for term in parsed.include:
        head_hits = head_hits + Case(
            When(**{"search_document__head__contains": term}, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        occurrences = (
            occurrences
            + _occurrences("search_document__head", term) * Value(3)
            + _occurrences("search_document__body", term)
        )
    return qs.annotate(head_hits=head_hits, occurrences=occurrences).order_by(
        F("head_hits").desc(),
        F("occurrences").desc(),
        F("published_at").desc(nulls_last=True),
        "-pk",
    )


def _date_order(sort: str):
    if sort == "date":
        return [F("published_at").asc(nulls_first=True), "pk"]
    return [F("published_at").desc(nulls_last=True), "-pk"]


@dataclass
class Facet:
    value: str
    label: str
    count: int
    share: float = 0.0  # of the largest bucket, for the bars


@dataclass
class SearchOutcome:
    parsed: ParsedQuery
    filters: Filters
    sort: str
    page_number: int
    total: int
    exact: bool
    articles: list[Article] = field(default_factory=list)
    ranked_within_newest: bool = False
    facets_bounded: bool = False
    clusters: list[Facet] = field(default_factory=list)
    years: list[Facet] = field(default_factory=list)
    commentators: list[Facet] = field(default_factory=list)
    candidate_ids: list[int] = field(default_factory=list, repr=False)
    candidate_dates: dict = field(default_factory=dict, repr=False)

    @property
    def num_pages(self) -> int:
        shown = min(self.total, EXACT_LIMIT)
        return max(1, -(-shown // PAGE_SIZE))

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1

    @property
    def has_next(self) -> bool:
        return self.page_number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page_number - 1) * PAGE_SIZE + 1 if self.articles else 0


def facet_counts(ids: list[int], published: dict | None = None) -> tuple[list[Facet], list[Facet], list[Facet]]:
    """Facets of the articles ``ids``; ``published`` (id → publication time) spares a query."""
    if not ids:
        return [], [], []
    through = Article.clusters.through
    cluster_counts = dict(
        through.objects.filter(article_id__in=ids)
        .values_list("cluster_id")
        .annotate(n=Count("article_id"))
        .values_list("cluster_id", "n")
    )
    clusters = [Facet(c.slug, c.name, cluster_counts[c.pk]) for c in Cluster.objects.all() if cluster_counts.get(c.pk)]
    # Years counted here rather than with ExtractYear: SQLite converts time zones in a
    # Python function per row, which costs more than this loop.
    if published is None:
        published = dict(Article.objects.filter(pk__in=ids).values_list("pk", "published_at"))
    year_counts = Counter(timezone.localtime(when).year for when in published.values() if when is not None)
    year_rows = sorted(year_counts.items())
    years = [Facet(str(y), f"{y}年", n) for y, n in year_rows]
    commentator_rows = (
        Section.objects.filter(article_id__in=ids, commentator__isnull=False)
        .values_list("commentator_id", "commentator__name")
        .annotate(n=Count("article_id", distinct=True))
        .order_by("-n", "commentator__name")[:15]
    )
    commentators = [Facet(str(pk), name, n) for pk, name, n in commentator_rows]
    for facet_list in (clusters, years, commentators):
        top = max((f.count for f in facet_list), default=0)
        for f in facet_list:
            f.share = round(f.count / top * 100, 1) if top else 0
    return clusters, years, commentators


class SearchTimeout(Exception):
    """A search took longer than SEARCH_TIMEOUT_MS; the reader is asked to narrow it."""


SEARCH_TIMEOUT_MS = 4000
DOC = "search_searchdocument"


def _order(sort: str) -> str:
    """ORDER BY matching the date index (SQLite puts NULL first ascending without being told)."""
    if connection.vendor == "postgresql":
        if sort == "date":
            return "d.published_at ASC NULLS FIRST, d.article_id ASC"
        return "d.published_at DESC NULLS LAST, d.article_id DESC"
    return "d.published_at ASC, d.article_id ASC" if sort == "date" else "d.published_at DESC, d.article_id DESC"


def _doc_where(parsed: ParsedQuery, filters: Filters, *, staff: bool, use_index: bool = True) -> tuple[str, list]:
    """The WHERE clause over index entries ``d``: visibility, filters and the query.

    Visibility, status and dates are copies kept on the entry, so the common searches never
    join the article table; the rarer filters (issue, page, people, tag) narrow through a
    subquery on the articles.
    """
    adapt = connection.ops.adapt_datetimefield_value
    conditions, params = [], []
    if not staff:
        conditions.append("d.status IN (%s, %s) AND d.published_at <= %s")
        params += [Article.Status.PUBLISHED, Article.Status.SCHEDULED, adapt(timezone.now())]
    elif filters.status:
        conditions.append("d.status = %s")
        params.append(filters.status)
    if filters.date_from:
        conditions.append("d.published_at >= %s")
        params.append(adapt(_start_of_day(filters.date_from)))
    if filters.date_to:
        conditions.append("d.published_at < %s")
        params.append(adapt(_start_of_day(filters.date_to + datetime.timedelta(days=1))))
    if filters.cluster and connection.vendor == "postgresql":
        # The entry's copy of the cluster ids, GIN-indexed: a second bitmap to intersect.
        conditions.append("d.clusters @> ARRAY[%s]::int4[]")
        params.append(filters.cluster.pk)
    elif filters.cluster:
        through = Article.clusters.through._meta.db_table
        conditions.append(f"EXISTS (SELECT 1 FROM {through} c WHERE c.article_id = d.article_id AND c.cluster_id = %s)")
        params.append(filters.cluster.pk)
    rest = Filters(
        issue=filters.issue,
        page=filters.page,
        commentator=filters.commentator,
        contributor=filters.contributor,
        tag=filters.tag,
    )
    if rest.any:
        sql, p = apply_filters(Article.objects.all(), rest, staff=False).order_by().values("pk").query.sql_with_params()
        conditions.append(f"d.article_id IN ({sql})")
        params += list(p)
    match, match_params = get_backend().doc_match(parsed, use_index=use_index)
    conditions += match
    params += match_params
    return " AND ".join(conditions) or "TRUE", params


def _fetch(sql: str, params: list, *, bitmap: bool = False) -> list[tuple]:
    """Run a query; ``bitmap`` confines PostgreSQL to bitmap scans for it.

    A GIN condition tested row by row (in a sequential scan or a walk along another index)
    unpacks each entry's whole token array, which costs more than anything else a search
    does; through a bitmap the index answers it without reading the arrays at all. The
    planner can't see that cost, so queries that lead with the index say so.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            flag = "off" if bitmap else "on"
            cursor.execute(f"SET LOCAL enable_seqscan = {flag}; SET LOCAL enable_indexscan = {flag}")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _as_datetime(value) -> datetime.datetime | None:
    # Raw SQL hands SQLite's stored text (naive UTC) back as it is.
    if value is None or (isinstance(value, datetime.datetime) and timezone.is_aware(value)):
        return value
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value.replace(tzinfo=datetime.UTC) if timezone.is_naive(value) else value


def _date_sorted(rows: list[tuple], sort: str) -> list[int]:
    """Ids of (id, published_at) rows in the page's date order (undated last, newest first)."""
    if sort == "date":
        return [pk for pk, _ in sorted(rows, key=lambda r: (r[1] is not None, r[1] or 0, r[0]))]
    return [pk for pk, _ in sorted(rows, key=lambda r: (r[1] is not None, r[1] or 0, r[0]), reverse=True)]


def _ranked_ids(ids: list[int], parsed: ParsedQuery, offset: int) -> list[int]:
    """Title and heading matches first, then more occurrences, then newer: one page of ids."""
    from search.models import SearchDocument

    head_hits = Value(0, output_field=IntegerField())
    occurrences = Value(0, output_field=IntegerField())
    for term in parsed.include:
        head_hits = head_hits + Case(
            When(head__contains=term, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        occurrences = occurrences + _occurrences("head", term) * Value(3) + _occurrences("body", term)
    ordered = (
        SearchDocument.objects.filter(article_id__in=ids)
        .annotate(head_hits=head_hits, occurrences=occurrences)
        .order_by(
            F("head_hits").desc(),
            F("occurrences").desc(),
            F("published_at").desc(nulls_last=True),
            "-article_id",
        )
    )
    return list(ordered.values_list("article_id", flat=True)[offset : offset + PAGE_SIZE])


_cutoffs: dict = {}
CUTOFF_TTL = 60.0


def _newest_cutoff(*, staff: bool):
    """Publication time of the SCAN_LIMIT-th newest article (None when there are fewer).

    Kept a minute per process: the window's edge moves only as articles are published, and a
    slightly stale edge only widens or narrows the bounded set the page already describes.
    """
    cached = _cutoffs.get(staff)
    now = time.monotonic()
    if cached and now - cached[0] < CUTOFF_TTL:
        return cached[1]
    where, params = _doc_where(ParsedQuery(), Filters(), staff=staff)
    rows = _fetch(
        f"SELECT d.published_at FROM {DOC} d WHERE {where} AND d.published_at IS NOT NULL "
        f"ORDER BY {_order('-date')} LIMIT 1 OFFSET {int(SCAN_LIMIT) - 1}",
        params,
    )
    cutoff = rows[0][0] if rows else None
    _cutoffs[staff] = (now, cutoff)
    return cutoff


_STATS_TTL = 600.0
_gram_stats: dict = {"at": -_STATS_TTL, "freqs": {}, "floor": 0.0}


def _gram_frequencies() -> tuple[dict[int, float], float]:
    """PostgreSQL's statistics on token codes: share of entries holding each common code,
    and the share below which a code is not listed. Cached; refreshed every few minutes."""
    now = time.monotonic()
    if now - _gram_stats["at"] < _STATS_TTL:
        return _gram_stats["freqs"], _gram_stats["floor"]
    rows = _fetch(
        "SELECT most_common_elems::text::int4[], most_common_elem_freqs FROM pg_stats "
        f"WHERE tablename = '{DOC}' AND attname = 'grams'",
        [],
    )
    freqs, floor = {}, 0.0
    if rows and rows[0][0]:
        elems, elem_freqs = rows[0]
        freqs = dict(zip(elems, elem_freqs, strict=False))
        floor = elem_freqs[len(elems)]  # the first of the three summary numbers: the minimum
    _gram_stats.update(at=now, freqs=freqs, floor=floor)
    return freqs, floor


def _looks_common(parsed: ParsedQuery, filters: Filters) -> bool:
    """Whether the newest matches are likely dense enough that walking the date index and
    testing each entry finds CANDIDATE_LIMIT of them well inside the window.

    The bound used is the share of entries holding the term's rarest token (a term cannot be
    commoner than any of its tokens); this only chooses a plan, never a result.
    """
    if connection.vendor != "postgresql" or not parsed.include:
        return False
    freqs, floor = _gram_frequencies()
    share = 1.0
    for term in parsed.include:
        for code in text.term_codes(term):
            share = min(share, freqs.get(code, floor))
    if filters.cluster:
        share /= 8  # the eight clusters split the archive roughly evenly
    if filters.any and not filters.cluster:
        return False  # other filters are narrow: the bitmap is the better start
    return share * SCAN_LIMIT >= 4 * CANDIDATE_LIMIT


def newest_matches(
    parsed: ParsedQuery, filters: Filters, *, staff: bool, walk: bool = False
) -> tuple[list[tuple], bool]:
    """(id, published_at) of the newest matches (at most CANDIDATE_LIMIT) among the newest
    SCAN_LIMIT articles, and whether that window cut anything off.

    The window bounds the work for any term: the database either walks the date index from
    the newest entry and stops at the window's edge or after CANDIDATE_LIMIT matches, or
    intersects the term's index bitmap with the window's date range; both read at most
    SCAN_LIMIT entries, however many matches the whole archive holds. ``walk`` leaves out
    the index condition so the walk is the only plan (for terms known to be common).
    """
    where, params = _doc_where(parsed, filters, staff=staff, use_index=not walk)
    cutoff = _newest_cutoff(staff=staff)
    if cutoff is not None:
        where += " AND d.published_at >= %s"
        params.append(cutoff)
    rows = _fetch(
        f"SELECT d.article_id, d.published_at FROM {DOC} d WHERE {where} ORDER BY {_order('-date')} LIMIT {int(CANDIDATE_LIMIT)}",
        params,
        bitmap=not walk and bool(parsed.include),
    )
    return rows, cutoff is not None


def _date_page(parsed: ParsedQuery, filters: Filters, *, staff: bool, sort: str, offset: int) -> list[int]:
    """One page by date straight from the index table.

    Oldest first, a common term is found by walking the date index and testing each entry
    (the caller knows there are more than EXACT_LIMIT matches); newest first past the bounded
    window the planner chooses between that walk and the term's bitmap.
    """
    where, params = _doc_where(parsed, filters, staff=staff, use_index=sort != "date")
    order = _order(sort)
    rows = _fetch(
        f"SELECT d.article_id FROM {DOC} d WHERE {where} ORDER BY {order} LIMIT {int(PAGE_SIZE)} OFFSET {int(offset)}",
        params,
        bitmap=sort != "date" and bool(parsed.include),
    )
    return [row[0] for row in rows]


def _guarded(func):
    """Run ``func`` under a statement timeout so no search can run away with the database."""
    if connection.vendor != "postgresql":
        return func()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {int(SEARCH_TIMEOUT_MS)}")
            return func()
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise SearchTimeout from exc
        raise


def run_search(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    staff: bool,
    sort: str,
    page_number: int,
    facets: bool = True,
) -> SearchOutcome:
    return _guarded(
        lambda: _run_search(parsed, filters, staff=staff, sort=sort, page_number=page_number, facets=facets)
    )


def capped_matches(parsed: ParsedQuery, filters: Filters, *, staff: bool) -> list[tuple]:
    """(id, published_at) of up to EXACT_LIMIT + 1 matches, in no order, through the index."""
    return _guarded(lambda: _capped_matches(parsed, filters, staff=staff))


def _capped_matches(parsed: ParsedQuery, filters: Filters, *, staff: bool) -> list[tuple]:
    where, params = _doc_where(parsed, filters, staff=staff)
    return _fetch(
        f"SELECT d.article_id, d.published_at FROM {DOC} d WHERE {where} LIMIT {int(EXACT_LIMIT) + 1}",
        params,
        bitmap=bool(parsed.include),
    )


def _run_search(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    staff: bool,
    sort: str,
    page_number: int,
    facets: bool,
) -> SearchOutcome:
    # The capped probe through the index: its length is the count (exact up to EXACT_LIMIT)
    # and, when it is exact, it is the whole result set, ordered here rather than again in SQL.
    newest = None
    if _looks_common(parsed, filters):
        # A common term: the newest matches come quickest from a walk along the date index,
        # and if the window alone holds more than EXACT_LIMIT of them the count is settled
        # without asking the index for every match.
        newest = newest_matches(parsed, filters, staff=staff, walk=True)
    if newest is not None and len(newest[0]) > EXACT_LIMIT:
        probe = newest[0][: EXACT_LIMIT + 1]
    else:
        probe = _capped_matches(parsed, filters, staff=staff)
    exact = len(probe) <= EXACT_LIMIT
    outcome = SearchOutcome(
        parsed=parsed,
        filters=filters,
        sort=sort,
        page_number=1,
        total=len(probe) if exact else EXACT_LIMIT + 1,
        exact=exact,
    )
    outcome.page_number = max(1, min(page_number, outcome.num_pages))
    offset = (outcome.page_number - 1) * PAGE_SIZE
    relevance = sort == "" and bool(parsed.include)

    if exact:
        candidates = probe
        if relevance:
            page_ids = _ranked_ids([r[0] for r in probe], parsed, offset)
        else:
            page_ids = _date_sorted(probe, sort)[offset : offset + PAGE_SIZE]
    else:
        candidates, windowed = newest or newest_matches(parsed, filters, staff=staff)
        outcome.facets_bounded = True
        if relevance:
            outcome.ranked_within_newest = True
            page_ids = _ranked_ids([r[0] for r in candidates], parsed, offset)
        elif sort != "date" and offset + PAGE_SIZE <= len(candidates):
            page_ids = [r[0] for r in candidates[offset : offset + PAGE_SIZE]]
        elif sort != "date" and not windowed and len(candidates) < CANDIDATE_LIMIT:
            page_ids = [r[0] for r in candidates[offset : offset + PAGE_SIZE]]
        else:
            page_ids = _date_page(parsed, filters, staff=staff, sort=sort, offset=offset)

    by_id = {a.pk: a for a in page_articles(page_ids)}
    outcome.articles = [by_id[pk] for pk in page_ids if pk in by_id]
    outcome.candidate_ids = [r[0] for r in candidates]
    outcome.candidate_dates = {pk: _as_datetime(published) for pk, published in candidates}
    if facets:
        outcome.clusters, outcome.years, outcome.commentators = facet_counts(
            outcome.candidate_ids, outcome.candidate_dates
        )
    return outcome


def page_articles(ids: list[int]) -> QuerySet[Article]:
    return Article.objects.filter(pk__in=ids).with_people()


def latest_issues(limit: int = 10) -> QuerySet[Issue]:
    return Issue.objects.order_by("-date")[:limit]
