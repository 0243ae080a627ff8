"""The public site: today's paper, past issues, articles, commentators, tags.

Everything a reader sees passes the visibility rule: Article.objects.visible() for lists,
visible_through() where articles are reached through a join (sections, counts, milestones),
Article.is_visible for the few dozen rows of one issue. So drafts, pieces in review, scheduled
pieces whose time has not come and withdrawn pieces show nowhere: not in lists, counts,
prev/next links or a commentator's page. Each page runs a fixed number of queries whatever the
amount of content (tests pin the counts).
"""

import calendar
import hashlib
import time
from datetime import date
from itertools import groupby

from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Max,
    Prefetch,
    Q,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Left
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, get_max_age, patch_cache_control
from django.utils.functional import cached_property
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from taggit.models import Tag

from articles import presentation
from articles.models import Article, Commentator, Issue, Section, detail_prefetches
from clusters.models import Cluster

PAGE_SIZE = 20
EXCERPT_CHARS = 90

# How long browsers and a CDN may keep a page without asking again. The home page changes
# through the day; an issue more than a week old almost never changes.
HOME_MAX_AGE = 60
PAGE_KEEP_SECONDS = 60  # HTML of the home and cluster pages kept server-side
RECENT_MAX_AGE = 300
OLD_MAX_AGE = 60 * 60 * 24
OLD_AFTER_DAYS = 7

# The article page's response is kept this long under a key that changes with the article and
# the articles of its issue: an edit, a withdrawal or a neighbour going live shows at once; a
# change to related records that does not touch the article (a commentator renamed) within
# this time. The ETag also rolls over with this period.
ARTICLE_CACHE_SECONDS = 600

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]


COUNT_SECONDS = 60


class ListPaginator(Paginator):
    """A paginator that counts a list of articles once a minute, not on every request.

    Counting a cluster's or a tag's visible articles reads all of them, which grows with the
    archive; the count is kept under a key made of the list's name, the newest change to any
    article (so an edit, publication or withdrawal counts again at once) and the minute (so a
    scheduled article that goes live is counted within a minute).
    """

    def __init__(self, *args, count_key: str, newest_change=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key
        self.newest_change = newest_change

    @cached_property
    def count(self):
        newest_change = self.newest_change or Article.objects.aggregate(newest=Max("updated_at"))["newest"]
        fingerprint = f"{self.count_key}|{newest_change}|{int(time.time() // COUNT_SECONDS)}"
        key = "list-count:" + hashlib.sha1(fingerprint.encode()).hexdigest()
        count = cache.get(key)
        if count is None:
            count = super().count
            cache.set(key, count, COUNT_SECONDS * 2)
        return count


def paginate(request, queryset, per_page=PAGE_SIZE, *, count_key: str, newest_change=None):
    """The requested page of a list; a page that is not a number or out of range is a 404.

    ``count_key`` names the list (with what selects it: a cluster's id, a tag's id) for the
    kept count; ``newest_change`` (the newest updated_at of any article) spares a query where
    the caller has it already.
    """
    paginator = ListPaginator(queryset, per_page, count_key=count_key, newest_change=newest_change)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("没有这一页。") from exc


def max_age_for(day: date | None) -> int:
    if day is None:
        return RECENT_MAX_AGE
    return OLD_MAX_AGE if (timezone.localdate() - day).days > OLD_AFTER_DAYS else RECENT_MAX_AGE


def cache_publicly(response, max_age: int):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def with_validators(response, etag: str, last_modified: int):
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    return response


def visible_through(prefix: str) -> Q:
    """Article.objects.visible() as a condition on a related article, e.g. visible_through("article__").

    A join condition instead of `article__in=Article.objects.visible()` lets the database walk
    the newest articles first and stop early; tests check it selects exactly what visible() does.
    """
    return Q(
        **{
            f"{prefix}status__in": [Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            f"{prefix}published_at__lte": timezone.now(),
        }
    )


def visible_listing():
    """Visible articles with what a list shows: issue and page, and a short excerpt of the lead."""
    return Article.objects.visible().for_listing().annotate(excerpt=Left("lead", EXCERPT_CHARS))


def issues_with_visible_articles():
    """Issues a reader may open: those with at least one visible article.

    An uncorrelated IN rather than EXISTS per issue: without table statistics SQLite's planner
    runs a correlated EXISTS through the status index once per issue (a minute at 20,000
    articles), while the set of issue ids is one pass over the visible articles.
    """
    on_pages = Article.objects.visible().filter(page__isnull=False)
    return Issue.objects.filter(pk__in=on_pages.values("page__issue_id"))


def commentaries():
    """Sections a commentator wrote in visible articles, newest first, without the body text."""
    return (
        Section.objects.filter(visible_through("article__"), commentator__isnull=False)
        .select_related("commentator", "article__page__issue")
        .defer("body", "article__lead")
        .annotate(excerpt=Left("body", EXCERPT_CHARS))
        .order_by("-article__published_at", "-article_id", "position")
    )


def kept_page_key(request, name: str) -> tuple[str | None, object]:
    """A cache key for the HTML of a public page of lists, and the newest change to any article.

    The key includes that newest change, so an edit, publication or withdrawal shows at once;
    kept for PAGE_KEEP_SECONDS, a scheduled article appears within that of its time, and an
    edit to what else the page shows (a cluster's projects, say) too. No key for a page number
    that is not one (the view answers 404 for it).
    """
    page_number = request.GET.get("page") or "1"
    if not (page_number.isascii() and page_number.isdigit() and len(page_number) < 6):
        return None, None
    newest_change = Article.objects.aggregate(newest=Max("updated_at"))["newest"]
    fingerprint = f"{request.scheme}://{request.get_host()}|{name}|{page_number}|{newest_change}"
    return "kept-page:" + hashlib.sha1(fingerprint.encode()).hexdigest(), newest_change


@require_safe
def home(request):
    """Today's paper, the eight clusters, the latest commentaries and the latest articles.

    The page is read far more than anything changes, so its HTML is kept for HOME_MAX_AGE under
    a key that includes the newest change to any article: an edit, publication or withdrawal
    shows at once; a scheduled article appears within HOME_MAX_AGE of its time.
    """
    cache_key, newest_change = kept_page_key(request, "home")
    if cache_key and (html := cache.get(cache_key)) is not None:
        return cache_publicly(HttpResponse(html), HOME_MAX_AGE)

    latest_issue = issues_with_visible_articles().order_by("-date").first()
    clusters = Cluster.objects.prefetch_related(
        Prefetch(
            "articles",
            # Sliced prefetch: the three newest per cluster in one query (a window function).
            queryset=Article.objects.visible().for_listing().order_by("-published_at", "-pk")[:3],
            to_attr="latest_articles",
        )
    )
    context = {
        "latest_issue": latest_issue,
        "issue_articles": issue_articles(latest_issue) if latest_issue else [],
        "clusters": clusters,
        "commentaries": commentaries()[:6],
        "latest": paginate(
            request,
            visible_listing().order_by("-published_at", "-pk"),
            count_key="latest",
            newest_change=newest_change,
        ),
    }
    html = render_to_string("articles/home.html", context, request=request)
    if cache_key:
        cache.set(cache_key, html, PAGE_KEEP_SECONDS)
    return cache_publicly(HttpResponse(html), HOME_MAX_AGE)


def issue_articles(issue) -> list:
    """The visible articles of an issue in print order, with what a list shows.

    An issue holds a few dozen articles: they are read through the page index and filtered with
    is_visible here, so the plan does not depend on the database's statistics (SQLite without
    ANALYZE would otherwise walk the status index over the whole archive).
    """
    in_issue = (
        Article.objects.for_listing()
        .annotate(excerpt=Left("lead", EXCERPT_CHARS))
        .filter(page__issue=issue)
        .order_by("page__number", "position", "pk")
    )
    return [a for a in in_issue if a.is_visible]


# The article page is the most-read page: a cached copy is served after one small query that
# says whether the copy is still right (the article's version and its issue's state), written as
# plain SQL because building the equivalent ORM queries costs more than running them.
# Visibility is computed in the query, as in Article.objects.visible().
FRESHNESS_SQL = """
SELECT a.version, a.updated_at, i.date,
       (SELECT MAX(b.updated_at) FROM articles_article b
          JOIN articles_page bp ON bp.id = b.page_id WHERE bp.issue_id = p.issue_id),
       (SELECT COUNT(*) FROM articles_article c
          JOIN articles_page cp ON cp.id = c.page_id
         WHERE cp.issue_id = p.issue_id AND c.status IN (%s, %s) AND c.published_at <= %s)
  FROM articles_article a
  LEFT JOIN articles_page p ON p.id = a.page_id
  LEFT JOIN articles_issue i ON i.id = p.issue_id
 WHERE a.id = %s AND a.status IN (%s, %s) AND a.published_at <= %s
"""
VISIBLE_STATUSES = (Article.Status.PUBLISHED, Article.Status.SCHEDULED)


def _cached_article_key(request, pk: int) -> str | None:
    """The cache key of the page as it must look now, or None when the article is not visible."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(FRESHNESS_SQL, [*VISIBLE_STATUSES, now, pk, *VISIBLE_STATUSES, now])
        row = cursor.fetchone()
    if row is None:
        return None
    state = "|".join(str(value) for value in (pk, *row, request.get_host(), request.scheme))
    return "article-response:" + hashlib.sha1(state.encode()).hexdigest()


@require_safe
def article_detail(request, pk, slug=None):
    # The slug after the id is decoration for people reading the URL; the id alone decides.
    key = _cached_article_key(request, pk)
    if key is not None and (cached := cache.get(key)) is not None:
        etag, last_modified, max_age, html = cached
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        response = response or HttpResponse(html)
        return cache_publicly(with_validators(response, etag, last_modified), max_age)

    article = Article.objects.select_related("page__issue").filter(pk=pk).first()
    if article is None:
        raise Http404("没有这篇稿件。")
    response = render_article(request, article)
    if key is not None and response.status_code == 200:
        last_modified = int(article.updated_at.timestamp())
        cached = (response["ETag"], last_modified, get_max_age(response), response.content)
        cache.set(key, cached, ARTICLE_CACHE_SECONDS)
    return response


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

    siblings = _issue_siblings(article)
    previous_article, next_article = _neighbours(article, siblings)
    if preview:
        response = HttpResponse(_render_article_html(request, article, previous_article, next_article, preview=True))
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

    html = _render_article_html(request, article, previous_article, next_article, preview=False)
    return cache_publicly(with_validators(HttpResponse(html), etag, last_modified), max_age)


def _issue_siblings(article) -> list[dict]:
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


def _neighbours(article, siblings):
    ids = [s["pk"] for s in siblings]
    if article.pk not in ids:  # a preview of an article not yet visible
        return None, None
    i = ids.index(article.pk)
    return (siblings[i - 1] if i > 0 else None), (siblings[i + 1] if i + 1 < len(siblings) else None)


def _render_article_html(request, article, previous_article, next_article, *, preview) -> str:
    prefetch_related_objects([article], *detail_prefetches())  # skips what the caller prefetched
    url = request.build_absolute_uri(article.get_absolute_url())
    photos = list(article.photos.all())
    lead_photo = next((p for p in photos if p.is_lead), None)
    gallery = [p for p in photos if p is not lead_photo]
    image_urls = [request.build_absolute_uri(p.image.url) for p in photos if p.image]
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
        "description": (lead[0] if lead else article.subtitle or article.title)[:120],
        "sections": sections,
        "lead_photo": lead_photo,
        "gallery": gallery,
        "og_image": image_urls[0] if image_urls else "",
        "citation": presentation.citation(article, url),
        "json_ld": presentation.json_ld(presentation.news_article_data(article, url=url, image_urls=image_urls)),
        "previous_article": previous_article,
        "next_article": next_article,
    }
    return render_to_string("articles/article_detail.html", context, request=request)


@require_safe
def issue_index(request):
    """A calendar of past issues, one year at a time; only days with an issue are links."""
    years = [d.year for d in issues_with_visible_articles().dates("date", "year", order="DESC")]
    year_param = request.GET.get("year")
    if year_param is None:
        year = years[0] if years else timezone.localdate().year
    else:
        try:
            year = int(year_param)
        except ValueError as exc:
            raise Http404("年份应为数字。") from exc
        if year not in years:
            raise Http404("这一年没有报纸。")
    issues = (
        {issue.date: issue for issue in issues_with_visible_articles().filter(date__year=year).only("date", "number")}
        if years
        else {}
    )
    months = []
    month_calendar = calendar.Calendar(firstweekday=0)
    for month in range(12, 0, -1):
        if not any(d.month == month for d in issues):
            continue
        weeks = [
            [(day, issues.get(day)) if day.month == month else (None, None) for day in week]
            for week in month_calendar.monthdatescalendar(year, month)
        ]
        months.append(
            {
                "month": month,
                "weeks": weeks,
                "count": sum(d.month == month for d in issues),
            }
        )
    context = {
        "years": years,
        "year": year,
        "months": months,
        "weekdays": WEEKDAYS,
        "issue_count": len(issues),
    }
    max_age = RECENT_MAX_AGE if year >= timezone.localdate().year else OLD_MAX_AGE
    return cache_publicly(render(request, "articles/issue_index.html", context), max_age)


@require_safe
def issue_detail(request, date):
    issue = Issue.objects.filter(date=date).first()
    if issue is None:
        raise Http404("这一天没有出报。")
    articles = issue_articles(issue)
    if not articles:
        raise Http404("这一天没有出报。")
    others = issues_with_visible_articles().only("date")
    previous_issue = others.filter(date__lt=issue.date).order_by("-date").first()
    next_issue = others.filter(date__gt=issue.date).order_by("date").first()
    # Everything the page shows: its articles as they are now, and the neighbouring issues.
    fingerprint = "|".join(
        [f"{a.pk}:{a.version}:{a.updated_at.isoformat()}" for a in articles]
        + [
            str(previous_issue and previous_issue.date),
            str(next_issue and next_issue.date),
        ]
    )
    etag = '"' + hashlib.sha1(fingerprint.encode()).hexdigest() + '"'
    last_modified = int(max(a.updated_at for a in articles).timestamp())
    max_age = max_age_for(issue.date)
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return cache_publicly(with_validators(not_modified, etag, last_modified), max_age)

    pages = [(page, list(items)) for page, items in groupby(articles, key=lambda a: a.page)]
    context = {
        "issue": issue,
        "pages": pages,
        "previous_issue": previous_issue,
        "next_issue": next_issue,
    }
    response = render(request, "articles/issue_detail.html", context)
    return cache_publicly(with_validators(response, etag, last_modified), max_age)


COMMENTATOR_GROUPS = [("人大", "人大代表"), ("政协", "政协委员"), ("", "其他")]
COMMENTATORS_PER_PAGE = 120


@require_safe
def commentator_index(request):
    """Deputies and committee members with at least one visible commentary, by their current body.

    Sorted by body (as Commentator.body decides it) and name in the query, so a page of the list
    splits into the same groups.
    """
    body_order = Case(
        When(title__contains="人大", then=Value(0)), When(title__contains="政协", then=Value(1)), default=Value(2)
    )
    people = (
        Commentator.objects.annotate(
            commentary_count=Count("sections", filter=Q(sections__article__in=Article.objects.visible())),
            body_order=body_order,
        )
        .filter(commentary_count__gt=0)
        .order_by("body_order", "name")
    )
    page = paginate(request, people, per_page=COMMENTATORS_PER_PAGE, count_key="commentators")
    groups = [{"label": label, "people": [p for p in page if p.body == body]} for body, label in COMMENTATOR_GROUPS]
    context = {"groups": [g for g in groups if g["people"]], "total": page.paginator.count, "page_obj": page}
    return cache_publicly(render(request, "articles/commentator_index.html", context), RECENT_MAX_AGE)


@require_safe
def commentator_detail(request, pk):
    commentator = get_object_or_404(Commentator.objects.select_related("photo"), pk=pk)
    sections = paginate(request, commentaries().filter(commentator=commentator), count_key=f"commentator:{pk}")
    if not sections.paginator.count:
        # Someone known only from drafts is not public yet.
        raise Http404("没有这位代表委员。")
    context = {"commentator": commentator, "sections": sections}
    return cache_publicly(render(request, "articles/commentator_detail.html", context), RECENT_MAX_AGE)


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    articles = paginate(
        request, visible_listing().filter(tags=tag).order_by("-published_at", "-pk"), count_key=f"tag:{tag.pk}"
    )
    if not articles.paginator.count:
        raise Http404("没有带这个标签的稿件。")
    context = {"tag": tag, "articles": articles}
    return cache_publicly(render(request, "articles/tag_detail.html", context), RECENT_MAX_AGE)


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri("/sitemap.xml")
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/export",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    return cache_publicly(response, OLD_MAX_AGE)
