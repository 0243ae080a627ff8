"""The article page: rendered once per version of the article, kept in the database.

The article page is the most-read page, and archive readers ask for a different article on
nearly every request, so a per-process cache of recent pages does little for them. The page is
therefore rendered once per version of the article and stored (``ArticleRendering``); a reader's
request is then one plain SQL query — is the article visible, its version, its previous and next
visible articles in the issue, and the stored page if it matches the version — and two string
substitutions: the request's origin into the absolute URLs (canonical, og:url, JSON-LD, the
citation) and the previous/next links, which change when a neighbour goes live, into their slot.

The query is written as plain SQL because building the equivalent ORM queries costs more than
running them. A version not rendered yet (the first view after an edit or a bulk import) is
read with everything it shows (one query on PostgreSQL, articles.loading), rendered and stored with one upsert. Edits to records that do not
raise the article's version (a commentator, contributor, cluster or tag renamed, a photo saved)
delete the stored pages they appear on (``connect()``, from the app's ``ready()``); a page showing
a photo whose renditions are still being made is kept only for RENDERING_PENDING_SECONDS.
"""

import datetime
import functools
import hashlib
import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import prefetch_related_objects
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html

from articles.loading import load_for_page
from articles.models import Article, ArticleRendering, Issue, Page, PageRegion, detail_prefetches, visible_sql
from articles.signals import bulk_load_finished
from articles.site import presentation
from hengyang_cms.http import RECENT_MAX_AGE, cache_publicly, max_age_for, with_validators

logger = logging.getLogger(__name__)

# Kept for compatibility with callers that named the old per-process cache's lifetime.
ARTICLE_CACHE_SECONDS = 600
# A stored page that shows a photo whose renditions are not written yet is used this long.
RENDERING_PENDING_SECONDS = 60
# What a sharing card's image says when it is the paper's seal rather than a photo.
PAPER_NAME_ALT = f"{presentation.PAPER_NAME}标志"
# Stands for "scheme://host" in a stored page; replaced by the request's origin when served.
ORIGIN_PLACEHOLDER = "https://origin.hengyang-rendering.invalid"
# Stands for the previous/next links in a stored page.
PREV_NEXT_SLOT = "<!--hengyang:prev-next-->"
# Stands for the links to the article's e-paper pages (regions change without the article).
EPAPER_SLOT = "<!--hengyang:epaper-->"
# Raise when the stored pages' format changes in a way templates and static files do not show.
RENDERING_FORMAT = "2"
SHELL_TEMPLATES = [
    "articles/article_detail.html",
    "base.html",
    "includes/header.html",
    "includes/footer.html",
    "includes/photo.html",
]


@functools.cache
def shell_key() -> str:
    """What the stored pages were made with: this format, the templates' text, the static URLs.

    A deployment that changes a template or a stylesheet (hashed static names) changes this key,
    and every stored page is rendered again on its next view.
    """
    parts = [RENDERING_FORMAT, static("css/site.css"), static("js/cite.js"), static(presentation.LOGO.path)]
    for name in SHELL_TEMPLATES:
        template = get_template(name)
        parts.append(getattr(getattr(template, "template", template), "source", name))
    return hashlib.sha1("\x00".join(parts).encode()).hexdigest()


def page_state_sql(now, shell: str) -> tuple[str, list]:
    """One query: the visible article's state, its neighbours in print order and its stored page."""
    visible_article, article_params = visible_sql("a", now=now)
    visible_before, before_params = visible_sql("b", now=now)
    visible_after, after_params = visible_sql("c", now=now)
    # The pages of the issue where the article has a region (转版: continued on another page).
    page_list = "string_agg(rp.number, ',')" if connection.vendor == "postgresql" else "group_concat(rp.number, ',')"
    sql = f"""
SELECT a.version, a.updated_at, i.date, a.published_at,
       prev.id, prev.title, nxt.id, nxt.title, r.html, p.number,
       (SELECT {page_list} FROM articles_page rp
         WHERE rp.issue_id = p.issue_id
           AND EXISTS (SELECT 1 FROM articles_pageregion pr WHERE pr.page_id = rp.id AND pr.article_id = a.id))
  FROM articles_article a
  LEFT JOIN articles_page p ON p.id = a.page_id
  LEFT JOIN articles_issue i ON i.id = p.issue_id
  LEFT JOIN articles_article prev ON prev.id = (
       SELECT b.id FROM articles_article b JOIN articles_page bp ON bp.id = b.page_id
        WHERE bp.issue_id = p.issue_id AND {visible_before}
          AND (bp.number < p.number OR (bp.number = p.number AND (b.position < a.position
               OR (b.position = a.position AND b.id < a.id))))
        ORDER BY bp.number DESC, b.position DESC, b.id DESC LIMIT 1)
  LEFT JOIN articles_article nxt ON nxt.id = (
       SELECT c.id FROM articles_article c JOIN articles_page cp ON cp.id = c.page_id
        WHERE cp.issue_id = p.issue_id AND {visible_after}
          AND (cp.number > p.number OR (cp.number = p.number AND (c.position > a.position
               OR (c.position = a.position AND c.id > a.id))))
        ORDER BY cp.number, c.position, c.id LIMIT 1)
  LEFT JOIN articles_articlerendering r ON r.article_id = a.id AND r.version = a.version
       AND r.article_updated_at = a.updated_at AND r.shell = %s
       AND (r.expires_at IS NULL OR r.expires_at > %s)
 WHERE a.id = %s AND {visible_article}
"""
    return sql, [*before_params, *after_params, shell, now, "PK", *article_params]


def _as_datetime(value):
    if isinstance(value, str):  # SQLite hands raw SQL text or naive UTC datetimes
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _as_date(value):
    return parse_date(value) if isinstance(value, str) else value


def state_cursor():
    """A cursor for the state query: on PostgreSQL one that binds on the server, so psycopg prepares it.

    Planning the query (its two neighbour subqueries) cost the server about 1.3 ms against 0.2 ms
    to run it; prepared (once per connection) the plan is
    kept per connection. Django's own cursors bind on the client unless the whole database is
    configured with server_side_binding, which the rest of the ORM is not measured with; so
    only this query gets a server-binding cursor, wrapped as Django wraps its cursors (query
    logging, test query counts). Behind a PgBouncer in transaction mode prepared statements need
    PgBouncer 1.21+ (max_prepared_statements) or ARTICLE_PAGE_PREPARED = False.
    """
    if connection.vendor != "postgresql" or not getattr(settings, "ARTICLE_PAGE_PREPARED", True):
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's setting: psycopg then prepares nothing, even when asked
        raw.prepare_threshold = 1_000_000  # still nothing on its own; Django's client-side cursors never prepare
    return connection._prepare_cursor(_prepared_cursor_class()(raw))


@functools.cache
def _prepared_cursor_class():
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        """Prepares every query it runs (Django's connections set no prepare threshold)."""

        def execute(self, query, params=None, **kwargs):
            kwargs["prepare"] = True
            return super().execute(query, params, **kwargs)

    return PreparedCursor


def page_state(pk: int):
    """The visible article's state as a dict, or None when readers cannot see it (or it is not there)."""
    now = timezone.now()
    sql, params = page_state_sql(now, shell_key())
    params[params.index("PK")] = pk
    with state_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    version, updated_at, issue_date, published_at, prev_id, prev_title, next_id, next_title, html, number, regions = row
    return {
        "pk": pk,
        "version": version,
        "updated_at": _as_datetime(updated_at),
        "day": _as_date(issue_date) or timezone.localdate(_as_datetime(published_at)),
        "previous": {"pk": prev_id, "title": prev_title} if prev_id is not None else None,
        "next": {"pk": next_id, "title": next_title} if next_id is not None else None,
        "html": html,
        "epaper": epaper_pages(_as_date(issue_date), number, regions.split(",") if regions else []),
    }


def origin_of(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def prev_next_html(previous_article, next_article) -> str:
    if not (previous_article or next_article):
        return ""
    links = [
        format_html(
            '<a rel="{}" href="{}"><span class="label">{}</span>{}</a>',
            rel,
            reverse("articles:detail", args=[item["pk"]]),
            label,
            item["title"],
        )
        for rel, label, item in (("prev", "上一篇", previous_article), ("next", "下一篇", next_article))
        if item
    ]
    return '<nav class="prev-next" aria-label="同期稿件">\n      ' + "\n      ".join(links) + "\n    </nav>"


def epaper_pages(day, number, region_numbers) -> list[dict]:
    """The article's printed pages in the e-paper: its own page, then pages it is continued on."""
    if day is None or number is None:
        return []
    numbers = [number, *sorted(set(region_numbers) - {number})]
    return [{"day": day, "number": n, "continued": n != number} for n in numbers]


def epaper_html(pk: int, pages: list[dict]) -> str:
    """Links to the article on its e-paper pages, its region highlighted (见第A04版 · 转第A05版)."""
    if not pages:
        return ""
    links = [
        format_html(
            '<a href="{}#article-{}">{}第{}版</a>',
            reverse("articles:epaper_page", kwargs={"date": page["day"].isoformat(), "page": page["number"]}),
            pk,
            "转" if page["continued"] else "见",
            page["number"],
        )
        for page in pages
    ]
    return '<span class="epaper-links">' + " · ".join(links) + "</span>"


def page_etag(state: dict, origin: str) -> str:
    previous_article, next_article = state["previous"], state["next"]
    fingerprint = "|".join(
        [
            str(state["pk"]),
            str(state["version"]),
            state["updated_at"].isoformat(),
            ",".join(f"{s['pk']}:{s['title']}" for s in (previous_article, next_article) if s),
            ",".join(p["number"] for p in state["epaper"]),
            shell_key(),
            origin,
        ]
    )
    return '"' + hashlib.sha1(fingerprint.encode()).hexdigest() + '"'


def serve_article(request, pk: int):
    """The public article page: one query when its version is stored, 3 when it is rendered now (PostgreSQL)."""
    state = page_state(pk)
    if state is None:  # not visible: 404, or 410 with the reason for a withdrawn article
        article = Article.objects.filter(pk=pk).first()
        if article is None:
            raise Http404("没有这篇稿件。")
        return render_article(request, article)
    origin = origin_of(request)
    etag = page_etag(state, origin)
    last_modified = int(state["updated_at"].timestamp())
    max_age = max_age_for(state["day"])
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return cache_publicly(with_validators(not_modified, etag, last_modified), max_age)
    stored = state["html"]
    if stored is None:
        article = load_for_page([pk]).get(pk)
        if article is None:  # deleted since the first query
            raise Http404("没有这篇稿件。")
        stored = store_rendering(request, article)
    html = (
        stored.replace(ORIGIN_PLACEHOLDER, origin)
        .replace(PREV_NEXT_SLOT, prev_next_html(state["previous"], state["next"]), 1)
        .replace(EPAPER_SLOT, epaper_html(pk, state["epaper"]), 1)
    )
    return cache_publicly(with_validators(HttpResponse(html), etag, last_modified), max_age)


def store_rendering(request, article) -> str:
    """Render the article's page for any origin and neighbours, and store it for its version."""
    html, pending = render_article_html(
        request, article, None, None, preview=False, origin=ORIGIN_PLACEHOLDER, stored=True
    )
    now = timezone.now()
    expires_at = now + datetime.timedelta(seconds=RENDERING_PENDING_SECONDS) if pending else None
    ops = connection.ops
    table = ArticleRendering._meta.db_table
    values = "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    if connection.vendor == "postgresql":
        # A stored page lost in a crash is rendered again on its next view, so the reader need not
        # wait for this write to reach the disk: synchronous_commit off for this statement's own
        # transaction, set in the statement itself (one round trip, no BEGIN/SET/COMMIT).
        values = "SELECT %s, %s, %s, %s, %s, %s, %s FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lazy"
    sql = f"""
INSERT INTO {table} (article_id, version, article_updated_at, shell, html, rendered_at, expires_at)
{values}
ON CONFLICT (article_id) DO UPDATE SET version = excluded.version,
    article_updated_at = excluded.article_updated_at, shell = excluded.shell, html = excluded.html,
    rendered_at = excluded.rendered_at, expires_at = excluded.expires_at
 WHERE {table}.version <= excluded.version
"""
    params = [
        article.pk,
        article.version,
        ops.adapt_datetimefield_value(article.updated_at),
        shell_key(),
        html,
        ops.adapt_datetimefield_value(now),
        ops.adapt_datetimefield_value(expires_at),
    ]
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:  # a read-only replica, a lock: serve the page anyway
        logger.warning("could not store the rendering of article %s", article.pk, exc_info=True)
    return html


def forget_renderings(articles) -> None:
    """Drop the stored pages of these articles (a queryset or a list of ids)."""
    ArticleRendering.objects.filter(article__in=articles).delete()


def connect() -> None:
    """Drop stored pages when something they show changes without raising the article's version."""
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import Tag, TaggedItem

    from articles.models import Commentator, Contributor, Credit, Photo, Section
    from clusters.models import Cluster

    def article_of(sender, instance, **kwargs):
        if instance.article_id:
            forget_renderings([instance.article_id])

    def by_commentator(sender, instance, **kwargs):
        forget_renderings(Article.objects.filter(sections__commentator=instance).values("pk"))

    def by_contributor(sender, instance, **kwargs):
        forget_renderings(Article.objects.filter(credits__contributor=instance).values("pk"))
        forget_renderings(Article.objects.filter(photos__photographer=instance).values("pk"))

    def by_cluster(sender, instance, **kwargs):
        forget_renderings(Article.objects.filter(clusters=instance).values("pk"))

    def by_tag(sender, instance, **kwargs):
        forget_renderings(Article.objects.filter(tags=instance).values("pk"))

    def tagged(sender, instance, **kwargs):
        if instance.content_type_id == ContentType.objects.get_for_model(Article).pk:
            forget_renderings([instance.object_id])

    def relation_changed(sender, instance, action, pk_set, **kwargs):
        if not action.startswith("post_"):
            return
        if isinstance(instance, Article):
            forget_renderings([instance.pk])
        elif pk_set:
            forget_renderings(list(pk_set))

    for model in (Section, Credit, Photo):
        post_save.connect(article_of, sender=model, weak=False, dispatch_uid=f"rendering-{model.__name__}-save")
        post_delete.connect(article_of, sender=model, weak=False, dispatch_uid=f"rendering-{model.__name__}-del")
    for model, receiver in ((Commentator, by_commentator), (Contributor, by_contributor), (Cluster, by_cluster)):
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"rendering-{model.__name__}-save")
    post_save.connect(by_tag, sender=Tag, weak=False, dispatch_uid="rendering-Tag-save")
    for signal, name in ((post_save, "save"), (post_delete, "del")):
        signal.connect(tagged, sender=TaggedItem, weak=False, dispatch_uid=f"rendering-TaggedItem-{name}")
    m2m_changed.connect(
        relation_changed, sender=Article.clusters.through, weak=False, dispatch_uid="rendering-clusters"
    )
    bulk_load_finished.connect(analyze_after_bulk_load, dispatch_uid="rendering-analyze")


def analyze_after_bulk_load(sender, **kwargs) -> None:
    """Refresh the planner's statistics once a large load has ended, of every table it wrote.

    Before the autovacuum daemon gets round to it, PostgreSQL plans from the statistics of almost
    empty tables: the state query's neighbour lookups read the whole visibility index for each
    page of the issue (2.8 ms instead of 0.2 ms at 5,000 articles, growing with the archive), and
    the search index's rebuild that follows the load, which reads sections, credits and cluster
    links 500 articles at a time, expected tens of thousands of rows per article and scanned
    those tables whole in parallel (370 articles/s instead of thousands at a million). Runs
    before that rebuild: it is sent at once, the rebuild waits for the commit.
    """
    from articles.models import Commentator, Contributor, Credit, Section

    tables = [model._meta.db_table for model in (Issue, Page, Article, Section, Credit, Commentator, Contributor)]
    tables.append(Article.clusters.through._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def render_article(request, article, *, preview=False):
    """The public article page rendered from the ORM, not stored (previews, and what readers cannot see).

    With preview=True (staff only; the caller checks permissions) any status renders, marked
    "预览", and the response is never cached. Without it, a withdrawn article answers 410 with a
    short notice and the reason, and anything else not visible to readers answers 404; a visible
    article is served as serve_article() serves it.
    """
    if not preview:
        if article.status == Article.Status.WITHDRAWN:
            response = render(request, "410.html", {"reason": article.withdrawn_reason}, status=410)
            return cache_publicly(response, RECENT_MAX_AGE)
        if not article.is_visible:
            raise Http404("没有这篇稿件。")
        return serve_article(request, article.pk)

    siblings = issue_siblings(article)
    previous_article, next_article = neighbours(article, siblings)
    html, _ = render_article_html(
        request, article, previous_article, next_article, preview=True, origin=origin_of(request)
    )
    response = HttpResponse(html)
    patch_cache_control(response, private=True, no_store=True)
    return response


def article_epaper_pages(article) -> list[dict]:
    if not article.page_id:
        return []
    issue = article.page.issue
    numbers = PageRegion.objects.filter(article=article, page__issue=issue).values_list("page__number", flat=True)
    return epaper_pages(issue.date, article.page.number, list(numbers))


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


def absolute(origin: str, url: str) -> str:
    """A URL as request.build_absolute_uri() makes it, for a given origin."""
    if url.startswith(("http://", "https://", "//")):
        return url
    return origin + url


def render_article_html(
    request, article, previous_article, next_article, *, preview, origin, stored=False
) -> tuple[str, bool]:
    """The page's HTML, and whether it shows something still being made (photo renditions).

    stored=True leaves the previous/next links as a slot for serve_article() to fill.
    """
    prefetch_related_objects([article], *detail_prefetches())  # skips what the caller prefetched
    url = absolute(origin, article.get_absolute_url())
    photos = list(article.photos.all())
    lead_photo = next((p for p in photos if p.is_lead), None)
    gallery = [p for p in photos if p is not lead_photo]
    with_images = [p for p in photos if p.image]
    image_urls = [absolute(origin, p.image.url) for p in with_images]
    logo_url = absolute(origin, static(presentation.LOGO.path))
    fallback = presentation.FALLBACK_IMAGE
    fallback_url = absolute(origin, static(fallback.path))
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
        "prev_next": PREV_NEXT_SLOT if stored else prev_next_html(previous_article, next_article),
        "epaper_links": EPAPER_SLOT if stored else epaper_html(article.pk, article_epaper_pages(article)),
    }
    pending = any((p.renditions or {}).get("source") != p.image.name for p in with_images)
    return render_to_string("articles/article_detail.html", context, request=request), pending
