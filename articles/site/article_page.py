"""The article page: rendered for readers and previews, and kept with a cheap freshness check.

The article page is the most-read page: a cached copy is served after one small query that says
whether the copy is still right (the article's version and its issue's state), written as plain
SQL because building the equivalent ORM queries costs more than running them.
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import get_conditional_response, get_max_age, patch_cache_control

from articles.models import Article, detail_prefetches, visible_sql
from articles.site import presentation
from hengyang_cms.http import RECENT_MAX_AGE, cache_publicly, max_age_for, with_validators

# The article page's response is kept this long under a key that changes with the article and
# the articles of its issue: an edit, a withdrawal or a neighbour going live shows at once; a
# change to related records that does not touch the article (a commentator renamed) within
# this time. The ETag also rolls over with this period.
ARTICLE_CACHE_SECONDS = 600
# What a sharing card's image says when it is the paper's seal rather than a photo.
PAPER_NAME_ALT = f"{presentation.PAPER_NAME}标志"


def freshness_sql(now) -> tuple[str, list]:
    """The article's version, its issue's latest change and visible count, if the article is visible."""
    visible_neighbour, neighbour_params = visible_sql("c", now=now)
    visible_article, article_params = visible_sql("a", now=now)
    sql = f"""
SELECT a.version, a.updated_at, i.date,
       (SELECT MAX(b.updated_at) FROM articles_article b
          JOIN articles_page bp ON bp.id = b.page_id WHERE bp.issue_id = p.issue_id),
       (SELECT COUNT(*) FROM articles_article c
          JOIN articles_page cp ON cp.id = c.page_id
         WHERE cp.issue_id = p.issue_id AND {visible_neighbour})
  FROM articles_article a
  LEFT JOIN articles_page p ON p.id = a.page_id
  LEFT JOIN articles_issue i ON i.id = p.issue_id
 WHERE a.id = %s AND {visible_article}
"""
    return sql, [*neighbour_params, "PK", *article_params]


def cached_article_key(request, pk: int) -> str | None:
    """The cache key of the page as it must look now, or None when the article is not visible."""
    sql, params = freshness_sql(timezone.now())
    params[params.index("PK")] = pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    state = "|".join(str(value) for value in (pk, *row, request.get_host(), request.scheme))
    return "article-response:" + hashlib.sha1(state.encode()).hexdigest()


def cached_response(request, key: str | None):
    """The kept response for a freshness key, answering a conditional GET, or None."""
    if key is None or (cached := cache.get(key)) is None:
        return None
    etag, last_modified, max_age, html = cached
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    response = response or HttpResponse(html)
    return cache_publicly(with_validators(response, etag, last_modified), max_age)


def keep_response(key: str | None, article, response) -> None:
    if key is not None and response.status_code == 200:
        last_modified = int(article.updated_at.timestamp())
        cached = (response["ETag"], last_modified, get_max_age(response), response.content)
        cache.set(key, cached, ARTICLE_CACHE_SECONDS)


def render_article(request, article, *, preview=False):
    """The public article page.

    With preview=True (staff only; the caller checks permissions) any status renders, marked
    "预览", and the response is never cached. Without it, a withdrawn article answers 410 with a
    short notice and the reason, and anything else not visible to readers answers 404.
    """
    if not preview:
        if article.status == Article.Status.WITHDRAWN:
            response = render(request, "410.html", {"reason": article.withdrawn_reason}, status=410)
            return cache_publicly(response, RECENT_MAX_AGE)
        if not article.is_visible:
            raise Http404("没有这篇稿件。")

    siblings = issue_siblings(article)
    previous_article, next_article = neighbours(article, siblings)
    if preview:
        response = HttpResponse(render_article_html(request, article, previous_article, next_article, preview=True))
        patch_cache_control(response, private=True, no_store=True)
        return response

    fingerprint = "|".join(
        [
            str(article.pk),
            str(article.version),
            article.updated_at.isoformat(),
            ",".join(f"{s['pk']}:{s['title']}" for s in (previous_article, next_article) if s),
            str(int(timezone.now().timestamp()) // ARTICLE_CACHE_SECONDS),
            request.get_host(),
            request.scheme,
        ]
    )
    etag = '"' + hashlib.sha1(fingerprint.encode()).hexdigest() + '"'
    last_modified = int(article.updated_at.timestamp())
    max_age = max_age_for(article.page.issue.date if article.page_id else timezone.localdate(article.published_at))

    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return cache_publicly(with_validators(not_modified, etag, last_modified), max_age)

    html = render_article_html(request, article, previous_article, next_article, preview=False)
    return cache_publicly(with_validators(HttpResponse(html), etag, last_modified), max_age)


def issue_siblings(article) -> list[dict]:
    """The visible articles of the article's issue in print order (ids and titles only).

    Read through the page index and filtered in Python, as in issue_articles().
    """
    if not article.page_id:
        return []
    in_issue = (
        Article.objects.filter(page__issue_id=article.page.issue_id)
        .order_by("page__number", "position", "pk")
        .only("pk", "title", "status", "published_at")
    )
    return [{"pk": a.pk, "title": a.title} for a in in_issue if a.is_visible]


def neighbours(article, siblings):
    ids = [s["pk"] for s in siblings]
    if article.pk not in ids:  # a preview of an article not yet visible
        return None, None
    i = ids.index(article.pk)
    return (siblings[i - 1] if i > 0 else None), (siblings[i + 1] if i + 1 < len(siblings) else None)


def render_article_html(request, article, previous_article, next_article, *, preview) -> str:
    prefetch_related_objects([article], *detail_prefetches())  # skips what the caller prefetched
    url = request.build_absolute_uri(article.get_absolute_url())
    photos = list(article.photos.all())
    lead_photo = next((p for p in photos if p.is_lead), None)
    gallery = [p for p in photos if p is not lead_photo]
    with_images = [p for p in photos if p.image]
    image_urls = [request.build_absolute_uri(p.image.url) for p in with_images]
    logo_url = request.build_absolute_uri(static(presentation.LOGO.path))
    fallback = presentation.FALLBACK_IMAGE
    fallback_url = request.build_absolute_uri(static(fallback.path))
    if with_images:
        first = with_images[0]
        og_image = {"url": image_urls[0], "width": first.width, "height": first.height, "alt": first.alt_text}
    else:
        og_image = {"url": fallback_url, "width": fallback.width, "height": fallback.height, "alt": PAPER_NAME_ALT}
    sections = [
        {
            "section": section,
            "commentator_title": section.commentator_title
            or (section.commentator.title if section.commentator else ""),
            "blocks": presentation.blocks(section.paragraphs),
        }
        for section in article.sections.all()
    ]
    lead = article.lead_paragraphs
    context = {
        "article": article,
        "preview": preview,
        "canonical_url": url,
        "credit_groups": presentation.credit_groups(article.credits.all()),
        "print_line": presentation.print_line(article),
        "lead_blocks": presentation.blocks(lead),
        "description": presentation.excerpt(
            lead[0] if lead else article.subtitle or article.title, presentation.META_DESCRIPTION_CHARS
        ),
        "sections": sections,
        "lead_photo": lead_photo,
        "gallery": gallery,
        "og_image": og_image,
        "citation": presentation.citation(article, url),
        "json_ld": presentation.json_ld(
            presentation.news_article_data(
                article, url=url, image_urls=image_urls, logo_url=logo_url, fallback_image_url=fallback_url
            )
        ),
        "previous_article": previous_article,
        "next_article": next_article,
    }
    return render_to_string("articles/article_detail.html", context, request=request)
