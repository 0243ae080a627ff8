"""RSS 2.0 feeds: the latest articles, and one per cluster. Visible articles only.

Feed readers ask every few minutes, so the feeds answer conditional GETs: the ETag is a digest of
the feed as it would be sent (any change to it, an article going live on schedule or dropping out
included, gives a new one), Last-Modified is the newest item's update or publication time, and
Cache-Control lets a CDN keep a feed as long as a recent page.
"""

import hashlib

from django.contrib.syndication.views import Feed
from django.db.models.functions import Left
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape
from django.utils.http import parse_http_date_safe

from articles.models import Article
from articles.site.presentation import PAPER_NAME
from articles.text import excerpt
from clusters.models import Cluster
from hengyang_cms.http import RECENT_MAX_AGE, cache_publicly, with_validators

FEED_SIZE = 30
DESCRIPTION_CHARS = 200
# A little more of the lead than is shown, so the cut can end at a sentence (see excerpt()).
DESCRIPTION_FETCH_CHARS = DESCRIPTION_CHARS + 30


class LatestArticlesFeed(Feed):
    feed_type = Rss201rev2Feed
    title = f"{PAPER_NAME} · 最新稿件"
    description = f"{PAPER_NAME}最新发布的稿件"
    language = "zh-cn"

    def __call__(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = super().__call__(request, *args, **kwargs)
        etag = '"' + hashlib.sha1(response.content).hexdigest() + '"'
        # Django sets Last-Modified from the newest item's updateddate or pubdate.
        last_modified = parse_http_date_safe(response.headers.get("Last-Modified", ""))
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            response = not_modified
        if last_modified is not None:
            with_validators(response, etag, last_modified)
        else:
            response.headers["ETag"] = etag
        return cache_publicly(response, RECENT_MAX_AGE)

    def link(self):
        return reverse("articles:home")

    def articles(self):
        return (
            Article.objects.visible()
            .for_listing()
            .annotate(excerpt=Left("lead", DESCRIPTION_FETCH_CHARS))
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
        lead = item.excerpt or ""
        parts = [
            item.subtitle,
            excerpt(lead, DESCRIPTION_CHARS, continues=len(lead) >= DESCRIPTION_FETCH_CHARS),
        ]
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
