"""The e-paper's read queries: which pages of an issue a reader may open, one page with its
articles and their regions, and the issues around a day.

A page is open to readers when a visible article stands on it (its page) or has a region on it
(an article continued from another page, 转版). Everything here reads visibility from the one rule
in articles.models: the pages through visible_condition(), one page's few dozen articles through
Article.is_visible after one read of them all, so that what is not visible (drafts, pieces in
review, scheduled pieces whose time has not come) never leaves this module, and a withdrawn
article is known only as "withdrawn" — its region is greyed and leads to the 410 notice.

The page view runs a fixed number of queries whatever the number of regions: the open pages of
the issue (with the issue), the page's articles, its regions, the issues around it.
"""

from __future__ import annotations

import datetime
import hashlib
import posixpath
import re
from dataclasses import dataclass, field

from django.db.models import Exists, Max, Min, OuterRef, Q

from articles.epaper.renditions import rendition_records
from articles.models import Article, Page, PageRegion, page_number_validator, visible_condition
from articles.photos.renditions import Picture
from articles.selectors import issues_with_visible_articles

# The pattern a page number (版次) has in the records: the URL accepts exactly these.
PAGE_NUMBER_REGEX = page_number_validator.regex.pattern.removeprefix("^").removesuffix("$")

# Files a browser shows as an image. A page's image is always one of these (the PDF is rendered
# to one); anything else is never put in an <img>.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")

# A withdrawn article's region is named for what it shows ("已撤稿" on the page), never by its title.
WITHDRAWN_LABEL = "已撤稿：本报已撤回此稿"

# The page beside its article list: about two thirds of the e-paper's 88rem frame on a desktop,
# the whole width on a tablet (a phone gets the list instead, see epaper.css).
SHEET_SIZES = "(min-width: 88rem) 960px, (min-width: 48rem) 68vw, 100vw"
# What a browser that ignores srcset gets: sharp enough beside the list, light enough anywhere.
SHEET_FALLBACK_WIDTH = 1200
# The thumbnails of the issue page: about 8rem wide.
THUMBNAIL_SIZES = "8rem"
THUMBNAIL_FALLBACK_WIDTH = 400
# The image a phone opens to zoom in on a column.
LARGE_WIDTH = 1600


@dataclass(frozen=True)
class PageImage(Picture):
    """A <picture> of a page, and a big JPEG rendition to open on its own."""

    large: str  # a big JPEG rendition to open on its own


def _shown_image(page: Page) -> bool:
    name = page.image.name if page.image else ""
    return bool(name) and posixpath.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def page_image(page: Page, *, sizes: str = SHEET_SIZES, fallback_width: int = SHEET_FALLBACK_WIDTH):
    """The page image as renditions (never the PDF), or None when the page has no image.

    Until its renditions exist (they are made after the upload commits) the image itself is
    shown, as photos do; once they exist, only renditions are.
    """
    if not _shown_image(page):
        return None
    storage = page.image.storage
    items = sorted(rendition_records(page), key=lambda item: item["width"])
    jpegs = [item for item in items if item["format"] == "jpeg"]
    webps = [item for item in items if item["format"] == "webp"]
    if not jpegs:
        url = page.image.url
        return PageImage(url, page.image_width, page.image_height, "", "", sizes, url)

    def srcset(chosen):
        return ", ".join(f"{storage.url(item['name'])} {item['width']}w" for item in chosen)

    fallback = next((item for item in jpegs if item["width"] >= fallback_width), jpegs[-1])
    large = next((item for item in jpegs if item["width"] >= LARGE_WIDTH), jpegs[-1])
    return PageImage(
        src=storage.url(fallback["name"]),
        width=fallback["width"],
        height=fallback["height"],
        srcset=srcset(jpegs),
        webp_srcset=srcset(webps),
        sizes=sizes,
        large=storage.url(large["name"]),
    )


def thumbnail(page: Page):
    return page_image(page, sizes=THUMBNAIL_SIZES, fallback_width=THUMBNAIL_FALLBACK_WIDTH)


def openable(pages):
    """The pages of a queryset that readers may open: a visible article on them or with a region there."""
    visible_here = Article.objects.filter(visible_condition(), page=OuterRef("pk"))
    visible_region = PageRegion.objects.filter(visible_condition("article__"), page=OuterRef("pk"))
    return pages.filter(Q(Exists(visible_here)) | Q(Exists(visible_region)))


def open_pages(pages) -> list[Page]:
    """openable(pages) in print order, with their issue."""
    return list(openable(pages).select_related("issue").order_by("number", "pk"))


def issue_pages(issue) -> list[Page]:
    """The issue's pages a reader may open (the issue page's strip of thumbnails)."""
    return open_pages(Page.objects.filter(issue=issue))


def pages_fingerprint(pages) -> list[str]:
    """What of the pages an issue or e-paper page shows: number, name, image and its renditions."""
    return [
        f"{p.pk}:{p.number}:{p.name}:{p.updated_at.isoformat()}:{p.image.name}:"
        + ",".join(item["name"] for item in rendition_records(p))
        for p in pages
    ]


@dataclass(frozen=True)
class IssueDates:
    """The issues around a day: the one before, the one after, the first and the last."""

    previous: datetime.date | None
    next: datetime.date | None
    first: datetime.date | None
    last: datetime.date | None


def issue_dates_around(day: datetime.date) -> IssueDates:
    """One query over the issues readers may open."""
    found = issues_with_visible_articles().aggregate(
        previous=Max("date", filter=Q(date__lt=day)),
        next=Min("date", filter=Q(date__gt=day)),
        first=Min("date"),
        last=Max("date"),
    )
    return IssueDates(**found)


def picked_date(value: str) -> datetime.date | None:
    """A day typed or picked as YYYY-MM-DD (what <input type=date> sends), or None."""
    value = value.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return day if day.year >= 1 else None


@dataclass(frozen=True)
class Region:
    """One outline on the page, in the image's pixels, linking to its article."""

    article_id: int
    points: str  # "x,y x,y …" for <polygon points>
    label: str  # what a screen reader announces
    withdrawn: bool
    target_id: str  # "article-12" on the article's first region, else ""
    label_x: float = 0.0
    label_y: float = 0.0


@dataclass(frozen=True)
class ListedArticle:
    article: Article
    continued_from: str  # the page number it starts on, when that is another page
    target_id: str  # "article-12" when the article has no region here


@dataclass
class EpaperPage:
    page: Page
    pages: list[Page]
    previous_page: Page | None
    next_page: Page | None
    articles: list[ListedArticle]
    withdrawn_count: int
    regions: list[Region]
    image: PageImage | None
    view_width: int
    view_height: int
    pdf_url: str
    dates: IssueDates
    label: dict = field(default_factory=dict)  # the "已撤稿" tag's font size and box, in image pixels
    etag: str = ""
    last_modified: int = 0

    @property
    def issue(self):
        return self.page.issue


def _article_fields():
    return (
        "pk",
        "title",
        "kicker",
        "subtitle",
        "status",
        "published_at",
        "version",
        "updated_at",
        "page_id",
        "position",
        "page__number",
    )


def epaper_page(day: datetime.date, number: str) -> EpaperPage | None:
    """The e-paper page of an issue, or None when readers may not open it."""
    pages = open_pages(Page.objects.filter(issue__date=day))
    page = next((p for p in pages if p.number == number), None)
    if page is None:
        return None
    index = pages.index(page)
    region_rows = list(PageRegion.objects.filter(page=page).order_by("position", "pk"))
    on_page = (
        Article.objects.filter(Q(page=page) | Q(pk__in=[r.article_id for r in region_rows]))
        .select_related("page")
        .only(*_article_fields())
        .order_by("pk")
    )
    everything = list(on_page)
    visible = {a.pk: a for a in everything if a.is_visible}
    withdrawn = {a.pk for a in everything if a.status == Article.Status.WITHDRAWN}
    hidden = len(everything) - len(visible) - len(withdrawn)

    # Print order: the page's own articles by their place on it, then those continued here, in
    # the order of their first region.
    first_region = {}
    for row in region_rows:
        first_region.setdefault(row.article_id, row)
    own = sorted((a for a in visible.values() if a.page_id == page.pk), key=lambda a: (a.position, a.pk))
    continued = sorted(
        (a for a in visible.values() if a.page_id != page.pk),
        key=lambda a: (first_region[a.pk].position, first_region[a.pk].pk),
    )
    order = {a.pk: i for i, a in enumerate(own + continued)}

    image = page_image(page)
    width, height = _view_box(page, image)
    label_size = round(width * 0.024, 1)
    regions = []
    targeted = set()
    shown_rows = [r for r in region_rows if r.article_id in visible or r.article_id in withdrawn]
    shown_rows.sort(key=lambda r: (order.get(r.article_id, len(order)), r.position, r.pk))
    if image is not None:
        for row in shown_rows:
            points = _points(row.polygon, width, height)
            if points is None:
                continue
            is_withdrawn = row.article_id in withdrawn
            left, top = min(p[0] for p in row.polygon) * width, min(p[1] for p in row.polygon) * height
            target = "" if row.article_id in targeted else f"article-{row.article_id}"
            targeted.add(row.article_id)
            regions.append(
                Region(
                    article_id=row.article_id,
                    points=points,
                    label=WITHDRAWN_LABEL if is_withdrawn else visible[row.article_id].title,
                    withdrawn=is_withdrawn,
                    target_id=target,
                    label_x=round(min(left + label_size * 0.4, width - label_size * 4), 1),
                    label_y=round(min(top + label_size * 0.4, height - label_size * 1.6), 1),
                )
            )
    listed = [
        ListedArticle(
            article=a,
            continued_from=a.page.number if a.page_id and a.page_id != page.pk else "",
            target_id="" if a.pk in targeted else f"article-{a.pk}",
        )
        for a in own + continued
    ]
    # The printed PDF shows every article on the page as printed: it is offered only while all of
    # them may be read, so a withdrawn piece (or one not yet public) is not downloadable from us.
    pdf_url = page.pdf.url if page.pdf and not withdrawn and not hidden else ""
    sheet = EpaperPage(
        page=page,
        pages=pages,
        previous_page=pages[index - 1] if index > 0 else None,
        next_page=pages[index + 1] if index + 1 < len(pages) else None,
        articles=listed,
        withdrawn_count=len(withdrawn),
        pdf_url=pdf_url,
        dates=issue_dates_around(day),
        # The page image, its size and the articles' outlines on it.
        image=image,
        view_width=width,
        view_height=height,
        regions=regions,
        # The size of the numbered labels on the outlines, in the image's units.
        label={
            "size": label_size,
            "width": round(label_size * 3.6, 1),
            "height": round(label_size * 1.5, 1),
            "dx": round(label_size * 0.3, 1),
            "dy": round(label_size * 1.1, 1),
        },
    )
    _set_validators(sheet, everything, region_rows)
    return sheet


def _view_box(page: Page, image: PageImage | None) -> tuple[int, int]:
    """The regions' coordinate space: the image's pixels, so the outline keeps the page's shape."""
    if image is not None and image.width and image.height:
        return image.width, image.height
    if page.image_width and page.image_height:
        return page.image_width, page.image_height
    return 1000, 1414  # an A-series page, when nothing says otherwise


def _points(polygon, width: int, height: int) -> str | None:
    """The outline in the image's pixels; None for a stored outline that is not one (skipped, not a 500)."""
    try:
        corners = [(float(x), float(y)) for x, y in polygon]
    except (TypeError, ValueError):
        return None
    if len(corners) < 3:
        return None
    return " ".join(f"{min(max(x, 0), 1) * width:.1f},{min(max(y, 0), 1) * height:.1f}" for x, y in corners)


def _set_validators(sheet: EpaperPage, articles, region_rows) -> None:
    """ETag and Last-Modified from everything the page shows.

    The page row (raised by every region save), its regions as stored, each article's version and
    state — whether it is visible now, so a scheduled piece appearing changes the page — and the
    neighbouring pages and issues.
    """
    page = sheet.page
    parts = pages_fingerprint(sheet.pages)
    parts += [f"{a.pk}:{a.version}:{a.updated_at.isoformat()}:{a.status}:{a.is_visible}" for a in articles]
    parts += [f"r{r.pk}:{r.article_id}:{r.position}:{r.polygon}" for r in region_rows]
    parts += [f"{page.pk}:{page.pdf.name}", str(sheet.dates)]
    sheet.etag = '"' + hashlib.sha1("|".join(parts).encode()).hexdigest() + '"'
    moments = [page.updated_at, *(a.updated_at for a in articles)]
    # A scheduled article shows from its time on, with no row changing: that time is a change too.
    moments += [a.published_at for a in articles if a.is_visible]
    sheet.last_modified = int(max(moments).timestamp())
