"""RSS 2.0 feeds: the latest articles, and one per cluster. Visible articles only."""

from django.contrib.syndication.views import Feed
from django.db.models.functions import Left
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from articles.models import Article
from articles.site.presentation import PAPER_NAME
from clusters.models import Cluster

FEED_SIZE = 30
DESCRIPTION_CHARS = 200


class LatestArticlesFeed(Feed):
    feed_type = Rss201rev2Feed
    title = f"{PAPER_NAME} · 最新稿件"
    description = f"{PAPER_NAME}最新发布的稿件"
    language = "zh-cn"

    def link(self):
        return reverse("articles:home")

    def articles(self):
        return (
            Article.objects.visible()
            .for_listing()
            .annotate(excerpt=Left("lead", DESCRIPTION_CHARS))
            .prefetch_related("clusters")
            .order_by("-published_at", "-pk")
        )

    def items(self):
        return self.articles()[:FEED_SIZE]

    # Titles and descriptions are escaped once more than XML needs: feed readers treat both as
    # HTML, so a title like "<script>" must arrive as text (Django does the same for titles).
    def item_title(self, item):
        return escape(f"{item.kicker} {item.title}".strip() if item.kicker else item.title)

    def item_description(self, item):
        parts = [item.subtitle, item.excerpt]
        return escape("\n".join(p for p in parts if p))

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [cluster.name for cluster in item.clusters.all()]


class ClusterArticlesFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Cluster, slug=slug)

    def title(self, obj):
        return f"{PAPER_NAME} · {obj.name}产业集群"

    def description(self, obj):
        return f"{PAPER_NAME}关于{obj.name}产业集群的最新稿件"

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return self.articles().for_cluster(obj)[:FEED_SIZE]
