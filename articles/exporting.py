"""Articles as JSON records (DESIGN.md's article schema plus id, url, status, time, issue, page, tags).

The records import back unchanged: export → import into an empty database → export gives the
same lines apart from ``id`` and ``url``.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from articles.models import Article
from clusters.models import Cluster


def export_queryset(queryset: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Everything a record needs, fetched in a constant number of queries per chunk."""
    queryset = Article.objects.all() if queryset is None else queryset
    return queryset.with_people().prefetch_related(
        Prefetch("clusters", queryset=Cluster.objects.order_by("position")),
        "tags",
    )


def credit_groups(credits) -> list[dict]:
    """Consecutive credits with the same role make one group, in print order."""
    groups: list[dict] = []
    for credit in credits:
        if groups and groups[-1]["role"] == credit.role:
            groups[-1]["names"].append(credit.contributor.name)
        else:
            groups.append({"role": credit.role, "names": [credit.contributor.name]})
    return groups


def article_record(article: Article) -> dict:
    """One article as a JSON-ready dict; use on articles from export_queryset() to avoid extra queries."""
    page = article.page
    issue = page.issue if page else None
    published_at = timezone.localtime(article.published_at).isoformat() if article.published_at else None
    return {
        "id": article.pk,
        "url": article.get_absolute_url(),
        "status": article.status,
        "published_at": published_at,
        "issue_date": issue.date.isoformat() if issue else None,
        "issue_number": issue.number if issue else None,
        "page": {"number": page.number, "name": page.name} if page else None,
        "tags": sorted(tag.name for tag in article.tags.all()),
        "title": article.title,
        "kicker": article.kicker or None,
        "subtitle": article.subtitle or None,
        "credits": credit_groups(article.credits.all()),
        "lead": article.lead_paragraphs,
        "sections": [
            {
                "heading": section.heading,
                "commentator": (
                    {
                        "title": section.commentator_title,
                        "name": section.commentator.name,
                    }
                    if section.commentator
                    else None
                ),
                "paragraphs": section.paragraphs,
            }
            for section in article.sections.all()
        ],
        "clusters": [cluster.name for cluster in article.clusters.all()],
    }


def iter_article_records(queryset: QuerySet[Article] | None = None, chunk_size: int = 500) -> Iterator[dict]:
    """Stream records in id order, prefetching one chunk at a time so memory stays flat."""
    queryset = (Article.objects.all() if queryset is None else queryset).order_by("pk")
    last_pk = 0
    while True:
        chunk = list(export_queryset(queryset.filter(pk__gt=last_pk))[:chunk_size])
        if not chunk:
            return
        for article in chunk:
            yield article_record(article)
        last_pk = chunk[-1].pk
