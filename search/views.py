"""The search page and the exports of a whole result set.

What a person finds is engine.scope_for(request.user): exactly articles.selectors.articles_for,
what the article admin lists for them. Pages that may hold unpublished articles are private.
Readers' requests are rate-limited (search/ratelimit.py) and their exports capped at
SEARCH_EXPORT_MAX_ROWS rows, with a note at the end pointing to the read API.
"""

import csv
import datetime
import functools
import json

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles.models import Article, is_visible_now
from articles.selectors import article_record, export_queryset
from hengyang_cms.http import cache_privately
from search import engine
from search.forms import SearchForm
from search.highlight import article_snippet, highlight
from search.query import ParsedQuery
from search.ratelimit import rate_limited

# Readers' exports stop after this many rows (the last line then says so); staff get everything.
EXPORT_MAX_ROWS = 1000
# Where the note at the end of a cut export sends people who want everything.
READ_API_PATH = "/api/v1/"
# Articles read per query while an export streams.
EXPORT_CHUNK = 200

TIMEOUT_MESSAGE = "这次检索用时过长，已停止。请加词、加引号或用日期、集群等条件缩小范围后再试。"


def limits() -> engine.SearchLimits:
    """settings.SEARCH_LIMITS (an engine.SearchLimits) when set, else the engine's defaults."""
    return getattr(settings, "SEARCH_LIMITS", None) or engine.DEFAULT_LIMITS


def export_max_rows() -> int:
    return int(getattr(settings, "SEARCH_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS))


def _scope(request) -> engine.Scope:
    return engine.scope_for(request.user)


def _is_staff(request) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def _form(request, scope: engine.Scope) -> SearchForm:
    return SearchForm(request.GET, status_filter=scope.unpublished)


def _private(response, scope: engine.Scope):
    """A page that may show unpublished articles is the person's alone: no shared cache keeps it."""
    return cache_privately(response) if scope.unpublished else response


def _query_string(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def _shown(value) -> str:
    """A parameter as the page echoes it: without NUL, which no HTML may hold."""
    return str(value or "").replace("\x00", "")


def _shown_params(request) -> dict:
    """The typed-in filters as the form echoes them."""
    return {
        key: _shown(request.GET.get(key))
        for key in ("from", "to", "issue", "page", "commentator", "contributor", "tag")
    }


def _render_errors(request, form, messages=None, *, status=400) -> HttpResponse:
    return cache_privately(
        render(
            request,
            "search/search.html",
            {
                "form": form,
                "errors": messages or [_shown(e) for errors in form.errors.values() for e in errors],
                "q": _shown(request.GET.get("q", "")),
                "filters_open": True,
                "staff": form.status_filter,
                "shown": _shown_params(request),
            },
            status=status,
        )
    )


@require_safe
@rate_limited("search")
def search(request):
    scope = _scope(request)
    form = _form(request, scope)
    if not form.is_valid():
        return _render_errors(request, form)
    parsed: ParsedQuery = form.parsed
    filters = form.filters()
    context = {
        "form": form,
        "q": form.cleaned_data["q"],
        "parsed": parsed,
        "staff": scope.unpublished,
        "filters_open": filters.any,
        "shown": _shown_params(request),
    }
    if parsed.is_empty and not filters.any:
        context["latest_issues"] = engine.latest_issues()
        return _private(render(request, "search/search.html", context), scope)

    sort = engine.page_sort(parsed, form.cleaned_data.get("sort") or "")
    try:
        outcome = engine.run_search(
            parsed,
            filters,
            scope=scope,
            sort=sort,
            page_number=form.cleaned_data.get("p") or 1,
            limits=limits(),
        )
    except engine.SearchTimeout:
        return _render_errors(request, form, [TIMEOUT_MESSAGE], status=503)
    now = timezone.now()
    results = []
    for article in outcome.articles:
        issue = article.page.issue if article.page_id else None
        results.append(
            {
                "article": article,
                "snippet": article_snippet(article, parsed.terms_for_highlight),
                "title_html": highlight(article.title, parsed.terms_for_highlight),
                "kicker_html": highlight(article.kicker, parsed.terms_for_highlight),
                "visible": is_visible_now(article.status, article.published_at, now=now),
                "issue": issue,
                # In print: the issue's date says when; the web date only when it is another day.
                "published_elsewhen": bool(
                    issue and article.published_at and timezone.localdate(article.published_at) != issue.date
                ),
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
    return _private(render(request, "search/search.html", context), scope)


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
        "years_max": max((facet.count for facet in outcome.years), default=0),
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


# What a spreadsheet would run as a formula (OWASP, "CSV injection"): a cell starting with one
# of these gets a leading apostrophe, so Excel shows it as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """A CSV cell that no spreadsheet runs as a formula (numbers and empty cells as they are)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _seconds(iso: str | None) -> str:
    """An ISO 8601 time with its offset, to the second (what a spreadsheet shows well)."""
    if not iso:
        return ""
    return datetime.datetime.fromisoformat(iso).replace(microsecond=0).isoformat()


STATUS_LABELS = dict(Article.Status.choices)


def _csv_row(record: dict, base_url: str) -> list:
    page = record.get("page")
    row = [
        record["id"],
        record["title"],
        record.get("kicker") or "",
        record.get("subtitle") or "",
        STATUS_LABELS.get(record["status"], record["status"]),
        _seconds(record.get("published_at")),
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
    return [neutralised(cell) for cell in row]


class _Export:
    """An export's ids, in the page's order, and what its last line says (if anything)."""

    def __init__(self, request):
        self.scope = _scope(request)
        self.form = _form(request, self.scope)
        self.ids: list[int] = []
        self.cut_at: int | None = None
        self.limits = limits()
        self.base_url = request.build_absolute_uri("/").rstrip("/")
        self.error: HttpResponse | None = None
        if not self.form.is_valid():
            self.error = _render_errors(request, self.form)
            return
        cap = None if _is_staff(request) else export_max_rows()
        try:
            ids = engine.ordered_ids(
                self.form.parsed,
                self.form.filters(),
                scope=self.scope,
                sort=self.form.cleaned_data.get("sort") or "",
                max_rows=None if cap is None else cap + 1,
                limits=self.limits,
            )
        except engine.SearchTimeout:
            self.error = _render_errors(request, self.form, [TIMEOUT_MESSAGE], status=503)
            return
        if cap is not None and len(ids) > cap:
            ids, self.cut_at = ids[:cap], cap
        self.ids = ids

    def records(self):
        """The records, in order, read a chunk at a time under the statement timeout; the reason
        when the export stops early (None when it is whole)."""
        articles = engine.base_queryset(scope=self.scope)
        for start in range(0, len(self.ids), EXPORT_CHUNK):
            chunk = self.ids[start : start + EXPORT_CHUNK]
            try:
                found = engine.guarded(
                    lambda chunk=chunk: {a.pk: a for a in export_queryset(articles.filter(pk__in=chunk))},
                    self.limits,
                )
            except engine.SearchTimeout:
                yield None, f"导出在第 {start + 1:,} 篇处中断：检索用时过长。请缩小范围后再导出。"
                return
            for pk in chunk:
                if pk in found:
                    yield article_record(found[pk]), None

    @property
    def cut_note(self) -> str:
        return (
            f"注：导出结果已截断，只含前 {self.cut_at:,} 篇（每次最多导出 {self.cut_at:,} 篇）。"
            f"如需完整数据，请缩小检索范围分次导出，或使用只读接口 {self.base_url}{READ_API_PATH}"
        )


def _export_name(extension: str) -> str:
    return f"hengyang-search-{timezone.localdate():%Y%m%d}.{extension}"


def _export_view(content_type: str, extension: str):
    """An export: GET only, rate limited, refused with _Export's error page, else the lines the
    decorated generator makes of the _Export, streamed as an attachment that no cache keeps."""

    def decorate(lines_of):
        @require_safe
        @rate_limited("export")
        @functools.wraps(lines_of)
        def view(request):
            export = _Export(request)
            if export.error is not None:
                return export.error
            response = StreamingHttpResponse(lines_of(export), content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{_export_name(extension)}"'
            return cache_privately(response)

        return view

    return decorate


@_export_view("text/csv; charset=utf-8", "csv")
def export_csv(export):
    writer = csv.writer(_Echo())
    # The byte-order mark tells Excel the file is UTF-8; without it Chinese turns to mojibake.
    yield "\ufeff" + writer.writerow([label for _, label in CSV_COLUMNS])
    for record, stopped in export.records():
        if stopped:
            yield writer.writerow([stopped])
            return
        yield writer.writerow(_csv_row(record, export.base_url))
    if export.cut_at:
        yield writer.writerow([export.cut_note])


@_export_view("application/x-ndjson; charset=utf-8", "jsonl")
def export_jsonl(export):
    for record, stopped in export.records():
        if stopped:
            yield json.dumps({"note": stopped, "incomplete": True}, ensure_ascii=False) + "\n"
            return
        yield json.dumps(record, ensure_ascii=False) + "\n"
    if export.cut_at:
        note = {
            "note": export.cut_note,
            "truncated": True,
            "max_rows": export.cut_at,
            "api": export.base_url + READ_API_PATH,
        }
        yield json.dumps(note, ensure_ascii=False) + "\n"
