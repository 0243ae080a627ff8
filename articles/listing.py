"""What the public lists share: pagination with counts kept a minute, and keys for kept HTML.

Used by the article and cluster pages alike; a view module is never imported by another.
"""

import hashlib
import time

from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Max
from django.http import Http404
from django.utils.functional import cached_property

from articles.models import Article

PAGE_SIZE = 20
PAGE_KEEP_SECONDS = 60  # HTML of the home and cluster pages kept server-side
COUNT_SECONDS = 60


class ListPaginator(Paginator):
    """A paginator that counts a list of articles once a minute, not on every request.

    Counting a cluster's or a tag's visible articles reads all of them, which grows with the
    archive; the count is kept under a key made of the list's name, the newest change to any
    article (so an edit, publication or withdrawal counts again at once) and the minute (so a
    scheduled article that goes live is counted within a minute).
    """

    def __init__(self, *args, count_key: str, newest_change=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key
        self.newest_change = newest_change

    @cached_property
    def count(self):
        newest_change = self.newest_change or Article.objects.aggregate(newest=Max("updated_at"))["newest"]
        fingerprint = f"{self.count_key}|{newest_change}|{int(time.time() // COUNT_SECONDS)}"
        key = "list-count:" + hashlib.sha1(fingerprint.encode()).hexdigest()
        count = cache.get(key)
        if count is None:
            count = super().count
            cache.set(key, count, COUNT_SECONDS * 2)
        return count


def paginate(request, queryset, per_page=PAGE_SIZE, *, count_key: str, newest_change=None):
    """The requested page of a list; a page that is not a number or out of range is a 404.

    ``count_key`` names the list (with what selects it: a cluster's id, a tag's id) for the
    kept count; ``newest_change`` (the newest updated_at of any article) spares a query where
    the caller has it already.
    """
    paginator = ListPaginator(queryset, per_page, count_key=count_key, newest_change=newest_change)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("没有这一页。") from exc


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
