"""The sitemap lists what readers can open: visible articles, issues and their printed pages with them,
clusters, commentators.

A sitemap file holds at most 50,000 URLs (the protocol's limit; ``SITEMAP_URLS_PER_FILE`` in the
settings, smaller in tests). Django's sitemap framework pages with OFFSET and counts the whole
list, and its index works out a section's last change by calling ``lastmod`` on every item: at a
million articles that is every article loaded for one request. The articles', issues' and
e-paper pages' sitemaps therefore page by blocks of ids (file ``p`` lists the visible articles
with ids in ((p-1)·n, p·n]: an index range, whatever the archive's size, and the index needs
no count), and the articles' takes its last change from two index lookups.
Its rows are plain tuples, and each file is written as XML here (sitemap_file) rather than
through Django's template, which spent about 0.6 ms per URL: half a minute for a full file.
"""

import datetime
from html import escape  # Django's escape() is this plus marking the text safe

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import _get_latest_lastmod, x_robots_tag
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Exists, Max, OuterRef
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import http_date

from articles.models import Article, Commentator, Page, Section
from articles.selectors import issues_with_visible_articles
from articles.site.epaper import openable
from clusters.models import Cluster
from hengyang_cms.fast_urls import article_url, epaper_page_url, issue_url

URLS_PER_FILE = 50_000  # the sitemap protocol's limit per file


def urls_per_file() -> int:
    return getattr(settings, "SITEMAP_URLS_PER_FILE", URLS_PER_FILE)


class FileSizedSitemap(Sitemap):
    """A section whose files hold at most ``SITEMAP_URLS_PER_FILE`` URLs, like every other section."""

    @property
    def limit(self):
        return urls_per_file()


class IdBlockPaginator(Paginator):
    """Pages of at most ``per_page`` items by blocks of ids, without OFFSET or a count.

    Ids that belong to no visible article (drafts, deleted rows) leave their page shorter; a
    block holding none gives an empty file rather than moving the later articles to other files.
    """

    @cached_property
    def num_pages(self):
        highest = self.object_list.order_by("-pk").values_list("pk", flat=True).first() or 0
        return max(1, -(-highest // self.per_page))

    @cached_property
    def count(self):
        return self.num_pages * self.per_page  # an upper bound; nothing here needs the exact number

    def page(self, number):
        number = self.validate_number(number)
        block = self.object_list.filter(pk__gt=(number - 1) * self.per_page, pk__lte=number * self.per_page)
        return self._get_page(list(block), number, self)


class IdBlockSitemap(FileSizedSitemap):
    """A section whose items() are rows led by their id, filed by blocks of ids."""

    @property
    def paginator(self):
        return IdBlockPaginator(self.items(), self.limit)


class ArticleSitemap(IdBlockSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        # (id, published_at, content_changed_at): no model instance per URL.
        return Article.objects.visible().order_by("pk").values_list("pk", "published_at", "content_changed_at")

    def location(self, row):
        return article_url(row[0])  # Article.get_absolute_url without a reverse() per URL

    def get_urls(self, page=1, site=None, protocol=None):
        """Sitemap.get_urls in one plain loop over the rows: what it gives is the same."""
        origin = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        priority, latest, urls = str(self.priority), None, []
        for row in self.paginator.page(page).object_list:
            lastmod = self.lastmod(row)
            if latest is None or lastmod > latest:
                latest = lastmod
            urls.append(
                {
                    "item": row,
                    "location": origin + article_url(row[0]),
                    "lastmod": lastmod,
                    "changefreq": self.changefreq,
                    "priority": priority,
                    "alternates": [],
                }
            )
        if latest is not None:
            self.latest_lastmod = latest
        return urls

    def lastmod(self, row):
        # The last change to what readers read, never before publication: not updated_at, which
        # moves with every import, refiling and workflow step (a 2019 story is not news in 2026).
        _, published_at, content_changed_at = row
        return max(content_changed_at or published_at, published_at)

    def get_latest_lastmod(self):
        """The newest lastmod of any article, from the indexes on published_at and on content
        changes (Django's default calls lastmod on every article): only the content changes
        newer than the newest publication can be newer still. (Filtering on updated_at instead
        read every article after a bulk load, which stamps them all with its own time.)"""
        visible = Article.objects.visible()
        newest_published = visible.order_by("-published_at").values_list("published_at", flat=True).first()
        if newest_published is None:
            return None
        changed = visible.filter(content_changed_at__gt=newest_published)
        newest_change = changed.aggregate(m=Max("content_changed_at"))["m"]
        return max(newest_published, newest_change or newest_published)


class IssueSitemap(IdBlockSitemap):
    """Each issue a reader may open, by blocks of issue ids like the articles: the index then
    needs no count of the issues with a visible article (a pass over every visible article)."""

    changefreq = "monthly"
    priority = 0.6

    def items(self):
        # (id, date): no model instance and no reverse() per URL.
        return issues_with_visible_articles().order_by("pk").values_list("pk", "date")

    def location(self, row):
        return issue_url(row[1])


class EpaperPageSitemap(IdBlockSitemap):
    """Each printed page a reader may open (the e-paper, /issues/<date>/<page>/), by blocks of
    page ids like the articles: at a million articles there are over 200,000 pages, and an
    OFFSET page with a count of the openable ones took 3 to 5 s a file."""

    changefreq = "monthly"
    priority = 0.5

    def items(self):
        # (id, number, issue date): no model instance and no reverse() per URL.
        return openable(Page.objects.all()).order_by("pk").values_list("pk", "number", "issue__date")

    def location(self, row):
        return epaper_page_url(row[2], row[1])


class ClusterSitemap(FileSizedSitemap):
    changefreq = "daily"
    priority = 0.7

    def items(self):
        return Cluster.objects.order_by("position")


class CommentatorSitemap(FileSizedSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        wrote_visible = Section.objects.filter(commentator=OuterRef("pk"), article__in=Article.objects.visible())
        return Commentator.objects.filter(Exists(wrote_visible)).only("pk").order_by("pk")


class SectionIndexSitemap(FileSizedSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return [
            "articles:home",
            "articles:issues",
            "clusters:index",
            "articles:commentators",
        ]

    def location(self, name):
        return reverse(name)


sitemaps = {
    "pages": SectionIndexSitemap,
    "articles": ArticleSitemap,
    "issues": IssueSitemap,
    "epaper": EpaperPageSitemap,
    "clusters": ClusterSitemap,
    "commentators": CommentatorSitemap,
}


def _day(value, tz) -> str:
    """A lastmod as Django's sitemap template writes it (``date:"Y-m-d"``, in local time)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(tz)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _urlset(urls) -> str:
    """The same XML as Django's sitemap.xml template, written directly."""
    tz = timezone.get_current_timezone()
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
    ]
    for url in urls:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if url["lastmod"]:
            parts.append(f"<lastmod>{_day(url['lastmod'], tz)}</lastmod>")
        if url["changefreq"]:
            parts.append(f"<changefreq>{escape(url['changefreq'])}</changefreq>")
        if url["priority"]:
            parts.append(f"<priority>{escape(url['priority'])}</priority>")
        for alternate in url["alternates"]:
            parts.append(
                f'<xhtml:link rel="alternate" hreflang="{escape(alternate["lang_code"])}" '
                f'href="{escape(alternate["location"])}"/>'
            )
        parts.append("</url>")
    parts.append("\n</urlset>\n")
    return "".join(parts)


@x_robots_tag
def sitemap_file(request, sitemaps, section):
    """One section's sitemap file (``?p=`` its page), as django.contrib.sitemaps.views.sitemap
    answers it — 404 for an unknown section or page, Last-Modified when every URL has a
    lastmod — without the template."""
    if section not in sitemaps:
        raise Http404(f"没有这一部分的网站地图：{section[:40]}")
    site = sitemaps[section]
    site = site() if callable(site) else site
    page = request.GET.get("p", 1)
    try:
        urls = site.get_urls(page=page, site=get_current_site(request), protocol=request.scheme)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404("没有这一页。") from exc
    lastmod = getattr(site, "latest_lastmod", None)
    headers = {"Last-Modified": http_date(_get_latest_lastmod(None, lastmod).timestamp())} if lastmod else None
    return HttpResponse(_urlset(urls), content_type="application/xml", headers=headers)
