"""Running a search: filters, the index condition, counts, ordering, facets.

Counts are exact up to EXACT_LIMIT matches; above it the page reads "1,000+". Very common
terms then get relevance ranking and facets over the newest CANDIDATE_LIMIT matches among the
newest SCAN_LIMIT articles only, and the page says so, rather than ranking ~100k matches on
every request.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
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


def facet_counts(ids: list[int]) -> tuple[list[Facet], list[Facet], list[Facet]]:
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
    year_counts = Counter(
        timezone.localtime(published).year
        for published in Article.objects.filter(pk__in=ids, published_at__isnull=False).values_list(
            "published_at", flat=True
        )
    )
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


def newest_matches(filtered: QuerySet[Article], parsed: ParsedQuery) -> list[int]:
    """Ids of the newest matches (at most CANDIDATE_LIMIT) among the newest SCAN_LIMIT articles.

    For a term with more than EXACT_LIMIT matches, walking articles newest first and testing
    each beats collecting every match from the index and sorting them; the walk stops as soon
    as it has CANDIDATE_LIMIT matches, and never tests more than SCAN_LIMIT articles, so a term
    of middling frequency can't make it read the whole archive. On PostgreSQL the test is
    written so the planner can't swap the walk for the GIN index.
    """
    recent_sql, recent_params = (
        filtered.order_by(*_date_order("-date")).values("id", "published_at")[:SCAN_LIMIT].query.sql_with_params()
    )
    match_sql, match_params = get_backend().match_sql(parsed, use_index=connection.vendor != "postgresql")
    # Naming the subquery like the table lets the match condition refer to it unchanged.
    sql = (
        f'SELECT "articles_article"."id" FROM ({recent_sql}) AS "articles_article" WHERE {match_sql} '
        f'ORDER BY "articles_article"."published_at" DESC NULLS LAST, "articles_article"."id" DESC LIMIT {int(CANDIDATE_LIMIT)}'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*recent_params, *match_params])
        return [row[0] for row in cursor.fetchall()]


def run_search(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    staff: bool,
    sort: str,
    page_number: int,
    facets: bool = True,
) -> SearchOutcome:
    filtered = apply_filters(base_queryset(staff=staff), filters, staff=staff)
    qs = matching(filtered, parsed)
    probe = list(qs.order_by().values_list("pk", flat=True)[: EXACT_LIMIT + 1])
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
    relevance = sort == "" and not parsed.is_empty and bool(parsed.include)

    if exact:
        candidates = probe
        pool = Article.objects.filter(pk__in=probe)
        ordered = ranked(pool, parsed) if relevance else pool.order_by(*_date_order(sort))
        page_ids = list(ordered.values_list("pk", flat=True)[offset : offset + PAGE_SIZE])
    else:
        newest = newest_matches(filtered, parsed)
        candidates = newest
        outcome.facets_bounded = True
        if relevance:
            outcome.ranked_within_newest = True
            ordered = ranked(Article.objects.filter(pk__in=newest), parsed)
            page_ids = list(ordered.values_list("pk", flat=True)[offset : offset + PAGE_SIZE])
        elif sort != "date" and offset + PAGE_SIZE <= len(newest):
            page_ids = newest[offset : offset + PAGE_SIZE]
        else:
            page_ids = list(qs.order_by(*_date_order(sort)).values_list("pk", flat=True)[offset : offset + PAGE_SIZE])

    by_id = {a.pk: a for a in page_articles(page_ids)}
    outcome.articles = [by_id[pk] for pk in page_ids if pk in by_id]
    outcome.candidate_ids = candidates
    if facets:
        outcome.clusters, outcome.years, outcome.commentators = facet_counts(candidates)
    return outcome


def page_articles(ids: list[int]) -> QuerySet[Article]:
    from django.db.models import Prefetch

    return (
        Article.objects.filter(pk__in=ids)
        .select_related("page__issue")
        .prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.select_related("commentator").order_by("position"),
            ),
            Prefetch(
                "credits",
                queryset=Credit.objects.select_related("contributor").order_by("position"),
            ),
        )
    )


def latest_issues(limit: int = 10) -> QuerySet[Issue]:
    return Issue.objects.order_by("-date")[:limit]
