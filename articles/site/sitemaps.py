"""The sitemap lists what readers can open: visible articles, issues and their printed pages with them,
clusters, commentators."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from articles.models import Article, Commentator, Page, Section
from articles.selectors import issues_with_visible_articles
from articles.site.epaper import openable
from clusters.models import Cluster


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8
    limit = 10_000  # URLs per sitemap page; the index lists the pages

    def items(self):
        return Article.objects.visible().only("pk", "published_at", "content_changed_at").order_by("pk")

    def lastmod(self, article):
        # The last change to what readers read, never before publication: not updated_at, which
        # moves with every import, refiling and workflow step (a 2019 story is not news in 2026).
        return max(article.content_changed_at or article.published_at, article.published_at)


class IssueSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return issues_with_visible_articles().order_by("date")


class EpaperPageSitemap(Sitemap):
    """Each printed page a reader may open (the e-paper, /issues/<date>/<page>/)."""

    changefreq = "monthly"
    priority = 0.5
    limit = 10_000

    def items(self):
        return (
            openable(Page.objects.all())
            .select_related("issue")
            .only("number", "issue__date")
            .order_by("issue__date", "number")
        )

    def location(self, page):
        return reverse("articles:epaper_page", kwargs={"date": page.issue.date.isoformat(), "page": page.number})


class ClusterSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.7

    def items(self):
        return Cluster.objects.order_by("position")


class CommentatorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        wrote_visible = Section.objects.filter(commentator=OuterRef("pk"), article__in=Article.objects.visible())
        return Commentator.objects.filter(Exists(wrote_visible)).only("pk").order_by("pk")


class SectionIndexSitemap(Sitemap):
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
