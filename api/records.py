"""The models as JSON-ready dicts (the shapes of api.schemas), and the querysets that load what
each needs in a constant number of queries.

An article's detail is articles.selectors.article_record (the export format) plus what the
API adds; who may read which article is decided by the caller, through articles_for(user).
"""

from __future__ import annotations

import datetime
import functools

from django.db.models import Case, F, Prefetch, QuerySet, When
from django.db.models.functions import Greatest, Left
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from articles.models import Article, Photo, visible_condition
from articles.photos.renditions import rendition_records
from articles.selectors import article_record, export_queryset
from articles.text import EXCERPT_FETCH_CHARS, excerpt
from clusters.models import Cluster

API_ROOT = "/api/v1/"


class Links:
    """Absolute URLs for one request (the host and scheme it came with)."""

    def __init__(self, request):
        self.base = request.build_absolute_uri("/").rstrip("/")

    def absolute(self, path_or_url: str | None) -> str | None:
        if not path_or_url:
            return None
        return self.base + path_or_url if path_or_url.startswith("/") else path_or_url

    def api(self, path: str = "", **params) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{self.base}{API_ROOT}{path}" + (f"?{urlencode(query)}" if query else "")


def local_iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


# When an article last changed for a reader: its last edit, or the moment it became visible if
# that is later (a scheduled article goes live without any write). Sync clients filter on it.


def changed_at(article_or_row) -> datetime.datetime:
    updated, published = article_or_row.updated_at, article_or_row.published_at
    if article_or_row.is_visible and published and published > updated:
        return published
    return updated


def changed_expression():
    return Case(
        When(visible_condition(), then=Greatest("updated_at", "published_at")),
        default=F("updated_at"),
    )


# Articles --------------------------------------------------------------------------------------


def summary_queryset(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """What a list item needs: issue and page, tags, clusters (in their order), a lead excerpt."""
    return (
        queryset.select_related("page__issue")
        .defer("lead")
        .annotate(lead_start=Left("lead", EXCERPT_FETCH_CHARS))
        .prefetch_related(
            Prefetch("clusters", queryset=Cluster.objects.order_by("position"), to_attr="cluster_list"),
            Prefetch("tags", to_attr="tag_list"),
        )
    )


def detail_queryset(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Everything a detail needs: the export's prefetches and the photos with photographers."""
    return export_queryset(queryset.select_related("page__issue")).prefetch_related(
        Prefetch("photos", queryset=Photo.objects.select_related("photographer"))
    )


@functools.cache
def _article_path_parts() -> tuple[str, str]:
    marker = 918273645
    head, tail = reverse("articles:detail", kwargs={"pk": marker}).split(str(marker))
    return head, tail


def article_path(pk: int) -> str:
    """The article's permalink (its get_absolute_url()), without a reverse() per article of a list."""
    head, tail = _article_path_parts()
    return f"{head}{pk}{tail}"


def _page(article) -> dict | None:
    page = article.page if article.page_id else None
    return {"number": page.number, "name": page.name} if page else None


def article_summary(article: Article, links: Links) -> dict:
    page = article.page if article.page_id else None
    issue = page.issue if page else None
    if hasattr(article, "lead_start"):
        lead_excerpt = excerpt(article.lead_start or "", continues=len(article.lead_start or "") >= EXCERPT_FETCH_CHARS)
    else:
        lead_excerpt = excerpt(article.lead)
    url = article_path(article.pk)
    clusters = article.cluster_list if hasattr(article, "cluster_list") else article.clusters.all()
    tags = article.tag_list if hasattr(article, "tag_list") else article.tags.all()
    return {
        "id": article.pk,
        "url": url,
        "canonical_url": links.absolute(url),
        "api_url": links.api(f"articles/{article.pk}"),
        "status": article.status,
        "published_at": local_iso(article.published_at),
        "updated_at": local_iso(changed_at(article)),
        "title": article.title,
        "kicker": article.kicker or None,
        "subtitle": article.subtitle or None,
        "excerpt": lead_excerpt,
        "issue_date": issue.date.isoformat() if issue else None,
        "issue_number": issue.number if issue else None,
        "page": _page(article),
        "clusters": [cluster.name for cluster in clusters],
        "tags": sorted(tag.name for tag in tags),
    }


def photo_record(photo: Photo, links: Links) -> dict:
    storage = photo.image.storage
    return {
        "id": photo.pk,
        "is_lead": photo.is_lead,
        "caption": photo.caption,
        "alt_text": photo.alt_text,
        "photographer": photo.photographer.name if photo.photographer_id else None,
        "width": photo.width,
        "height": photo.height,
        "url": links.absolute(photo.image.url) if photo.image else None,
        "renditions": [
            {
                "width": item["width"],
                "height": item["height"],
                "format": item["format"],
                "url": links.absolute(storage.url(item["name"])),
            }
            for item in rendition_records(photo)
        ],
    }


def article_detail(article: Article, links: Links) -> dict:
    """The export record (article_record) with what the API adds; use on detail_queryset() rows."""
    record = article_record(article)
    for section, shown in zip(article.sections.all(), record["sections"], strict=True):
        if shown["commentator"] is not None:
            shown["commentator"] = {"id": section.commentator_id, **shown["commentator"]}
    summary = article_summary(article, links)
    record.update(
        {
            "canonical_url": summary["canonical_url"],
            "api_url": summary["api_url"],
            "updated_at": summary["updated_at"],
            "excerpt": summary["excerpt"],
            "photos": [photo_record(photo, links) for photo in article.photos.all()],
            "withdrawn_reason": article.withdrawn_reason or None
            if article.status == Article.Status.WITHDRAWN
            else None,
        }
    )
    return record


def article_ref(article: Article, links: Links) -> dict:
    """An article as lists of other things name it (an issue's pages, a commentator's sections)."""
    lead_start = getattr(article, "lead_start", None)
    if lead_start is None:
        lead_start = article.lead
    url = article_path(article.pk)
    return {
        "id": article.pk,
        "api_url": links.api(f"articles/{article.pk}"),
        "canonical_url": links.absolute(url),
        "title": article.title,
        "kicker": article.kicker or None,
        "subtitle": article.subtitle or None,
        "excerpt": excerpt(lead_start, continues=len(lead_start) >= EXCERPT_FETCH_CHARS),
        "published_at": local_iso(article.published_at),
        "status": article.status,
    }


# Issues, clusters, people, tags ----------------------------------------------------------------


def issue_url(day: datetime.date) -> str:
    return reverse("articles:issue", kwargs={"date": day.isoformat()})


def cluster_summary(cluster: Cluster, article_count: int, links: Links) -> dict:
    return {
        "slug": cluster.slug,
        "name": cluster.name,
        "short_name": cluster.short_name,
        "summary": cluster.summary,
        "article_count": article_count,
        "url": links.absolute(cluster.get_absolute_url()),
        "api_url": links.api(f"clusters/{cluster.slug}"),
        "articles_api_url": links.api("articles", cluster=cluster.slug),
    }


def commentator_summary(person, section_count: int, links: Links) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "title": person.title,
        "affiliation": person.affiliation,
        "body": person.body,
        "section_count": section_count,
        "url": links.absolute(person.get_absolute_url()),
        "api_url": links.api(f"commentators/{person.pk}"),
    }


def tag_summary(tag, article_count: int, links: Links) -> dict:
    return {
        "name": tag.name,
        "slug": tag.slug,
        "article_count": article_count,
        "url": links.absolute(reverse("articles:tag", kwargs={"slug": tag.slug})),
        "articles_api_url": links.api("articles", tag=tag.name),
    }
