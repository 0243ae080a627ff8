"""The search page and the exports of a whole result set."""

import csv
import json

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles.models import is_visible_now
from search import engine
from search.forms import SearchForm
from search.highlight import article_snippet, highlight
from search.query import ParsedQuery


def _is_staff(request) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)


def limits() -> engine.SearchLimits:
    """settings.SEARCH_LIMITS (an engine.SearchLimits) when set, else the engine's defaults."""
    return getattr(settings, "SEARCH_LIMITS", None) or engine.DEFAULT_LIMITS


def _form(request) -> SearchForm:
    return SearchForm(request.GET, staff=_is_staff(request))


def _query_string(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def _render_errors(request, form, messages=None, *, status=400) -> HttpResponse:
    response = render(
        request,
        "search/search.html",
        {
            "form": form,
            "errors": messages or [e for errors in form.errors.values() for e in errors],
            "q": request.GET.get("q", ""),
            "filters_open": True,
            "staff": _is_staff(request),
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def search(request):
    form = _form(request)
    if not form.is_valid():
        return _render_errors(request, form)
    parsed: ParsedQuery = form.parsed
    filters = form.filters()
    staff = _is_staff(request)
    context = {
        "form": form,
        "q": form.cleaned_data["q"],
        "parsed": parsed,
        "staff": staff,
        "filters_open": filters.any,
    }
    if parsed.is_empty and not filters.any:
        context["latest_issues"] = engine.latest_issues()
        return render(request, "search/search.html", context)

    sort = form.cleaned_data.get("sort") or ""
    if parsed.is_empty or not parsed.include:
        sort = sort or "-date"  # nothing to rank by
    try:
        outcome = engine.run_search(
            parsed,
            filters,
            staff=staff,
            sort=sort,
            page_number=form.cleaned_data.get("p") or 1,
            limits=limits(),
        )
    except engine.SearchTimeout:
        return _render_errors(
            request,
            form,
            ["这次检索用时过长，已停止。请加词、加引号或用日期、集群等条件缩小范围后再试。"],
            status=503,
        )
    now = timezone.now()
    results = []
    for article in outcome.articles:
        results.append(
            {
                "article": article,
                "snippet": article_snippet(article, parsed.terms_for_highlight),
                "title_html": highlight(article.title, parsed.terms_for_highlight),
                "kicker_html": highlight(article.kicker, parsed.terms_for_highlight),
                "visible": is_visible_now(article.status, article.published_at, now=now),
                "issue": article.page.issue if article.page_id else None,
            }
        )
    context.update(
        {
            "outcome": outcome,
            "results": results,
            "sort": sort,
            "page_links": _page_links(request, outcome),
            "export_query": _query_string(request, p=None),
            "facet_links": _facet_links(request, outcome),
            "sort_links": [
                {
                    "value": value,
                    "label": label,
                    "url": "?" + _query_string(request, sort=value or None, p=None),
                }
                for value, label in (
                    ("", "相关度"),
                    ("-date", "最新"),
                    ("date", "最早"),
                )
            ],
        }
    )
    return render(request, "search/search.html", context)


def _page_links(request, outcome) -> dict:
    def url(n):
        return "?" + _query_string(request, p=str(n) if n > 1 else None)

    numbers = sorted(
        {
            1,
            outcome.num_pages,
            *range(max(1, outcome.page_number - 2), outcome.page_number + 3),
        }
    )
    numbers = [n for n in numbers if 1 <= n <= outcome.num_pages]
    return {
        "previous": url(outcome.page_number - 1) if outcome.has_previous else "",
        "next": url(outcome.page_number + 1) if outcome.has_next else "",
        "numbers": [{"n": n, "url": url(n), "current": n == outcome.page_number} for n in numbers],
    }


def _facet_links(request, outcome) -> dict:
    def link(param, facet, active):
        return {
            "label": facet.label,
            "count": facet.count,
            "share": facet.share,
            "active": active,
            "url": "?" + _query_string(request, **{param: None if active else facet.value, "p": None}),
        }

    f = outcome.filters
    years = []
    for facet in outcome.years:
        active = bool(f.date_from and f.date_to and str(f.date_from.year) == facet.value == str(f.date_to.year))
        item = link("from", facet, active)
        item["url"] = "?" + (
            _query_string(request, **{"from": None, "to": None, "p": None})
            if active
            else _query_string(
                request,
                **{
                    "from": f"{facet.value}-01-01",
                    "to": f"{facet.value}-12-31",
                    "p": None,
                },
            )
        )
        years.append(item)
    return {
        "clusters": [link("cluster", c, f.cluster is not None and f.cluster.slug == c.value) for c in outcome.clusters],
        "years": years,
        "commentators": [
            link(
                "commentator",
                c,
                f.commentator is not None and str(f.commentator.pk) == c.value,
            )
            for c in outcome.commentators
        ],
    }


class _Echo:
    """A file-like object whose write() hands back the line: csv.writer for streaming."""

    def write(self, value):
        return value


CSV_COLUMNS = [
    ("id", "编号"),
    ("title", "主题"),
    ("kicker", "引题"),
    ("subtitle", "副题"),
    ("status", "状态"),
    ("published_at", "发布时间"),
    ("issue_date", "报纸日期"),
    ("issue_number", "期号"),
    ("page", "版次"),
    ("credits", "署名"),
    ("commentators", "代表委员"),
    ("clusters", "产业集群"),
    ("tags", "标签"),
    ("url", "网址"),
    ("lead", "导语"),
]


def _csv_row(record: dict, base_url: str) -> list:
    page = record.get("page")
    return [
        record["id"],
        record["title"],
        record.get("kicker") or "",
        record.get("subtitle") or "",
        record["status"],
        record.get("published_at") or "",
        record.get("issue_date") or "",
        record.get("issue_number") or "",
        f"{page['number']} {page['name']}".strip() if page else "",
        "；".join(f"{c['role']}/{' '.join(c['names'])}" for c in record.get("credits", [])),
        "；".join(
            f"{s['commentator']['title']} {s['commentator']['name']}".strip()
            for s in record.get("sections", [])
            if s.get("commentator")
        ),
        "；".join(record.get("clusters", [])),
        "；".join(record.get("tags", [])),
        base_url + record["url"],
        "\n\n".join(record.get("lead", [])),
    ]


def _export_queryset(request):
    form = _form(request)
    if not form.is_valid():
        return form, None
    return form, engine.search_queryset(form.parsed, form.filters(), staff=_is_staff(request))


def _export_name(extension: str) -> str:
    return f"hengyang-search-{timezone.localdate():%Y%m%d}.{extension}"


@require_safe
def export_csv(request):
    from articles.selectors import iter_article_records

    form, qs = _export_queryset(request)
    if qs is None:
        return _render_errors(request, form)
    writer = csv.writer(_Echo())
    base_url = request.build_absolute_uri("/").rstrip("/")

    def rows():
        # The byte-order mark tells Excel the file is UTF-8; without it Chinese turns to mojibake.
        yield "\ufeff" + writer.writerow([label for _, label in CSV_COLUMNS])
        for record in iter_article_records(qs):
            yield writer.writerow(_csv_row(record, base_url))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def export_jsonl(request):
    from articles.selectors import iter_article_records

    form, qs = _export_queryset(request)
    if qs is None:
        return _render_errors(request, form)

    def lines():
        for record in iter_article_records(qs):
            yield json.dumps(record, ensure_ascii=False) + "\n"

    response = StreamingHttpResponse(lines(), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("jsonl")}"'
    response["Cache-Control"] = "private, no-store"
    return response
