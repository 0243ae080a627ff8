"""Article regions on a page: checked, saved all at once, and read from a layout system's JSON.

The regions file (``import_articles --regions FILE``) is one JSON array::

    [{"article": 12, "polygon": [[0.05, 0.1], [0.5, 0.1], [0.5, 0.4], [0.05, 0.4]]},
     {"article": "3f9a…", "page": "A05", "polygon": [[0, 0], [1, 0], [1, 0.2]]}]

``article`` is an article's id or its import key (the hash ``import_articles`` gives each text,
so a layout system that imported the text can name it without knowing ids); ``polygon`` lists
the corners, each [x, y] relative to the page (0 the left/top edge, 1 the right/bottom);
``page`` (optional) is a page number of the same issue when the file covers several pages.
A file is all-or-nothing: any bad entry is reported with its number and nothing is saved.

Every change of a page's regions also raises the page's ``updated_at``: the public e-paper page
uses it for Last-Modified.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from articles.epaper.pdf import PAGE_NUMBER
from articles.models import REGION_MAX_POINTS, Article, Page, PageRegion, polygon_problem

MAX_REGIONS = 500  # on one page: a page holds a few dozen articles


@dataclass(frozen=True)
class RegionEntry:
    """One checked entry: the article and outline, and the page number when the entry names one."""

    article: Article
    polygon: list[list[float]]
    page_number: str | None = None


def touch(page_pk: int) -> None:
    """Raise the page's updated_at (without saving the whole row, which a concurrent edit may hold)."""
    Page.objects.filter(pk=page_pk).update(updated_at=timezone.now())


def clean_polygon(raw) -> list[list[float]]:
    """The outline as stored (floats, rounded to a tenth of a per mille), or ValidationError."""
    problem = polygon_problem(raw)
    if problem:
        raise ValidationError(problem)
    return [[round(float(x), 5), round(float(y), 5)] for x, y in raw]


def find_article(value, articles: QuerySet[Article]) -> Article | None:
    """An article by id (a number, or digits) or import key, among ``articles``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return articles.filter(pk=value).first() if 0 < value < 2**63 else None
    if isinstance(value, str) and value.strip():
        value = value.strip()
        if value.isdigit() and len(value) < 19:
            return articles.filter(pk=int(value)).first()
        return articles.filter(import_key=value).first()
    return None


def parse_entries(data, articles: QuerySet[Article] | None = None) -> list[RegionEntry]:
    """Entries of a regions file (already decoded from JSON); ValidationError names the bad entry."""
    articles = Article.objects.all() if articles is None else articles
    if not isinstance(data, list):
        raise ValidationError('区域文件应为 JSON 数组：[{"article": …, "polygon": [[x, y], …]}, …]')
    if not data:
        raise ValidationError("区域文件是空的（一个区域也没有）。")
    if len(data) > MAX_REGIONS:
        raise ValidationError(f"区域太多：{len(data)} 个，最多 {MAX_REGIONS} 个。")
    entries = []
    for number, item in enumerate(data, start=1):

        def fail(reason: str, number=number):
            raise ValidationError(f"第 {number} 个区域：{reason}")

        if not isinstance(item, dict):
            fail('应为对象 {"article": …, "polygon": [[x, y], …]}')
        unknown = set(item) - {"article", "polygon", "page"}
        if unknown:
            fail(f"未知的键“{sorted(unknown)[0][:20]}”（可用：article、polygon、page）")
        if "article" not in item:
            fail("缺少“article”（稿件编号或导入指纹）")
        article = find_article(item["article"], articles)
        if article is None:
            shown = json.dumps(item["article"], ensure_ascii=False)[:40]
            fail(f"找不到稿件 {shown}（应为稿件编号或导入指纹）")
        polygon = item.get("polygon")
        if isinstance(polygon, list) and len(polygon) > REGION_MAX_POINTS:
            fail(f"区域最多 {REGION_MAX_POINTS} 个顶点。")
        try:
            polygon = clean_polygon(polygon)
        except ValidationError as error:
            fail(error.messages[0])
        page_number = item.get("page")
        if page_number is not None:
            if not isinstance(page_number, str) or not PAGE_NUMBER.match(page_number.strip().upper()):
                fail("“page”应为版次，如 A04")
            page_number = page_number.strip().upper()
        entries.append(RegionEntry(article, polygon, page_number))
    return entries


def read_regions_file(data: bytes, articles: QuerySet[Article] | None = None) -> list[RegionEntry]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("区域文件应为 UTF-8 编码的 JSON。") from None
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError(f"区域文件不是有效的 JSON：第 {error.lineno} 行第 {error.colno} 列附近有误。") from None
    except (RecursionError, ValueError):
        raise ValidationError("区域文件不是有效的 JSON（嵌套太深或数字太大）。") from None
    return parse_entries(decoded, articles)


def import_regions(page: Page, entries: list[RegionEntry]) -> dict[int, int]:
    """Replace the regions of ``page`` (and of the issue's pages named by entries) by ``entries``.

    All at once, in one transaction; an entry naming a page the issue does not have fails the
    whole file. Returns {page id: number of regions}.
    """
    pages = {page.number: page}
    wanted = {e.page_number for e in entries if e.page_number and e.page_number != page.number}
    if wanted:
        for other in Page.objects.filter(issue=page.issue_id, number__in=wanted):
            pages[other.number] = other
        missing = sorted(wanted - set(pages))
        if missing:
            raise ValidationError(f"{page.issue.date} 这一期没有第{missing[0]}版：请先建立这个版面。")
    by_page: dict[int, list[RegionEntry]] = {}
    for entry in entries:
        target = pages[entry.page_number or page.number]
        by_page.setdefault(target.pk, []).append(entry)
    with transaction.atomic():
        for page_pk, items in by_page.items():
            replace_regions(page_pk, [(e.article.pk, e.polygon) for e in items])
    return {pk: len(items) for pk, items in by_page.items()}


def replace_regions(page_pk: int, regions: list[tuple[int, list]]) -> list[PageRegion]:
    """The page's regions become exactly ``regions`` ((article id, polygon), in order)."""
    with transaction.atomic():
        PageRegion.objects.filter(page_id=page_pk).delete()
        created = PageRegion.objects.bulk_create(
            PageRegion(page_id=page_pk, article_id=article_pk, polygon=polygon, position=position)
            for position, (article_pk, polygon) in enumerate(regions)
        )
        touch(page_pk)
    return created
