"""Public pages kept in each web process's memory while nothing they show has changed.

A page asked for again and again (the day's lead story, the home page) costs, even when its
stored rendering is used, a query and the work around it. Here a process keeps the finished
response of the public pages readers browse and serves it again without touching the database,
for as long as

- no change has been committed to what pages are made from: the count of changes announced by
  PostgreSQL (hengyang_cms/changes.py) is the one the page was made under, and
- the time is before the next scheduled article goes live (a neighbour's link, a list's
  newest entry), read once per change count, and at most ``MAX_KEEP_SECONDS`` in any case.

Only anonymous requests (no session cookie, no Authorization header) outside a transaction are
answered from memory, and only complete 200 responses that set no cookie and may be cached
publicly are kept. Memory is bounded (``PAGE_MEMORY_MB`` per process, least recently used
first out). On SQLite, with ``PAGE_MEMORY = False``, or while the process is not listening for
changes, every request goes through as before.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from articles.models import Article
from hengyang_cms.changes import listener

# The public pages readers browse (URL names).
KEPT_VIEWS = frozenset(
    {
        "articles:home",
        "articles:detail",
        "articles:issues",
        "articles:issue",
        "articles:epaper_page",
        "articles:commentators",
        "articles:commentator",
        "articles:tag",
        "articles:feed",
        "articles:cluster_feed",
        "clusters:index",
        "clusters:detail",
    }
)
# A safety net: nothing is kept longer than this even if no change is heard.
MAX_KEEP_SECONDS = 600
VARYING = frozenset({"cookie", "authorization", "accept-language", "*"})
# What a 304 leaves out of the kept response's headers.
BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})


@dataclass(frozen=True)
class Kept:
    generation: int
    until: datetime.datetime
    content: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str | None
    last_modified: int | None

    def response(self, request) -> HttpResponse:
        not_modified = get_conditional_response(request, etag=self.etag, last_modified=self.last_modified)
        if not_modified is None:
            response = HttpResponse(self.content)
            for name, value in self.headers:
                response[name] = value
            return response
        for name, value in self.headers:
            if name.lower() not in BODY_HEADERS:
                not_modified[name] = value
        return not_modified


class PageMemory:
    """A bounded least-recently-used store of kept pages."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._go_live: tuple[int, datetime.datetime | None] | None = None

    def get(self, key: str, generation: int, now) -> Kept | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                return None
            if kept.generation != generation or now >= kept.until:
                self._remove(key)
                return None
            self._items.move_to_end(key)
            return kept

    def put(self, key: str, kept: Kept) -> None:
        size = len(kept.content)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                self._remove(key)
            self._items[key] = kept
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._remove(next(iter(self._items)))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self._go_live = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        return self._bytes

    def _remove(self, key: str) -> None:
        self._bytes -= len(self._items.pop(key).content)

    def next_go_live(self, generation: int, now) -> datetime.datetime | None:
        """When the next scheduled article becomes visible, read once per change count."""
        cached = self._go_live
        if cached is not None and cached[0] == generation and (cached[1] is None or cached[1] > now):
            return cached[1]
        when = (
            Article.objects.filter(status=Article.Status.SCHEDULED, published_at__gt=now)
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )
        self._go_live = (generation, when)
        return when


memory = PageMemory(int(getattr(settings, "PAGE_MEMORY_MB", 64)) * 1024 * 1024)


def _answerable(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not connection.in_atomic_block  # a test's transaction: its changes are not announced yet
    )


def _keepable(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        # A page that differs by who asks (cookies, credentials, language) is not one page.
        and not VARYING.intersection(h.strip().lower() for h in response.get("Vary", "").split(","))
    )


class PageMemoryMiddleware:
    """Answers public pages from memory (see the module's docstring); keeps what it may.

    First in the middleware list: a kept response is the finished one, with the headers every
    other middleware added (security headers, the CSP, compression and its Vary), so a reader
    asking again costs a dictionary lookup. The key holds what those middlewares answer by:
    scheme, host, path and query, and the encodings the reader accepts.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _answerable(request):
            return self.get_response(request)
        # Read before the view reads the database: a change committed meanwhile moves the count
        # on, and what the view makes is then kept under a count that is already past.
        generation = listener.generation()
        if generation is None:
            return self.get_response(request)
        key = "|".join(
            (
                request.scheme,
                request.get_host(),
                request.get_full_path(),
                request.META.get("HTTP_ACCEPT_ENCODING", "").replace(" ", "").lower(),
            )
        )
        kept = memory.get(key, generation, timezone.now())
        if kept is not None:
            return kept.response(request)
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.method == "GET" and match is not None and match.view_name in KEPT_VIEWS and _keepable(response):
            try:
                self.keep(key, generation, response)
            except DatabaseError:  # the database went away after answering: serve, keep nothing
                pass
        return response

    def keep(self, key: str, generation: int, response) -> None:
        now = timezone.now()
        until = now + datetime.timedelta(seconds=MAX_KEEP_SECONDS)
        go_live = memory.next_go_live(generation, now)
        if go_live is not None:
            until = min(until, go_live)
        if getattr(settings, "DATABASE_REPLICAS", None):
            # Made from a replica, a page may be as old as the replica's lag although the change
            # was already announced: kept no longer than readers accept that lag anyway.
            until = min(until, now + datetime.timedelta(seconds=settings.DATABASE_REPLICA_PIN_SECONDS))
        memory.put(
            key,
            Kept(
                generation=generation,
                until=until,
                content=response.content,
                headers=tuple(response.items()),
                etag=response.get("ETag"),
                last_modified=parse_http_date_safe(response["Last-Modified"]) if "Last-Modified" in response else None,
            ),
        )
