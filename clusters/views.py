"""Cluster pages: the eight clusters, what the paper reported and what commentators said."""

from django.core.cache import cache
from django.db.models import OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from articles import listing
from articles.models import visible_condition
from articles.selectors import commentaries, visible_listing
from clusters.models import Cluster, Milestone
from hengyang_cms.http import RECENT_MAX_AGE, cache_publicly

COMMENTARY_COUNT = 8


@require_safe
def cluster_index(request):
    """The eight clusters, each with how many visible articles cover it, as far as its page lists.

    Counted like the cluster page's list (articles.listing.ListPaginator): exact up to the
    LIST_MAX_PAGES pages the page shows, then "N 篇以上". An exact count reads every article of a
    cluster, which grows with the archive (2.2 s for the eight at a million articles); this reads
    at most that many + 1 per cluster.
    """
    limit = listing.list_max_items()
    covering = (
        Cluster.articles.through.objects.filter(visible_condition("article__"), cluster=OuterRef("pk"))
        .order_by()
        .values("pk")[: limit + 1]
    )
    clusters = list(Cluster.objects.annotate(counted=listing.BoundedCount(covering)).order_by("position"))
    for cluster in clusters:
        cluster.article_count, cluster.more = listing.bounded(cluster.counted, limit)
    return cache_publicly(
        render(request, "clusters/cluster_index.html", {"clusters": clusters}),
        RECENT_MAX_AGE,
    )


@require_safe
def cluster_detail(request, slug):
    cache_key, newest_change = listing.kept_page_key(request, f"cluster:{slug}")
    if cache_key and (html := cache.get(cache_key)) is not None:
        return cache_publicly(HttpResponse(html), RECENT_MAX_AGE)
    cluster = get_object_or_404(Cluster.objects.select_related("cover_photo__photographer"), slug=slug)
    articles = listing.paginate(
        request,
        visible_listing().for_cluster(cluster).order_by("-published_at", "-pk"),
        count_key=f"cluster:{cluster.pk}",
        newest_change=newest_change,
    )
    said = commentaries().filter(article__clusters=cluster)[:COMMENTARY_COUNT]
    projects = cluster.projects.prefetch_related("organizations").order_by("name")
    # A milestone reported by an article that readers cannot see (a draft, a withdrawn piece)
    # stays off the timeline: it would leak what has not been published.
    timeline = (
        Milestone.objects.filter(cluster=cluster)
        .filter(Q(source_article__isnull=True) | visible_condition("source_article__"))
        .select_related("project", "source_article")
        .only(
            "date",
            "text",
            "project__name",
            "source_article__id",
            "source_article__title",
        )
        .order_by("date", "pk")
    )
    context = {
        "cluster": cluster,
        "articles": articles,
        "older_url": listing.older_in_search(articles, cluster=cluster.slug),
        "commentaries": said,
        "projects": projects,
        "timeline": timeline,
    }
    html = render_to_string("clusters/cluster_detail.html", context, request=request)
    if cache_key:
        cache.set(cache_key, html, listing.PAGE_KEEP_SECONDS)
    return cache_publicly(HttpResponse(html), RECENT_MAX_AGE)
