"""The public site: today's paper, past issues, articles, commentators, tags.

Everything a reader sees passes the visibility rule: Article.objects.visible() for lists,
visible_condition() where articles are reached through a join (sections, counts, milestones),
Article.is_visible for the few dozen rows of one issue. So drafts, pieces in review, scheduled
pieces whose time has not come and withdrawn pieces show nowhere: not in lists, counts,
prev/next links or a commentator's page. Each page runs a fixed number of queries whatever the
amount of content (tests pin the counts).
"""

import calendar
import functools
import hashlib
from itertools import groupby
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, Prefetch, Subquery, Value, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe
from taggit.models import Tag

from articles.listing import (
    BY_IDS_FROM,
    PAGE_KEEP_SECONDS,
    BoundedCount,
    bounded,
    kept_page_key,
    list_max_items,
    older_in_search,
    page_by_key,
    paginate,
)
from articles.models import Article, Commentator, Issue, Section, body_order, visible_condition
from articles.selectors import commentaries, issue_articles, issue_years, issues_with_visible_articles, visible_listing
from articles.site import epaper
from articles.site.article_page import serve_article
from clusters.models import Cluster
from hengyang_cms.http import (
    HOME_MAX_AGE,
    OLD_MAX_AGE,
    RECENT_MAX_AGE,
    cache_publicly,
    max_age_for,
    with_validators,
)

WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"]
CLUSTER_CARD_ARTICLES = 3


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

    latest = paginate(
        request,
        visible_listing().order_by("-published_at", "-pk"),
        count_key="latest",
        newest_change=newest_change,
    )
    latest_issue = issues_with_visible_articles().order_by("-date").first()
    clusters = with_newest_articles(list(Cluster.objects.all()), CLUSTER_CARD_ARTICLES * 2)
    context = {
        "latest_issue": latest_issue,
        "latest_issue_is_today": latest_issue is not None and latest_issue.date == timezone.localdate(),
        "cluster_cards": cluster_cards(clusters),
        "issue_articles": issue_articles(latest_issue) if latest_issue else [],
        "commentaries": commentaries()[:6],
        "latest": latest,
        "older_url": older_in_search(latest),
    }
    html = render_to_string("articles/home.html", context, request=request)
    if cache_key:
        cache.set(cache_key, html, PAGE_KEEP_SECONDS)
    return cache_publicly(HttpResponse(html), HOME_MAX_AGE)


def with_newest_articles(clusters: list, per_cluster: int) -> list:
    """The clusters, each with its newest visible articles as ``newest_articles``, in one query.

    One LIMIT per cluster, the eight joined by UNION ALL: each walks the publication-date index
    from the newest article and stops after ``per_cluster`` of the cluster's, whatever the size of
    the archive. A sliced prefetch (a window function over every article of every cluster, then
    the first few of each) read and sorted the clusters' whole coverage, 0.5 to 0.8 s at 200,000
    articles. SQLite cannot put LIMIT in the parts of a UNION; it keeps the window function.
    """
    if not clusters:
        return clusters
    now = timezone.now()
    newest = Article.objects.visible(now=now).only("pk", "title", "published_at").order_by("-published_at", "-pk")
    if not connection.features.supports_slicing_ordering_in_compound:
        prefetch = Prefetch("articles", queryset=newest[:per_cluster], to_attr="newest_articles")
        prefetch_related_objects(clusters, prefetch)
        return clusters
    parts = [newest.filter(clusters=cluster).annotate(card=Value(cluster.pk))[:per_cluster] for cluster in clusters]
    by_cluster: dict[int, list] = {cluster.pk: [] for cluster in clusters}
    for article in parts[0].union(*parts[1:], all=True):
        by_cluster[article.card].append(article)
    for cluster in clusters:
        cluster.newest_articles = sorted(by_cluster[cluster.pk], key=lambda a: (a.published_at, a.pk), reverse=True)
    return clusters


def cluster_cards(clusters) -> list[dict]:
    """The eight clusters, each with its newest articles that no card before it lists.

    An article often covers several clusters (a round-up of all eight, say): listed on every
    card it would crowd out what is particular to each, and the cards would all look alike.
    So it is listed on the first card it belongs to; a card whose articles were all listed
    before says so rather than "暂无报道". Each cluster's newest CLUSTER_CARD_ARTICLES × 2 are
    read, so a card still has its own three when earlier cards took a few of them.
    """
    shown: set[int] = set()
    cards = []
    for cluster in clusters:
        articles = [a for a in cluster.newest_articles if a.pk not in shown][:CLUSTER_CARD_ARTICLES]
        shown.update(a.pk for a in articles)
        cards.append({"cluster": cluster, "articles": articles, "has_any": bool(cluster.newest_articles)})
    return cards


@require_safe
def article_detail(request, pk, slug=None):
    # The slug after the id is decoration for people reading the URL; the id alone decides.
    return serve_article(request, pk)


@require_safe
def issue_index(request):
    """A calendar of past issues, one year at a time; only days with an issue are links."""
    years = issue_years()
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
    # The strip of page thumbnails: the pages a reader may open, each with its image.
    strip = epaper.issue_pages(issue)
    # Everything the page shows: its articles as they are now, its pages, and the neighbouring issues.
    fingerprint = "|".join(
        [f"{a.pk}:{a.version}:{a.updated_at.isoformat()}" for a in articles]
        + epaper.pages_fingerprint(strip)
        + [
            str(previous_issue and previous_issue.date),
            str(next_issue and next_issue.date),
        ]
    )
    etag = '"' + hashlib.sha1(fingerprint.encode()).hexdigest() + '"'
    last_modified = int(max([a.updated_at for a in articles] + [p.updated_at for p in strip]).timestamp())
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
        "strip": [{"page": p, "image": epaper.thumbnail(p)} for p in strip],
    }
    response = render(request, "articles/issue_detail.html", context)
    return cache_publicly(with_validators(response, etag, last_modified), max_age)


@require_safe
def epaper_page(request, date, page):
    """One printed page (版) of an issue: its image with the articles on it as links, and their list."""
    sheet = epaper.epaper_page(date, page)
    if sheet is None:
        raise Http404("这一版没有可阅读的稿件。")
    max_age = max_age_for(date)
    not_modified = get_conditional_response(request, etag=sheet.etag, last_modified=sheet.last_modified)
    if not_modified is not None:
        return cache_publicly(with_validators(not_modified, sheet.etag, sheet.last_modified), max_age)
    response = render(request, "articles/epaper/page.html", {"sheet": sheet, "issue": sheet.issue})
    return cache_publicly(with_validators(response, sheet.etag, sheet.last_modified), max_age)


@require_safe
def issue_on_date(request):
    """The date picker's answer: that day's issue, or a page saying there was no paper that day."""
    day = epaper.picked_date(request.GET.get("date", ""))
    if day is None:
        context = {"problem": "请按“年-月-日”选择日期，例如 2019-01-08。", "dates": None, "day": None}
        response = render(request, "articles/epaper/no_issue.html", context, status=400)
        return cache_publicly(response, OLD_MAX_AGE)
    if issues_with_visible_articles().filter(date=day).exists():
        response = redirect("articles:issue", date=day.isoformat())
        return cache_publicly(response, RECENT_MAX_AGE)
    context = {"problem": "", "dates": epaper.issue_dates_around(day), "day": day}
    # An answer to the form (200, like a search that found nothing), kept out of search engines.
    response = render(request, "articles/epaper/no_issue.html", context)
    return cache_publicly(response, RECENT_MAX_AGE)


COMMENTATOR_GROUPS = [("人大", "人大代表"), ("政协", "政协委员"), ("", "其他")]
COMMENTATORS_PER_PAGE = 120


@require_safe
def commentator_index(request):
    """Deputies and committee members with at least one visible commentary, by their current body.

    Sorted by body (models.body_order) and name, so a page of the list splits into the same
    groups; read in that order from an index. Counting every commentator's sections against the
    set of visible articles hashed that set, which outgrows work_mem with a large archive and
    then ran for minutes. Now whether someone is listed is a subquery per commentator that stops
    at the first visible commentary (a scalar subquery: PostgreSQL would turn an EXISTS into a
    join over every section), tested only for the people of the page and one more: the list is
    not counted and a page starts after the last person of the one before it
    (listing.page_by_key), as a count tested every commentator on every page and a page by
    number every person before it (page 32 of 3,800 people took 75-100 ms against 60 for the
    first). The commentaries are then counted for the people of the page only, by id, each as
    far as their own page lists them (list_max_items(), then "N 篇以上"): counted in the page's
    query, PostgreSQL also counted for every row an OFFSET skipped.
    """
    said = (
        Section.objects.filter(visible_condition("article__"), commentator=OuterRef("pk")).order_by().values("article")
    )
    people = Commentator.objects.alias(first_said=Subquery(said[:1])).filter(first_said__isnull=False)
    page = page_by_key(request, people, COMMENTATORS_PER_PAGE, [body_order(), "name", "pk"])
    limit = list_max_items()
    counted = dict(
        Commentator.objects.filter(pk__in=[person.pk for person in page])
        .annotate(counted=BoundedCount(said[: limit + 1]))
        .values_list("pk", "counted")
    )
    for person in page:
        person.commentary_count, person.more = bounded(counted[person.pk], limit)
    groups = [{"label": label, "people": [p for p in page if p.body == body]} for body, label in COMMENTATOR_GROUPS]
    context = {"groups": [g for g in groups if g["people"]], "page_obj": page}
    return cache_publicly(render(request, "articles/commentator_index.html", context), RECENT_MAX_AGE)


@require_safe
def commentator_detail(request, pk):
    commentator = get_object_or_404(Commentator.objects.select_related("photo"), pk=pk)
    sections = paginate(request, commentaries(commentator), count_key=f"commentator:{pk}", by_ids_from=BY_IDS_FROM)
    if not sections.paginator.count:
        # Someone known only from drafts is not public yet.
        raise Http404("没有这位代表委员。")
    older_url = older_in_search(sections, lambda section: section.article.published_at, commentator=commentator.pk)
    context = {"commentator": commentator, "sections": sections, "older_url": older_url}
    return cache_publicly(render(request, "articles/commentator_detail.html", context), RECENT_MAX_AGE)


@require_safe
def tag_detail(request, slug):
    if "\x00" in slug:  # no slug holds one, and PostgreSQL refuses it in a query
        raise Http404("没有这个标签。")
    tag = get_object_or_404(Tag, slug=slug)
    articles = paginate(
        request, visible_listing().filter(tags=tag).order_by("-published_at", "-pk"), count_key=f"tag:{tag.pk}"
    )
    if not articles.paginator.count:
        raise Http404("没有带这个标签的稿件。")
    context = {"tag": tag, "articles": articles, "older_url": older_in_search(articles, tag=tag.name)}
    return cache_publicly(render(request, "articles/tag_detail.html", context), RECENT_MAX_AGE)


@functools.cache
def _favicon() -> bytes:
    # static/favicon.ico, through the finders (the source tree) or, after collectstatic, the storage.
    path = finders.find("favicon.ico")
    if path:
        return Path(path).read_bytes()
    with staticfiles_storage.open("favicon.ico") as icon:
        return icon.read()


@require_safe
def favicon(request):
    """/favicon.ico, which browsers (and feed readers) ask for on their own, on the site and the admin."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    return cache_publicly(response, OLD_MAX_AGE)


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
