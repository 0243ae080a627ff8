"""What the public lists share: pagination with counts kept a minute, and keys for kept HTML.

Used by the article and cluster pages alike; a view module is never imported by another.
"""

import hashlib
import operator
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db.models import BooleanField, F, Func, IntegerField, Max, Subquery, Value
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from articles.models import Article

PAGE_SIZE = 20
PAGE_KEEP_SECONDS = 60  # HTML of the home and cluster pages kept server-side
COUNT_SECONDS = 60
LIST_MAX_PAGES = 100  # settings.LIST_MAX_PAGES overrides it


def list_max_pages() -> int:
    return int(getattr(settings, "LIST_MAX_PAGES", LIST_MAX_PAGES))


def list_max_items(per_page: int = PAGE_SIZE) -> int:
    """How many items a public list shows at most, and counts exactly (one more: "N 篇以上")."""
    return list_max_pages() * per_page


class BoundedCount(Subquery):
    """How many rows a sliced queryset has (give it ``[:list_max_items() + 1]``), as a subquery.

    COUNT(*) over the slice, so the database stops at its LIMIT: a count per row of a list
    (per cluster, per commentator) that costs no more than the lists themselves, whatever the
    size of the archive.
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS bounded)"
    output_field = IntegerField()


# Where a list paged by ids first (ListPaginator's by_ids_from) starts doing so: five pages in.
BY_IDS_FROM = 100


class IdsFirstPages:
    """For a Paginator: a page ``by_ids_from`` rows or more into the list finds its ids first, by
    the list's order alone, and then its rows whole. The rows before the page are read from an
    index that holds the order and the id (a commentator's sections by the copy of their
    articles' time, the admin's articles by publication time) instead of being fetched and
    joined whole, only for OFFSET to drop them. Earlier pages stay as they were. One query
    either way."""

    by_ids_from: int | None = None

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.by_ids_from is None or bottom < self.by_ids_from:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=ids), number, self)


class ListPaginator(IdsFirstPages, Paginator):
    """A paginator over at most LIST_MAX_PAGES pages that counts once a minute, not on every request.

    A public list (the home page's, a cluster's, a tag's, a commentator's) reaches as deep as
    settings.LIST_MAX_PAGES pages: an OFFSET page and a count both read every row
    before them, so a list as long as a cluster's coverage over decades would cost more the older
    the page, and a crawler walking to its end would hold a worker for seconds. Beyond that the
    archive search, which finds by date, is the way to older articles (``more`` says there are
    some; the last page links to it). The count reads at most one row past the last page, exact
    below that; it is kept under a key made of the list's name, the newest change to any article
    (so an edit, publication or withdrawal counts again at once) and the minute (so a scheduled
    article that goes live is counted within a minute).
    """

    def __init__(self, *args, count_key: str, newest_change=None, by_ids_from: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key
        self.newest_change = newest_change
        self.by_ids_from = by_ids_from
        self.max_items = list_max_items(self.per_page)

    @cached_property
    def counted(self) -> int:
        """How many rows the list has, up to max_items + 1 (one more says there are older ones)."""
        newest_change = self.newest_change or Article.objects.aggregate(newest=Max("updated_at"))["newest"]
        fingerprint = f"{self.count_key}|{self.max_items}|{newest_change}|{int(time.time() // COUNT_SECONDS)}"
        key = "list-count:" + hashlib.sha1(fingerprint.encode()).hexdigest()
        count = cache.get(key)
        if count is None:
            # Without the ordering: only how many rows, and the database may stop at max_items + 1.
            count = self.object_list.order_by().values("pk")[: self.max_items + 1].count()
            cache.set(key, count, COUNT_SECONDS * 2)
        return count

    @cached_property
    def count(self):
        return bounded(self.counted, self.max_items)[0]

    @cached_property
    def more(self) -> bool:
        """Whether the list goes on past its last page (the count shown is then "N 篇以上")."""
        return bounded(self.counted, self.max_items)[1]


def paginate(request, queryset, per_page=PAGE_SIZE, *, count_key: str, newest_change=None, by_ids_from=None):
    """The requested page of a list; a page that is not a number or out of range is a 404.

    ``count_key`` names the list (with what selects it: a cluster's id, a tag's id) for the
    kept count; ``newest_change`` (the newest updated_at of any article) spares a query where
    the caller has it already; ``by_ids_from``: see ListPaginator.page. A page past
    settings.LIST_MAX_PAGES is out of range.
    """
    paginator = ListPaginator(
        queryset, per_page, count_key=count_key, newest_change=newest_change, by_ids_from=by_ids_from
    )
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("没有这一页。") from exc


def row_compare(left, op: str, right) -> Func:
    """The SQL row comparison ``(a, b, c) > (x, y, z)``: true where the left row sorts after the
    right one in that column order, and read by the database as one range of an index on those
    columns (the same condition written with OR per column is not)."""
    return Func(
        Func(*left, function=""),
        Func(*right, function=""),
        arg_joiner=f" {op} ",
        template="%(expressions)s",
        output_field=BooleanField(),
    )


@dataclass
class KeyedPage:
    """A page of a list read by its key (page_by_key): no number, links to the neighbours."""

    object_list: list
    after: int | None  # the ``after`` of the next page's link, if one follows
    before: int | None  # the ``before`` of the previous page's link, if one precedes

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self.after is not None

    def has_previous(self):
        return self.before is not None

    def has_other_pages(self):
        return self.has_next() or self.has_previous()


def _cursor(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise Http404("没有这一页。")
    return int(raw)


def page_by_key(request, queryset, per_page: int, key: list):
    """The requested page of a list read in the order of ``key``, not counted and not numbered.

    For a list whose rows are tested one by one as they are read (the commentator index tests
    each person for a visible commentary): counting it would test every row, and a page by
    number tests every row before it, so the last page of a long list costs the most. Here a
    page starts where its neighbour ended: ``?after=<pk>`` is the page after that row,
    ``?before=<pk>`` the page before it, each found in an index on ``key`` (expressions or field
    names, ending in the primary key so that rows never tie) and testing only its own rows and
    one more (whether the list goes on). No parameter: the first page. A ``before`` page that
    reaches the start of the list is the first page, whole; a cursor that is not a number, names
    no row, or leaves an empty page is a 404, as a page past the end is for paginate(); an
    empty list has one empty page.
    """
    after, before = _cursor(request.GET.get("after")), _cursor(request.GET.get("before"))
    if after is not None and before is not None:
        raise Http404("没有这一页。")
    key = [F(part) if isinstance(part, str) else part for part in key]
    cursor = after if after is not None else before
    if cursor is not None:
        names = {f"key_{i}": part for i, part in enumerate(key)}
        at = queryset.model._default_manager.filter(pk=cursor).annotate(**names).values_list(*names).first()
        if at is None:
            raise Http404("没有这一页。")
        at = [Value(value) for value in at]
        if after is not None:
            rows = list(queryset.filter(row_compare(key, ">", at)).order_by(*key)[: per_page + 1])
            followed, preceded = len(rows) > per_page, True
        else:
            backwards = [part.desc() for part in key]
            found = list(queryset.filter(row_compare(key, "<", at)).order_by(*backwards)[: per_page + 1])
            if len(found) > per_page:
                rows, followed, preceded = found[per_page - 1 :: -1], True, True
            else:
                cursor = None  # back at the start: the first page, whole
        if cursor is not None and not rows:
            raise Http404("没有这一页。")
    if cursor is None:
        rows = list(queryset.order_by(*key)[: per_page + 1])
        followed, preceded = len(rows) > per_page, False
    rows = rows[:per_page]
    return KeyedPage(rows, after=rows[-1].pk if followed else None, before=rows[0].pk if preceded else None)


def bounded(counted: int, limit: int) -> tuple[int, bool]:
    """A count read up to ``limit`` + 1 rows (BoundedCount) as a list shows it: at most ``limit``,
    and whether there are more ("N 篇以上")."""
    return min(counted, limit), counted > limit


def older_in_search(page, published_at=operator.attrgetter("published_at"), **filters) -> str:
    """On the last page of a list that goes on (paginator.more), the archive search for the rest.

    The search with the list's filter (``cluster=<slug>``, ``commentator=<id>``, ``tag=<name>``),
    newest first, up to the day of the page's last item (that day included, so nothing falls
    between the list and the search); empty elsewhere. ``published_at``: that of an item (by
    default its own attribute).
    """
    if page.has_next() or not page.paginator.more or not page.object_list:
        return ""
    last = published_at(page[len(page) - 1])
    params = {**filters, "sort": "-date"}
    if last is not None:
        params["to"] = timezone.localdate(last).isoformat()
    return reverse("search:search") + "?" + urlencode(params)


def kept_page_key(request, name: str) -> tuple[str | None, object]:
    """A cache key for the HTML of a public page of lists, and the newest change to any article.

    The key includes that newest change, so an edit, publication or withdrawal shows at once;
    kept for PAGE_KEEP_SECONDS, a scheduled article appears within that of its time, and an
    edit to what else the page shows (a cluster's projects, say) too. No key for a page number
    that is not one (the view answers 404 for it).
    """
    page_number = request.GET.get("page") or "1"
    if not (page_number.isascii() and page_number.isdigit() and len(page_number) < 6):
        return None, None
    newest_change = Article.objects.aggregate(newest=Max("updated_at"))["newest"]
    fingerprint = f"{request.scheme}://{request.get_host()}|{name}|{page_number}|{newest_change}"
    return "kept-page:" + hashlib.sha1(fingerprint.encode()).hexdigest(), newest_change
