"""Running a search: filters, the index condition, counts, ordering, facets.

The limits are one value, SearchLimits (DEFAULT_LIMITS unless a caller passes others). Counts
are exact up to ``exact_limit`` matches (1,000); above it the page reads "more than 1,000".
Common terms then get relevance ranking and facets over the newest ``candidate_limit`` matches
only (2,000), and the page says so, rather than ranking ~100k matches on every request.

A search reads only the index table (search_searchdocument), never the articles, until the
page it shows. Its cost follows the entries it reads, not the matches the archive holds
(_matches): unless statistics show the term is rare, a short walk down the date index tells
how dense it is lately; then the newest matches are looked for within a window of newest
entries sized to hold them: for a dense term by walking the window, else by one index lookup
over the term's tokens and any of the window's month and year tokens, and the cluster's token
when filtered (a GIN scan on PostgreSQL, an FTS5 query on SQLite). The count is settled once
more than ``exact_limit`` matches are in hand, or by a capped probe for a rare term. The rows carry what the page needs besides: publication time, cluster and
commentator ids for facets, and, for relevance, hits in title and headings and occurrences,
computed in the same query.

The SQL that differs between PostgreSQL and SQLite comes from the backend (search/backends);
visibility for readers is articles.models.visible_sql, the project's one rule.

What a search may find is its Scope, which comes from the person asking (scope_for(user)):
readers' articles, every article, or readers' articles plus the person's own. It is the set
articles.selectors.articles_for(user) gives, the one the article admin lists for them: staff
never see more through search or its exports than there.

Dates in filters are clamped to the archive's first and last publication days before any
query (clamped()), so a filter from year 1 to 9999 is a search of the whole archive, never an
overflow. Exports read every match's id in the order the search page lists them
(ordered_ids()) and then the articles, a chunk at a time.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import math
import time
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
from django.db import OperationalError, connection
from django.db.models import (
    BooleanField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from articles.models import (
    Article,
    Commentator,
    Contributor,
    Credit,
    Issue,
    Section,
    plausible_dates,
    visible_condition,
    visible_sql,
)
from articles.selectors import can_see_all_articles, issues_with_visible_articles, may_see_unpublished
from clusters.models import Cluster
from search import extra_tokens, text
from search.backends import DOC_TABLE, count_ids, get_backend, stored_datetime
from search.query import ParsedQuery


@dataclass(frozen=True)
class SearchLimits:
    """How far a search goes: run_search(..., limits=SearchLimits(...)).

    The search views read settings.SEARCH_LIMITS when it is set (see search.views.limits()).
    """

    # Counts are exact up to this many matches; above, the page says "more than" this many and
    # pages through this many at most.
    exact_limit: int = 1000
    # Relevance ranking and facets of a common term cover this many of its newest matches.
    candidate_limit: int = 2000
    # Results per page.
    page_size: int = 20
    # Entries a first walk down the date index reads to learn how dense a term's matches are lately.
    first_walk: int = 1024
    # From this estimated share of entries matching, windows walk the date index testing each
    # entry's text (a few µs each): where matches are dense that finds the newest of them
    # sooner than the index bitmap, which must first collect every entry holding the term's
    # tokens, however old.
    walk_share: float = 0.3
    # Entries an oldest-first page walks at most before it asks the index instead.
    oldest_walk: int = 20000
    # A search's statements stop after this long (PostgreSQL) and the reader is asked to narrow it.
    timeout_ms: int = 4000
    # Seconds the planner's statistics and a counted window cutoff are kept per process; 0 keeps none.
    statistics_ttl: float = 600.0
    cutoff_ttl: float = 60.0


DEFAULT_LIMITS = SearchLimits()


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


@dataclass(frozen=True)
class Scope:
    """Which articles a search may find: readers' (the default), every one (``everything``), or
    readers' plus those created by the account ``own`` (an id), whatever their state.

    scope_for(user) gives a person's; it is articles.selectors.articles_for(user) as conditions
    on index entries (tests/search/test_rights.py checks that the two agree).
    """

    everything: bool = False
    own: int | None = None

    @property
    def unpublished(self) -> bool:
        """Whether the scope may hold articles readers cannot see: its pages are private, and a
        status filter applies."""
        return self.everything or self.own is not None


READERS = Scope()
EVERYTHING = Scope(everything=True)


def scope_for(user) -> Scope:
    """What ``user`` may find: exactly articles_for(user), never more because the account is staff."""
    if can_see_all_articles(user):
        return EVERYTHING
    if may_see_unpublished(user):
        return Scope(own=user.pk)
    return READERS


def _scope(scope: Scope | None, staff: bool | None) -> Scope:
    """A caller's scope; ``staff`` is the older spelling: True for every article, False for readers'."""
    if scope is not None:
        return scope
    return EVERYTHING if staff else READERS


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def archive_days() -> tuple[datetime.date, datetime.date] | None:
    """The first and the last day (in the site's time zone) on which an indexed article is
    published, scheduled ones included; None when no entry has a date. Two lookups along the
    date index."""
    rows = _fetch(
        f"SELECT (SELECT d.published_at FROM {DOC_TABLE} d WHERE d.published_at IS NOT NULL "
        f"ORDER BY {_order('date')} LIMIT 1), (SELECT d.published_at FROM {DOC_TABLE} d "
        f"WHERE d.published_at IS NOT NULL ORDER BY {_order('-date')} LIMIT 1)",
        [],
    )
    first, last = (stored_datetime(value) for value in rows[0]) if rows else (None, None)
    if first is None or last is None:
        return None
    return timezone.localdate(first), timezone.localdate(last)


def clamped(filters: Filters) -> Filters:
    """The filters with ``from`` and ``to`` moved inside the archive's first and last publication
    days (or, for an empty archive, the plausible dates of articles.models): nothing lies outside,
    so the results are the same, and no date arithmetic can overflow (9999-12-31 + 1 day)."""
    if not (filters.date_from or filters.date_to):
        return filters
    first, last = archive_days() or plausible_dates()
    date_from, date_to = filters.date_from, filters.date_to
    if date_from is not None:
        date_from = min(max(date_from, first), last + datetime.timedelta(days=1))
    if date_to is not None:
        date_to = max(min(date_to, last), first - datetime.timedelta(days=1))
    return replace(filters, date_from=date_from, date_to=date_to)


def base_queryset(*, scope: Scope | None = None, staff: bool | None = None) -> QuerySet[Article]:
    """The articles of a scope: readers only ever see visible articles."""
    scope = _scope(scope, staff)
    if scope.everything:
        return Article.objects.all()
    if scope.own is not None:
        return Article.objects.filter(visible_condition() | Q(created_by_id=scope.own))
    return Article.objects.visible()


def apply_filters(
    qs: QuerySet[Article], filters: Filters, *, scope: Scope | None = None, staff: bool | None = None
) -> QuerySet[Article]:
    scope = _scope(scope, staff)
    filters = clamped(filters)
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
    if scope.unpublished and filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def matching(qs: QuerySet[Article], parsed: ParsedQuery, *, use_index: bool = True) -> QuerySet[Article]:
    if parsed.is_empty:
        return qs
    sql, params = get_backend().match_sql(parsed, use_index=use_index)
    return qs.filter(RawSQL(sql, params, output_field=BooleanField()))


def search_queryset(
    parsed: ParsedQuery, filters: Filters, *, scope: Scope | None = None, staff: bool | None = None
) -> QuerySet[Article]:
    """All matching articles of the scope, unordered, through the articles table."""
    scope = _scope(scope, staff)
    return matching(apply_filters(base_queryset(scope=scope), filters, scope=scope), parsed)


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
    # Whether ranking and facets cover only the newest matches: the bounded_size newest ones
    # (limits.candidate_limit, or fewer: those published since bounded_since).
    bounded: bool = False
    bounded_size: int = 0
    bounded_since: datetime.datetime | None = None
    articles: list[Article] = field(default_factory=list)
    ranked_within_newest: bool = False
    clusters: list[Facet] = field(default_factory=list)
    years: list[Facet] = field(default_factory=list)
    commentators: list[Facet] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list, repr=False)
    limits: SearchLimits = field(default=DEFAULT_LIMITS, repr=False)

    @property
    def facets_bounded(self) -> bool:
        return self.bounded

    @property
    def num_pages(self) -> int:
        shown = min(self.total, self.limits.exact_limit)
        return max(1, -(-shown // self.limits.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1

    @property
    def has_next(self) -> bool:
        return self.page_number < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page_number - 1) * self.limits.page_size + 1 if self.articles else 0


_FIRST_YEAR = 1900


@functools.cache
def _year_starts_in(zone_name: str) -> list[float]:
    zone = zoneinfo.ZoneInfo(zone_name)
    return [datetime.datetime(year, 1, 1, tzinfo=zone).timestamp() for year in range(_FIRST_YEAR, 2201)]


def _year_starts() -> list[float]:
    """Start of each year from 1900 in the site's time zone, as seconds since 1970."""
    return _year_starts_in(timezone.get_current_timezone_name())


def facet_counts(rows: list[tuple]) -> tuple[list[Facet], list[Facet], list[Facet]]:
    """Facets of matched entries: rows of (id, publication time, cluster ids, commentator ids, ...).

    The ids come with the rows the search reads anyway (copies kept on each index entry), so
    counting is a loop here plus one lookup of the commentators' names.
    """
    if not rows:
        return [], [], []
    cluster_counts = count_ids([r[2] for r in rows])
    commentator_counts = count_ids([r[3] for r in rows])
    published = np.array([r[1] for r in rows if r[1] is not None], dtype=float)
    year_counts = Counter((_FIRST_YEAR - 1 + np.searchsorted(_year_starts(), published, side="right")).tolist())
    clusters = [Facet(c.slug, c.name, cluster_counts[c.pk]) for c in Cluster.objects.all() if cluster_counts.get(c.pk)]
    years = [Facet(str(y), f"{y}年", n) for y, n in sorted(year_counts.items())]
    # Names only for those who can make the fifteen shown (ties broken by name).
    counts = sorted(commentator_counts.values(), reverse=True)
    least = counts[min(len(counts), 15) - 1] if counts else 0
    contenders = [pk for pk, n in commentator_counts.items() if n >= least]
    names = dict(Commentator.objects.filter(pk__in=contenders).values_list("pk", "name"))
    people = sorted((-n, names[pk], pk) for pk, n in commentator_counts.items() if pk in names)
    commentators = [Facet(str(pk), name, -negative) for negative, name, pk in people[:15]]
    for facet_list in (clusters, years, commentators):
        most = max((f.count for f in facet_list), default=0)
        for f in facet_list:
            f.share = round(f.count / most * 100, 1) if most else 0
    return clusters, years, commentators


class SearchTimeout(Exception):
    """A search took longer than its limits.timeout_ms; the reader is asked to narrow it."""


def _order(sort: str) -> str:
    """ORDER BY along the date index: "date" oldest first, else newest first (see the backend)."""
    return get_backend().date_order(sort)


def _doc_where(
    parsed: ParsedQuery, filters: Filters, *, scope: Scope, use_index: bool = True, since=None, before=None
) -> tuple[str, list]:
    """The WHERE clause over index entries ``d``: visibility, filters and the query.

    Visibility, status, dates, clusters, commentators and the page number are copies kept on
    the entry, so the common searches never join the article table; the rarer filters (issue,
    contributor, tag) narrow through a subquery on the articles. ``since`` and ``before`` keep
    entries published in between (a window).
    """
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    conditions, params = [], []
    if not scope.everything:
        # The entry's copies of status and publication time, stored as Django stores them.
        visible, visible_params = visible_sql("d", now=adapt(now))
        if scope.own is not None:
            # And the person's own articles, whatever their state: a few, found by the index on
            # articles.created_by, once per query.
            own, own_params = (
                Article.objects.filter(created_by_id=scope.own).order_by().values("pk").query.sql_with_params()
            )
            visible = f"({visible} OR d.article_id IN ({own}))"
            visible_params = [*visible_params, *own_params]
        conditions.append(visible)
        params += visible_params
    if scope.unpublished and filters.status:
        conditions.append("d.status = %s")
        params.append(filters.status)
    first_day, day_after = _bounds(filters)
    lower = max(filter(None, [first_day, since]), default=None)
    upper = min(filter(None, [day_after, before]), default=None)
    if lower:
        conditions.append("d.published_at >= %s")
        params.append(adapt(lower))
    if upper:
        conditions.append("d.published_at < %s")
        params.append(adapt(upper))
    # The index scan for the words also takes the entry's month and year tokens and those of
    # the cluster, commentator and page asked for (search/extra_tokens.py), so it visits only
    # entries in the window and the filter. Those filters are also tested on the entry's own
    # copies (a token shared by remainder only narrows), which is all a walk tests.
    by_tokens = use_index and _by_tokens(parsed, filters)
    all_tokens, any_tokens = [], []
    if by_tokens and parsed.include and (lower or upper) and not _wide_window(lower, upper):
        # Readers see nothing published after now; staff may also see what is scheduled later.
        last = upper or (_latest_published() if scope.unpublished else now)
        if last is not None:
            first = lower or datetime.datetime(extra_tokens.FIRST_YEAR, 1, 1, tzinfo=datetime.UTC)
            any_tokens = extra_tokens.window_tokens(first, max(first, last))
    backend = get_backend()
    if filters.cluster:
        all_tokens.append(extra_tokens.cluster_token(filters.cluster.pk))
        sql, p = backend.ids_condition("clusters", filters.cluster.pk)
        conditions.append(sql)
        params += p
    if filters.commentator:
        all_tokens.append(extra_tokens.commentator_token(filters.commentator.pk))
        sql, p = backend.ids_condition("commentators", filters.commentator.pk)
        conditions.append(sql)
        params += p
    if filters.page:
        all_tokens.append(extra_tokens.page_token(filters.page))
        conditions.append("d.page = %s")
        params.append(filters.page)
    if not by_tokens:
        all_tokens = []
    rest = Filters(issue=filters.issue, contributor=filters.contributor, tag=filters.tag)
    if rest.any:
        sql, p = (
            apply_filters(Article.objects.all(), rest, scope=READERS).order_by().values("pk").query.sql_with_params()
        )
        conditions.append(f"d.article_id IN ({sql})")
        params += list(p)
    match, match_params = get_backend().doc_match(
        parsed, use_index=use_index, all_tokens=all_tokens, any_tokens=any_tokens
    )
    conditions += match
    params += match_params
    return " AND ".join(conditions) or "TRUE", params


def _by_tokens(parsed: ParsedQuery, filters: Filters) -> bool:
    """Whether a search's index lookup can lead: it has words, or a filter with tokens of its own."""
    return bool(parsed.include or filters.cluster or filters.commentator or filters.page)


def _sparse(filters: Filters) -> bool:
    """Whether a filter keeps few entries anywhere along the date index (a commentator's, an
    issue's, a tag's): walking the index to find its matches would read most of it."""
    return bool(filters.commentator or filters.issue or filters.contributor or filters.tag)


def _latest_published():
    """The latest publication time of any entry (scheduled ones included), or None."""
    rows = _fetch(
        f"SELECT d.published_at FROM {DOC_TABLE} d WHERE d.published_at IS NOT NULL ORDER BY {_order('-date')} LIMIT 1",
        [],
    )
    return stored_datetime(rows[0][0]) if rows else None


def _fetch(sql: str, params: list, *, bitmap: bool = False) -> list[tuple]:
    """Run a query; ``bitmap`` when it leads with the token index (see steer_planner in the backend)."""
    with connection.cursor() as cursor:
        get_backend().steer_planner(cursor, bitmap=bitmap)
        cursor.execute(sql, params)
        return cursor.fetchall()


def _date_sorted(rows: list[tuple], sort: str) -> list[tuple]:
    """Rows (id, publication time, ...) in the page's date order (undated last, newest first)."""
    return sorted(rows, key=lambda r: (r[1] is not None, r[1] or 0, r[0]), reverse=sort != "date")


_stats: dict = {"at": float("-inf")}


def _statistics(limits: SearchLimits) -> dict:
    """The backend's statistics on the index table, kept limits.statistics_ttl seconds per process.

    ``total``: its row estimate; ``dates``: the histogram of publication times (ascending
    quantiles); ``freqs``: the share of entries holding each common token code, and ``floor``,
    the share below which a code is not listed. Empty on SQLite or before the first ANALYZE.
    They only choose plans and window sizes, never results.
    """
    now = time.monotonic()
    if now - _stats["at"] < limits.statistics_ttl:
        return _stats
    found = {"at": now, **get_backend().statistics()}
    if limits.statistics_ttl > 0:
        _stats.clear()
        _stats.update(found)
    return found


_cutoffs: dict = {}


def forget_statistics() -> None:
    """Drop what this process keeps of the index's statistics and the dates computed from them:
    read afresh on the next search (after moving the connection to another database, say)."""
    _stats.clear()
    _stats["at"] = float("-inf")
    _cutoffs.clear()


def _fraction_before(when: datetime.datetime, dates: list) -> float:
    """About the share of entries published before ``when``, from the ascending quantiles of the
    date histogram."""
    index = bisect.bisect_left(dates, when)
    if index == 0:
        return 0.0
    if index >= len(dates):
        return 1.0
    low, high = dates[index - 1], dates[index]
    part = (when - low) / (high - low) if high > low else 0.0
    return (index - 1 + part) / (len(dates) - 1)


# A window holding more than this share of the entries is not asked for by its months and
# years: the index would merge their long lists (70 ms for decades at a million entries) to
# exclude little, where the date test on the entries the terms find costs less. Below it the
# entries the window excludes cost more to read than the lists to merge.
WIDE_WINDOW_SHARE = 0.6


def _fractions(lower, upper, dates: list) -> tuple[float, float]:
    """About the shares of entries published before ``lower`` and before ``upper`` (either None:
    no bound, the archive's start or end)."""
    return (
        _fraction_before(lower, dates) if lower else 0.0,
        _fraction_before(upper, dates) if upper else 1.0,
    )


def _wide_window(lower, upper) -> bool:
    """Whether [lower, upper) holds more than WIDE_WINDOW_SHARE of the entries, by the statistics
    last read (none read yet: no). It only chooses the plan."""
    dates, total = _stats.get("dates"), _stats.get("total")
    if not dates or len(dates) < 2 or not total:
        return False
    first, last = _fractions(lower, upper, dates)
    return last - first > WIDE_WINDOW_SHARE


def _bounds(filters: Filters) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The filters' dates as the first moment included and the first moment after."""
    lower = _start_of_day(filters.date_from) if filters.date_from else None
    upper = _start_of_day(filters.date_to + datetime.timedelta(days=1)) if filters.date_to else None
    return lower, upper


def _range_total(lower, upper, *, limits: SearchLimits) -> int:
    """About how many entries were published in [lower, upper) (0 when statistics do not say)."""
    stats = _statistics(limits)
    dates, total = stats["dates"], stats["total"]
    if not (lower or upper) or len(dates) < 2 or not total:
        return total
    first, last = _fractions(lower, upper, dates)
    return max(1, int(total * (last - first)))


def _window_cutoff(size: int, *, scope: Scope, limits: SearchLimits, lower=None, upper=None):
    """About the publication time of the ``size``-th newest entry published before ``upper``
    (the newest of all without one), or None when fewer were published since ``lower``.

    From the date histogram where the statistics have one (PostgreSQL; interpolated between its
    quantiles); otherwise counted along the date index and kept limits.cutoff_ttl seconds. The
    window only bounds how far back a search looks for its newest matches; the page names the
    cutoff date it used.
    """
    stats = _statistics(limits)
    dates, total = stats["dates"], stats["total"]
    if len(dates) >= 2 and total:
        first, last = _fractions(lower, upper, dates)
        target = last - size / total
        if target <= first:
            return None
        position = target * (len(dates) - 1)
        index = min(int(position), len(dates) - 2)
        return dates[index] + (dates[index + 1] - dates[index]) * (position - index)
    key = (scope, size, lower, upper)
    cached = _cutoffs.get(key)
    now = time.monotonic()
    if cached and now - cached[0] < limits.cutoff_ttl:
        return cached[1]
    where, params = _doc_where(ParsedQuery(), Filters(), scope=scope, since=lower, before=upper)
    rows = _fetch(
        f"SELECT d.published_at FROM {DOC_TABLE} d WHERE {where} AND d.published_at IS NOT NULL "
        f"ORDER BY {_order('-date')} LIMIT 1 OFFSET {int(size) - 1}",
        params,
    )
    cutoff = stored_datetime(rows[0][0]) if rows else None
    if limits.cutoff_ttl > 0:
        _cutoffs[key] = (now, cutoff)
    return cutoff


def _filter_share(filters: Filters, *, limits: SearchLimits) -> float:
    """About what share of the entries the cluster, page and commentator filters keep: the
    product of their tokens' shares where statistics list them (below the listed ones for a
    token they do not list), else a guess (eight clusters, eight pages an issue, a commentator
    in one article of a hundred)."""
    stats = _statistics(limits)
    freqs, floor = stats["freqs"], stats["floor"]
    share = 1.0
    for token, guess in (
        (filters.cluster and extra_tokens.cluster_token(filters.cluster.pk), 1 / 8),
        (filters.page and extra_tokens.page_token(filters.page), 1 / 8),
        (filters.commentator and extra_tokens.commentator_token(filters.commentator.pk), 1 / 100),
    ):
        if token:
            share *= freqs.get(token, floor) if freqs else guess
    return share


def _estimated_share(parsed: ParsedQuery, *, limits: SearchLimits) -> float:
    """At most about what share of the entries the query matches (1.0 when unknown).

    The share of entries holding the query's rarest token: a term cannot be commoner than
    any of its tokens (it can be much rarer: 12月26日 is made of very common bigrams).
    """
    stats = _statistics(limits)
    freqs, floor = stats["freqs"], stats["floor"]
    if not freqs:
        return 1.0
    share = 1.0
    for term in parsed.include:
        for code in text.term_codes(term):
            share = min(share, freqs.get(code, floor))
    return share


def _row_columns() -> str:
    """Columns read for every matched entry: enough to order, count and facet without the
    articles. The publication time comes as seconds since 1970 (the backend's epoch_sql)."""
    return f"d.article_id, {get_backend().epoch_sql}, d.clusters, d.commentators"


def _columns(rank: ParsedQuery | None) -> tuple[str, list]:
    """_row_columns(), and for ranking two more (the backend's rank_columns): the number of
    terms found in the title and headings, and the terms' occurrences (those in title and
    headings counting three times).

    They are computed in the query that finds the matches, on rows it has read anyway.
    """
    if rank is None or not rank.include:
        return _row_columns(), []
    sql, params = get_backend().rank_columns(rank.include)
    return f"{_row_columns()}, {sql}", params


def _ranked(rows: list[tuple]) -> list[tuple]:
    """Rows with rank columns: title and heading matches first, then more occurrences, then newer."""
    return sorted(
        rows,
        key=lambda r: (r[4], r[5], r[1] is not None, r[1] or 0, r[0]),
        reverse=True,
    )


def _newest(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    scope: Scope,
    limit: int,
    walk: bool,
    cutoff=None,
    before=None,
    rank: bool = False,
) -> list[tuple]:
    """Rows of the newest ``limit`` matches published since ``cutoff`` (and before ``before``)."""
    where, params = _doc_where(parsed, filters, scope=scope, use_index=not walk, since=cutoff, before=before)
    columns, column_params = _columns(parsed if rank else None)
    return _fetch(
        f"SELECT {columns} FROM {DOC_TABLE} d WHERE {where} ORDER BY {_order('-date')} LIMIT {int(limit)}",
        column_params + params,
        bitmap=not walk and _by_tokens(parsed, filters),
    )


def _newest_by_walk(
    parsed: ParsedQuery, filters: Filters, *, scope: Scope, limit: int, window: int, rank: bool = False
) -> list[tuple]:
    """Rows of the newest ``limit`` matches among the newest ``window`` entries (within the
    filters' dates), testing each entry."""
    lower, upper = _bounds(filters)
    visible, visible_params = _doc_where(ParsedQuery(), Filters(), scope=scope, since=lower, before=upper)
    where, params = _doc_where(parsed, filters, scope=scope, use_index=False)
    columns, column_params = _columns(parsed if rank else None)
    # The inner query walks the date index over the window; OFFSET 0 keeps it from being merged.
    return _fetch(
        f"SELECT {columns} FROM (SELECT d.* FROM {DOC_TABLE} d WHERE {visible} ORDER BY {_order('-date')} "
        f"LIMIT {int(window)} OFFSET 0) d WHERE {where} ORDER BY {_order('-date')} LIMIT {int(limit)}",
        column_params + visible_params + params,
    )


@dataclass
class _Matches:
    rows: list[tuple]  # newest first
    complete: bool  # rows are every match
    count: int  # exact up to limits.exact_limit, else exact_limit + 1
    since: datetime.datetime | None = None  # rows are the matches published since then


def _matches(
    parsed: ParsedQuery, filters: Filters, *, scope: Scope, need: int, rank: bool = False, limits: SearchLimits
) -> _Matches:
    """The newest ``need`` matches (or all, when fewer) and the count.

    The cost follows the number of entries read, not the number of matches in the archive:

    1. Unless statistics show the query is rare, walk the newest entries testing each (enough
       for ``need`` matches if statistics say the term is dense, else limits.first_walk): a
       dense term is done here, and the rest learn how dense they are lately.
    2. Ask the index for the newest matches within a window of newest entries sized from that
       density to hold them (the whole archive for a rare term); if it held fewer, go on with
       the window before it. Windows walk the date index where the term is dense
       (limits.walk_share), otherwise they ask the index.
    3. The count is settled once more than limits.exact_limit matches are in hand; otherwise a
       capped probe through the index counts (and, if at most exact_limit, is the result).

    With a date filter "newest" means newest within its dates: the walk and the windows start
    at the range's end; a cluster, page or commentator filter narrows the density by its token's
    share. Narrow filters (issue, contributor, tag) skip to the probe: the newest
    entries say nothing about a filtered set. ``rank`` adds the ranking columns to the rows.
    """
    exact_limit = limits.exact_limit
    tokened = replace(filters, cluster=None, page="", commentator=None, status="", date_from=None, date_to=None)
    if not parsed.include or tokened.any:
        probe = _capped_matches(parsed, filters, scope=scope, rank=rank, limits=limits)
        if len(probe) <= exact_limit:
            return _Matches(_date_sorted(probe, "-date"), complete=True, count=len(probe))
        walk = not parsed.include and not _sparse(filters)
        rows = _newest(parsed, filters, scope=scope, limit=need, walk=walk, rank=rank)
        return _Matches(rows, complete=len(rows) < need, count=exact_limit + 1)

    # Within the filters' dates the newest entries are those just before the range's end.
    lower, upper = _bounds(filters)
    total = _range_total(lower, upper, limits=limits)
    filter_share = _filter_share(filters, limits=limits)
    share = _estimated_share(parsed, limits=limits) * filter_share
    # Long enough for a dense term's ``need`` matches; otherwise only long enough to measure
    # the density (a few ms), and skipped when even the bound from statistics expects hardly
    # any matches there. A filter keeps only its share of the entries walked, so the walk goes
    # that much further (at most eight times) to measure by as many matches: from a handful
    # the window came out several times too long.
    measure = int(limits.first_walk / max(filter_share, 1 / 8))
    first = min(2 * need, int(1.3 * need / max(share, 1e-9))) if share >= 0.5 else measure
    if share * first >= 4:
        rows = _newest_by_walk(parsed, filters, scope=scope, limit=need, window=first, rank=rank)
        if len(rows) >= need or (total and first >= total):
            return _settled(parsed, filters, scope=scope, rows=rows, need=need, since=None, rank=rank, limits=limits)
        share = max(len(rows), 0.5) / first
        # A density from a few matches is rough (about ±1/√n): size the window with room for that,
        # as a second window costs another index scan.
        margin = 1.2 + 2 / math.sqrt(len(rows) + 1)
    else:
        margin = 1.3
    window = max(first, int(margin * need / max(share, 1e-9)))
    rows, before = [], None
    while True:
        if not _statistics(limits)["dates"]:
            window = 1 << (window - 1).bit_length()  # counted cutoffs are kept: few sizes
        cutoff = (
            _window_cutoff(window, scope=scope, limits=limits, lower=lower, upper=upper)
            if not total or window < total
            else None
        )
        rows += _newest(
            parsed,
            filters,
            scope=scope,
            limit=need - len(rows),
            walk=share >= limits.walk_share,
            cutoff=cutoff,
            before=before,
            rank=rank,
        )
        if cutoff is None or len(rows) >= need:
            break
        # Fewer than the density promised: go on further back, from where this window ended.
        share = max(len(rows), 0.5) / window
        before, window = cutoff, max(int(window * 1.5), int(1.3 * need / share))
    return _settled(parsed, filters, scope=scope, rows=rows, need=need, since=cutoff, rank=rank, limits=limits)


def _settled(
    parsed, filters, *, scope: Scope, rows: list[tuple], need: int, since, rank: bool, limits: SearchLimits
) -> _Matches:
    """The count for newest matches in hand (see _matches, step 3)."""
    exact_limit = limits.exact_limit
    if len(rows) > exact_limit:
        return _Matches(rows, complete=since is None and len(rows) < need, count=exact_limit + 1)
    if since is None and len(rows) < need:
        return _Matches(rows, complete=True, count=len(rows))
    probe = _capped_matches(parsed, filters, scope=scope, rank=rank, limits=limits)
    if len(probe) <= exact_limit:
        return _Matches(_date_sorted(probe, "-date"), complete=True, count=len(probe))
    return _Matches(rows, complete=False, count=exact_limit + 1, since=since if len(rows) < need else None)


def _date_page(
    parsed: ParsedQuery, filters: Filters, *, scope: Scope, sort: str, offset: int, limits: SearchLimits
) -> list[int]:
    """One page by date straight from the index table, past the newest matches already read.

    Oldest first, a common term is first looked for by walking the oldest entries and testing
    each (the caller knows there are more than limits.exact_limit matches), at most
    limits.oldest_walk of them: the walk stops as soon as it has the page. A term of recent
    years (2019年3月) has no match among the oldest entries: the index is then asked, as it is
    newest first (where the planner chooses between the walk and the term's bitmap) and for
    sparse filters.
    """
    size = int(limits.page_size)
    if sort == "date" and parsed.include and not _sparse(filters):
        window = int(limits.oldest_walk)
        lower, upper = _bounds(filters)
        oldest, oldest_params = _doc_where(ParsedQuery(), Filters(), scope=scope, since=lower, before=upper)
        where, params = _doc_where(parsed, filters, scope=scope, use_index=False)
        # The inner query walks the date index from the oldest entry; OFFSET 0 keeps it a walk.
        rows = _fetch(
            f"SELECT d.article_id FROM (SELECT d.* FROM {DOC_TABLE} d WHERE {oldest} ORDER BY {_order('date')} "
            f"LIMIT {window} OFFSET 0) d WHERE {where} ORDER BY {_order('date')} LIMIT {size} OFFSET {int(offset)}",
            oldest_params + params,
        )
        if len(rows) == size:
            return [row[0] for row in rows]
    use_index = sort != "date" or bool(parsed.include) or _sparse(filters)
    where, params = _doc_where(parsed, filters, scope=scope, use_index=use_index)
    rows = _fetch(
        f"SELECT d.article_id FROM {DOC_TABLE} d WHERE {where} ORDER BY {_order(sort)} LIMIT {size} OFFSET {int(offset)}",
        params,
        bitmap=use_index and _by_tokens(parsed, filters),
    )
    return [row[0] for row in rows]


def _guarded(func, limits: SearchLimits):
    """Run ``func`` under a statement timeout (where the database has one) so no search can run
    away with the database; a search stopped by it raises SearchTimeout."""
    backend = get_backend()
    try:
        with backend.time_limit(limits.timeout_ms):
            return func()
    except OperationalError as exc:
        if backend.is_timeout(exc):
            raise SearchTimeout from exc
        raise


def guarded(func, limits: SearchLimits = DEFAULT_LIMITS):
    """Run ``func`` (any work of a search request: a page, an export's ids or a chunk of its
    records) under the statement timeout; SearchTimeout when it runs past it."""
    return _guarded(func, limits)


def run_search(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    scope: Scope | None = None,
    staff: bool | None = None,
    sort: str,
    page_number: int,
    facets: bool = True,
    limits: SearchLimits = DEFAULT_LIMITS,
) -> SearchOutcome:
    """One page of results with counts and facets. ``scope``: what may be found (scope_for(user));
    ``staff`` is the older spelling (True: every article, False: readers')."""
    scope = _scope(scope, staff)
    return _guarded(
        lambda: _run_search(
            parsed, clamped(filters), scope=scope, sort=sort, page_number=page_number, facets=facets, limits=limits
        ),
        limits,
    )


def capped_matches(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    scope: Scope | None = None,
    staff: bool | None = None,
    limits: SearchLimits = DEFAULT_LIMITS,
) -> list[tuple]:
    """Rows of up to limits.exact_limit + 1 matches, in no order, through the index."""
    scope = _scope(scope, staff)
    return _guarded(lambda: _capped_matches(parsed, clamped(filters), scope=scope, limits=limits), limits)


def page_sort(parsed: ParsedQuery, sort: str) -> str:
    """The order a search lists its results in: relevance ("") needs words to rank by, and
    without them the newest come first."""
    if not parsed.include:
        return sort or "-date"
    return sort


def ordered_ids(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    scope: Scope,
    sort: str,
    max_rows: int | None = None,
    limits: SearchLimits = DEFAULT_LIMITS,
) -> list[int]:
    """The ids of every match (the first ``max_rows`` when given), in the order the search page
    lists them for the same parameters: by date either way round, or by relevance (ranked as on
    the page: among the newest limits.candidate_limit matches when there are more, the older
    ones after them, newest first). One statement (two for relevance) under the timeout."""
    return _guarded(
        lambda: _ordered_ids(
            parsed, clamped(filters), scope=scope, sort=page_sort(parsed, sort), max_rows=max_rows, limits=limits
        ),
        limits,
    )


def _ordered_ids(
    parsed: ParsedQuery, filters: Filters, *, scope: Scope, sort: str, max_rows: int | None, limits: SearchLimits
) -> list[int]:
    ranked: list[int] = []
    if sort == "" and parsed.include:
        found = _matches(parsed, filters, scope=scope, need=limits.candidate_limit, rank=True, limits=limits)
        ranked = [r[0] for r in _ranked(found.rows)]
        if found.complete or (max_rows is not None and len(ranked) >= max_rows):
            return ranked[:max_rows]
    where, params = _doc_where(parsed, filters, scope=scope)
    limit = "" if max_rows is None else f" LIMIT {int(max_rows) + len(ranked)}"
    rows = _fetch(
        f"SELECT d.article_id FROM {DOC_TABLE} d WHERE {where} ORDER BY {_order(sort)}{limit}",
        params,
        bitmap=_by_tokens(parsed, filters),
    )
    seen = set(ranked)
    ids = ranked + [row[0] for row in rows if row[0] not in seen]
    return ids[:max_rows] if max_rows is not None else ids


def _capped_matches(
    parsed: ParsedQuery, filters: Filters, *, scope: Scope, rank: bool = False, limits: SearchLimits
) -> list[tuple]:
    where, params = _doc_where(parsed, filters, scope=scope)
    columns, column_params = _columns(parsed if rank else None)
    return _fetch(
        f"SELECT {columns} FROM {DOC_TABLE} d WHERE {where} LIMIT {int(limits.exact_limit) + 1}",
        column_params + params,
        bitmap=_by_tokens(parsed, filters),
    )


def _run_search(
    parsed: ParsedQuery,
    filters: Filters,
    *,
    scope: Scope,
    sort: str,
    page_number: int,
    facets: bool,
    limits: SearchLimits,
) -> SearchOutcome:
    relevance = sort == "" and bool(parsed.include)
    # Facets and ranking need the bounded set; a page by date needs only enough to count.
    need = limits.candidate_limit if facets or relevance else limits.exact_limit + 1
    found = _matches(parsed, filters, scope=scope, need=need, rank=relevance, limits=limits)
    exact = found.count <= limits.exact_limit
    outcome = SearchOutcome(
        parsed=parsed,
        filters=filters,
        sort=sort,
        page_number=1,
        total=found.count,
        exact=exact,
        bounded=not found.complete,
        bounded_size=len(found.rows),
        bounded_since=found.since,
        limits=limits,
    )
    outcome.page_number = max(1, min(page_number, outcome.num_pages))
    size = limits.page_size
    offset = (outcome.page_number - 1) * size
    rows = found.rows
    if relevance:
        outcome.ranked_within_newest = not found.complete
        page_ids = [r[0] for r in _ranked(rows)[offset : offset + size]]
    elif found.complete:
        ordered = rows if sort != "date" else _date_sorted(rows, "date")
        page_ids = [r[0] for r in ordered[offset : offset + size]]
    elif sort != "date" and offset + size <= len(rows):
        page_ids = [r[0] for r in rows[offset : offset + size]]
    else:
        page_ids = _date_page(parsed, filters, scope=scope, sort=sort, offset=offset, limits=limits)

    by_id = {a.pk: a for a in page_articles(page_ids)}
    outcome.articles = [by_id[pk] for pk in page_ids if pk in by_id]
    outcome.rows = rows
    if facets:
        outcome.clusters, outcome.years, outcome.commentators = facet_counts(rows)
    return outcome


def page_articles(ids: list[int]) -> QuerySet[Article]:
    """The page's articles with what a result shows: issue and page, and the sections (with
    their commentators' names) a snippet may come from. No credits: a result names none, and
    building their instances cost a search more than its index lookups."""
    sections = Section.objects.select_related("commentator").only(
        "article_id", "position", "heading", "body", "commentator_title", "commentator__name", "commentator__title"
    )
    return (
        Article.objects.filter(pk__in=ids)
        .select_related("page__issue")
        .prefetch_related(Prefetch("sections", sections))
    )


def latest_issues(limit: int = 10) -> QuerySet[Issue]:
    """The newest issues a reader can open: those with a visible article."""
    return issues_with_visible_articles().order_by("-date")[:limit]
